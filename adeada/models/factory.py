"""``build_model``: a ``ModelConfig`` in, a ready ``SegModel`` out (weights from local files only)."""
from __future__ import annotations

import torch
from torch import nn

from adeada.models.base import SegModel
from adeada.models.config import ARCHS, ModelConfig
from adeada.models.heads import ASPPV2Head, DeepLabV3PlusHead
from adeada.models.normalization import IMAGENET, LITE

DEFAULT_OUTPUT_STRIDE = {"deeplabv2_r101": 8, "deeplabv3plus_r101": 16,
                         "lite0_deeplabv3plus": 16, "tiny": 4}


def _aspp_rates(output_stride: int) -> tuple[int, ...]:
    """DeepLabV3+ uses rates 6/12/18 at stride 16 and doubles them at stride 8."""
    return tuple(r * 16 // output_stride for r in (6, 12, 18))


def _resnet_weights(cfg: ModelConfig) -> str | None:
    if cfg.pretrained and cfg.weights_path is None:
        raise ValueError(
            f"model.arch={cfg.arch!r} with model.pretrained=true needs model.weights_path: a "
            f"local torchvision ResNet-101 state dict (e.g. resnet101-63fe2227.pth). adeada never "
            f"downloads weights; set model.pretrained=false to start from random weights")
    return cfg.weights_path


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
    if cfg.arch not in ARCHS:
        raise ValueError(f"unknown model.arch {cfg.arch!r}; expected one of {list(ARCHS)}")
    os_ = cfg.output_stride if cfg.output_stride is not None else DEFAULT_OUTPUT_STRIDE[cfg.arch]
    backbone: nn.Module
    head: nn.Module
    if cfg.arch == "deeplabv2_r101":
        from adeada.models.resnet import ResNetHighOnly
        backbone = ResNetHighOnly(os_, _resnet_weights(cfg))
        head, norm = ASPPV2Head(2048), IMAGENET
    elif cfg.arch == "deeplabv3plus_r101":
        from adeada.models.resnet import ResNetBackbone
        backbone = ResNetBackbone(os_, _resnet_weights(cfg))
        head, norm = DeepLabV3PlusHead(2048, 256, _aspp_rates(os_), light=cfg.decoder == "light"), IMAGENET
    elif cfg.arch == "lite0_deeplabv3plus":
        from adeada.models.lite0 import Lite0Backbone
        backbone = Lite0Backbone(os_, cfg.pretrained, cfg.weights_path)
        head, norm = DeepLabV3PlusHead(320, 24, _aspp_rates(os_), light=cfg.decoder == "light"), LITE
    else:
        from adeada.models.tiny import TinyBackbone, TinyHead
        if os_ != 4:
            raise ValueError(f"the tiny model has a fixed output stride of 4, got {os_}")
        backbone, head, norm = TinyBackbone(), TinyHead(), IMAGENET
    model = SegModel(backbone, head, num_classes, norm, cfg.arch, freeze_bn=cfg.bn_frozen,
                     freeze_backbone=cfg.freeze_backbone, head_lr_mult=cfg.head_lr_mult,
                     classifier_lr_mult=cfg.classifier_lr_mult)
    if cfg.channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model
