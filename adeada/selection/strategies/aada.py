"""AADA: entropy weighted by the discriminator's importance weight (Su et al., 2020)."""

from __future__ import annotations

import numpy as np

from ..stats import RegionStats
from ..types import SelectionContext
from .base import RankedStrategy


class AADA(RankedStrategy):
    """score = w(x) * H(x) with w = s / (1 - s), s = P(target) from the warm-up discriminator.

    ``extras['domain_score']`` is the region's mean sigmoid output of the AdaptSegNet
    discriminator read as target-ness; s / (1 - s) is AADA's importance weight p_T(x)/p_S(x)
    estimated by a domain classifier. s is clipped to [1e-6, 1 - 1e-6] so w stays finite.
    """

    name = "aada"
    requires = frozenset({"domain_score"})

    def scores(self, target: RegionStats, ctx: SelectionContext) -> np.ndarray:
        if "domain_score" not in target.extras:
            raise ValueError("AADA needs extras['domain_score']: compute the target statistics with "
                             "compute_region_stats(..., discriminator=<warm-up discriminator>)")
        s = np.clip(target.extras["domain_score"].astype(np.float64), 1e-6, 1 - 1e-6)
        return s / (1.0 - s) * target.entropy.astype(np.float64)
