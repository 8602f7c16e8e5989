"""Category-balanced density budget (Eq. 6) and the authors' weighted round-robin."""

from __future__ import annotations

from typing import Callable

import numpy as np


def _relu(kl: np.ndarray) -> np.ndarray:
    return np.maximum(kl, 0.0)


def _softplus(kl: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, kl)


def _exp(kl: np.ndarray) -> np.ndarray:
    return np.exp(kl - np.nanmax(kl)) if np.isfinite(kl).any() else np.ones_like(kl)


def _authors_log10(kl: np.ndarray) -> np.ndarray:
    # int(log10(|KL|)) as in the authors' code; |KL| < 1 gives <= 0, i.e. "never take".
    with np.errstate(divide="ignore"):
        return np.trunc(np.log10(np.abs(kl)))


SIGMAS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": _relu, "softplus": _softplus, "exp": _exp, "authors_log10": _authors_log10}


def sigma(name: str, kl: np.ndarray) -> np.ndarray:
    """Class weights sigma(KL_c) of Eq. 6; NaN KL (class not scored) gives weight 0.

    The default ``authors_log10`` (int(log10|KL|)) is what the authors ran: a class gets one
    share per order of magnitude of its KL, so no class takes the whole budget (with ``relu`` one
    CamVid class took 47-98% of a round's density budget; with this sigma the largest took about
    a fifth). ``relu`` (max(KL, 0)) splits in proportion to the shift itself and gives a class
    with KL <= 0 nothing; ``softplus`` keeps a small budget for every class; ``exp`` is a softmax
    over classes.
    """
    if name not in SIGMAS:
        raise ValueError(f"unknown sigma {name!r}; expected one of {sorted(SIGMAS)}")
    kl = np.asarray(kl, dtype=np.float64)
    w = SIGMAS[name](np.where(np.isnan(kl), 0.0, kl))
    w = np.where(np.isnan(kl) | ~np.isfinite(w), 0.0, w)
    return np.maximum(w, 0.0)


def class_budgets(weights: np.ndarray, budget: int, available: np.ndarray) -> tuple[np.ndarray, int]:
    """Split ``budget`` pixels over classes in proportion to ``weights`` (Eq. 6).

    A class cannot use more than the pixels it has ``available``; what it cannot use is
    re-split over the remaining classes with positive weight, until nothing moves (at most C
    passes: each pass either finishes or caps at least one class). If no class with available
    pixels has a positive weight, the budget is split evenly over the classes with pixels left
    (the paper's "equally divided into C categories").

    Returns:
        (per-class budgets, int64 (C,), pixels no class could take).
    """
    w = np.asarray(weights, dtype=np.float64).copy()
    avail = np.asarray(available, dtype=np.int64)
    if w.shape != avail.shape:
        raise ValueError(f"weights {w.shape} and available {avail.shape} must have the same shape")
    out = np.zeros(len(w), dtype=np.float64)
    active = (w > 0) & (avail > 0)
    if not active.any():
        active = avail > 0
        w = np.ones_like(w)
    remaining = float(max(budget, 0))
    for _ in range(len(w) + 1):
        if remaining <= 0 or not active.any():
            break
        share = remaining * w * active / w[active].sum()
        capped = active & (share >= avail - out)
        if not capped.any():
            out += share
            remaining = 0.0
            break
        remaining -= float((avail - out)[capped].sum())
        out[capped] = avail[capped]
        active &= ~capped
    # Integer pixels; rounding down keeps sum <= budget, the remainder goes to the largest weights.
    ints = np.floor(out + 1e-9).astype(np.int64)
    spare = int(min(max(budget, 0), avail.sum())) - int(ints.sum())
    for c in np.argsort(-(out - ints), kind="stable"):
        if spare <= 0:
            break
        if ints[c] < avail[c] and out[c] > ints[c]:
            ints[c] += 1
            spare -= 1
    leftover = int(max(budget, 0) - ints.sum())
    return ints, leftover


def round_robin(ranked_lists: list[np.ndarray], weights: np.ndarray, pixels: np.ndarray,
                budget: int, top: int = 200) -> np.ndarray:
    """The authors' weighted round-robin over per-class ranked lists, made safe.

    Each turn takes ``weights[c]`` regions from the head of class c's list (only its first ``top``
    entries), class by class, until ``budget`` pixels are taken. A weight <= 0 never takes. It
    stops when every list with positive weight is used up; if no weight is positive, every class
    takes one region per turn instead (the authors' loop would never end there).
    """
    w = np.asarray(np.trunc(weights), dtype=np.int64)
    lists = [np.asarray(lst[:top], dtype=np.int64) for lst in ranked_lists]
    if not any(wc > 0 and len(lst) for wc, lst in zip(w, lists)):
        w = np.ones_like(w)
    pos = [0] * len(lists)
    taken: list[int] = []
    spent = 0
    while spent < budget:
        progressed = False
        for c, lst in enumerate(lists):
            for _ in range(max(int(w[c]), 0)):
                if pos[c] >= len(lst) or spent >= budget:
                    break
                taken.append(int(lst[pos[c]]))
                spent += int(pixels[lst[pos[c]]])
                pos[c] += 1
                progressed = True
        if not progressed:  # every usable list is exhausted
            break
    return np.asarray(taken, dtype=np.int64)
