"""The converged full-supervision ceiling: the held-out block, the stopping rule, resume, the CLI."""

import json

import pytest

from adeada.active import ceiling as C
from adeada.config import load_run_config
from adeada.fileformats import read_csv, write_csv
from tests.tiny_run import write_tiny_config


def test_held_out_block_is_the_pools_last_images_in_order():
    train, held = C.split_pool(62, 0.2)
    assert held == list(range(49, 62)) and train == list(range(49))
    assert C.split_pool(2, 0.9) == ([0], [1])  # both blocks keep an image
    assert C.split_pool(10, 0.01) == (list(range(9)), [9])
    with pytest.raises(ValueError, match="1 image"):
        C.split_pool(1, 0.2)


def test_search_stops_at_the_first_small_doubling_or_the_longest_length():
    lengths = [100, 200, 400, 800]
    assert C.next_step([], lengths, 0.5) == (100, "")
    assert C.next_step([(100, 40.0)], lengths, 0.5) == (200, "")
    assert C.next_step([(100, 40.0), (200, 41.0)], lengths, 0.5) == (400, "")
    assert C.next_step([(100, 40.0), (200, 41.0), (400, 41.3)], lengths, 0.5) == (None, "plateau")
    # a fall is a plateau too
    assert C.next_step([(100, 40.0), (200, 39.0)], lengths, 0.5) == (None, "plateau")
    rising = [(n, 40.0 + i) for i, n in enumerate(lengths)]
    assert C.next_step(rising, lengths, 0.5) == (None, "max_steps")


def test_chosen_length_is_the_best_held_out_score_shorter_on_ties():
    assert C.chosen_length([(100, 40.0), (200, 42.0), (400, 41.9)]) == (200, 42.0)
    assert C.chosen_length([(100, 40.0), (200, 40.0)]) == (100, 40.0)
    with pytest.raises(ValueError):
        C.chosen_length([])


