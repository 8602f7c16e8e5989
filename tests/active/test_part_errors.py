"""The gain split's measurement: how wrong the model was on what each part bought last round."""

import json

import numpy as np
import pytest

from adeada.active.context import open_run
from adeada.active.loop import run_loop
from adeada.fileformats import read_csv
from adeada.config import load_run_config
from tests.tiny_run import TINY, write_tiny_config

pytestmark = pytest.mark.slow


def test_round_two_reads_the_error_rate_of_each_part_of_round_one(tmp_path):
    selection = dict(TINY["selection"], strategy="adeada_plus_gain", budget_fraction=0.08)
    cfg = load_run_config(write_tiny_config(tmp_path, selection=selection))
    run = run_loop(cfg, tmp_path / "run", progress=False)
    ctx = open_run(run.root)
    # By hand, from the pool's ground truth over the regions round 1 bought.
    wrong, seen = {}, {}
    store = ctx.prepared_store(ctx.pool)
    for r in read_csv(run.round_dir(1) / "selection.csv"):
        img = int(r["image"])
        truth = ctx.pool.load_label(img)[store.get(ctx.pool, img) == int(r["region"])]
        truth = truth[truth != 255]
        seen[r["part"]] = seen.get(r["part"], 0) + truth.size
        wrong[r["part"]] = wrong.get(r["part"], 0) + int((truth != ctx.classes.index(r["class"])).sum())
    assert set(seen) == {"density", "uncertainty"}  # both parts bought in round 1
    expected = {p: wrong[p] / seen[p] for p in seen}
    info = json.loads((run.round_dir(2) / "selection_info.json").read_text())
    assert info["previous_round_part_errors"] == pytest.approx(expected)
    e_d, e_u = expected["density"], expected["uncertainty"]
    share = float(np.clip(e_d / (e_d + e_u), 0.2, 0.8)) if e_d + e_u > 0 else 0.5
    assert info["diagnostics"]["density_share"] == pytest.approx(share)
    assert "previous_round_part_errors" not in json.loads((run.round_dir(1) / "selection_info.json").read_text())


def test_the_part_errors_script_reads_every_round_of_a_comparison(tmp_path):
    from adeada.active.compare import run_compare
    from tests.scripts import load_benchmark

    cfg = load_run_config(write_tiny_config(tmp_path, selection=dict(TINY["selection"], strategy="adeada_plus",
                                                                    budget_fraction=0.08)))
    run_compare(cfg, tmp_path / "cmp", ["adeada_plus"], [0], progress=False)
    rows = load_benchmark("part_errors").measure(tmp_path / "cmp", "adeada_plus")
    assert [r["round"] for r in rows] == [1, 2]
    ctx = open_run(tmp_path / "cmp" / "adeada_plus" / "seed0")
    from adeada.active.phases.select import part_errors

    for r in rows:
        errors = part_errors(ctx, r["round"])
        assert r["error_density"] == errors["density"] and r["error_uncertainty"] == errors["uncertainty"]
        e_d, e_u = errors["density"], errors["uncertainty"]
        assert r["next_density_share"] == pytest.approx(float(np.clip(e_d / (e_d + e_u), 0.2, 0.8)))
