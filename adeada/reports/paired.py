"""Which differences between strategies are real: paired differences over seeds, and the spread.

Two strategies run with the same seed share the warm-up, the fine-tuning batch order and the
evaluation set, so the per-seed difference of their mIoU cancels much of what the seeds share;
its Student-t interval over seeds says whether a gap is larger than the seed noise.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats

from adeada.fileformats import format_markdown_table, number

Row = dict[str, object]


def paired_differences(results: Sequence[Mapping[str, object]], reference: str,
                       level: float = 0.95, exclude: Sequence[str] = ()) -> list[Row]:
    """mIoU of ``reference`` minus each other strategy, per round, paired by seed.

    Args:
        results: rows with ``strategy``, ``seed``, ``round``, ``miou`` (and optionally
            ``labelled_percent``), as in a comparison's results.csv.
        reference: the strategy every other one is compared with.
        level: two-sided confidence level of the interval.
        exclude: strategies left out (e.g. the full-supervision reference).

    Returns:
        One row per (other strategy, round >= 1) with seeds in common: ``n`` seeds, ``mean_diff``,
        ``std_diff`` (ddof=1), ``ci_low``/``ci_high`` (Student t, NaN with one seed) and
        ``verdict``: "better" (interval above 0), "worse" (below 0) or "undecided".
    """
    by: dict[tuple[str, int], dict[object, float]] = defaultdict(dict)
    strategies: list[str] = []
    for r in results:
        name, rnd = str(r["strategy"]), int(number(r["round"]))
        if rnd < 1 or math.isnan(number(r["miou"])) or name in exclude:
            continue
        by[(name, rnd)][str(r["seed"])] = number(r["miou"])
        if name not in strategies:
            strategies.append(name)
    if reference not in strategies:
        raise ValueError(f"reference strategy {reference!r} is not among the results ({', '.join(strategies)})")
    rounds = sorted({rnd for (name, rnd) in by if name == reference})
    out: list[Row] = []
    for other in strategies:
        if other == reference:
            continue
        for rnd in rounds:
            ref, oth = by[(reference, rnd)], by.get((other, rnd), {})
            seeds = sorted(set(ref) & set(oth))
            if not seeds:
                continue
            d = np.array([ref[s] - oth[s] for s in seeds])
            n = len(d)
            mean = float(d.mean())
            sd = float(d.std(ddof=1)) if n > 1 else math.nan
            half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n)) if n > 1 else math.nan
            low, high = mean - half, mean + half
            verdict = "better" if low > 0 else "worse" if high < 0 else "undecided"
            out.append({"reference": reference, "strategy": other, "round": rnd, "n": n,
                        "mean_diff": mean, "std_diff": sd, "ci_low": low, "ci_high": high, "verdict": verdict})
    return out


def paired_markdown(paired: Sequence[Mapping[str, object]], round_names: Mapping[int, str] | None = None) -> str:
    """One row per strategy, one column per round: "+1.23 [-0.40, +2.86]" (reference minus it)."""
    rounds = sorted({int(number(p["round"])) for p in paired})
    names = {k: (round_names or {}).get(k, f"round {k}") for k in rounds}
    rows: dict[str, Row] = {}
    for p in paired:
        row = rows.setdefault(str(p["strategy"]), {"strategy": str(p["strategy"])})
        low, high = number(p["ci_low"]), number(p["ci_high"])
        ci = "" if math.isnan(low) else f" [{low:+.2f}, {high:+.2f}]"
        mark = {"better": " ▲", "worse": " ▼"}.get(str(p["verdict"]), "")
        row[names[int(number(p["round"]))]] = f"{number(p['mean_diff']):+.2f}{ci}{mark}"
    return format_markdown_table(list(rows.values()), join_mean_std=False) if rows else ""


def seed_spread(summary: Sequence[Mapping[str, object]], exclude: Sequence[str] = ()) -> list[Row]:
    """Mean standard deviation over seeds per strategy (rounds >= 1), and over everything ("all").

    ``summary`` rows are those of :func:`adeada.reports.summary_table` (``miou_std`` per strategy
    and round); rounds with one seed (NaN std) and strategies in ``exclude`` are left out.
    """
    per: dict[str, list[float]] = defaultdict(list)
    for s in summary:
        name, rnd, sd = str(s["strategy"]), int(number(s["round"])), number(s.get("miou_std"))
        if rnd >= 1 and not math.isnan(sd) and name not in exclude:
            per[name].append(sd)
    rows: list[Row] = [{"strategy": k, "rounds": len(v), "mean_std": float(np.mean(v)), "max_std": float(np.max(v))}
                       for k, v in per.items()]
    every = [x for v in per.values() for x in v]
    if every:
        rows.append({"strategy": "all", "rounds": len(every), "mean_std": float(np.mean(every)),
                     "max_std": float(np.max(every))})
    return rows
