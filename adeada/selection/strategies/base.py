"""The strategy interface: ``Strategy`` and ``RankedStrategy``."""

from __future__ import annotations

import numpy as np

from ..budget import candidate_rows, ranked, take_until, warn_if_short
from ..config import SelectionConfig
from ..stats import RegionStats
from ..types import Selection, SelectionContext, make_selection

class Strategy:
    """Base class: ``__init__`` only stores settings; ``select`` does the work.

    A strategy reads the whole ``SelectionConfig``; a strategy with settings of its own reads
    them from its section (``cfg.redal``, ``cfg.badge``, ``cfg.adeada``, ...) and never rewrites
    ``cfg``: a preset over a section is kept beside it (see ``runs_with``).
    """

    name = "base"
    #: statistics the strategy reads beyond the target table: "source" (source RegionStats),
    #: "edge", "domain_score" and "impurity" (target extras), so the loop computes only what is needed.
    requires: frozenset[str] = frozenset()

    def __init__(self, cfg: SelectionConfig) -> None:
        self.cfg = cfg

    def runs_with(self) -> SelectionConfig:
        """The settings this strategy really runs with: ``cfg`` with its own preset applied (the
        paper's ablation rows, ADeADA+); ``cfg`` itself for a strategy without one. What a config
        check compares with what was asked, so that a value a preset replaces is never ignored
        silently."""
        return self.cfg

    def select(self, target: RegionStats, budget_pixels: int, ctx: SelectionContext) -> Selection:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class RankedStrategy(Strategy):
    """Scores every unlabelled row, then buys the highest scores until the budget is spent."""

    def scores(self, target: RegionStats, ctx: SelectionContext) -> np.ndarray:
        """Higher = bought first; one float per target row."""
        raise NotImplementedError

    def select(self, target: RegionStats, budget_pixels: int, ctx: SelectionContext) -> Selection:
        cand = candidate_rows(ctx.labelled, len(target))
        warn_if_short(target.pixels, cand, budget_pixels)
        s = self.scores(target, ctx)
        rows = take_until(ranked(s, cand), target.pixels, budget_pixels)
        return make_selection([(self.part, rows, s)],
                              target.pixels, budget_pixels)

    part = "uncertainty"


def expected_count(target: RegionStats, cand: np.ndarray, budget: int) -> int:
    """How many regions a budget buys at the pool's mean region size (>= 1, <= pool)."""
    mean = max(float(target.pixels[cand].mean()), 1.0)
    return int(min(len(cand), max(1, int(np.ceil(budget / mean)))))
