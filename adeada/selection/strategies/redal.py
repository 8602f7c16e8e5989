"""ReDAL (Wu et al., 2021) in 2-D: entropy + edge density, then diversity by cluster decay."""

from __future__ import annotations

import numpy as np

from ..budget import candidate_rows, ranked, take_until, warn_if_short
from ..stats import RegionStats
from ..types import Selection, SelectionContext, make_selection
from .base import Strategy, expected_count
from .clustering import kmeans


class ReDAL(Strategy):
    """score = entropy + edge_weight x edge density; greedy pick with per-cluster decay.

    Settings: ``selection.redal``. The top ``candidates`` rows by score are clustered (k-means on region features, k =
    ``clusters`` or the number of regions the budget buys); the walk repeatedly takes the
    best current score, and every pick multiplies the scores of the rest of its cluster by
    ``decay``, so later picks prefer clusters not yet covered. Rows outside the candidate
    set follow in plain score order if the budget is not spent.
    """

    name = "redal"
    requires = frozenset({"edge"})

    def select(self, target: RegionStats, budget_pixels: int, ctx: SelectionContext) -> Selection:
        if "edge" not in target.extras:
            raise ValueError("ReDAL needs extras['edge']: compute the target statistics with "
                             "compute_region_stats(..., edges=True)")
        cfg = self.cfg.redal
        cand = candidate_rows(ctx.labelled, len(target))
        warn_if_short(target.pixels, cand, budget_pixels)
        score = target.entropy.astype(np.float64) + cfg.edge_weight * target.extras["edge"].astype(np.float64)
        order = ranked(score, cand)
        top, rest = order[:cfg.candidates], order[cfg.candidates:]
        k = cfg.clusters or expected_count(target, cand, budget_pixels)
        labels, _ = kmeans(target.feature[top], k, int(ctx.rng.integers(2**31)), cfg.kmeans_iter)
        walk = self._decay_walk(score[top], labels, cfg.decay)
        chosen = take_until(np.concatenate([top[walk], rest]), target.pixels, budget_pixels)
        return make_selection([("uncertainty", chosen, score)], target.pixels, budget_pixels,
                              {"clusters": int(labels.max()) + 1})

    @staticmethod
    def _decay_walk(score: np.ndarray, labels: np.ndarray, decay: float) -> np.ndarray:
        """Order of picks: best current score, where each pick decays its cluster by ``decay``.

        All members of a cluster share the same factor decay^(picks so far), so each cluster's
        internal order never changes and a pick is the best of the clusters' heads: O(K) a step.
        """
        K = int(labels.max()) + 1
        members = [np.flatnonzero(labels == j) for j in range(K)]  # already in score order
        head = np.zeros(K, np.int64)
        factor = np.ones(K)
        out = np.empty(len(score), np.int64)
        heads = np.array([score[m[0]] if len(m) else -np.inf for m in members])
        for t in range(len(score)):
            j = int(np.argmax(np.where(np.isfinite(heads), heads * factor, -np.inf)))
            out[t] = members[j][head[j]]
            head[j] += 1
            factor[j] *= decay
            heads[j] = score[members[j][head[j]]] if head[j] < len(members[j]) else -np.inf
        return out
