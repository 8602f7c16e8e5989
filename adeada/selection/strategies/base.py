"""The strategy interface and the registry."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from ..budget import candidate_rows, ranked, take_until, warn_if_short
from ..config import SelectionConfig
from ..stats import RegionStats
from ..types import Selection, SelectionContext, make_selection

STRATEGIES: dict[str, Callable[[SelectionConfig], "Strategy"]] = {}


def register(name: str, factory: Optional[Callable[[SelectionConfig], "Strategy"]] = None):
    """Register a strategy factory under ``name`` (usable as a class decorator)."""
    def deco(f):
        STRATEGIES[name] = f
        return f
    return deco(factory) if factory is not None else deco


def get_strategy(name: str, cfg: Optional[SelectionConfig] = None) -> "Strategy":
    """Build the strategy registered as ``name`` (case-insensitive) with ``cfg``.

    Raises:
        KeyError: unknown name (the message lists the known ones).
    """
    from . import _load_all  # noqa: F401  (registers the built-in strategies)

    key = name.lower()
    if key not in STRATEGIES:
        raise KeyError(f"unknown selection strategy {name!r}; expected one of {sorted(STRATEGIES)}")
    return STRATEGIES[key](cfg or SelectionConfig())


class Strategy:
    """Base class: ``__init__`` only stores settings; ``select`` does the work."""

    name = "base"
    #: statistics the strategy reads beyond the target table: "source" (source RegionStats),
    #: "edge" and "domain_score" (target extras), so the loop computes only what is needed.
    requires: frozenset[str] = frozenset()

    def __init__(self, cfg: SelectionConfig) -> None:
        self.cfg = cfg

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
