"""Held-out log-likelihood of each density estimator on a run's own region tables, per class.

The selection beyond the paper (issue 12) asks for a density estimator that is well posed with a
few hundred regions a class, chosen by held-out likelihood on the pool, never by the test set.
This measures it: for every predicted class, each estimator's two mixtures (target and source, the
method's own component rule n = clip(n_t // 100, 1, 10)) are fitted on a random 80% of the class's
regions of each domain and scored on the other 20%; the figure is the mean log-likelihood per
held-out region (nats; higher explains unseen regions better). Every estimator is a density over
all 256 dimensions (``pca_gmm`` adds its isotropic residual), so the figures compare.

    python benchmarks/heldout_density.py TARGET.npz SOURCE.npz \
        [--estimators gmm_full,gmm_full_fast,gmm_diag,pca_gmm] [--repeats 2] [--min-regions 20]

TARGET/SOURCE: region tables of one round (``RegionStats``), e.g. the round-1 tables a comparison
caches in ``cache_dir/region_stats/``. Labels are never read: classes are the model's predictions.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

from adeada.fileformats import format_markdown_table
from adeada.selection import RegionStats
from adeada.selection.config import DensityConfig
from adeada.selection.density.estimators import fit_caps, fit_class
from adeada.selection.density.fast_gmm import take_sample


def split(n: int, rng: np.random.Generator, held_out: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """(fit rows, held-out rows) of n rows, at least one of each."""
    order = rng.permutation(n)
    k = min(max(int(round(n * held_out)), 1), n - 1)
    return np.sort(order[k:]), np.sort(order[:k])


def heldout_loglik(Xt: np.ndarray, Xs: np.ndarray, cfg: DensityConfig, seed: int) -> tuple[float, float]:
    """Mean held-out log-likelihood per region of the target and of the source mixture of one class."""
    rng = np.random.default_rng(seed)
    t_fit, t_out = split(len(Xt), rng)
    s_fit, s_out = split(len(Xs), rng)
    source = take_sample(Xs[s_fit], fit_caps(cfg)[0], cfg.random_state)
    query = np.concatenate([Xt[t_out], Xs[s_out]])
    out = fit_class(Xt[t_fit], source, query, cfg)
    nt = len(t_out)
    return float(np.mean(out["log_dt"][:nt])), float(np.mean(out["log_ds"][nt:]))


def class_names(table: str, num_classes: int) -> list[str]:
    """Class names from the run folder a table sits in (``rounds/NN/stats_target.npz``), else indices."""
    metrics = Path(table).resolve().parents[2] / "metrics.csv"
    if metrics.exists():
        names = [h[4:] for h in metrics.read_text().splitlines()[0].split(",") if h.startswith("iou_")]
        if len(names) == num_classes:
            return names
    return [str(c) for c in range(num_classes)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("target")
    ap.add_argument("source")
    ap.add_argument("--estimators", default="gmm_full,gmm_full_fast,gmm_diag,pca_gmm")
    ap.add_argument("--repeats", type=int, default=2, help="random 80/20 splits averaged")
    ap.add_argument("--min-regions", type=int, default=20, help="classes with fewer regions in a domain are skipped")
    args = ap.parse_args(argv)
    tgt, src = RegionStats.load(args.target), RegionStats.load(args.source)
    names = [e for e in args.estimators.split(",") if e]
    labels = class_names(args.target, tgt.num_classes)
    classes = [c for c in range(tgt.num_classes)
               if min((tgt.pred == c).sum(), (src.pred == c).sum()) >= args.min_regions]
    print(f"target {len(tgt):,} regions, source {len(src):,} regions; {len(classes)} classes with >= "
          f"{args.min_regions} regions in both; {args.repeats} random 80/20 splits")
    rows, totals, seconds = [], {e: [0.0, 0.0] for e in names}, {e: 0.0 for e in names}
    for c in classes:
        Xt = tgt.feature[tgt.pred == c].astype(np.float32)
        Xs = src.feature[src.pred == c].astype(np.float32)
        row = {"class": labels[c], "target regions": len(Xt),
               "source regions": len(Xs)}
        for name in names:
            cfg = dataclasses.replace(DensityConfig(), estimator=name, n_jobs=1)
            start = time.perf_counter()
            lls = np.array([heldout_loglik(Xt, Xs, cfg, seed) for seed in range(args.repeats)])
            seconds[name] += time.perf_counter() - start
            t_ll, s_ll = lls.mean(0)
            row[f"{name} target"], row[f"{name} source"] = round(t_ll, 1), round(s_ll, 1)
            totals[name][0] += t_ll * len(Xt)
            totals[name][1] += s_ll * len(Xs)
        rows.append(row)
        print(f"  class {row['class']}: " + ", ".join(f"{n} {row[n + ' target']:.1f} / {row[n + ' source']:.1f}"
                                                      for n in names), flush=True)
    print()
    print(format_markdown_table(rows))
    n_t = sum(r["target regions"] for r in rows)
    n_s = sum(r["source regions"] for r in rows)
    print()
    print(format_markdown_table([{"estimator": n, "target (mean per region)": round(totals[n][0] / max(n_t, 1), 1),
                                  "source (mean per region)": round(totals[n][1] / max(n_s, 1), 1),
                                  "seconds": round(seconds[n], 1)} for n in names]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
