"""CLUE (Prabhu et al., 2021) at region level: entropy-weighted k-means, nearest to centres."""

from __future__ import annotations

import numpy as np

from ..budget import candidate_rows, ranked, take_until, warn_if_short
from ..stats import RegionStats
from ..types import Selection, SelectionContext, make_selection
from .base import Strategy, expected_count
from .clustering import kmeans


class CLUE(Strategy):
    """k-means on region features with sample weight = entropy; buy the region nearest each centre.

    k = ``selection.clue.clusters`` or the number of regions the budget buys at the mean region size.
    Clusters are visited heaviest first (sum of entropy), one region each; if the budget is not
    spent, the rest follows in entropy order. Pools larger than ``max_candidates`` are
    reduced to the most uncertain rows first (they carry most of the weight).
    """

    name = "clue"

    def select(self, target: RegionStats, budget_pixels: int, ctx: SelectionContext) -> Selection:
        cfg = self.cfg.clue
        cand = candidate_rows(ctx.labelled, len(target))
        warn_if_short(target.pixels, cand, budget_pixels)
        ent = target.entropy.astype(np.float64)
        by_ent = ranked(ent, cand)
        pool = np.sort(by_ent[:cfg.max_candidates])
        k = cfg.clusters or expected_count(target, cand, budget_pixels)
        X = target.feature[pool].astype(np.float32)
        w = ent[pool] + 1e-8  # zero entropy everywhere must not zero every weight
        labels, centres = kmeans(X, k, int(ctx.rng.integers(2**31)), cfg.kmeans_iter, sample_weight=w)
        K = centres.shape[0]
        mass = np.bincount(labels, weights=w, minlength=K)
        d = ((X - centres[labels]) ** 2).sum(1)
        nearest = []
        score = np.zeros(len(target))
        for j in np.argsort(-mass, kind="stable"):
            members = np.flatnonzero(labels == j)
            if len(members) == 0:
                continue
            m = members[np.argsort(d[members], kind="stable")[0]]
            nearest.append(pool[m])
            score[pool[m]] = mass[j]
        nearest = np.asarray(nearest, np.int64)
        rest = by_ent[~np.isin(by_ent, nearest)]
        chosen = take_until(np.concatenate([nearest, rest]), target.pixels, budget_pixels)
        score[rest] = ent[rest]
        return make_selection([("uncertainty", chosen, score)], target.pixels, budget_pixels, {"clusters": K})
