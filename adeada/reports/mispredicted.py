"""How many of the warm-up's mispredicted target regions a strategy bought (the paper's supplementary
study "Influence of inaccurate predicted category"), from plain arrays.

A region's true class is the majority of its ground-truth pixels, known to the benchmark after
the fact and never to a selection; it is mispredicted when the warm-up model's predicted class
(argmax of its mean probability, round 1's statistics) differs. Pure functions: the run folder
is read by ``adeada.active.report``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

IGNORE = 255


def region_majority(label: np.ndarray, segments: np.ndarray, n_regions: int, num_classes: int) -> np.ndarray:
    """(R,) the most frequent class of each region's labelled pixels (ties: the lower class id);
    ``IGNORE`` for a region with no labelled pixel."""
    seg = np.asarray(segments).ravel().astype(np.int64)
    lab = np.asarray(label).ravel().astype(np.int64)
    keep = lab != IGNORE
    counts = np.bincount(seg[keep] * num_classes + lab[keep], minlength=n_regions * num_classes)
    counts = counts[: n_regions * num_classes].reshape(n_regions, num_classes)
    out = counts.argmax(1)
    out[counts.sum(1) == 0] = IGNORE
    return out


def mispredicted_recall(true_class: np.ndarray, warm_pred: np.ndarray, bought_round: np.ndarray,
                        rounds: int, classes: Sequence[str]) -> list[dict]:
    """Per true class (and "all"): the regions of that class, how many the warm-up mispredicted, and
    the share of those bought by the end of each round 1..``rounds``.

    Args:
        true_class: (N,) each pool region's majority class (``IGNORE``: no labelled pixel, left out).
        warm_pred: (N,) the warm-up model's predicted class of each region.
        bought_round: (N,) the round a region was bought in (0: never).
        rounds: the run's rounds.
        classes: class names in id order.

    Returns:
        Rows ``class``, ``regions``, ``mispredicted``, ``mispredicted_percent`` and
        ``bought_r<k>`` (percent of the mispredicted regions bought in rounds 1..k; NaN for a
        class the warm-up never mispredicted).
    """
    true_class, warm_pred, bought_round = (np.asarray(a) for a in (true_class, warm_pred, bought_round))
    if not (len(true_class) == len(warm_pred) == len(bought_round)):
        raise ValueError(f"mispredicted_recall: {len(true_class)}, {len(warm_pred)} and {len(bought_round)} "
                         "rows; expected one per pool region in each")
    known = true_class != IGNORE
    wrong = known & (warm_pred != true_class)
    rows = []
    for name, mask in [(c, known & (true_class == i)) for i, c in enumerate(classes)] + [("all", known)]:
        miss = mask & wrong
        row = {"class": name, "regions": int(mask.sum()), "mispredicted": int(miss.sum()),
               "mispredicted_percent": 100.0 * miss.sum() / mask.sum() if mask.any() else float("nan")}
        for k in range(1, rounds + 1):
            got = miss & (bought_round >= 1) & (bought_round <= k)
            row[f"bought_r{k}"] = 100.0 * got.sum() / miss.sum() if miss.any() else float("nan")
        rows.append(row)
    return rows