def test_rule_lengths_and_bad_values(tmp_path):
    cfg = load_run_config(write_tiny_config(tmp_path))  # 4 steps a round, 2 rounds
    assert C.CeilingRule().lengths(cfg) == [8, 16, 32, 64, 128]
    assert C.CeilingRule(start_steps=3, max_steps=13).lengths(cfg) == [3, 6, 12]
    with pytest.raises(ValueError, match="max_steps=5 .* below the first length 8 .*same-cost"):
        C.CeilingRule(max_steps=5).lengths(cfg)
    for bad in ({"heldout_fraction": 0.0}, {"heldout_fraction": 1.0}, {"start_steps": 0},
                {"start_steps": 10, "max_steps": 5}, {"min_gain": -1.0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            C.CeilingRule(**bad)


@pytest.mark.slow
def test_ceiling_end_to_end_trains_on_the_training_block_then_the_whole_pool(tmp_path, monkeypatch):
    cfg = load_run_config(write_tiny_config(tmp_path))
    seen = []
    labelled = C._Trainer.labelled

    def record(self, indices):
        seen.append(list(indices))
        return labelled(self, indices)

    monkeypatch.setattr(C._Trainer, "labelled", record)
    # min_gain so large that the second length always ends the search
    rule = C.CeilingRule(start_steps=2, max_steps=8, min_gain=1000.0)
    out = tmp_path / "ceiling"
    summary = C.run_ceiling(cfg, out, [0, 1], rule, progress=False)
    train, held = C.split_pool(8, 0.2)  # the tiny pool has 8 images
    assert seen == [train, train, list(range(8)), train, train, list(range(8))]
    search = read_csv(out / "search.csv")
    assert [(int(r["seed"]), int(r["steps"])) for r in search] == [(0, 2), (0, 4), (1, 2), (1, 4)]
    finals = read_csv(out / "ceiling.csv")
    for f in finals:
        mine = [(int(r["steps"]), float(r["heldout_miou"])) for r in search if r["seed"] == f["seed"]]
        assert (int(f["steps"]), float(f["heldout_miou"])) == C.chosen_length(mine)
        assert f["stopped_by"] == "plateau"
    values = [float(f["test_miou"]) for f in finals]
    assert summary["ceiling_miou"] == pytest.approx(sum(values) / 2, abs=1e-3)
    assert summary["pool_images"] == {"training_block": len(train), "heldout_block": len(held)}
    assert summary["precision"]["finetune"] == "float32"
    assert json.loads((out / "ceiling.json").read_text()) == summary

    # A resume measures nothing again; a new seed is added; a second start without --resume is refused.
    def no_training(self, steps, seed, indices):
        if seed != 2:
            raise AssertionError(f"seed {seed}, {steps} steps trained again")
        return original(self, steps, seed, indices)

    original = C._Trainer.train
    monkeypatch.setattr(C._Trainer, "train", no_training)
    again = C.run_ceiling(cfg, out, [0, 1, 2], rule, resume=True, progress=False)
    assert again["seeds"] == [0, 1, 2] and len(read_csv(out / "search.csv")) == 6
    with pytest.raises(FileExistsError, match="--resume"):
        C.run_ceiling(cfg, out, [0], rule, progress=False)
    with pytest.raises(ValueError, match="rule"):
        C.run_ceiling(cfg, out, [0], C.CeilingRule(start_steps=2, max_steps=8), resume=True, progress=False)
    other = load_run_config(write_tiny_config(tmp_path), ["finetune.lr=0.5"])
    with pytest.raises(ValueError, match="differs from the config given"):
        C.run_ceiling(other, out, [0], rule, resume=True, progress=False)
    # rows of another precision (another machine resolving `auto` otherwise) are not mixed in
    rows = read_csv(out / "search.csv")
    rows[0]["precision"] = "bfloat16/bfloat16"
    write_csv(rows, out / "search.csv")
    with pytest.raises(ValueError, match="bfloat16/bfloat16.*float32/float32"):
        C.run_ceiling(cfg, out, [0], rule, resume=True, progress=False)


@pytest.mark.slow
def test_a_stopped_search_resumes_where_it_was_and_the_test_set_chooses_nothing(tmp_path, monkeypatch):
    """Scores are made up: the held-out block prefers 4 steps, the test set 8. The search must go
    on from a stop after its first length, train nothing twice and choose 4."""
    cfg = load_run_config(write_tiny_config(tmp_path))
    held = {2: 30.0, 4: 40.0, 8: 39.0}
    test = {2: 10.0, 4: 20.0, 8: 90.0}
    trained = []

    def train(self, steps, seed, indices):
        trained.append((steps, len(indices)))
        return steps

    def score(self, model, indices=None):
        return (test if indices is None else held)[model]

    monkeypatch.setattr(C._Trainer, "train", train)
    monkeypatch.setattr(C._Trainer, "score", score)
    rule = C.CeilingRule(start_steps=2, max_steps=8, min_gain=0.5)
    out = tmp_path / "c"
    real_next = C.next_step
    calls = []

    def stop_after_first(tried, lengths, min_gain):
        calls.append(len(tried))
        if len(tried) == 1 and len(calls) < 3:
            raise KeyboardInterrupt  # the user stops it after the first length
        return real_next(tried, lengths, min_gain)

    monkeypatch.setattr(C, "next_step", stop_after_first)
    with pytest.raises(KeyboardInterrupt):
        C.run_ceiling(cfg, out, [0], rule, progress=False)
    assert trained == [(2, 6)] and len(read_csv(out / "search.csv")) == 1
    summary = C.run_ceiling(cfg, out, [0], rule, resume=True, progress=False)
    assert trained == [(2, 6), (4, 6), (8, 6), (4, 8)]  # nothing twice; the final on all 8 images
    final = read_csv(out / "ceiling.csv")[0]
    assert (final["steps"], final["stopped_by"], final["test_miou"]) == ("4", "plateau", "20.0")
    assert summary["ceiling_miou"] == 20.0


@pytest.mark.slow
def test_ceiling_command_prints_the_ceiling(tmp_path, capsys):
    from adeada.cli import main

    config = write_tiny_config(tmp_path)
    out = tmp_path / "c"
    assert main(["ceiling", "--config", str(config), "--out", str(out), "--start-steps", "2", "--max-steps", "4",
                 "--quiet"]) == 0
    summary = json.loads((out / "ceiling.json").read_text())
    assert f"ceiling {summary['ceiling_miou']:.2f} mIoU" in capsys.readouterr().out
    assert main(["ceiling", "--config", str(config), "--out", str(out), "--heldout", "1.5", "--quiet"]) == 2
    assert "heldout_fraction=1.5" in capsys.readouterr().err
