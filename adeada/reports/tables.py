"""Result tables: mean +- std over seeds per strategy and round (paper Table 6), CSV in and out."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional

import numpy as np

from ._io import PathLike, atomic_write_text

Row = dict[str, object]


def mean_std_text(mean: object, std: object, float_format: str = "{:.2f}") -> str:
    """"mean ± std"; just "mean" when the std is missing or NaN (one seed); "-" without a mean."""
    m, sd = number(mean), number(std)
    if math.isnan(m):
        return "-"
    return float_format.format(m) if math.isnan(sd) else f"{float_format.format(m)} ± {float_format.format(sd)}"


def number(value: object) -> float:
    """A table cell as a float: NaN for empty or non-numeric cells."""
    if value is None or value == "":
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


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


def _cell(value: object, float_format: str) -> str:
    if isinstance(value, float):
        return "-" if math.isnan(value) else float_format.format(value)
    return "" if value is None else str(value)


def format_markdown_table(
    rows: Sequence[Mapping[str, object]],
    columns: Optional[Sequence[str]] = None,
    float_format: str = "{:.2f}",
    join_mean_std: bool = True,
) -> str:
    """Formats rows as a GitHub markdown table.

    Args:
        rows: the rows (e.g. from :func:`summary_table`).
        columns: columns in order (default: keys in order of first appearance).
        float_format: format of float cells; NaN prints as "-".
        join_mean_std: print each ``<x>_mean`` / ``<x>_std`` pair as one ``<x>`` column
            "mean ± std" (just "mean" where the std is NaN).

    Returns:
        The table, one line per row, ending with a newline ("" for no rows).
    """
    if not rows:
        return ""
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    header: list[str] = []
    getters = []
    for col in columns:
        if join_mean_std and col.endswith("_std") and col[:-4] + "_mean" in columns:
            continue
        if join_mean_std and col.endswith("_mean") and col[:-5] + "_std" in columns:
            base = col[:-5]
            header.append(base)

            def get(r: Mapping[str, object], b: str = base) -> str:
                return mean_std_text(r.get(b + "_mean"), r.get(b + "_std"), float_format)
        else:
            header.append(col)

            def get(r: Mapping[str, object], c: str = col) -> str:
                return _cell(r.get(c), float_format)
        getters.append(get)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(g(r) for g in getters) + " |" for r in rows]
    return "\n".join(lines) + "\n"


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


def write_csv(rows: Sequence[Mapping[str, object]], path: PathLike, columns: Optional[Sequence[str]] = None) -> Path:
    """Writes rows to a CSV file atomically; columns default to all keys in order of first appearance.

    NaN and None are written as empty cells.
    """
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="raise", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if v is None or (isinstance(v, float) and math.isnan(v)) else v) for k, v in r.items()})
    return atomic_write_text(path, buffer.getvalue())


def _parse(text: str) -> object:
    if text == "":
        return math.nan
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def read_metrics_csv(path: PathLike) -> list[Row]:
    """Reads a CSV written by :func:`write_csv`: ints and floats parsed, empty cells as NaN.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: if the file has no header or a row has more cells than the header.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"metrics CSV not found: {path}")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise ValueError(f"{path}: empty CSV, expected a header line")
        rows: list[Row] = []
        for line_no, raw in enumerate(reader, start=2):
            if None in raw:
                raise ValueError(f"{path}: line {line_no} has more cells than the {len(reader.fieldnames)} header columns")
            rows.append({k: _parse(v if v is not None else "") for k, v in raw.items()})
    return rows
