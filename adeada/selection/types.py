"""What a strategy is given (``SelectionContext``) and what it returns (``Selection``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from .stats import RegionStats


@dataclass
class SelectionContext:
    """Round state a strategy may read.

    Attributes:
        round: active round k, counted from 1.
        rng: the run's random generator (the only source of randomness).
        labelled: bool per target row, True when already bought (None = nothing bought yet).
        source: source-domain region statistics (needed by density-aware strategies).
        cache_dir: where reusable results may be kept between runs (density fits); None = nowhere.
        part_errors: per part ("density", "uncertainty") of the previous round's selection, the
            share of its bought pixels whose label differs from the class the model predicted for
            their region when it chose them (read from the labels bought, never from others);
            None in round 1 or where the loop was not asked for it.
    """

    round: int = 1
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    labelled: Optional[np.ndarray] = None
    source: Optional[RegionStats] = None
    cache_dir: Optional[Path] = None
    part_errors: Optional[dict[str, float]] = None


@dataclass
class Selection:
    """The regions a strategy chose, in the order chosen, and why.

    Attributes:
        rows: int64 target-row indices.
        scores: float64 score of each chosen row under the part that chose it.
        part: str per row: "density", "uncertainty" or "other".
        budget_pixels: the budget asked for.
        pixels_taken: pixels of the chosen regions (may exceed the budget by < one region).
        diagnostics: free-form details (per-class KL and budgets, shares, timings).
    """

    rows: np.ndarray
    scores: np.ndarray
    part: np.ndarray
    budget_pixels: int
    pixels_taken: int
    diagnostics: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def labelled_fraction(self, target: RegionStats) -> float:
        """Pixels taken as a fraction of all target-pool pixels."""
        return self.pixels_taken / float(target.pixels.sum())

    def to_records(self, target: RegionStats) -> list[dict]:
        """One dict per chosen region: rank, row, image, region, pixels, predicted class, score, part
        (a run writes them, with the image id and class name, as its round's selection.csv)."""
        return [{"rank": i, "row": int(r), "image": int(target.image[r]), "region": int(target.region[r]),
                 "pixels": int(target.pixels[r]), "pred": int(target.pred[r]),
                 "score": float(s), "part": str(p)}
                for i, (r, s, p) in enumerate(zip(self.rows, self.scores, self.part))]


def make_selection(rows_by_part: list[tuple[str, np.ndarray, np.ndarray]], pixels: np.ndarray,
                   budget: int, diagnostics: Optional[dict] = None) -> Selection:
    """Assemble a Selection from (part, rows, scores-over-all-rows) pieces, in order."""
    rows = [np.asarray(r, np.int64) for _, r, _ in rows_by_part]
    all_rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    scores = np.concatenate([np.asarray(s, np.float64)[r] for (_, _, s), r in zip(rows_by_part, rows)]) \
        if rows else np.zeros(0)
    part = np.concatenate([np.full(len(r), p, dtype=object) for (p, _, _), r in zip(rows_by_part, rows)]) \
        if rows else np.zeros(0, dtype=object)
    return Selection(rows=all_rows, scores=np.nan_to_num(scores, nan=0.0, posinf=1e300, neginf=-1e300),
                     part=part.astype(str), budget_pixels=int(budget),
                     pixels_taken=int(pixels[all_rows].sum()), diagnostics=diagnostics or {})
