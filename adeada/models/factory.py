"""``build_model``: a ``ModelConfig`` in, a ready ``SegModel`` out (weights from local files only)."""
from __future__ import annotations

import torch

from adeada.models.base import SegModel
from adeada.models.config import ModelConfig
from adeada.models.registry import MODELS


def build_model(cfg: ModelConfig, num_classes: int) -> SegModel:
    """Build the segmentation network ``cfg`` describes.

    Args:
        cfg: the model settings.
        num_classes: number of output classes C.

    Returns:
        a ``SegModel`` in training mode (frozen parts in eval mode), channels-last if asked.

    Raises:
        ValueError: unknown arch / output stride, or pretrained ResNet without weights_path.
        FileNotFoundError: weights_path does not exist.
        adeada.models.weights.WeightsError: the weight file does not fit.
        adeada.models.lite0.MissingExtraError: pretrained lite0 without its weights package.
    """
    if cfg.arch not in MODELS:
        raise ValueError(f"unknown model.arch {cfg.arch!r}; expected one of {', '.join(MODELS)}")
    arch = MODELS[cfg.arch]
    backbone, head, norm = arch.parts(cfg, cfg.output_stride if cfg.output_stride is not None else arch.output_stride)
    model = SegModel(backbone, head, num_classes, norm, cfg.arch, freeze_bn=cfg.bn_frozen,
                     freeze_backbone=cfg.freeze_backbone, head_lr_mult=cfg.head_lr_mult,
                     classifier_lr_mult=cfg.classifier_lr_mult)
    if cfg.channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model
