"""What a round costs per strategy: seconds per stage, from the run folders of comparisons.

    python benchmarks/round_cost.py runs/A runs/B --csv docs/benchmarks/round_cost/protocol1.csv
    python benchmarks/round_cost.py --from-csv docs/benchmarks/round_cost/protocol1.csv [--reference conf]

Reads every ``<folder>/<strategy>/seed<k>/state.json`` (the seconds each stage of each round
took, as the loop recorded them), keeps rounds ``--from-round`` and later (default 2: round 1's
statistics and density fits come from the cache shared by every run of one warm-up, so they
measure the cache, not the strategy), and prints per strategy the mean seconds per round of each
stage and of the whole round, and the ratio of that round to the reference strategy's. ``--csv``
writes the per-cell, per-round seconds it read, so that the table can be made again from a
committed file (``--from-csv``). A strategy found in several folders must have different seeds
there (one cell, one row).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

from adeada.active.rundir import RunDir
from adeada.fileformats import format_markdown_table, read_csv, write_csv

STAGES = ("stats", "select", "label", "train", "eval")
COLUMNS = ["strategy", "seed", "round", *STAGES]
STEP = re.compile(r"r(\d+)\.(\w+)")  # the loop's step names: r01.stats, r12.train, ...
SEED = re.compile(r"seed(\d+)")  # a cell's folder; a copy beside it (seed0.bak) is not a cell


def read_runs(folders: list[Path], from_round: int) -> list[dict]:
    """One row per (strategy, seed, round >= from_round) with the seconds of each stage."""
    rows: list[dict] = []
    seen: dict[tuple[str, str], Path] = {}
    read: dict[Path, str] = {}
    for folder in folders:
        cells = sorted(p.parent for p in folder.glob("*/seed*/state.json") if SEED.fullmatch(p.parent.name))
        if not cells:
            raise SystemExit(f"{folder}: no <strategy>/seed<k>/state.json under it (is it a compare output folder?)")
        for cell in cells:
            strategy, seed = cell.parent.name, SEED.fullmatch(cell.name).group(1)
            # a run reached under two names (a symlink made to rename a row) would weigh its rounds twice
            real = cell.resolve()
            if real in read:
                raise SystemExit(f"{cell} is the run {read[real]} already read (a link): pass each run once")
            read[real] = str(cell)
            if (strategy, seed) in seen:
                raise SystemExit(f"{strategy} seed {seed} is in both {seen[strategy, seed]} and {folder}")
            seen[strategy, seed] = folder
            per_round: dict[int, dict[str, float]] = defaultdict(dict)
            for step, info in RunDir(cell).read_state().get("info", {}).items():
                m = STEP.fullmatch(step)
                if m and m.group(2) in STAGES and "seconds" in info:
                    per_round[int(m.group(1))][m.group(2)] = float(info["seconds"])
            for k in sorted(per_round):
                # an unfinished round is not a round's cost
                if k >= from_round and len(per_round[k]) == len(STAGES):
                    rows.append({"strategy": strategy, "seed": seed, "round": k, **per_round[k]})
    return rows


def by_strategy(rows: list[dict]) -> dict[str, list[dict]]:
    """The rows of each strategy."""
    by: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by[r["strategy"]].append(r)
    return dict(by)


def stage_means(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Per strategy, the mean seconds per round of each stage."""
    return {name: {s: sum(float(r[s]) for r in rs) / len(rs) for s in STAGES} for name, rs in by_strategy(rows).items()}


def round_means(rows: list[dict]) -> dict[str, float]:
    """Per strategy, the mean seconds of a whole round (the sum of its stages' means)."""
    return {name: sum(stages.values()) for name, stages in stage_means(rows).items()}


def cost_table(rows: list[dict], reference: str) -> str:
    """Markdown: per strategy, cells and rounds counted, mean seconds per round by stage, the
    round's total and its ratio to ``reference``'s."""
    by = by_strategy(rows)
    if reference not in by:
        raise SystemExit(f"the reference strategy {reference!r} has no finished round here; "
                         f"found: {', '.join(sorted(by)) or 'no strategy'}")
    means, totals = stage_means(rows), round_means(rows)
    table = []
    for name in sorted(by, key=lambda n: (n != reference, n)):
        total = totals[name]
        table.append({"strategy": name, "cells": str(len({str(r["seed"]) for r in by[name]})),
                      "rounds": str(len(by[name])), **{s: f"{means[name][s]:.1f} s" for s in STAGES},
                      "round": f"{total:.1f} s", f"ratio to {reference}": f"{total / totals[reference]:.2f}x"})
    return format_markdown_table(table).rstrip("\n")


def stage_totals(timings: dict, cells: int) -> str:
    """One sentence of a comparison's timings.json: its stage totals and wall time."""
    st, jobs = timings["stage_seconds"], timings["jobs"]
    return (f"Stage totals over the {cells} cells, in process-seconds ({jobs} one-thread workers ran at once): "
            f"statistics {st['stats']:,.0f} s, selection {st['select']:,.0f} s (density fits "
            f"{timings['density_fit_seconds']:,.0f} s), labels {st['label']:,.0f} s, fine-tuning {st['train']:,.0f} s, "
            f"evaluation {st['eval']:,.0f} s; the command's wall time {timings['wall_seconds'] / 60:.1f} min.")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path, help="compare output folders")
    ap.add_argument("--from-csv", type=Path, help="make the table from a CSV this script wrote")
    ap.add_argument("--csv", type=Path, help="write the per-cell, per-round seconds here")
    ap.add_argument("--from-round", type=int, default=2, help="first round counted (reading folders; a CSV "
                    "holds the rounds it was written with)")
    ap.add_argument("--reference", default="conf")
    args = ap.parse_args(argv)
    if bool(args.folders) == bool(args.from_csv):
        ap.error("give compare output folders or --from-csv, not both")
    rows = read_csv(args.from_csv) if args.from_csv else read_runs(args.folders, args.from_round)
    if args.csv:
        write_csv(rows, args.csv, COLUMNS)
    print(cost_table(rows, args.reference))
    return 0


if __name__ == "__main__":
    sys.exit(main())
