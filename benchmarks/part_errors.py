"""How wrong the model was on what each part of a density-aware strategy bought, round by round.

    python benchmarks/part_errors.py runs/suite --strategy adeada_plus [--out part_errors.csv]

For every finished cell ``<root>/<shift>/<strategy>/seed<N>`` (or ``<root>/<strategy>/seed<N>``
for one comparison) and every round, the share of the pixels each part (density, uncertainty)
bought whose label is not the class the model predicted for their region when it chose them: the
measurement ADeADA+'s gain split (``selection.adeada_plus.gain_split``) steers by, read with the
same code (``adeada.active.phases.select.part_errors``) from the labels the run bought. Prints,
per shift and round, the mean over seeds of each part's error rate and the density share the gain
split would give the next round. Reads the run folders (and the superpixel cache, which it
recomputes where it is gone); trains and selects nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from adeada.active.context import open_run
from adeada.active.phases.select import part_errors
from adeada.fileformats import format_markdown_table, write_csv
from adeada.fileformats import number
from adeada.selection.strategies.adeada_plus import gain_share


def cells(root: Path, strategy: str) -> list[tuple[str, Path]]:
    """(shift, cell folder) of every finished cell of ``strategy`` under ``root``."""
    found = sorted(root.glob(f"*/{strategy}/seed*/metrics.csv")) + sorted(root.glob(f"{strategy}/seed*/metrics.csv"))
    return [(p.parent.parent.parent.name if p.parent.parent.parent != root else root.name, p.parent) for p in found]


def measure(root: Path, strategy: str, min_share: float = 0.2) -> list[dict]:
    rows = []
    for shift, cell in cells(root, strategy):
        ctx = open_run(cell)
        for k in ctx.run.completed_rounds():
            if k < 1 or not ctx.run.labels_dir(k).exists():
                continue
            errors = part_errors(ctx, k)
            fixed = ctx.cfg.selection.adeada_plus.density_fraction  # the share without a measurement
            rows.append({"shift": shift, "cell": cell.name, "round": k, **{f"error_{p}": v for p, v in errors.items()},
                         "next_density_share": gain_share(errors, min_share, fixed)})
    return rows


def summary(rows: list[dict]) -> list[dict]:
    groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for r in rows:  # as measured, or read back from the CSV (strings)
        groups[(str(r["shift"]), int(number(r["round"])))].append(r)
    out = []
    for (shift, k), mine in groups.items():
        def mean(key: str) -> float:
            values = [number(r.get(key)) for r in mine]
            values = [v for v in values if np.isfinite(v)]
            return float(np.mean(values)) if values else float("nan")

        out.append({"shift": shift, "round": k, "seeds": len(mine), "density part wrong": mean("error_density"),
                    "uncertainty part wrong": mean("error_uncertainty"), "gain split's next share": mean("next_density_share")})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="an `adeada suite` or `adeada compare` folder")
    ap.add_argument("--strategy", default="adeada_plus")
    ap.add_argument("--out", type=Path, help="also write every cell's rows as CSV")
    args = ap.parse_args(argv)
    rows = measure(args.root, args.strategy)
    if not rows:
        print(f"part_errors: no finished {args.strategy} cell under {args.root}", file=sys.stderr)
        return 2
    if args.out:
        write_csv(rows, args.out)
    print(format_markdown_table(summary(rows), float_format="{:.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
