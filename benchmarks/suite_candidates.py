"""A candidate of ours on every shift of the suite, each shift's cells from ONE machine.

Float32 results differ in the last digits between CPUs (docs/benchmarks/suite.md), so a new row
must be paired with baselines run on the same machine, never with cells committed from another.
A shift's table is therefore taken whole from one place:

- a shift rerun here with the candidate and the baselines (``adeada suite --shifts ...
  --strategies conf,ripu,adeada_plus,CANDIDATE --out RUNS``): ``RUNS/<shift>/results.csv``;
- else the committed suite (``docs/benchmarks/suite/<shift>_results.csv``) plus the candidate's
  cells run beside it on that machine (``docs/benchmarks/suite/candidates/<shift>_<CANDIDATE>_results.csv``,
  the same warm-up: checked).

    python benchmarks/suite_candidates.py RUNS docs/benchmarks/suite docs/benchmarks/suite_candidates \\
        [--candidate adeada_plus_conf]

writes ``DEST/<shift>_results.csv`` for every shift of the suite, ``DEST/sources.csv`` (where each
shift's cells came from) and the leaderboard of them (``leaderboard.md``, ``leaderboard.csv``,
``paired.csv``), as ``adeada suite`` writes it. Reads only files.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from adeada.active.suite import SUITE, write_leaderboard
from adeada.fileformats import read_csv, write_csv
from adeada.reports.leaderboard import read_results

BASELINES = ("conf", "ripu", "adeada_plus")


def _warmups(rows: list[dict]) -> list[float]:
    return sorted({float(r["miou"]) for r in rows if int(r["round"]) == 0})


def check_one_warmup(rows: list[dict], where: str, tol: float = 1e-4) -> None:
    """Every cell's round 0 (the shared warm-up, evaluated by each cell) must agree to ``tol`` points:
    cells of another warm-up, or evaluated in other arithmetic, must not be paired."""
    values = _warmups(rows)
    if not values:
        raise ValueError(f"{where}: no round-0 row, so nothing shows which warm-up its cells started from")
    if values[-1] - values[0] > tol:
        raise ValueError(f"{where}: round 0 ranges from {values[0]} to {values[-1]}: another warm-up or "
                         "evaluation among its cells, not one machine's")


def gather(runs: Path, suite: Path, dest: Path, candidate: str, machine: str = "") -> dict[str, list[dict]]:
    """Each shift's rows from one machine (see the module's docstring) into ``dest``; shift -> rows."""
    dest.mkdir(parents=True, exist_ok=True)
    wanted = set(BASELINES) | {candidate}
    results, sources = {}, []
    for shift in SUITE:
        rerun = runs / shift / "results.csv"
        if rerun.exists():
            rows = read_csv(rerun)
            where = "rerun together" + (f" on {machine}" if machine else "") + f": {', '.join(sorted(wanted))}"
            if (runs / shift / "timings.json").exists():
                shutil.copyfile(runs / shift / "timings.json", dest / f"{shift}_timings.json")
        else:
            committed = suite / f"{shift}_results.csv"
            extra = suite / "candidates" / f"{shift}_{candidate}_results.csv"
            if not committed.exists() or not extra.exists():
                raise FileNotFoundError(f"{shift}: neither {rerun} nor both {committed} and {extra}")
            base = read_csv(committed)
            more = [r for r in read_csv(extra) if r["strategy"] == candidate]
            check_one_warmup(more, str(extra))
            rows = base + more
            where = f"committed: {committed.name} + candidates/{extra.name}"
        have = {r["strategy"] for r in rows}
        if not wanted <= have:
            raise ValueError(f"{shift} ({where}) lacks {', '.join(sorted(wanted - have))}")
        rows = [r for r in rows if r["strategy"] in wanted]
        check_one_warmup(rows, f"{shift} ({where})")
        write_csv(rows, dest / f"{shift}_results.csv")
        sources.append({"shift": shift, "cells": where})
        results[shift] = read_results([dest / f"{shift}_results.csv"])
    write_csv(sources, dest / "sources.csv")
    write_leaderboard(dest, results)
    return results


def published(dest: Path) -> dict[str, list[dict]]:
    """shift -> rows, from the ``<shift>_results.csv`` files that ``gather`` wrote (suite order)."""
    return {s: read_results([dest / f"{s}_results.csv"]) for s in SUITE if (dest / f"{s}_results.csv").exists()}


def blocks(dest: Path, candidate: str = "adeada_plus_conf") -> dict[str, str]:
    """docs/benchmarks/suite.md's candidate section: sources, ranks, paired overview, verdict."""
    from adeada.fileformats import format_markdown_table
    from adeada.reports.leaderboard import BASELINES as BASES
    from adeada.reports.leaderboard import (by_shift, common_strategies, paired_overview, paired_rows, rank_markdown,
                                             rank_rows)

    results = published(dest)
    shifts = list(results)
    names = common_strategies(results)
    bases = [s for s in names if s in BASES]
    ranks = rank_rows(results, names)
    paired = paired_rows(results, ["adeada_plus", candidate], bases)
    versus = paired_rows(results, [candidate], ["adeada_plus"])
    out = {"candidates_sources": format_markdown_table(read_csv(dest / "sources.csv"), join_mean_std=False).strip(),
           "candidates_ranks": rank_markdown(ranks, shifts).strip(),
           "candidates_paired": format_markdown_table(paired_overview(paired + versus, shifts),
                                                      join_mean_std=False).strip()}
    top = ranks[0]
    parts = [f"Mean rank over the {len(shifts)} shifts x {top['cells'] // len(shifts)} budgets: "
             + ", ".join(f"{r['strategy']} {r['mean_rank']:.2f}" for r in ranks) + "."]
    for base in bases + ["adeada_plus"]:
        per_shift = by_shift(paired + versus, candidate, base, shifts)
        missing = [sh for sh in shifts if sh not in per_shift]
        if missing:
            raise ValueError(f"{dest}: no paired difference of {candidate} and {base} on {', '.join(missing)}")
        ahead = [sh for sh, (m, _, _) in per_shift.items() if m > 0]

        def decided(counts: list[tuple[str, int]]) -> str:
            found = [f"{n} budget{'s' if n > 1 else ''} of {sh}" for sh, n in counts if n]
            return ", ".join(found) if found else "no budget of any shift"

        parts.append(f"{candidate} minus {base}: the mean over the budgets is positive on {len(ahead)} of {len(shifts)} "
                     f"shifts ({', '.join(ahead) or 'none'}); decided ahead at "
                     f"{decided([(sh, up) for sh, (_, up, _) in per_shift.items()])}, "
                     f"behind at {decided([(sh, down) for sh, (_, _, down) in per_shift.items()])}.")
    out["candidates_text"] = " ".join(parts)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", type=Path, help="an `adeada suite` folder with the shifts rerun here")
    parser.add_argument("suite", type=Path, help="the committed suite (docs/benchmarks/suite)")
    parser.add_argument("dest", type=Path, help="where to write (docs/benchmarks/suite_candidates)")
    parser.add_argument("--candidate", default="adeada_plus_conf")
    parser.add_argument("--machine", default="", metavar="TEXT", help="where the rerun shifts ran, for sources.csv")
    parser.add_argument("--fill", type=Path, metavar="DOC", help="write the blocks into DOC's markers (docs/benchmarks/suite.md)")
    args = parser.parse_args(argv)
    results = gather(args.runs, args.suite, args.dest, args.candidate, args.machine)
    print(f"wrote {len(results)} shifts and the leaderboard to {args.dest}")
    from adeada.fileformats import emit_blocks

    return emit_blocks(blocks(args.dest, args.candidate), args.fill)


if __name__ == "__main__":
    sys.exit(main())
