"""The warm-up's mispredicted pool regions a run bought (the paper's supplementary recall study),
written beside a run's and a comparison's report: the truth is read here, after the fact, and never
by a selection. The counting itself is ``adeada.reports.mispredicted``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from adeada.fileformats import read_csv

if TYPE_CHECKING:
    from adeada.active.context import RunContext


RECALL_CSV = "mispredicted_recall.csv"
RECALL_TEXT = ("Per true class (the majority of a region's ground-truth pixels, read after the fact, never by "
               "the selection): the pool's regions, how many the warm-up model predicted as another class, "
               "and the percentage of those bought by the end of each round.")


def write_mispredicted_recall(ctx: "RunContext") -> Path | None:
    """mispredicted_recall.csv of a finished ground-truth run (None for annotators' runs or before round 1).

    The warm-up's predictions are round 1's statistics (made with the warm-up model); the truth
    is the pool's labels, read here for the report only.
    """
    import numpy as np

    from adeada.fileformats import write_csv
    from adeada.reports.mispredicted import IGNORE, mispredicted_recall, region_majority
    from adeada.selection import RegionStats

    run = ctx.run
    stats = run.round_dir(1) / "stats_target.npz"
    if ctx.cfg.loop.oracle != "ground_truth" or not stats.exists():
        return None
    warm = RegionStats.load(stats)
    store = ctx.prepared_store(ctx.pool)
    truth = np.full(len(warm), IGNORE, np.int64)
    for img in np.unique(warm.image):
        rows = np.flatnonzero(warm.image == img)
        major = region_majority(ctx.pool.load_label(int(img)), store.get(ctx.pool, int(img)),
                                int(warm.region[rows].max()) + 1, ctx.num_classes)
        truth[rows] = major[warm.region[rows]]
    index = {(int(i), int(r)): n for n, (i, r) in enumerate(zip(warm.image, warm.region))}
    bought = np.zeros(len(warm), np.int64)
    done = [k for k in run.completed_rounds() if run.is_done(f"r{k:02d}.label")]  # regions really bought
    for k in done:
        for r in read_csv(run.round_dir(k) / "selection.csv"):
            bought[index[(int(r["image"]), int(r["region"]))]] = k
    out = run.root / RECALL_CSV
    write_csv(mispredicted_recall(truth, warm.pred, bought, max(done, default=0), list(ctx.classes)), out)
    return out


def compare_recall(out: Path, strategies: Sequence[str], seeds: Sequence[int]) -> list[dict]:
    """Per strategy and class, the mean over seeds of each round's bought share of the warm-up's
    mispredicted regions (from each cell's mispredicted_recall.csv; cells without one left out)."""
    import math

    from adeada.fileformats import number

    rows = []
    for strategy in strategies:
        per_seed = [read_csv(out / strategy / f"seed{s}" / RECALL_CSV) for s in seeds
                    if (out / strategy / f"seed{s}" / RECALL_CSV).exists()]
        if not per_seed:
            continue
        for i, first in enumerate(per_seed[0]):
            row = {"strategy": strategy, "class": first["class"], "regions": int(first["regions"]),
                   "mispredicted": int(first["mispredicted"]), "seeds": len(per_seed)}
            for key in (k for k in first if k.startswith("bought_r")):
                values = [number(cell[i].get(key)) for cell in per_seed]
                finite = [v for v in values if math.isfinite(v)]
                row[key] = sum(finite) / len(finite) if finite else math.nan
            rows.append(row)
    return rows
