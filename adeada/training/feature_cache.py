"""Frozen-backbone fast path: run the backbone once per image, keep its output, train the head only.

The outputs live in the backbone memo, the one store of every phase (statistics, evaluation,
the warm-up, training). Head-only training is valid only when two loads of an image give the
same input (no random crop / flip) and the backbone is frozen with BatchNorm in eval mode;
``can_cache`` checks all three.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import torch

from adeada.models.backbone_memo import MemoStore, memoize_backbone
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


class HeadInputs:
    """Head-only training's view of the backbone memo: index -> (the memo's key of that image, its label).

    The memo (``adeada.models.backbone_memo``) is the one place a frozen backbone's outputs are
    kept; this keeps only where each training image's output is, and the image's label, so that a
    later step neither reloads the image nor runs the backbone. Outputs are handed out as the memo
    keeps them (float32): training on them equals training without the memo.
    """

    def __init__(self, store: MemoStore) -> None:
        self.store = store
        self.items: dict[int, tuple[str, torch.Tensor]] = {}

    def __contains__(self, idx: int) -> bool:
        return idx in self.items

    def put(self, idx: int, key: str, label: torch.Tensor) -> None:
        self.items.setdefault(idx, (key, label.to(torch.uint8)))  # train ids and 255 fit in a byte

    def get(self, idx: int) -> Optional[tuple[Any, torch.Tensor]]:
        """(backbone output, label) of a known image; None when the memo has evicted its output."""
        key, label = self.items[idx]
        feats = self.store.get(key)
        if feats is None:
            del self.items[idx]
            return None
        return feats, label


def head_inputs(model: torch.nn.Module, max_mb: int) -> HeadInputs:
    """The head-only path's view of the model's backbone memo (memoised here, with ``max_mb``, if not yet)."""
    return HeadInputs(memoize_backbone(unwrap(model), max_mb))


def remember_backbone(model: torch.nn.Module, max_mb: int) -> bool:
    """The AdaptSegNet warm-up's ``cache_backbone_features``: memoise the frozen backbone.

    The warm-up's batches mix source and target images through the discriminator, so it keeps
    the whole forward and lets the backbone memo (float32, keyed by the exact input) serve the
    backbone: the numbers equal an uncached warm-up. A model the run already memoised keeps its
    store. Returns False, with a warning naming the reason, when the backbone is not frozen.
    """
    if not can_cache(model, random_augment=False):
        return False
    memoize_backbone(unwrap(model), max_mb)
    return True
