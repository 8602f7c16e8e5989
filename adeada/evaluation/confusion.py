"""Confusion matrix over a whole evaluation set, and the IoU / mIoU read from it."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import torch

from adeada import distributed as D

ArrayLike = Union[np.ndarray, torch.Tensor]


def _as_flat_int64(x: ArrayLike) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected a numpy array or torch tensor, got {type(x).__name__}")
    return x.reshape(-1).to(torch.int64)


class ConfusionMatrix:
    """Accumulates a (C, C) matrix ``mat[label, pred]`` of pixel counts.

    One matrix is kept over the whole set so that mIoU is computed once from pooled counts
    (the benchmark convention), never as a mean of per-image scores.

    Args:
        num_classes: C, the number of train ids.
        ignore_index: label value that is not counted (255: void / unlabelled).
    """

    def __init__(self, num_classes: int, ignore_index: int = 255) -> None:
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.num_classes = int(num_classes)
        self.ignore_index = int(ignore_index)
        self.mat = torch.zeros((self.num_classes, self.num_classes), dtype=torch.int64)

    def update(self, pred: ArrayLike, label: ArrayLike) -> None:
        """Adds the pixels of one prediction / label pair (any shape, the same number of pixels).

        Raises:
            ValueError: when the shapes differ, or a label / prediction id is outside 0..C-1
                (ignore_index excepted for labels).
        """
        if tuple(pred.shape) != tuple(label.shape):
            raise ValueError(f"prediction shape {tuple(pred.shape)} != label shape {tuple(label.shape)}")
        p = _as_flat_int64(pred).cpu()
        t = _as_flat_int64(label).cpu()
        keep = t != self.ignore_index
        p, t = p[keep], t[keep]
        if t.numel() == 0:
            return
        c = self.num_classes
        if int(t.min()) < 0 or int(t.max()) >= c:
            raise ValueError(f"label ids must be in 0..{c - 1} or {self.ignore_index}, "
                             f"found {int(t.min())}..{int(t.max())}")
        if int(p.min()) < 0 or int(p.max()) >= c:
            raise ValueError(f"predicted ids must be in 0..{c - 1}, found {int(p.min())}..{int(p.max())}")
        # One bincount over label*C + pred is far faster than per-class masks.
        self.mat += torch.bincount(t * c + p, minlength=c * c).reshape(c, c)

    def reset(self) -> None:
        self.mat.zero_()

    def reduce_from_all_processes(self) -> None:
        """Sums the matrix over every process of the default group (no-op when not distributed)."""
        if D.is_initialized():
            self.mat = D.all_reduce_sum(self.mat).cpu()

    def iou(self) -> np.ndarray:
        """Per-class IoU = TP / (TP + FP + FN); NaN for a class absent from both label and prediction."""
        m = self.mat.to(torch.float64)
        tp = torch.diag(m)
        union = m.sum(0) + m.sum(1) - tp
        out = torch.full_like(tp, float("nan"))
        present = union > 0
        out[present] = tp[present] / union[present]
        return out.numpy()

    def miou(self, classes: Optional[Sequence[int]] = None) -> float:
        """Mean IoU over ``classes`` (all when None), leaving NaN classes out of the mean.

        Use index subsets for the 16-class / 13-class variants (e.g. SYNTHIA's mIoU*).
        Returns NaN when every selected class is NaN.
        """
        iou = self.iou()
        if classes is not None:
            idx = np.asarray(list(classes), dtype=np.int64)
            if idx.size and (idx.min() < 0 or idx.max() >= self.num_classes):
                raise ValueError(f"class indices must be in 0..{self.num_classes - 1}, got {idx.tolist()}")
            iou = iou[idx]
        if iou.size == 0 or np.all(np.isnan(iou)):
            return float("nan")
        return float(np.nanmean(iou))

    def pixel_accuracy(self) -> float:
        total = int(self.mat.sum())
        return float("nan") if total == 0 else float(torch.diag(self.mat).sum()) / total

    def numpy(self) -> np.ndarray:
        return self.mat.numpy().copy()

    def table(self, class_names: Optional[Sequence[str]] = None) -> str:
        names = list(class_names) if class_names is not None else [str(i) for i in range(self.num_classes)]
        return format_iou_table(names, self.iou(), self.miou())

    def __str__(self) -> str:
        return self.table()


def format_iou_table(names: Sequence[str], iou: np.ndarray, miou: float) -> str:
    """A two-column text table of per-class IoU (%) and the mIoU."""
    width = max([len(n) for n in names] + [5])
    lines = [f"{'class':<{width}}  IoU (%)"]
    for name, v in zip(names, iou):
        lines.append(f"{name:<{width}}  {'n/a' if np.isnan(v) else f'{100 * v:6.2f}':>7}")
    lines.append(f"{'mIoU':<{width}}  {'n/a' if np.isnan(miou) else f'{100 * miou:6.2f}':>7}")
    return "\n".join(lines)


def class_indices(classes: Sequence[str], exclude: Sequence[str] = (), include: Optional[Sequence[str]] = None
                  ) -> list[int]:
    """Indices of a class subset by name, e.g. the 13 SYNTHIA classes: ``exclude=("wall","fence","pole")``.

    Raises:
        ValueError: for a name that is not in ``classes``.
    """
    names = list(classes)
    for n in list(exclude) + list(include or []):
        if n not in names:
            raise ValueError(f"class {n!r} is not one of {names}")
    keep = names if include is None else [n for n in names if n in set(include)]
    return [names.index(n) for n in keep if n not in set(exclude)]
