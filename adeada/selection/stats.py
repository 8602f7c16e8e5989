"""``RegionStats``: one row per region, columnar numpy arrays, saved as ``.npz``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from adeada.atomic import atomic_open

_COLUMNS = ("image", "region", "pixels", "feature", "prob", "pred", "entropy", "confidence", "margin")
_EXTRA_PREFIX = "extra__"


class RegionStatsError(ValueError):
    """A region table (or its file) is malformed."""


@dataclass
class RegionStats:
    """Per-region statistics of one domain, one row per (image, region).

    Attributes:
        image: int32 (N,) dataset index of the image.
        region: int32 (N,) superpixel id inside the image.
        pixels: int64 (N,) region size at label resolution (void included: the labelling cost).
        feature: (N, D) mean feature (float32 by default; float16 halves big pools' tables).
        prob: float32 (N, C) mean softmax probability.
        pred: int64 (N,) predicted class = argmax of ``prob``.
        entropy: float32 (N,) mean over pixels of -sum_c p log p (natural log).
        confidence: float32 (N,) mean over pixels of the top-1 probability.
        margin: float32 (N,) mean over pixels of top-1 minus top-2 probability.
        extras: optional float32 (N,) columns, e.g. ``edge`` (ReDAL), ``domain_score`` (AADA).
    """

    image: np.ndarray
    region: np.ndarray
    pixels: np.ndarray
    feature: np.ndarray
    prob: np.ndarray
    pred: np.ndarray
    entropy: np.ndarray
    confidence: np.ndarray
    margin: np.ndarray
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.image = np.asarray(self.image, dtype=np.int32)
        self.region = np.asarray(self.region, dtype=np.int32)
        self.pixels = np.asarray(self.pixels, dtype=np.int64)
        self.feature = np.asarray(self.feature)
        self.prob = np.asarray(self.prob, dtype=np.float32)
        self.pred = np.asarray(self.pred, dtype=np.int64)
        for name in ("entropy", "confidence", "margin"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.float32))
        self.extras = {k: np.asarray(v, dtype=np.float32) for k, v in self.extras.items()}
        n = len(self.image)
        if self.feature.ndim != 2 or self.prob.ndim != 2:
            raise RegionStatsError(
                f"feature and prob must be 2-d, got shapes {self.feature.shape} and {self.prob.shape}")
        for name in _COLUMNS:
            if len(getattr(self, name)) != n:
                raise RegionStatsError(
                    f"column {name!r} has {len(getattr(self, name))} rows, expected {n} (rows of 'image')")
        for k, v in self.extras.items():
            if v.shape != (n,):
                raise RegionStatsError(f"extra column {k!r} has shape {v.shape}, expected ({n},)")

    def __len__(self) -> int:
        return len(self.image)

    @property
    def num_classes(self) -> int:
        return self.prob.shape[1]

    def subset(self, rows: np.ndarray | Sequence[int]) -> "RegionStats":
        """Rows ``rows`` (indices or a boolean mask) as a new table."""
        rows = np.asarray(rows)
        return RegionStats(**{c: getattr(self, c)[rows] for c in _COLUMNS},
                           extras={k: v[rows] for k, v in self.extras.items()})

    @staticmethod
    def concatenate(tables: Sequence["RegionStats"]) -> "RegionStats":
        """Stack tables row-wise (extras kept only when every table has them)."""
        if not tables:
            raise RegionStatsError("cannot concatenate an empty list of RegionStats")
        keys = set(tables[0].extras)
        for t in tables[1:]:
            keys &= set(t.extras)
        return RegionStats(**{c: np.concatenate([getattr(t, c) for t in tables]) for c in _COLUMNS},
                           extras={k: np.concatenate([t.extras[k] for t in tables]) for k in sorted(keys)})

    def save(self, path: str | os.PathLike) -> None:
        """Write to ``path`` (.npz) atomically: a temporary file in the same folder, then rename."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {c: getattr(self, c) for c in _COLUMNS}
        arrays.update({_EXTRA_PREFIX + k: v for k, v in self.extras.items()})
        with atomic_open(path, "wb") as f:
            np.savez(f, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "RegionStats":
        """Read a table written by :meth:`save`.

        Raises:
            FileNotFoundError: ``path`` does not exist.
            RegionStatsError: the file lacks a column.
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"region statistics file not found: {path}")
        with np.load(path, allow_pickle=False) as z:
            missing = [c for c in _COLUMNS if c not in z.files]
            if missing:
                raise RegionStatsError(f"{path}: missing columns {missing}; expected {list(_COLUMNS)}")
            cols = {c: z[c] for c in _COLUMNS}
            extras = {k[len(_EXTRA_PREFIX):]: z[k] for k in z.files if k.startswith(_EXTRA_PREFIX)}
        return cls(**cols, extras=extras)


def uncertainty_from_probs(prob: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-pixel entropy (natural log), top-1 confidence and top-1 minus top-2 margin.

    The ranking by entropy does not depend on the log base; the authors' mean over classes of
    -p log2 p is this value times 1/(C ln 2).
    """
    p = np.asarray(prob, dtype=np.float64)
    ent = -(p * np.log(np.clip(p, 1e-12, None))).sum(axis=axis)
    top2 = -np.partition(-p, 1, axis=axis)
    first = np.take(top2, 0, axis=axis)
    second = np.take(top2, 1, axis=axis) if p.shape[axis] > 1 else np.zeros_like(first)
    return ent, first, first - second
