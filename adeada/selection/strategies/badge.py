"""BADGE (Ash et al., 2020) at region level: k-means++ seeding over gradient embeddings."""

from __future__ import annotations

import numpy as np

from ..budget import candidate_rows, warn_if_short
from ..stats import RegionStats
from ..types import Selection, SelectionContext, make_selection
from .base import Strategy


class BADGE(Strategy):
    """k-means++ seeding over g = (p - onehot(argmax p)) (x) z, the last layer's gradient.

    The C x 256 embedding is never built: for outer products,
    ||a (x) z - b (x) y||^2 = |a|^2 |z|^2 + |b|^2 |y|^2 - 2 (a.b)(z.y), so each seeding step
    costs O(N (C + D)) and the distances are exact (no projection). On pools larger than
    ``selection.badge.max_candidates`` a uniform random subset (from ``ctx.rng``) is seeded over, which
    keeps BADGE's sampling unbiased while bounding its cost. As in BADGE, the first centre is
    the largest gradient norm; later ones are drawn with probability proportional to D^2.
    """

    name = "badge"

    def select(self, target: RegionStats, budget_pixels: int, ctx: SelectionContext) -> Selection:
        cand = candidate_rows(ctx.labelled, len(target))
        warn_if_short(target.pixels, cand, budget_pixels)
        rng = ctx.rng
        if len(cand) > self.cfg.badge.max_candidates:
            cand = np.sort(rng.choice(cand, self.cfg.badge.max_candidates, replace=False))
        p = target.prob[cand].astype(np.float64)
        a = p.copy()
        a[np.arange(len(cand)), p.argmax(1)] -= 1.0
        z = target.feature[cand].astype(np.float64)
        na, nz = (a * a).sum(1), (z * z).sum(1)
        norm2 = na * nz
        d2 = np.full(len(cand), np.inf)
        picked = np.zeros(len(cand), bool)
        order: list[int] = []
        spent, first = 0, True
        score = np.zeros(len(target))
        while spent < budget_pixels and len(order) < len(cand):
            if first:
                i = int(np.argmax(norm2))
                first = False
            else:
                w = np.where(picked, 0.0, np.maximum(d2, 0.0))
                total = w.sum()
                # All remaining embeddings coincide with a centre: fall back to a uniform draw.
                i = int(rng.choice(np.flatnonzero(~picked))) if not np.isfinite(total) or total <= 0 \
                    else int(rng.choice(len(cand), p=w / total))
            score[cand[i]] = d2[i] if np.isfinite(d2[i]) else norm2[i]
            picked[i] = True
            order.append(i)
            spent += int(target.pixels[cand[i]])
            dist = norm2 + norm2[i] - 2.0 * (a @ a[i]) * (z @ z[i])
            d2 = np.minimum(d2, dist)
        rows = cand[np.asarray(order, np.int64)]
        return make_selection([("uncertainty", rows, score)], target.pixels, budget_pixels)
