"""Frozen-backbone fast path: run the backbone once per image, keep its output, train the head only.

Valid only when two loads of an image give the same input (no random crop / flip) and the
backbone is frozen with BatchNorm in eval mode; ``can_cache`` checks all three.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import torch

from adeada.training.optim import unwrap


def backbone_is_frozen(model: torch.nn.Module) -> bool:
    """True when the model has the split forward and its backbone has no trainable parameter."""
    m = unwrap(model)
    if not (hasattr(m, "forward_backbone") and hasattr(m, "forward_head")):
        return False
    bb = getattr(m, "backbone", None)
    if isinstance(bb, torch.nn.Module):
        return not any(p.requires_grad for p in bb.parameters())
    return getattr(m, "freeze_backbone", False) is True


def can_cache(model: torch.nn.Module, random_augment: bool) -> bool:
    """Whether cached backbone outputs would equal fresh ones; warns with the reason when not."""
    m = unwrap(model)
    reason = None
    if random_augment:
        reason = "random crop/flip is on"
    elif not backbone_is_frozen(m):
        reason = "the backbone is not frozen (or the model has no forward_backbone/forward_head)"
    else:
        bb = getattr(m, "backbone", m)
        if any(isinstance(x, torch.nn.modules.batchnorm._BatchNorm) and x.training for x in bb.modules()):
            reason = "backbone BatchNorm is in training mode (set freeze_bn)"
    if reason:
        warnings.warn(f"cache_backbone_features ignored: {reason}")
    return reason is None


def tree_map(fn: Callable[[torch.Tensor], torch.Tensor], tree: Any) -> Any:
    if isinstance(tree, torch.Tensor):
        return fn(tree)
    if isinstance(tree, (list, tuple)):
        return type(tree)(tree_map(fn, t) for t in tree)
    if isinstance(tree, dict):
        return {k: tree_map(fn, v) for k, v in tree.items()}
    raise TypeError(f"forward_backbone returned an unsupported {type(tree).__name__}")


def tree_cat(trees: list[Any]) -> Any:
    first = trees[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(trees, 0)
    if isinstance(first, (list, tuple)):
        return type(first)(tree_cat([t[k] for t in trees]) for k in range(len(first)))
    return {k: tree_cat([t[k] for t in trees]) for k in first}


def tree_bytes(tree: Any) -> int:
    total = 0
    stack = [tree]
    while stack:
        x = stack.pop()
        if isinstance(x, torch.Tensor):
            total += x.numel() * x.element_size()
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
    return total


class BackboneCache:
    """index -> (backbone output of that one image as float16 on the CPU, its label), up to ``max_mb``."""

    def __init__(self, max_mb: int) -> None:
        self.max_bytes = int(max_mb) * 2**20
        self.bytes = 0
        self.items: dict[int, tuple[Any, torch.Tensor]] = {}
        self.full_warned = False

    def __contains__(self, idx: int) -> bool:
        return idx in self.items

    def get(self, idx: int) -> tuple[Any, torch.Tensor]:
        return self.items[idx]

    def put(self, idx: int, feats: Any, label: torch.Tensor) -> None:
        if idx in self.items:
            return
        small = tree_map(lambda t: t.detach().to("cpu", torch.float16), feats)
        size = tree_bytes(small) + label.numel()
        if self.bytes + size > self.max_bytes:
            if not self.full_warned:
                warnings.warn(f"backbone cache full at {self.bytes / 2**20:.0f} MB (cache_max_mb): "
                              "the remaining images are recomputed each time")
                self.full_warned = True
            return
        self.items[idx] = (small, label.to(torch.uint8))  # train ids and 255 fit in a byte
        self.bytes += size


def remember_backbone(model: torch.nn.Module, max_mb: int) -> bool:
    """The AdaptSegNet warm-up's ``cache_backbone_features``: memoise the frozen backbone.

    The warm-up's batches mix source and target images through the discriminator, so it keeps
    the whole forward and lets the backbone memo (float32, keyed by the exact input) serve the
    backbone: the numbers equal an uncached warm-up. A model the run already memoised keeps its
    store. Returns False, with a warning naming the reason, when the backbone is not frozen.
    """
    if not can_cache(model, random_augment=False):
        return False
    from adeada.models.backbone_memo import memoize_backbone

    memoize_backbone(unwrap(model), max_mb)
    return True
