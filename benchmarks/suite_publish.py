"""Publish an ``adeada suite`` folder: each shift's results and timings, and the leaderboard made of them.

    python benchmarks/suite_publish.py RUNS/suite docs/benchmarks/suite

copies ``<shift>/results.csv`` and ``<shift>/timings.json`` of every shift (in the suite's order, then
any other shift folder by name) to ``DEST/<shift>_results.csv`` and ``DEST/<shift>_timings.json``,
and writes ``DEST/leaderboard.md``, ``leaderboard.csv`` and ``paired.csv`` from the copies, as
``adeada suite`` does. Reads only files: it runs in seconds on a finished suite.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from adeada.active.suite import SUITE, write_leaderboard
from adeada.reports.leaderboard import read_results


def shift_folders(root: Path) -> list[Path]:
    """The suite's shifts that have a results.csv in ``root``: built-in order first, then by name."""
    found = {p.parent.name: p.parent for p in root.glob("*/results.csv")}
    order = [s for s in SUITE if s in found] + sorted(set(found) - set(SUITE))
    return [found[s] for s in order]


def published_results(dest: Path) -> dict[str, list[dict]]:
    """shift -> its rows, from the ``<shift>_results.csv`` files of a published folder (suite order)."""
    names = {p.name[: -len("_results.csv")] for p in dest.glob("*_results.csv")}
    order = [s for s in SUITE if s in names] + sorted(names - set(SUITE))
    return {s: read_results([dest / f"{s}_results.csv"]) for s in order}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("suite", type=Path, help="the --out folder of `adeada suite`")
    ap.add_argument("dest", type=Path)
    args = ap.parse_args(argv)
    folders = shift_folders(args.suite)
    if not folders:
        print(f"suite_publish: no <shift>/results.csv in {args.suite}", file=sys.stderr)
        return 2
    args.dest.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        shutil.copyfile(folder / "results.csv", args.dest / f"{folder.name}_results.csv")
        if (folder / "timings.json").exists():
            shutil.copyfile(folder / "timings.json", args.dest / f"{folder.name}_timings.json")
    path = write_leaderboard(args.dest, published_results(args.dest))
    print(path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
