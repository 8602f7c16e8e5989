"""RIPU (Xie et al., CVPR 2022, "Towards Fewer Annotations: Active Learning via Region Impurity and
Prediction Uncertainty for Domain Adaptive Semantic Segmentation") as a superpixel baseline."""

from __future__ import annotations

import numpy as np

from ..stats import RegionStats
from ..types import SelectionContext
from .base import RankedStrategy


class RIPU(RankedStrategy):
    """score = region impurity x prediction uncertainty, highest first.

    RIPU scores the square neighbourhood of every pixel: its impurity is the entropy of the
    histogram of the classes predicted in it, its uncertainty the mean prediction entropy in it.
    Here the unit is a superpixel and its neighbourhood is the region with the regions it touches
    (computed in the statistics pass: ``extras['impurity']``, ``extras['nbr_entropy']``): a region
    on a boundary between predicted classes, where the model is unsure, scores high; one inside a
    large confidently predicted area scores zero. RIPU's training losses (its negative learning and
    self-training terms) are not selection and are left out (docs/method.md).
    """

    name = "ripu"
    requires = frozenset({"impurity"})

    def scores(self, target: RegionStats, ctx: SelectionContext) -> np.ndarray:
        return self.region_scores(target)

    @staticmethod
    def region_scores(target: RegionStats) -> np.ndarray:
        """impurity x neighbourhood uncertainty per row (float64)."""
        missing = [k for k in ("impurity", "nbr_entropy") if k not in target.extras]
        if missing:
            raise ValueError(f"RIPU needs extras {missing}: compute the target statistics with "
                             "compute_region_stats(..., impurity=True)")
        return target.extras["impurity"].astype(np.float64) * target.extras["nbr_entropy"].astype(np.float64)
