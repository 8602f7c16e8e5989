"""docs/benchmarks.md's ceiling section: its tables and sentences are what benchmarks/ceiling_table.py
makes of the committed files, and that script's shares are checked on a made-up comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adeada.config import dump_config, load_run_config
from adeada.fileformats import read_csv, write_csv
from tests.scripts import load_benchmark
from tests.test_docs_benchmarks import quoted

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "docs" / "benchmarks" / "ceiling"


def _measurement(folder: Path, seed: int, held: list[float], test: list[float], chosen: int, why: str = "plateau",
                 rule: dict | None = None, lr: float | None = None) -> None:
    folder.mkdir(parents=True)
    dump_config(load_run_config("demo", [f"finetune.lr={lr}"] if lr else []), folder / "config.yaml")
    steps = [100 * 2 ** i for i in range(len(held))]
    write_csv([{"seed": seed, "steps": n, "heldout_miou": h, "test_miou": t, "seconds": 1.0}
               for n, h, t in zip(steps, held, test)], folder / "search.csv")
    write_csv([{"seed": seed, "steps": chosen, "stopped_by": why, "heldout_miou": max(held), "test_miou": 50.0 + seed,
                "seconds": 2.0}], folder / "ceiling.csv")
    info = {"config": "camvid_day_dusk", "rule": rule or {"heldout_fraction": 0.2, "min_gain": 0.5},
            "precision": {"finetune": "float32"}, "pool_images": {"training_block": 49, "heldout_block": 13},
            "ceiling_miou": 50.0 + seed}
    (folder / "ceiling.json").write_text(json.dumps(info))


def test_publish_gathers_seed_folders_and_the_shares_are_right(tmp_path):
    mod = load_benchmark("ceiling_table")
    runs = tmp_path / "runs"
    _measurement(runs / "seed0", 0, [40.0, 42.0, 42.1], [39.0, 40.0, 41.0], 200)
    _measurement(runs / "seed1", 1, [40.0, 40.2], [39.5, 39.9], 200)
    dest = tmp_path / "dest"
    mod.publish(runs, dest)
    info = mod.ceiling(dest)
    assert info["seeds"] == [0, 1] and info["ceiling_miou"] == 50.5 and info["steps"] == [200, 200]
    assert [r["chosen"] for r in mod.search_table(dest)] == ["", "yes", "", "", "yes"]

    # two strategies and the same-cost reference; the ceiling 50.5
    results = []
    for seed in (0, 1):
        for s, miou in (("a", 40.4), ("b", 45.45)):
            results += [{"strategy": s, "seed": seed, "round": 0, "labelled_percent": 0.0, "miou": 30.0},
                        {"strategy": s, "seed": seed, "round": 1, "labelled_percent": 1.0 + seed * 0.02,
                         "miou": miou + (seed - 0.5)}]
        results.append({"strategy": "full_supervision", "seed": seed, "round": 1, "labelled_percent": 100.0,
                        "miou": 39.39})
    rows = mod.share_table(results, 50.5)
    assert rows == [{"strategy": "a", "1.01%": "80.0", "100%, same cost": "-"},
                    {"strategy": "b", "1.01%": "**90.0**", "100%, same cost": "-"},
                    {"strategy": "full_supervision (same cost)", "1.01%": "-", "100%, same cost": "78.0"}]
    text = mod.findings(dest, {"camvid_day_dusk": results})
    assert "The ceiling is **50.50** mIoU (seed 0: 200 steps, the best held-out score of a search that ended" in text
    assert "the best strategy after round 1 (b, 45.45 at 1.01% of the pool's pixels) reaches 90.0% of it" in text
    assert "(80.0% of the same-cost reference)" not in text and "(115.4% of the same-cost reference)" in text
    assert "2 of its 2 strategies pass the same-cost reference at some budget (a, b)" in text
    assert "(39.39) is 78.0% of the ceiling" in text


def test_publish_refuses_a_seed_twice_or_another_rule(tmp_path):
    mod = load_benchmark("ceiling_table")
    _measurement(tmp_path / "a" / "x", 0, [40.0, 40.1], [39.0, 39.0], 100)
    _measurement(tmp_path / "a" / "y", 0, [40.0, 40.1], [39.0, 39.0], 100)
    with pytest.raises(ValueError, match="measured twice"):
        mod.publish(tmp_path / "a", tmp_path / "d1")
    _measurement(tmp_path / "b" / "x", 0, [40.0, 40.1], [39.0, 39.0], 100)
    _measurement(tmp_path / "b" / "y", 1, [40.0, 40.1], [39.0, 39.0], 100, rule={"heldout_fraction": 0.3})
    with pytest.raises(ValueError, match="rule"):
        mod.publish(tmp_path / "b", tmp_path / "d2")
    # another recipe under the same config name
    _measurement(tmp_path / "c" / "x", 0, [40.0, 40.1], [39.0, 39.0], 100)
    _measurement(tmp_path / "c" / "y", 1, [40.0, 40.1], [39.0, 39.0], 100, lr=0.5)
    with pytest.raises(ValueError, match="config.yaml differs"):
        mod.publish(tmp_path / "c", tmp_path / "d3")


def test_the_doc_quotes_the_committed_ceiling():
    if not (PUBLISHED / "ceiling.json").exists():
        pytest.fail("docs/benchmarks/ceiling/ is not committed")
    mod = load_benchmark("ceiling_table")
    made = mod.blocks(PUBLISHED)
    assert set(made) == {"ceiling_search", "ceiling_text", "ceiling_camvid_day_dusk", "ceiling_camvid_day_dusk_fine"}
    for name, text in made.items():
        assert quoted(name) == text, name
    # every committed seed's chosen length is the best held-out score of its own search, never the test's
    search = read_csv(PUBLISHED / "search.csv")
    for final in read_csv(PUBLISHED / "ceiling.csv"):
        mine = [r for r in search if r["seed"] == final["seed"]]
        best = max(mine, key=lambda r: (float(r["heldout_miou"]), -int(r["steps"])))
        assert int(best["steps"]) == int(final["steps"])


def test_a_search_that_hit_its_cap_is_said_to_be_unconverged(tmp_path):
    mod = load_benchmark("ceiling_table")
    _measurement(tmp_path / "runs" / "s", 0, [40.0, 41.0, 41.6], [39.0, 40.0, 39.5], 400, why="max_steps")
    mod.publish(tmp_path / "runs", tmp_path / "dest")
    text = mod.findings(tmp_path / "dest", {})
    assert ("seed 0's ceiling is not converged: the held-out block still gained 0.60 points from 200 to 400 steps"
            in text)
    assert "moved -0.50" in text
    _measurement(tmp_path / "runs2" / "s", 0, [40.0, 41.0, 41.1], [39.0, 40.0, 39.5], 400)
    mod.publish(tmp_path / "runs2", tmp_path / "dest2")
    converged = mod.findings(tmp_path / "dest2", {})
    assert "not converged" not in converged
    assert ("Seed 0's search converged by its rule: the held-out block gained 0.10 points from 200 to 400 steps, "
            "under 0.5; over the same doubling the test mIoU of the searched models, which chooses nothing, "
            "moved -0.50.") in converged
