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
from typing import Optional, Sequence

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


def _best_rounds(rows: list[dict], strategy: str) -> tuple[list[int], dict[int, str]]:
    """Rounds >= 1 where ``strategy`` has the highest mean mIoU, and each round's best strategy."""
    from adeada.reports import summary_table
    from adeada.reports.compare_tables import FULL

    summary = [s for s in summary_table(rows) if s["strategy"] != FULL and int(s["round"]) >= 1]
    best = {}
    for k in sorted({int(s["round"]) for s in summary}):
        cells = [s for s in summary if int(s["round"]) == k]
        best[k] = str(max(cells, key=lambda s: s["miou_mean"])["strategy"])
    return [k for k, b in best.items() if b == strategy], best


def verdict(results: dict[str, list[dict]], protocols: dict[str, list[dict]], ours: str = "adeada_plus") -> dict[str, str]:
    """The numbers the front page's verdict and the README state, made from the committed files.

    ``results``: the suite's shifts (published); ``protocols``: the committed main comparisons
    (protocol 1 and 2, every strategy). Returns sentences keyed by name; the doc and the README
    quote them and a test checks that they are these.
    """
    from adeada.reports.leaderboard import BASELINES, by_shift, common_strategies, paired_rows, rank_rows
    from adeada.reports import summary_table

    out = {}
    parts = []
    for name, rows in protocols.items():
        mine, best = _best_rounds(rows, ours)
        others = sorted({b for k, b in best.items() if b != ours})
        n = len({r["strategy"] for r in rows if r["strategy"] != "full_supervision"})
        parts.append(f"{name}: {len(mine)} of {len(best)} budgets among the {n} strategies of its main comparison"
                     + (f" ({', '.join(others)} at the others)" if others else ""))
    out["protocols"] = f"{ours} has the best mean at " + "; ".join(parts) + "."
    names = common_strategies(results)
    ranks = rank_rows(results, names)
    cells = ranks[0]["cells"] if ranks else 0
    out["ranks"] = (f"Over the suite's {len(results)} shifts x {cells // max(len(results), 1)} budgets the mean ranks "
                    f"(1 = best of {len(names)}) are " + ", ".join(f"{r['strategy']} {r['mean_rank']:.2f}" for r in ranks) + ".")
    bases = [s for s in names if s in BASELINES]
    paired = paired_rows(results, [ours], bases)
    for base in bases:
        per_shift = by_shift(paired, ours, base, list(results))
        ahead = [s for s, (m, _, _) in per_shift.items() if m > 0]
        behind = [f"{d} budget{'s' if d > 1 else ''} of {s}" for s, (_, _, d) in per_shift.items() if d]
        out[f"vs_{base}"] = (f"{ours} minus {base}, the mean over the budgets, is positive on {len(ahead)} of "
                             f"{len(results)} shifts ({', '.join(ahead) or 'none'}); it is decided behind at "
                             + (", ".join(behind) if behind else "no budget of any shift") + ".")
    below = []
    for shift, rows in results.items():
        summary = summary_table([r for r in rows if r["strategy"] in names])
        warm = next(s["miou_mean"] for s in summary if int(s["round"]) == 0)
        last = max(int(s["round"]) for s in summary)
        if all(s["miou_mean"] < warm for s in summary if int(s["round"]) == last):
            below.append(f"{shift} (warm-up {warm:.2f}, best at the last budget "
                         f"{max(s['miou_mean'] for s in summary if int(s['round']) == last):.2f})")
    out["below_warmup"] = ("Every strategy ends below the warm-up on " + "; ".join(below) + "."
                           if below else "Every shift ends above its warm-up for some strategy.")
    return out


def details(dest: Path, protocols: dict[str, Path],
            same_settings: Optional[dict[str, Sequence[str]]] = None) -> dict[str, str]:
    """The suite page's measured statements, from the published folder ``dest``: the suite's run
    time, the cross-CPU check of the CamVid cells against ``protocols`` (name -> the committed
    results.csv of the same config), and full supervision on a shift where every strategy ends
    below its warm-up (``fs_<shift>_metrics.csv``, when published).

    ``same_settings`` (name -> strategies) limits a protocol's check to the strategies whose
    settings were the same in both runs (a default that changed between them would otherwise be
    counted as the CPU's doing); by default every strategy in both is compared."""
    import json

    import numpy as np

    from adeada.fileformats import read_csv

    out = {}
    found = {p.name[: -len("_timings.json")]: p for p in dest.glob("*_timings.json")}
    walls = {s: json.loads(found[s].read_text())["wall_seconds"]
             for s in [s for s in SUITE if s in found] + sorted(set(found) - set(SUITE))}
    if walls:
        out["time"] = (f"The last invocation of compare on each of the {len(walls)} shifts took "
                       f"{sum(walls.values()) / 60:.0f} min of wall time in all on the 2 cores with 2 workers ("
                       + ", ".join(f"{k} {v / 60:.0f}" for k, v in walls.items()) + " min; each shift's "
                       "timings.json, which leaves out cells and warm-ups finished by an earlier, interrupted invocation).")
    checks = []
    for name, committed in protocols.items():
        mine = dest / f"{name}_results.csv"
        if not mine.exists():
            continue
        new = {(r["strategy"], r["seed"], r["round"]): float(r["miou"]) for r in read_csv(mine)}
        old = {(r["strategy"], r["seed"], r["round"]): float(r["miou"]) for r in read_csv(committed)}
        common = sorted(k for k in set(new) & set(old)
                        if same_settings is None or name not in same_settings or k[0] in same_settings[name])
        d = np.abs([new[k] - old[k] for k in common])
        same = int((d == 0).sum())
        limited = " (the strategies run with the same settings in both)" if same_settings and name in same_settings else ""
        checks.append(f"{name}: {len(common)} seed-round values of {', '.join(sorted({k[0] for k in common}))} in both"
                      f"{limited}, {same} equal, mean |difference| {d.mean():.3f} and largest {d.max():.3f} mIoU points")
    if checks:
        out["cross_cpu"] = ("The CamVid cells of the suite were run on an AVX-512 CPU in float32; the committed "
                            "protocol results on an AVX2 one, also float32. " + "; ".join(checks) + ".")
    for path in sorted(dest.glob("fs_*_metrics.csv")):
        rows = {int(r["round"]): float(r["miou"]) * 100 for r in read_csv(path)}
        shift = path.name[3: -len("_metrics.csv")]
        out[f"full_{shift}"] = (f"On {shift} full supervision (the whole pool labelled, 100 steps of the same recipe from "
                                f"the same warm-up, seed 0) ends at {rows[1]:.2f}, below the warm-up's {rows[0]:.2f}: "
                                "there the recipe, not the selection, loses what the labels bring.")
    return out


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
