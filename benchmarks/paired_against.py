"""A new strategy against a committed comparison: mean +- std per round and paired differences.

    python benchmarks/paired_against.py NEW_RESULTS.csv docs/benchmarks/camvid_day_dusk/results.csv \
        --reference adeada_plus [--exclude full_supervision]

Reads the ``results.csv`` files of comparisons run with the same config and seeds (a later run of
one or more strategies against the committed one: rows of a strategy present in several files are
checked to be equal, which shows the runs are comparable, then counted once), and prints two
markdown tables: mIoU mean +- std over seeds per strategy and round, and the paired difference
``reference - other`` per round with its 95% interval over seeds (see adeada.reports.paired).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys

from adeada.reports.paired import paired_differences, paired_markdown
from adeada.reports.tables import summary_table
from adeada.fileformats import format_markdown_table


def read_union(paths: list[str]) -> list[dict]:
    rows: dict[tuple[str, str, str], dict] = {}
    for path in paths:
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                key = (r["strategy"], r["seed"], r["round"])
                if key in rows and not math.isclose(float(rows[key]["miou"]), float(r["miou"]), abs_tol=1e-9):
                    raise SystemExit(f"{path}: {key} has mIoU {r['miou']}, another file has {rows[key]['miou']}: "
                                     "the runs are not comparable")
                rows[key] = r
    return list(rows.values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+")
    ap.add_argument("--reference", required=True)
    ap.add_argument("--exclude", default="full_supervision", help="comma-separated strategies left out of the differences")
    args = ap.parse_args(argv)
    rows = read_union(args.results)
    summary = summary_table(rows)
    table = []
    for s in sorted({r["strategy"] for r in summary}, key=lambda n: (n != args.reference, n)):
        row = {"strategy": s}
        for r in summary:
            if r["strategy"] == s and int(float(r["round"])) >= 1:
                row[f"round {int(float(r['round']))}"] = f"{r['miou_mean']:.2f} ± {r['miou_std']:.2f}"
        table.append(row)
    print(format_markdown_table(table, join_mean_std=False))
    print()
    paired = paired_differences(rows, args.reference, exclude=[e for e in args.exclude.split(",") if e])
    print(paired_markdown(paired))
    return 0


if __name__ == "__main__":
    sys.exit(main())
