"""End to end on tiny generated data: the loop, its run folder, and what training may see."""

import csv

import numpy as np
import pytest

from adeada.active.labels import merged_labels
from adeada.active.loop import run_loop
from adeada.active.rundir import RunDir
from adeada.fileformats import read_csv
from adeada.config import load_run_config

pytestmark = pytest.mark.slow


BUILT: list[str] = []  # one entry per strategy object built during the module's run


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    from tests.tiny_run import TINY
    import yaml

    from adeada.selection.strategies import STRATEGIES

    class Counted(STRATEGIES["adeada"]):
        def __init__(self, cfg):
            BUILT.append(self.name)
            super().__init__(cfg)

    root = tmp_path_factory.mktemp("loop")
    cfg_path = root / "tiny.yaml"
    cfg_path.write_text(yaml.safe_dump(dict(TINY, cache_dir=str(root / "cache"))))
    cfg = load_run_config(cfg_path)
    real, STRATEGIES["adeada"] = STRATEGIES["adeada"], Counted
    try:
        run = run_loop(cfg, root / "run", progress=False)
    finally:
        STRATEGIES["adeada"] = real
    return cfg, run


def test_the_strategy_is_built_once_per_run(finished_run):
    assert BUILT == ["adeada"]  # not once per step (statistics, selection) and round


def test_run_folder_holds_config_metrics_selections_and_plots(finished_run):
    cfg, run = finished_run
    rows = read_csv(run.metrics_csv)
    assert [int(r["round"]) for r in rows] == [0, 1, 2]
    percents = [float(r["labelled_percent"]) for r in rows]
    assert percents[0] == 0 and percents[0] < percents[1] < percents[2]
    # each round buys about its budget (3% of the pool), overshooting by at most one region
    assert 2.5 < percents[1] < 3 + 100 * 1.0 / 12
    assert all(0.0 <= float(r["miou"]) <= 1.0 for r in rows)
    for name in ("miou_vs_labels.png", "per_class.png"):
        assert (run.plots / name).stat().st_size > 1000
    assert list((run.plots / "overlays").glob("round01_*.png"))
    assert load_run_config(run.config_path) == cfg
    for k in (1, 2):
        sel = read_csv(run.round_dir(k) / "selection.csv")
        assert sel and set(sel[0]) >= {"image", "image_id", "region", "pixels", "class", "score", "part"}
        assert {r["part"] for r in sel} <= {"density", "uncertainty", "other"}


def test_no_region_is_bought_twice(finished_run):
    _, run = finished_run
    seen = [(r["image"], r["region"]) for k in (1, 2) for r in read_csv(run.round_dir(k) / "selection.csv")]
    assert len(seen) == len(set(seen))


def test_training_labels_never_leave_the_oracle_log(finished_run):
    """Every non-255 target label that training can see lies in a region the oracle revealed."""
    cfg, run = finished_run
    from adeada.active.context import RunContext

    ctx = RunContext(cfg, run, progress=False)
    for k in (1, 2):
        revealed = {(int(r["image"]), int(r["region"])) for j in range(1, k + 1)
                    for r in read_csv(run.round_dir(j) / "oracle_log.csv")}
        labels = merged_labels(run, ctx.pool, k)
        assert labels
        for img, lab in labels.items():
            seg = ctx.store.get(ctx.pool, img)
            allowed = np.isin(seg, [reg for (i, reg) in revealed if i == img])
            assert not np.any((lab != 255) & ~allowed)
            truth = ctx.pool.load_label(img)
            assert np.array_equal(lab[allowed], truth[allowed])


def test_a_second_run_reuses_the_warmup(finished_run, tmp_path):
    cfg, run = finished_run
    other = run_loop(cfg, tmp_path / "again", progress=False)
    assert other.read_state()["info"]["warmup"]["reused"] is True
    for k in (1, 2):
        a = read_csv(run.round_dir(k) / "selection.csv")
        b = read_csv(other.round_dir(k) / "selection.csv")
        assert a == b, "same config and seed must select the same regions"
