"""Input normalisation, the one convention of training, evaluation and the statistics pass.

Each backbone expects the statistics its weights were trained with: a model's ``normalize``
takes a float tensor (N, 3, H, W) of 0..255 RGB values and returns the network input.
:func:`resolve_normalize` picks the callable (an explicit one, else the model's, else ImageNet
mean/std) and :func:`to_input` turns uint8 images into network input with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

import numpy as np
import torch


@dataclass(frozen=True)
class Normalization:
    """Per-channel ``(x - mean) / std`` on 0..255 RGB values."""

    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    def __post_init__(self) -> None:
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise ValueError(f"mean and std need 3 values each, std > 0; got mean={self.mean}, std={self.std}")
        object.__setattr__(self, "mean", tuple(float(v) for v in self.mean))
        object.__setattr__(self, "std", tuple(float(v) for v in self.std))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise a (N, 3, H, W) tensor of 0..255 values (uint8 or float)."""
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"expected a (N, 3, H, W) image tensor, got shape {tuple(x.shape)}")
        mean = torch.tensor(self.mean, dtype=torch.float32, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32, device=x.device).view(1, 3, 1, 1)
        return (x.float() - mean) / std


# torchvision's ImageNet statistics, in 0..255 units.
IMAGENET = Normalization(mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375))
# The TensorFlow EfficientNet-Lite checkpoints were trained on (x - 127) / 128. Checked on 31
# CamVid photos: the ImageNet classifier puts 59% of its probability on street-scene classes with
# these statistics against 56% with torchvision's ImageNet statistics.
LITE = Normalization(mean=(127.0, 127.0, 127.0), std=(128.0, 128.0, 128.0))


def to_tensor(images: Union[np.ndarray, torch.Tensor]) -> torch.Tensor:
    """Convert uint8 images (H, W, 3) or (N, H, W, 3) to a float (N, 3, H, W) tensor of 0..255.

    Raises:
        ValueError: when the array is not RGB with the channel last.
    """
    t = torch.as_tensor(np.array(images)) if isinstance(images, np.ndarray) else images
    if t.ndim == 3:
        t = t.unsqueeze(0)
    if t.ndim != 4 or t.shape[-1] != 3:
        raise ValueError(
            f"expected uint8 RGB images shaped (H, W, 3) or (N, H, W, 3), got {tuple(t.shape)}")
    return t.permute(0, 3, 1, 2).float().contiguous()


def preprocess(images: Union[np.ndarray, torch.Tensor],
               normalization: Union[Normalization, torch.nn.Module, None] = None) -> torch.Tensor:
    """Turn uint8 RGB images into the normalised float input of a model.

    Args:
        images: uint8 (H, W, 3) or (N, H, W, 3), numpy or torch.
        normalization: a ``Normalization``, or a model carrying a ``normalization`` attribute
            (every ``SegModel`` does); None = ImageNet statistics.

    Returns:
        float32 tensor (N, 3, H, W).
    """
    if normalization is None:
        norm = IMAGENET
    elif isinstance(normalization, Normalization):
        norm = normalization
    else:
        norm = getattr(normalization, "normalization", None)
        if not isinstance(norm, Normalization):
            raise ValueError(f"{type(normalization).__name__} has no `normalization` attribute")
    return norm(to_tensor(images))


Normalize = Callable[[torch.Tensor], torch.Tensor]


def resolve_normalize(model: Any = None, normalize: Optional[Any] = None) -> Normalize:
    """Picks the normalisation: explicit argument, else ``model.normalize``, else ImageNet.

    Either may be a callable, or an object / dict with ``mean`` and ``std`` (0..255 units).

    Raises:
        ValueError: ``normalize`` is neither.
    """
    for cand in (normalize, getattr(_unwrap(model), "normalize", None) if model is not None else None):
        if cand is None:
            continue
        if isinstance(cand, dict) and "mean" in cand and "std" in cand:
            return Normalization(cand["mean"], cand["std"])
        if callable(cand) and not isinstance(cand, bool):
            return cand
        if hasattr(cand, "mean") and hasattr(cand, "std"):
            return Normalization(cand.mean, cand.std)
        raise ValueError(f"normalize must be a callable or have mean/std, got {cand!r}")
    return IMAGENET


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
