"""benchmarks/round_cost.py: seconds per round and stage from compare folders, and the ratio to CONF."""

import json

import pytest

from tests.scripts import load_benchmark


def _cell(root, strategy, seed, per_round):
    """A compare cell folder whose state.json records ``per_round[k]`` seconds for each stage of round k."""
    info = {"warmup": {"seconds": 100.0}, "r00.eval": {"seconds": 9.0}}
    for k, seconds in per_round.items():
        for stage in ("stats", "select", "label", "train", "eval"):
            info[f"r{k:02d}.{stage}"] = {"seconds": seconds[stage] if isinstance(seconds, dict) else seconds}
    folder = root / strategy / f"seed{seed}"
    folder.mkdir(parents=True)
    (folder / "state.json").write_text(json.dumps({"done": list(info), "info": info}))


def test_the_ratio_is_the_mean_round_against_the_references_and_round_one_is_left_out(tmp_path, capsys):
    mod = load_benchmark("round_cost")
    # round 1 is 1000 s a stage for the density strategy (its cache would make it anything): left out
    _cell(tmp_path / "a", "conf", 0, {1: 1.0, 2: 2.0, 3: 2.0})
    _cell(tmp_path / "a", "adeada_plus_fast", 0, {1: 1000.0, 2: 3.0, 3: {"stats": 5.0, "select": 3.0, "label": 3.0,
                                                                          "train": 3.0, "eval": 1.0}})
    assert mod.main([str(tmp_path / "a"), "--csv", str(tmp_path / "cost.csv")]) == 0
    table = capsys.readouterr().out
    assert "| conf | 1 | 2 | 2.0 s | 2.0 s | 2.0 s | 2.0 s | 2.0 s | 10.0 s | 1.00x |" in table
    assert "| adeada_plus_fast | 1 | 2 | 4.0 s | 3.0 s | 3.0 s | 3.0 s | 2.0 s | 15.0 s | 1.50x |" in table
    # the committed CSV gives the same table back
    assert mod.main(["--from-csv", str(tmp_path / "cost.csv")]) == 0
    assert capsys.readouterr().out == table


def test_an_unfinished_round_is_not_counted_and_one_cell_in_two_folders_is_refused(tmp_path, capsys):
    mod = load_benchmark("round_cost")
    _cell(tmp_path / "a", "conf", 0, {2: 2.0})
    state = tmp_path / "a" / "conf" / "seed0" / "state.json"
    data = json.loads(state.read_text())
    data["info"]["r03.stats"] = {"seconds": 50.0}  # round 3 stopped after its statistics
    state.write_text(json.dumps(data))
    assert mod.main([str(tmp_path / "a")]) == 0
    assert "| conf | 1 | 1 | 2.0 s |" in capsys.readouterr().out
    _cell(tmp_path / "b", "conf", 0, {2: 2.0})
    with pytest.raises(SystemExit, match="conf seed 0 is in both"):
        mod.main([str(tmp_path / "a"), str(tmp_path / "b")])
    with pytest.raises(SystemExit, match="reference strategy 'rand' has no finished round"):
        mod.main([str(tmp_path / "a"), "--reference", "rand"])


def test_a_three_digit_round_is_read_by_its_own_number(tmp_path):
    mod = load_benchmark("round_cost")
    _cell(tmp_path / "a", "conf", 0, {9: 1.0, 100: 2.0})
    assert [r["round"] for r in mod.read_runs([tmp_path / "a"], from_round=10)] == [100]


def test_a_copy_beside_a_cell_is_not_a_cell_and_a_linked_cell_is_refused(tmp_path):
    mod = load_benchmark("round_cost")
    _cell(tmp_path / "a", "conf", 0, {2: 2.0})
    _cell(tmp_path / "a", "conf", "0.bak", {2: 50.0})  # a backup copy of the cell: not read
    assert [r["seed"] for r in mod.read_runs([tmp_path / "a"], from_round=2)] == ["0"]
    (tmp_path / "a" / "conf_renamed").mkdir()
    (tmp_path / "a" / "conf_renamed" / "seed0").symlink_to(tmp_path / "a" / "conf" / "seed0")
    with pytest.raises(SystemExit, match="already read"):
        mod.read_runs([tmp_path / "a"], from_round=2)
