"""Where ADeADA's round-1 density budget goes under each sigma (Eq. 6) and balance mode.

    python benchmarks/density_budget.py TARGET_STATS.npz SOURCE_STATS.npz [--cache DIR] [--budget-fraction 0.01]

Reads the region statistics of a run's first round (e.g. the shared ones a comparison keeps in
``cache_dir/region_stats/``), runs ADeADA's round-1 selection (all of it density: Eq. 7 gives
round 1 the whole budget) with sigma in {relu, authors_log10} and balance mode in {proportional,
authors_round_robin}, and prints, per setting: the regions bought, the pixels spent, the largest
share of the density pixels that one predicted class got (and which), the number of classes that
got any, and the overlap of the chosen regions with the default's. The per-class mixtures are
fitted once (the fit cache in --cache serves the other settings), so only the first setting costs
a density fit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from adeada.selection import AdeadaConfig, RegionStats, SelectionConfig
from adeada.selection.strategies import get_strategy
from adeada.selection.types import SelectionContext

SETTINGS = (("authors_log10", "proportional"), ("authors_log10", "authors_round_robin"),
            ("relu", "proportional"), ("relu", "authors_round_robin"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("source", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("~/.cache/adeada").expanduser())
    parser.add_argument("--budget-fraction", type=float, default=0.01)
    parser.add_argument("--classes", default="", help="comma-separated class names, for the printout")
    args = parser.parse_args(argv)
    target, source = RegionStats.load(args.target), RegionStats.load(args.source)
    names = args.classes.split(",") if args.classes else [str(c) for c in range(target.num_classes)]
    budget = int(round(args.budget_fraction * int(target.pixels.sum())))
    print(f"target regions {len(target)}, source regions {len(source)}, round budget {budget} px; "
          f"target regions per predicted class: "
          + ", ".join(f"{names[c]} {n}" for c, n in enumerate(np.bincount(target.pred, minlength=target.num_classes))))
    print("| sigma | balance | regions | pixels | largest class share | classes bought | overlap with default |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    default_rows = None
    for sig, mode in SETTINGS:
        cfg = SelectionConfig(adeada=AdeadaConfig(sigma=sig, balance_mode=mode))
        sel = get_strategy("adeada", cfg).select(target, budget, SelectionContext(round=1, source=source,
                                                                                  cache_dir=args.cache))
        by_class = np.asarray(sel.diagnostics["density_pixels_by_class"], float)
        top = int(by_class.argmax())
        rows = set(sel.rows.tolist())
        default_rows = rows if default_rows is None else default_rows
        overlap = len(rows & default_rows) / max(len(default_rows), 1)
        print(f"| {sig} | {mode} | {len(sel)} | {int(target.pixels[sel.rows].sum())} | "
              f"{100 * by_class[top] / max(by_class.sum(), 1):.0f}% ({names[top]}) | {int((by_class > 0).sum())} | "
              f"{100 * overlap:.0f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
