"""What a run says about itself in one line per round and one at the end."""

from __future__ import annotations

import json
from pathlib import Path


def round_line(k: int, rounds: int, row: dict, warmup: dict) -> str:
    """``round 2/5: 2.00% labelled, mIoU 44.6 (+4.9 over the warm-up)`` from two metrics rows."""
    miou, base = 100.0 * float(row["miou"]), 100.0 * float(warmup["miou"])
    return (f"round {k}/{rounds}: {float(row['labelled_percent']):.2f}% labelled, mIoU {miou:.1f} "
            f"({miou - base:+.1f} over the warm-up)")


def run_summary(root: str | Path, where: bool = True, rows: list[dict] | None = None) -> str:
    """The final line of a run: where it got to, and (``where``) where its files are.

    ``rows``: the run's per-round metrics in round order, when the caller has read them already.
    """
    root = Path(root)
    if rows is None:
        rows = sorted((json.loads(p.read_text()) for p in (root / "rounds").glob("*/metrics.json")),
                      key=lambda r: r["round"])
    place = f"; metrics in {root / 'metrics.csv'}, report in {root / 'report.html'}" if where else ""
    if len(rows) < 2:
        return f"done{place}"
    first, last = rows[0], rows[-1]
    a, b = 100.0 * float(first["miou"]), 100.0 * float(last["miou"])
    return (f"done: {last['round']} rounds, {float(last['labelled_percent']):.2f}% of the target pixels labelled, "
            f"mIoU {a:.1f} after the warm-up -> {b:.1f} ({b - a:+.1f}){place}")
