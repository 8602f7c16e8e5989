"""ResNet-101 backbones (torchvision layout) and the two DeepLab models built on them."""
from __future__ import annotations

from typing import Optional

import torch
import torchvision
from torch import nn

from adeada.models.base import Features
from adeada.models.weights import load_strict, read_state_dict

_DILATE = {8: [False, True, True], 16: [False, False, True], 32: [False, False, False]}


class ResNetBackbone(nn.Module):
    """torchvision ResNet-101 without its pooling / fc, dilated to an output stride.

    Returns ``{'low': layer1 (256 ch, stride 4), 'high': layer4 (2048 ch, output_stride)}``.

    Args:
        output_stride: 8, 16 or 32.
        weights_path: local torchvision-format ResNet-101 state dict (``fc.*`` may be present).
    """

    def __init__(self, output_stride: int = 16, weights_path: Optional[str] = None) -> None:
        super().__init__()
        if output_stride not in _DILATE:
            raise ValueError(f"ResNet output_stride must be one of {sorted(_DILATE)}, "
                             f"got {output_stride}")
        # weights=None: torchvision never downloads; ImageNet weights come from weights_path.
        net = torchvision.models.resnet101(weights=None,
                                           replace_stride_with_dilation=_DILATE[output_stride])
        if weights_path is not None:
            load_strict(net, read_state_dict(weights_path), weights_path)
        self.stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        self.layer1, self.layer2, self.layer3, self.layer4 = (
            net.layer1, net.layer2, net.layer3, net.layer4)
        self.out_channels = {"low": 256, "high": 2048}
        self.out_strides = {"low": 4, "high": output_stride}

    def forward(self, x: torch.Tensor) -> Features:
        low = self.layer1(self.stem(x))
        return {"low": low, "high": self.layer4(self.layer3(self.layer2(low)))}


class ResNetHighOnly(ResNetBackbone):
    """ResNet backbone that returns only ``high`` (DeepLabV2 has no skip; caching ``low`` would waste memory)."""

    def __init__(self, output_stride: int = 8, weights_path: Optional[str] = None) -> None:
        super().__init__(output_stride, weights_path)
        self.out_channels = {"high": 2048}
        self.out_strides = {"high": output_stride}

    def forward(self, x: torch.Tensor) -> Features:
        return {"high": self.layer4(self.layer3(self.layer2(self.layer1(self.stem(x)))))}
