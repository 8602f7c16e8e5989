"""Scoring a segmentation model on a labelled dataset: one confusion matrix over the whole set."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from adeada import distributed as D
from adeada.devices import resolve_device, use_bf16
from adeada.evaluation.confusion import ConfusionMatrix, format_iou_table
from adeada.models.normalization import resolve_normalize, to_input


@dataclass
class EvalResult:
    """What ``evaluate`` returns.

    Attributes:
        miou: mean IoU over ``eval_classes`` (all classes when None), NaN classes left out.
        iou: (C,) per-class IoU, NaN where a class is absent from both label and prediction.
        confusion: (C, C) int64 pixel counts, rows = label, columns = prediction.
        classes: the C class names.
        eval_classes: the indices that entered ``miou`` (None = all).
    """

    miou: float
    iou: np.ndarray
    confusion: np.ndarray
    classes: list[str]
    eval_classes: Optional[list[int]] = None
    extra: dict[str, float] = field(default_factory=dict)

    def miou_over(self, classes: Sequence[int]) -> float:
        """mIoU over another subset of class indices (e.g. the 13-class mIoU*)."""
        vals = self.iou[np.asarray(list(classes), dtype=np.int64)]
        return float("nan") if vals.size == 0 or np.all(np.isnan(vals)) else float(np.nanmean(vals))

    def to_row(self) -> dict[str, float]:
        """A flat dict for one CSV / JSON row: ``miou``, ``pixel_acc``, then ``iou_<class>``."""
        row: dict[str, float] = {"miou": float(self.miou)}
        total = self.confusion.sum()
        row["pixel_acc"] = float(np.trace(self.confusion) / total) if total else float("nan")
        row.update({k: float(v) for k, v in self.extra.items()})
        for name, v in zip(self.classes, self.iou):
            row[f"iou_{name}"] = float(v)
        return row

    def format_table(self) -> str:
        names = list(self.classes)
        if self.eval_classes is not None:
            chosen = set(self.eval_classes)
            names = [n if i in chosen else f"{n} (not in mIoU)" for i, n in enumerate(names)]
        return format_iou_table(names, self.iou, self.miou)


class _EvalItems(torch.utils.data.Dataset):
    """(image uint8 (3, h, w), label uint8 (H, W), index); the image optionally resized."""

    def __init__(self, dataset: Any, indices: Sequence[int], resize: Optional[Sequence[int]]) -> None:
        self.dataset, self.indices = dataset, list(indices)
        self.resize = None if resize is None else (int(resize[0]), int(resize[1]))

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, k: int):
        i = self.indices[k]
        img = self.dataset.load_image(i)
        lab = self.dataset.load_label(i)
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f"{getattr(self.dataset, 'name', 'dataset')}[{i}] ({self.dataset.image_id(i)}): "
                             f"load_image must give uint8 (H, W, 3), got {img.dtype} {img.shape}")
        if self.resize is not None and img.shape[:2] != self.resize:
            img = np.array(Image.fromarray(img).resize(self.resize[::-1], Image.BILINEAR))
        label = torch.from_numpy(np.array(lab, copy=True))
        return torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1), label, i


def _collate(batch):
    sizes = {tuple(b[0].shape) for b in batch}
    if len(sizes) > 1:
        raise ValueError(f"images of one batch differ in size {sorted(sizes)}: set resize or batch_size=1")
    return torch.stack([b[0] for b in batch]), [b[1] for b in batch], [b[2] for b in batch]


@torch.inference_mode()
def evaluate(model: torch.nn.Module, dataset: Any, num_classes: Optional[int] = None, device: str = "cpu",
             normalize: Optional[Any] = None, batch_size: int = 1, resize: Optional[Sequence[int]] = None,
             progress: bool = True, eval_classes: Optional[Sequence[int]] = None, bf16: bool | str = False,
             num_workers: int = 0, indices: Optional[Sequence[int]] = None) -> EvalResult:
    """Scores ``model`` on a labelled dataset (the contract's dataset: load_image / load_label).

    Logits are upsampled bilinearly to the label resolution before the argmax, and one confusion
    matrix is accumulated over all images. Under ``torch.distributed`` each process scores every
    world_size-th image and the matrices are summed, so every rank returns the full-set result.

    Args:
        model: returns ``(logits, features)`` from ``forward(x)``.
        dataset: images and labels (255 = ignore).
        num_classes: C; defaults to ``len(dataset.classes)``.
        device: "cpu", "cuda", "auto", ...
        normalize: see ``adeada.models.normalization.resolve_normalize``.
        batch_size: images per forward pass.
        resize: [H, W] network input size (None = the image's own size).
        progress: show a tqdm bar (rank 0 only).
        eval_classes: indices that enter the headline mIoU (None = all).
        bf16: bfloat16 autocast: True, False or "auto" (see adeada.devices.use_bf16).
        num_workers: DataLoader workers (spawned processes).
        indices: evaluate only these dataset indices.

    Returns:
        EvalResult.
    """
    classes = list(getattr(dataset, "classes", []))
    if num_classes is None:
        if not classes:
            raise ValueError("num_classes not given and the dataset has no `classes` list")
        num_classes = len(classes)
    if classes and len(classes) != num_classes:
        raise ValueError(f"dataset has {len(classes)} classes, num_classes={num_classes}")
    classes = classes or [str(c) for c in range(num_classes)]
    dev = torch.device(resolve_device(device))
    norm = resolve_normalize(model, normalize)
    rank, world = _dist_rank_world()
    todo = list(range(len(dataset))) if indices is None else list(indices)
    items = _EvalItems(dataset, todo[rank::world], resize)
    loader = torch.utils.data.DataLoader(
        items, batch_size=batch_size, shuffle=False, collate_fn=_collate, num_workers=num_workers,
        multiprocessing_context="spawn" if num_workers > 0 else None, timeout=600 if num_workers > 0 else 0)
    cm = ConfusionMatrix(num_classes, ignore_index=int(getattr(dataset, "ignore_index", 255)))
    was_training = model.training
    model.eval()
    amp = torch.autocast(dev.type, dtype=torch.bfloat16) if use_bf16(bf16, dev.type) else contextlib.nullcontext()
    try:
        for images, labels, _ in tqdm(loader, desc="evaluate", disable=not progress or rank != 0,
                                      dynamic_ncols=True):
            with amp:
                logits = model(to_input(images, norm, dev))[0]
            for k, lab in enumerate(labels):
                up = F.interpolate(logits[k:k + 1].float(), size=tuple(lab.shape), mode="bilinear",
                                   align_corners=False)
                cm.update(up.argmax(1)[0].cpu(), lab)
    finally:
        model.train(was_training)
    cm.reduce_from_all_processes()
    ec = None if eval_classes is None else [int(c) for c in eval_classes]
    return EvalResult(miou=cm.miou(ec), iou=cm.iou(), confusion=cm.numpy(), classes=classes, eval_classes=ec)


def _dist_rank_world() -> tuple[int, int]:
    d = D.info()
    return d.rank, d.world_size
