"""Batches (loaded or from the backbone cache) and the forward / loss pieces of one training step."""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Optional

import torch
import torch.nn.functional as F

from adeada.models.normalization import Normalize, to_input
from adeada.training.samples import IndexStream, TrainSamples, collate, make_loader
from adeada.training.engine import Stage
from adeada.models.backbone_memo import memo_keys, tree_cat, tree_map
from adeada.training.feature_cache import HeadInputs
from adeada.training.optim import autocast, unwrap

Criterion = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
# A batch: (kind, inputs, labels) where kind is "images" (uint8 images) or "cached" (backbone outputs).
Batch = tuple[str, Any, torch.Tensor]


def loaded_batches(stage: Stage, samples: TrainSamples, stream: IndexStream, batch_size: int) -> Iterator[Batch]:
    loader = make_loader(samples, stream, stage.start, stage.cfg.iterations, batch_size, stage.cfg.num_workers,
                         stage.dist.rank, stage.dist.world_size)
    for images, labels, _ in loader:
        yield "images", images, labels


def cached_batches(stage: Stage, samples: TrainSamples, stream: IndexStream, batch_size: int,
                   cache: HeadInputs, normalize: Normalize) -> Iterator[Batch]:
    """Backbone outputs per planned batch: loading and running the backbone only on images not seen yet."""
    model = unwrap(stage.model)
    for it in range(stage.start, stage.cfg.iterations):
        plan = stage_plan(stage, stream, it, batch_size)
        known = {i: cache.get(i) for i in dict.fromkeys(i for i, _ in plan) if i in cache}
        fresh: dict[int, tuple[Any, torch.Tensor]] = {}
        # A batch across an epoch boundary can hold an image twice: compute it once.
        missing = list({i: (i, a) for i, a in plan if known.get(i) is None}.values())
        if missing:
            images, labels, idxs = collate([samples[item] for item in missing])
            with torch.no_grad(), autocast(stage.device, stage.cfg):
                x = to_input(images, normalize, stage.device)
                out = model.forward_backbone(x)
                keys = memo_keys(x)  # under the same autocast state as the memo's own keys
            for k, i in enumerate(idxs):
                fresh[i] = (tree_map(lambda t, k=k: t[k:k + 1], out), labels[k])
                cache.put(i, keys[k], labels[k])
        parts = [fresh[i] if i in fresh else known[i] for i, _ in plan]
        feats = tree_map(lambda t: t.to(stage.device, torch.float32), tree_cat([p[0] for p in parts]))
        yield "cached", feats, torch.stack([p[1].long() for p in parts])


def stage_plan(stage: Stage, stream: IndexStream, iteration: int, batch_size: int) -> list[tuple[int, int]]:
    return stream.batch(iteration, batch_size, stage.dist.rank, stage.dist.world_size)


def forward_logits(stage: Stage, batch: Batch, normalize: Normalize) -> torch.Tensor:
    kind, inputs, _ = batch
    with autocast(stage.device, stage.cfg):
        if kind == "cached":
            out = unwrap(stage.model).forward_head(inputs)
        else:
            out = stage.net(to_input(inputs, normalize, stage.device))
    return out[0] if isinstance(out, (tuple, list)) else out


def upsample(logits: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear upsampling of logits to the label size (float32 for a stable softmax / CE)."""
    logits = logits.float()
    if tuple(logits.shape[-2:]) == tuple(size):
        return logits
    return F.interpolate(logits, size=size, mode="bilinear", align_corners=False)


def seg_loss(logits: torch.Tensor, labels: torch.Tensor, criterion: Optional[Criterion],
             ignore_index: int = 255) -> torch.Tensor:
    """Cross-entropy over labelled pixels; exactly 0 (still connected to the graph) when there is none.

    A batch without a labelled pixel would give NaN from a mean over zero pixels.
    """
    labels = labels.to(logits.device)
    up = upsample(logits, tuple(labels.shape[-2:]))
    if not bool((labels != ignore_index).any()):
        return up.sum() * 0.0
    if criterion is None:
        return F.cross_entropy(up, labels, ignore_index=ignore_index)
    return criterion(up, labels)


def sync_context(stage: Stage, last: bool) -> contextlib.AbstractContextManager:
    """DDP gradient all-reduce only on the last backward of a step (the others accumulate locally)."""
    if stage.ddp and not last:
        return stage.net.no_sync()
    return contextlib.nullcontext()
