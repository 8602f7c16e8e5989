"""RAND and the uncertainty baselines CONF, MAR, ENT (supplementary B, Eqs. 8-10)."""

from __future__ import annotations

import numpy as np

from ..stats import RegionStats
from ..types import SelectionContext
from .base import RankedStrategy


class Random(RankedStrategy):
    """Random regions: a uniform random score per row from ``ctx.rng``."""

    name = "rand"
    part = "other"

    def scores(self, target: RegionStats, ctx: SelectionContext) -> np.ndarray:
        return ctx.rng.random(len(target))


class Entropy(RankedStrategy):
    """Largest mean pixel entropy first (Eq. 10)."""

    name = "ent"

    def scores(self, target: RegionStats, ctx: SelectionContext) -> np.ndarray:
        return target.entropy.astype(np.float64)


class Confidence(RankedStrategy):
    """Lowest mean top-1 probability first (Eq. 9): the score is its negation."""

    name = "conf"

    def scores(self, target: RegionStats, ctx: SelectionContext) -> np.ndarray:
        return -target.confidence.astype(np.float64)


class Margin(RankedStrategy):
    """Smallest mean top-1 minus top-2 margin first (Eq. 8): the score is its negation."""

    name = "mar"

    def scores(self, target: RegionStats, ctx: SelectionContext) -> np.ndarray:
        return -target.margin.astype(np.float64)
