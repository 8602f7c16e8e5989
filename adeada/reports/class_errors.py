"""Where a class's test pixels go, and what a model calls that class, read from a confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _shares(v: np.ndarray, total: float, names: list[str], top: int) -> list[tuple[str, float]]:
    if total == 0:
        return []
    order = sorted(range(len(v)), key=lambda i: (-v[i], i))[:top]
    return [(names[i], 100.0 * v[i] / total) for i in order if v[i] > 0]


def class_errors(confusion: np.ndarray, names: Sequence[str], name: str, top: int = 4) -> dict:
    """One class's row and column of a confusion matrix (rows = label, columns = prediction).

    Returns its IoU (%), its pixel count, the pixels predicted as it, and the ``top`` largest
    shares of its row (``predicted_as``: what its pixels are called) and of its column
    (``truly``: what the pixels called it are), as (class, percent) pairs, largest first.

    Raises:
        ValueError: ``name`` is not one of ``names``, or the matrix does not fit them.
    """
    names = list(names)
    if name not in names:
        raise ValueError(f"class {name!r} is not one of the run's classes ({', '.join(names)})")
    cm = np.asarray(confusion, dtype=float)
    if cm.shape != (len(names), len(names)):
        raise ValueError(f"confusion matrix of shape {cm.shape} does not fit {len(names)} classes")
    c = names.index(name)
    true, predicted, hit = cm[c].sum(), cm[:, c].sum(), cm[c, c]
    union = true + predicted - hit
    return {"iou": 100.0 * hit / union if union else float("nan"), "pixels": int(true),
            "predicted": int(predicted), "predicted_as": _shares(cm[c], true, names, top),
            "truly": _shares(cm[:, c], predicted, names, top)}


def shares_text(pairs: Sequence[tuple[str, float]]) -> str:
    """``building 75.8, car 9.4``; ``-`` when there is none."""
    return ", ".join(f"{n} {p:.1f}" for n, p in pairs) or "-"


def class_error_rows(confusion: np.ndarray, names: Sequence[str], top: int = 3) -> list[dict]:
    """One row per class present in the test labels or the predictions, for a report table."""
    rows = []
    for name in names:
        s = class_errors(confusion, names, name, top)
        if s["pixels"] == 0 and s["predicted"] == 0:
            continue
        rows.append({"class": name, "IoU %": s["iou"], "test pixels": s["pixels"],
                     "predicted as it": s["predicted"], "its pixels called (%)": shares_text(s["predicted_as"]),
                     "called it, truly (%)": shares_text(s["truly"])})
    return rows
