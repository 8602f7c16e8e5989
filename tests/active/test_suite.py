"""``adeada suite``: one comparison per shift, then the leaderboard made of their results."""

import pytest
import yaml

from adeada.active.compare import run_compare
from adeada.fileformats import read_csv
from adeada.active.suite import run_suite
from adeada.cli import main
from adeada.config import load_run_config
from adeada.reports.leaderboard import leaderboard_markdown, rank_rows
from tests.tiny_run import TINY, write_tiny_config

pytestmark = pytest.mark.slow


def _shifts(root):
    """Two tiny shifts: the tiny config, and the same with other demo images (another seed)."""
    a = write_tiny_config(root)
    data = yaml.safe_load(a.read_text())
    data["name"] = "tiny_b"
    for ds in data["data"].values():
        ds["demo"]["seed"] = 5
    b = root / "tiny_b.yaml"
    b.write_text(yaml.safe_dump(data))
    return [str(a), str(b)]


def test_the_suite_runs_every_shift_and_ranks_them(tmp_path):
    shifts = _shifts(tmp_path)
    path = run_suite(tmp_path / "suite", ["rand", "ripu"], [0, 1], shifts, progress=False, jobs=1)
    results = {name: read_csv(tmp_path / "suite" / name / "results.csv") for name in ("tiny", "tiny_b")}
    assert {r["strategy"] for rows in results.values() for r in rows} == {"rand", "ripu"}
    assert path.read_text() == leaderboard_markdown(results)
    ranks = read_csv(tmp_path / "suite" / "leaderboard.csv")
    assert [r["strategy"] for r in ranks] == [r["strategy"] for r in rank_rows(results)]
    assert {int(r["cells"]) for r in ranks} == {2 * TINY["loop"]["rounds"]}
    # A shift's cells are those of `adeada compare` on it, made one by one.
    run_compare(load_run_config(shifts[1]), tmp_path / "alone", ["ripu"], [1], progress=False)
    mine = [(r["round"], r["miou"]) for r in results["tiny_b"] if (r["strategy"], r["seed"]) == ("ripu", "1")]
    assert mine and mine == [(r["round"], r["miou"]) for r in read_csv(tmp_path / "alone" / "results.csv")]


def test_the_suite_checks_everything_before_the_first_shift(tmp_path, capsys):
    shifts = _shifts(tmp_path)
    out = tmp_path / "suite"
    assert main(["--quiet", "suite", "--shifts", ",".join(shifts), "--strategies", "rand,nope", "--out", str(out)]) == 2
    assert "unknown selection strategy 'nope'" in capsys.readouterr().err and not out.exists()
    (out / "tiny_b" / "rand" / "seed0").mkdir(parents=True)
    (out / "tiny_b" / "rand" / "seed0" / "config.yaml").write_text("{}")
    assert main(["--quiet", "suite", "--shifts", ",".join(shifts), "--strategies", "rand", "--seeds", "0",
                 "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err and not (out / "tiny").exists()  # the first shift never started


def test_every_shift_of_the_suite_pins_float32_and_shares_every_setting():
    from adeada.active.suite import SUITE, suite_configs

    cfgs = suite_configs(SUITE)
    assert list(cfgs) == list(SUITE)
    for name, cfg in cfgs.items():
        # results that must reproduce on any CPU: no `auto` (bf16 where the CPU has it)
        assert (cfg.warmup.train.cpu_bf16, cfg.finetune.cpu_bf16, cfg.evaluation.bf16) == (False, False, False), name
    base = cfgs["camvid_day_dusk"]
    for name in ("camvid_to_seq05vd", "camvid_to_0006r0", "camvid_to_0016e5"):
        cfg = cfgs[name]
        assert (cfg.model, cfg.warmup, cfg.finetune, cfg.selection, cfg.regions, cfg.loop) == \
            (base.model, base.warmup, base.finetune, base.selection, base.regions, base.loop), name
        assert cfg.data != base.data
