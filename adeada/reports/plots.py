"""Figures of a run: mIoU against labelled target pixels (paper Fig. 3) and per-class IoU by round.

matplotlib is used through its object API on an Agg canvas (no pyplot state, no display), so the
functions can run in worker processes and on headless machines.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from adeada.atomic import atomic_path

from adeada.fileformats import PathLike
from adeada.fileformats import number

Point = tuple[float, float, float]


def _save(fig: Figure, out_path: PathLike, dpi: int) -> Path:
    FigureCanvasAgg(fig)
    with atomic_path(out_path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return Path(out_path)


def plot_miou_vs_labels(
    curves: Mapping[str, Sequence[Point]],
    out_path: PathLike,
    title: Optional[str] = None,
    full_supervision: Optional[float] = None,
    warmup: Optional[float] = None,
    dpi: int = 120,
) -> Path:
    """mIoU (%) against labelled target pixels (%), one line per strategy with a band around it.

    Args:
        curves: strategy name -> points ``(labelled_percent, mean_miou, half_width)``: the band's
            half-width (a std over seeds, or a 95% interval's); NaN (one seed) draws no band;
            points need not be sorted.
        out_path: PNG to write (atomically).
        title: figure title.
        full_supervision: mIoU (%) of the fully supervised model, drawn as a dashed line.
        warmup: mIoU (%) of the warm-up model (0 % target labels), drawn as a dotted line.
        dpi: resolution of the PNG.

    Returns:
        The path written.

    Raises:
        ValueError: if there is no curve or a point is not a 3-tuple.
    """
    if not curves:
        raise ValueError(f"plot_miou_vs_labels({out_path}): no curve to plot")
    # More than 6 curves (a whole comparison): legend outside, fainter bands, and a dashed style
    # for the curves after the tenth, which would otherwise repeat the first ten's colours.
    many = len(curves) > 6
    fig = Figure(figsize=(8.4, 4.8) if many else (6.4, 4.4))
    ax = fig.add_subplot(1, 1, 1)
    palette = [f"C{i}" for i in range(10)]
    for i, (name, points) in enumerate(curves.items()):
        if any(len(p) != 3 for p in points):
            raise ValueError(
                f"plot_miou_vs_labels: strategy {name!r} has a point that is not "
                "(labelled_percent, mean_miou, std_miou)"
            )
        if not points:
            continue
        pts = np.array(sorted((number(x), number(m), number(s)) for x, m, s in points))
        x, mean, std = pts[:, 0], pts[:, 1], pts[:, 2]
        (line,) = ax.plot(x, mean, marker="o", markersize=4, label=name, color=palette[i % 10],
                          linestyle=("-", "--", "-.")[(i // 10) % 3])
        has_std = np.isfinite(std)
        if has_std.any():
            band = np.where(has_std, std, 0.0)
            ax.fill_between(x, mean - band, mean + band, color=line.get_color(), alpha=0.07 if many else 0.2,
                            linewidth=0)
            # A band needs two points; error bars keep a lone point's spread visible.
            ax.errorbar(x[has_std], mean[has_std], yerr=std[has_std], fmt="none",
                        ecolor=line.get_color(), elinewidth=1, capsize=3)
    if warmup is not None:
        ax.axhline(warmup, color="grey", linestyle=":", label=f"warm-up ({warmup:.1f})")
    if full_supervision is not None:
        ax.axhline(full_supervision, color="black", linestyle="--", label=f"full supervision ({full_supervision:.1f})")
    ax.set_xlabel("labelled target pixels (%)")
    ax.set_ylabel("mIoU (%)")
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if many:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    else:
        ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    return _save(fig, out_path, dpi)


def _iou_value(row: Mapping[str, object], name: str) -> float:
    """Looks up ``iou_<name>``, also as lower case with non-alphanumerics turned into '_'."""
    for key in (f"iou_{name}", "iou_" + re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")):
        if key in row:
            return number(row[key])
    return math.nan


def plot_per_class_iou(
    rows: Sequence[Mapping[str, object]],
    class_names: Sequence[str],
    out_path: PathLike,
    title: Optional[str] = None,
    dpi: int = 120,
) -> Path:
    """Heatmap of per-class IoU by round, each cell printed; NaN cells (class absent) in grey.

    Values are shown in percent: rows whose finite IoUs are all <= 1 are taken as fractions and
    multiplied by 100.

    Args:
        rows: metrics rows with a ``round`` key and ``iou_<class name>`` keys (numbers or strings,
            as read from metrics.csv; missing or empty = NaN).
        class_names: the C class names, in train-id order.
        out_path: PNG to write (atomically).
        title: figure title.
        dpi: resolution of the PNG.

    Returns:
        The path written.

    Raises:
        ValueError: if there are no rows or no classes.
    """
    if not rows or not class_names:
        raise ValueError(f"plot_per_class_iou({out_path}): needs at least one row and one class")
    values = np.array([[_iou_value(r, c) for c in class_names] for r in rows], dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and np.nanmax(np.abs(finite)) <= 1.0:
        values = values * 100.0
    labels = [str(r.get("round", i + 1)) for i, r in enumerate(rows)]
    n_rows, n_cols = values.shape
    fig = Figure(figsize=(max(4.0, 0.55 * n_cols + 1.8), max(2.2, 0.42 * n_rows + 1.6)))
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor((0.85, 0.85, 0.85))
    image = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", vmin=0, vmax=100, aspect="auto")
    for i in range(n_rows):
        for j in range(n_cols):
            v = values[i, j]
            text = "-" if not np.isfinite(v) else f"{v:.0f}"
            color = "black" if (not np.isfinite(v) or v > 60) else "white"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(n_cols), labels=list(class_names), rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(n_rows), labels=labels, fontsize=8)
    ax.set_ylabel("round")
    ax.set_title(title or "IoU per class (%)")
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    fig.tight_layout()
    return _save(fig, out_path, dpi)
