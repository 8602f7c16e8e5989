"""Result tables: mean +- std over seeds per strategy and round (paper Table 6).

The CSV and markdown formats themselves live in ``adeada.fileformats``; the three names of
``adeada.reports``' public API that are formats (``format_markdown_table``, ``read_metrics_csv``,
``write_csv``) are that module's, kept here under the names users import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from adeada.fileformats import format_markdown_table, mean_std_text, number, read_metrics_csv, write_csv

__all__ = ["format_markdown_table", "mean_std_text", "number", "pivot_table", "read_metrics_csv", "sort_key",
           "summary_table", "write_csv"]

Row = dict[str, object]


def sort_key(value: object) -> tuple[int, float, str]:
    """Orders cells numerically, with the non-numeric ones after them by text."""
    x = number(value)
    return (0, x, "") if math.isfinite(x) else (1, 0.0, str(value))


def summary_table(
    results: Sequence[Mapping[str, object]],
    group_keys: Sequence[str] = ("strategy", "round"),
    value_keys: Sequence[str] = ("miou", "labelled_percent"),
) -> list[Row]:
    """Aggregates result rows over seeds: one row per group with mean, std and count of each value.

    The std is the sample standard deviation (ddof=1) over the finite values; with one seed it is
    NaN (there is no spread to report). Missing, empty or non-numeric values are left out.

    Args:
        results: rows such as ``{"strategy": "ADeADA", "seed": 0, "round": 1, "miou": 64.0,
            "labelled_percent": 1.0}`` (numbers may be strings, as read from CSV).
        group_keys: keys that define a group (a missing key groups as None).
        value_keys: numeric keys to aggregate; keys absent from every row are skipped.

    Returns:
        Rows ``{<group keys>, "n": seeds, "<value>_mean", "<value>_std"}``, strategies in order of
        first appearance and rounds in numeric order.
    """
    groups: dict[tuple, list[Mapping[str, object]]] = {}
    first_seen: dict[object, int] = {}
    for row in results:
        key = tuple(row.get(k) for k in group_keys)
        groups.setdefault(key, []).append(row)
        first_seen.setdefault(key[0] if key else None, len(first_seen))
    present = [v for v in value_keys if any(v in r for r in results)]
    out: list[Row] = []
    for key in sorted(groups, key=lambda k: (first_seen[k[0] if k else None], *[sort_key(p) for p in k[1:]])):
        rows = groups[key]
        summary: Row = dict(zip(group_keys, key))
        summary["n"] = len(rows)
        for name in present:
            values = np.array([number(r.get(name)) for r in rows], dtype=float)
            values = values[np.isfinite(values)]
            summary[f"{name}_mean"] = float(values.mean()) if values.size else math.nan
            summary[f"{name}_std"] = float(values.std(ddof=1)) if values.size > 1 else math.nan
        out.append(summary)
    return out


def pivot_table(
    summary: Sequence[Mapping[str, object]],
    row_key: str = "strategy",
    col_key: str = "round",
    value: str = "miou",
    float_format: str = "{:.2f}",
) -> list[Row]:
    """Turns summary rows into the paper's Table 6 layout: one row per strategy, one column per round.

    Cells are "mean ± std" strings (mean alone with one seed, "-" where there is no result).
    """
    cols = sorted({r.get(col_key) for r in summary}, key=sort_key)
    table: dict[object, Row] = {}
    for r in summary:
        row = table.setdefault(r.get(row_key), {row_key: r.get(row_key), **{str(c): "-" for c in cols}})
        row[str(r.get(col_key))] = mean_std_text(r.get(f"{value}_mean"), r.get(f"{value}_std"), float_format)
    return list(table.values())


