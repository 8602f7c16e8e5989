"""The suite's leaderboard: every strategy over every shift and budget, from the shifts' results rows.

Pure functions of results rows (``strategy``, ``seed``, ``round``, ``labelled_percent``, ``miou``, as
in a comparison's results.csv), one list per shift. Three views:

- the mean rank of each strategy over every (shift, budget) cell (1 = the highest mean mIoU over
  seeds; ties share the mean of their ranks), among the strategies that ran on every shift;
- for each strategy that is not a baseline, its paired difference to each baseline per shift and
  budget (mean and 95% Student-t interval over seeds, :func:`adeada.reports.paired.paired_differences`);
- per shift, mean +- std per strategy and budget (the paper's Table 6 layout).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from .compare_tables import FULL, round_names, table_markdown
from .paired import paired_differences, paired_markdown
from .tables import summary_table
from adeada.fileformats import format_markdown_table, number

Row = dict[str, object]

# The comparison points: the paper's nine baselines and RIPU. Every other strategy (ADeADA, its
# ablation rows, ADeADA+ and its settings) is measured against them.
BASELINES = ("rand", "ent", "conf", "mar", "badge", "redal", "aada", "clue", "density", "ripu")


def _active(rows: Sequence[Mapping[str, object]]) -> list[Mapping[str, object]]:
    return [r for r in rows if r["strategy"] != FULL]


def common_strategies(results: Mapping[str, Sequence[Mapping[str, object]]]) -> list[str]:
    """Strategies with results on every shift, in order of first appearance."""
    seen = [list(dict.fromkeys(str(r["strategy"]) for r in _active(rows))) for rows in results.values()]
    if not seen:
        return []
    return [s for s in seen[0] if all(s in other for other in seen[1:])]


def rank_rows(results: Mapping[str, Sequence[Mapping[str, object]]],
              strategies: Sequence[str] | None = None) -> list[Row]:
    """Mean rank over every (shift, round >= 1) of ``strategies`` (default: those on every shift).

    Returns one row per strategy, best mean rank first: ``mean_rank``, ``firsts`` (cells where it
    has the highest mean, ties included), ``cells``, and ``rank_<shift>`` (its mean rank over that
    shift's budgets).

    Raises:
        ValueError: a ranked strategy has no mIoU for a round of a shift (named).
    """
    names = list(strategies) if strategies is not None else common_strategies(results)
    per: dict[str, list[float]] = defaultdict(list)
    per_shift: dict[tuple[str, str], list[float]] = defaultdict(list)
    firsts: dict[str, int] = defaultdict(int)
    for shift, rows in results.items():
        means = {(s["strategy"], int(number(s["round"]))): number(s["miou_mean"])
                 for s in summary_table(_active(rows))}
        for k in sorted({rnd for (name, rnd) in means if rnd >= 1 and name in names}):
            present = [n for n in names if math.isfinite(means.get((n, k), math.nan))]
            if len(present) < len(names):
                missing = sorted(set(names) - set(present))
                raise ValueError(f"shift {shift!r}, round {k}: no mIoU for {', '.join(missing)} (a cell not "
                                 "finished?); every ranked strategy needs every round of every shift")
            values = [means[(n, k)] for n in names]
            ranks = rankdata([-v for v in values], method="average")
            for n, r, v in zip(names, ranks, values):
                per[n].append(float(r))
                per_shift[(n, shift)].append(float(r))
                firsts[n] += int(v == max(values))  # ties for the best count for each of them
    out = []
    for n in names:
        row: Row = {"strategy": n, "mean_rank": float(np.mean(per[n])) if per[n] else math.nan,
                    "firsts": firsts[n], "cells": len(per[n])}
        for shift in results:
            row[f"rank_{shift}"] = float(np.mean(per_shift[(n, shift)])) if per_shift[(n, shift)] else math.nan
        out.append(row)
    return sorted(out, key=lambda r: (number(r["mean_rank"]), str(r["strategy"])))


def paired_rows(results: Mapping[str, Sequence[Mapping[str, object]]], references: Sequence[str],
                baselines: Sequence[str], level: float = 0.95) -> list[Row]:
    """Each reference minus each baseline, per shift and round, paired by seed (with ``shift``)."""
    out: list[Row] = []
    for shift, rows in results.items():
        ran = {str(r["strategy"]) for r in rows}
        for ref in references:
            if ref not in ran:
                continue
            for p in paired_differences(rows, ref, level=level, exclude=[FULL]):
                if p["strategy"] in baselines:
                    out.append({"shift": shift, **p})
    return out


def by_shift(paired: Sequence[Mapping[str, object]], reference: str, baseline: str,
             shifts: Sequence[str]) -> dict[str, tuple[float, int, int]]:
    """Per shift with a paired difference of ``reference`` - ``baseline``: (the mean difference
    over the budgets, budgets decided ahead, budgets decided behind)."""
    out = {}
    for shift in shifts:
        cells = [p for p in paired if (p["reference"], p["strategy"], p["shift"]) == (reference, baseline, shift)]
        if cells:
            out[shift] = (float(np.mean([number(c["mean_diff"]) for c in cells])),
                          sum(c["verdict"] == "better" for c in cells), sum(c["verdict"] == "worse" for c in cells))
    return out


def paired_overview(paired: Sequence[Mapping[str, object]], shifts: Sequence[str]) -> list[Row]:
    """One row per (reference, baseline): per shift the mean paired difference over the budgets and
    how many budgets are decided ahead (▲) and behind (▼), e.g. ``+0.85 ▲3 ▼0``."""
    pairs = dict.fromkeys((str(p["reference"]), str(p["strategy"])) for p in paired)
    out = []
    for ref, base in pairs:
        found = by_shift(paired, ref, base, shifts)
        row: Row = {"ours - baseline": f"{ref} - {base}"}
        for shift in shifts:
            row[shift] = "-" if shift not in found else "{:+.2f} ▲{} ▼{}".format(*found[shift])
        out.append(row)
    return out


def rank_markdown(ranks: Sequence[Mapping[str, object]], shifts: Sequence[str]) -> str:
    rows = [{"strategy": r["strategy"], "mean rank": f"{number(r['mean_rank']):.2f}",
             "best mean in": f"{r['firsts']} of {r['cells']}",
             **{s: f"{number(r[f'rank_{s}']):.2f}" for s in shifts}} for r in ranks]
    return format_markdown_table(rows, join_mean_std=False)


def leaderboard_markdown(results: Mapping[str, Sequence[Mapping[str, object]]],
                         baselines: Sequence[str] = BASELINES, level: float = 0.95) -> str:
    """The whole leaderboard page: mean ranks, paired overview, then each shift's tables."""
    shifts = list(results)
    names = common_strategies(results)
    ours = [s for s in names if s not in baselines]
    bases = [s for s in names if s in baselines]
    seeds = sorted({str(r["seed"]) for rows in results.values() for r in rows}, key=number)
    paired = paired_rows(results, ours, bases, level)
    parts = [
        "# Leaderboard of the suite of shifts\n",
        f"{len(shifts)} shifts ({', '.join(shifts)}), {len(names)} strategies that ran on every shift, "
        f"seeds {', '.join(seeds)}. Generated by `adeada.reports.leaderboard` from the shifts' results.csv.\n",
        "## Mean rank over every shift and budget (1 = the highest mean mIoU)\n",
        "Per shift: the strategy's mean rank over that shift's budgets (rounds 1..K).\n",
        rank_markdown(rank_rows(results, names), shifts),
    ]
    if ours and bases:
        parts += [
            f"## Each of ours minus each baseline ({int(level * 100)}% paired intervals over seeds)\n",
            "Per shift: the mean paired difference over the budgets, then how many budgets it is decided "
            "ahead (▲, the interval above zero) and behind (▼).\n",
            format_markdown_table(paired_overview(paired, shifts), join_mean_std=False),
        ]
    for shift, rows in results.items():
        summary = summary_table(rows)
        parts += [f"## {shift}\n", "mIoU (%), mean ± std over seeds:\n", table_markdown(summary)]
        for ref in ours:
            mine = [p for p in paired if p["shift"] == shift and p["reference"] == ref]
            if mine:
                parts += [f"{ref} minus each baseline, per budget:\n", paired_markdown(mine, round_names(summary))]
    return "\n".join(parts)


def read_results(paths: Sequence[str | Path]) -> list[Row]:
    """The rows of one shift's results.csv files together (e.g. a committed comparison and cells run
    later with the same config and seeds). A (strategy, seed, round) in two files must agree.

    Raises:
        ValueError: two files disagree on a cell (named), or a file lacks a column.
    """
    import csv

    seen: dict[tuple[str, str, str], tuple[Row, Path]] = {}
    out: list[Row] = []
    for path in map(Path, paths):
        with open(path, newline="") as f:
            table = list(csv.DictReader(f))
        for r in table:
            missing = [c for c in ("strategy", "seed", "round", "miou") if c not in r]
            if missing:
                raise ValueError(f"{path}: no column {missing[0]!r}; expected a comparison's results.csv")
            key = (str(r["strategy"]), str(r["seed"]), str(r["round"]))
            if key in seen:
                other, where = seen[key]
                a, b = number(other["miou"]), number(r["miou"])
                if a != b and not (math.isnan(a) and math.isnan(b)):
                    raise ValueError(f"{path} and {where} disagree on {key[0]} seed {key[1]} round {key[2]}: "
                                     f"mIoU {r['miou']} vs {other['miou']}")
                continue
            seen[key] = (r, path)
            out.append(r)
    return out


def value_agreement(new: Sequence[Mapping[str, object]], old: Sequence[Mapping[str, object]]) -> dict:
    """How far one set of results gives another back: over every (strategy, seed, round) both hold,
    how many mIoU values are equal to the last bit, their mean and largest |difference| (points),
    and the strategies and seeds compared (``values`` 0 when nothing is in common)."""
    def by_cell(rows):
        return {(str(r["strategy"]), str(r["seed"]), str(r["round"])): float(r["miou"]) for r in rows}

    a, b = by_cell(new), by_cell(old)
    common = sorted(set(a) & set(b))
    gaps = np.abs([a[k] - b[k] for k in common]) if common else np.zeros(0)
    return {"values": len(common), "equal": int((gaps == 0).sum()),
            "mean": float(gaps.mean()) if common else 0.0, "largest": float(gaps.max()) if common else 0.0,
            "strategies": sorted({k[0] for k in common}), "seeds": sorted({k[1] for k in common})}
