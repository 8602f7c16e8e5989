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
import csv
import json
import sys
from pathlib import Path

STAGES = ("stats", "select", "label", "train", "eval")
COLUMNS = ["strategy", "seed", "round", *STAGES]


def read_runs(folders: list[Path], from_round: int) -> list[dict]:
    """One row per (strategy, seed, round >= from_round) with the seconds of each stage."""
    rows: list[dict] = []
    seen: dict[tuple[str, int], Path] = {}
    for folder in folders:
        states = sorted(folder.glob("*/seed*/state.json"))
        if not states:
            raise SystemExit(f"{folder}: no <strategy>/seed<k>/state.json under it (is it a compare output folder?)")
        for state in states:
            strategy, seed = state.parent.parent.name, int(state.parent.name.removeprefix("seed"))
            if (strategy, seed) in seen:
                raise SystemExit(f"{strategy} seed {seed} is in both {seen[strategy, seed]} and {folder}")
            seen[strategy, seed] = folder
            info = json.loads(state.read_text()).get("info", {})
            rounds = sorted({int(k[1:3]) for k in info if k.startswith("r") and k[1:3].isdigit()})
            for k in (r for r in rounds if r >= from_round):
                stages = {s: info.get(f"r{k:02d}.{s}", {}).get("seconds") for s in STAGES}
                if any(v is None for v in stages.values()):
                    continue  # an unfinished round: not a round's cost
                rows.append({"strategy": strategy, "seed": seed, "round": k, **stages})
    return rows


def write_rows(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, COLUMNS)
        w.writeheader()
        w.writerows(rows)


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return [{**r, "seed": int(r["seed"]), "round": int(r["round"]), **{s: float(r[s]) for s in STAGES}}
                for r in csv.DictReader(f)]


def cost_table(rows: list[dict], reference: str) -> str:
    """Markdown: per strategy, cells and rounds counted, mean seconds per round by stage, the
    round's total and its ratio to ``reference``'s."""
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["strategy"], []).append(r)
    if reference not in by:
        raise SystemExit(f"the reference strategy {reference!r} has no finished round here; "
                         f"found: {', '.join(sorted(by))}")

    def mean(rs, key):
        return sum(float(r[key]) for r in rs) / len(rs)

    def total(rs):
        return sum(mean(rs, s) for s in STAGES)

    ref = total(by[reference])
    lines = ["| strategy | cells | rounds | " + " | ".join(STAGES) + " | round | ratio to " + reference + " |",
             "| --- | --- | --- | " + " | ".join("---" for _ in STAGES) + " | --- | --- |"]
    for name in sorted(by, key=lambda n: (n != reference, n)):
        rs = by[name]
        cells = len({r["seed"] for r in rs})
        lines.append(f"| {name} | {cells} | {len(rs)} | " + " | ".join(f"{mean(rs, s):.1f} s" for s in STAGES)
                     + f" | {total(rs):.1f} s | {total(rs) / ref:.2f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path, help="compare output folders")
    ap.add_argument("--from-csv", type=Path, help="make the table from a CSV this script wrote")
    ap.add_argument("--csv", type=Path, help="write the per-cell, per-round seconds here")
    ap.add_argument("--from-round", type=int, default=2)
    ap.add_argument("--reference", default="conf")
    args = ap.parse_args(argv)
    if bool(args.folders) == bool(args.from_csv):
        ap.error("give compare output folders or --from-csv, not both")
    rows = read_rows(args.from_csv) if args.from_csv else read_runs(args.folders, args.from_round)
    if args.csv:
        write_rows(rows, args.csv)
    print(cost_table(rows, args.reference))
    return 0


if __name__ == "__main__":
    sys.exit(main())
