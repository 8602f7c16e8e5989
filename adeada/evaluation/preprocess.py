"""Turning uint8 images into network input: the one normalisation convention of training and evaluation.

A ``normalize`` callable takes a float tensor (N, 3, H, W) of 0..255 RGB values and returns the
network input (the convention of ``adeada.models``: ``model.normalize`` works on 0..255).
When the caller passes none, the model's own ``normalize`` attribute is used if it
has one (a callable, or an object / dict with ``mean`` and ``std``), else ImageNet mean/std.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import torch

from adeada.models.normalization import IMAGENET

# torchvision's ImageNet statistics in 0..255 units (defined once, with the models).
IMAGENET_MEAN, IMAGENET_STD = IMAGENET.mean, IMAGENET.std

Normalize = Callable[[torch.Tensor], torch.Tensor]


class MeanStd:
    """``(x - mean) / std`` per channel, for x of 0..255 values, shape (N, 3, H, W)."""

    def __init__(self, mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD) -> None:
        if len(mean) != 3 or len(std) != 3 or min(std) <= 0:
            raise ValueError(f"mean and std need 3 values each, std > 0; got mean={mean}, std={std}")
        self.mean = tuple(float(v) for v in mean)
        self.std = tuple(float(v) for v in std)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        mean = torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        return (x - mean) / std

    def __repr__(self) -> str:
        return f"MeanStd(mean={self.mean}, std={self.std})"


def resolve_normalize(model: Any = None, normalize: Optional[Any] = None) -> Normalize:
    """Picks the normalisation: explicit argument, else ``model.normalize``, else ImageNet."""
    for cand in (normalize, getattr(_unwrap(model), "normalize", None) if model is not None else None):
        if cand is None:
            continue
        if isinstance(cand, dict) and "mean" in cand and "std" in cand:
            return MeanStd(cand["mean"], cand["std"])
        if callable(cand) and not isinstance(cand, bool):
            return cand
        if hasattr(cand, "mean") and hasattr(cand, "std"):
            return MeanStd(cand.mean, cand.std)
        raise ValueError(f"normalize must be a callable or have mean/std, got {cand!r}")
    return MeanStd()


def to_input(images_uint8: torch.Tensor, normalize: Normalize, device: torch.device | str = "cpu"
             ) -> torch.Tensor:
    """uint8 (N, 3, H, W) -> normalised float32 network input on ``device``."""
    if images_uint8.dtype != torch.uint8 or images_uint8.dim() != 4 or images_uint8.shape[1] != 3:
        raise ValueError(f"expected uint8 images of shape (N, 3, H, W), got {images_uint8.dtype} "
                         f"{tuple(images_uint8.shape)}")
    x = images_uint8.to(device, non_blocking=True).float()
    return normalize(x)


def _unwrap(model: Any) -> Any:
    # DistributedDataParallel keeps the user's module in .module.
    return getattr(model, "module", model)
