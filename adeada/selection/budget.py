"""Budgets in labelled pixels: per round, per part (Eq. 7), and taking ranked regions."""

from __future__ import annotations

import math
import warnings

import numpy as np


class PoolExhaustedError(RuntimeError):
    """No unlabelled region is left in the target pool."""


class BudgetError(ValueError):
    """A budget setting is out of range."""


def round_budget(total_pixels: int, fraction: float = 0.01) -> int:
    """Pixels one round may buy: ``fraction`` of all target-pool pixels (rounded to nearest)."""
    if not 0.0 < fraction <= 1.0:
        raise BudgetError(f"budget fraction must be in (0, 1], got {fraction}")
    if total_pixels <= 0:
        raise BudgetError(f"the target pool has {total_pixels} pixels; expected a positive count")
    return int(round(total_pixels * fraction))


def density_share(round_k: int, alpha: float, beta: float) -> float:
    """Share of round k's budget for the density part (Eq. 7), clipped to [0, 1].

    B_d^k = alpha * 2^(-beta (k - 1)) * B^k with k counted from 1 (the paper's formula; the
    authors' code starts k at 0, giving a share of 2 alpha in the first round).
    """
    if round_k < 1:
        raise BudgetError(f"round index k starts at 1, got {round_k}")
    # Eq. 7
    return float(min(1.0, max(0.0, alpha * 2.0 ** (-beta * (round_k - 1)))))


# selection.adeada.schedule: the density part's share of round k's budget, by the names of the paper's
# supplementary Table 5 ("fixed" is any constant share, selection.adeada.density_fraction).
SCHEDULES = ("half_decay", "linear_decay", "even", "fixed")


def schedule_share(schedule: str, round_k: int, alpha: float, beta: float, fixed: float = 0.5) -> float:
    """Share of round k's budget for the density part under ``schedule``, clipped to [0, 1].

    - ``half_decay``: Eq. 7, alpha * 2^(-beta (k - 1)) (the paper's method);
    - ``linear_decay``: alpha * (1 - 0.2 (k - 1)), the paper's "linear decay" (1.0, then minus 0.2
      a round: 1.0, 0.8, 0.6, 0.4, 0.2 over five rounds);
    - ``even``: 0.5 every round ("even distribution", the paper's row (d));
    - ``fixed``: ``fixed`` every round (``selection.adeada.density_fraction``).

    Raises:
        BudgetError: an unknown schedule, or k < 1.
    """
    if round_k < 1:
        raise BudgetError(f"round index k starts at 1, got {round_k}")
    if schedule == "half_decay":
        return density_share(round_k, alpha, beta)
    if schedule == "linear_decay":
        return float(min(1.0, max(0.0, alpha * (1.0 - 0.2 * (round_k - 1)))))
    if schedule == "even":
        return 0.5
    if schedule == "fixed":
        return float(min(1.0, max(0.0, fixed)))
    raise BudgetError(f"selection.adeada.schedule={schedule!r}; expected one of {', '.join(SCHEDULES)}")


def split_budget(budget: int, share: float) -> tuple[int, int]:
    """(B_d, B_u) with B_d = round(share * B) and B_u = B - B_d (Eq. 7)."""
    b_d = int(round(budget * min(1.0, max(0.0, share))))
    return b_d, budget - b_d


def candidate_rows(labelled: np.ndarray | None, n: int) -> np.ndarray:
    """Indices of unlabelled rows; raises :class:`PoolExhaustedError` when there are none."""
    if labelled is None:
        return np.arange(n)
    labelled = np.asarray(labelled, dtype=bool)
    if labelled.shape != (n,):
        raise ValueError(f"labelled mask has shape {labelled.shape}, expected ({n},) (one per target row)")
    rows = np.flatnonzero(~labelled)
    if len(rows) == 0:
        raise PoolExhaustedError(f"all {n} target regions are already labelled: nothing left to select")
    return rows


def warn_if_short(pixels: np.ndarray, rows: np.ndarray, budget: int) -> None:
    """Warn when the unlabelled pool holds fewer pixels than the budget (all of it is taken)."""
    left = int(pixels[rows].sum())
    if left < budget:
        warnings.warn(f"the unlabelled pool has {left} pixels, fewer than the budget of {budget}: "
                      f"taking all {len(rows)} remaining regions", RuntimeWarning, stacklevel=3)


def take_until(order: np.ndarray, pixels: np.ndarray, budget: int) -> np.ndarray:
    """Prefix of ``order`` bought with ``budget`` pixels.

    Regions are taken in order while the pixels taken are below the budget, so the last one may
    overshoot (as the authors do) but never by more than that one region. ``budget <= 0`` takes
    nothing.
    """
    order = np.asarray(order, dtype=np.int64)
    if budget <= 0 or len(order) == 0:
        return order[:0]
    cum = np.cumsum(pixels[order])
    # Number of regions taken: the first index whose cumulative sum reaches the budget, inclusive.
    k = int(np.searchsorted(cum, budget, side="left")) + 1
    return order[:min(k, len(order))]


def ranked(scores: np.ndarray, rows: np.ndarray, descending: bool = True) -> np.ndarray:
    """``rows`` sorted by score (stable: ties keep row order, so results are reproducible)."""
    s = np.asarray(scores, dtype=np.float64)[rows]
    s = np.where(np.isnan(s), -math.inf if descending else math.inf, s)
    idx = np.argsort(-s if descending else s, kind="stable")
    return rows[idx]
