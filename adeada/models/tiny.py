"""A few-layer network for unit tests and the built-in demo (trains in seconds on a CPU)."""
from __future__ import annotations

import torch
from torch import nn

from adeada.models.base import FEATURE_DIM, Features
from adeada.models.heads import conv_bn_relu


def _down(cin: int, cout: int) -> nn.Sequential:
    """3x3 stride-2 conv + BN + ReLU (padding 1, so sizes round up like the other backbones)."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class TinyBackbone(nn.Module):
    """Two stride-2 convs then two dilated convs: ``{'high': 48 ch at stride 4}``.

    The dilations (2, 4) widen the receptive field to about 60 input pixels without losing
    resolution, enough for the demo's 96x128 scenes.
    """

    def __init__(self, width: int = 48) -> None:
        super().__init__()
        self.layers = nn.Sequential(_down(3, 16), _down(16, width),
                                    conv_bn_relu(width, width, 3, 2),
                                    conv_bn_relu(width, width, 3, 4))
        self.out_channels = {"high": width}
        self.out_strides = {"high": 4}

    def forward(self, x: torch.Tensor) -> Features:
        return {"high": self.layers(x)}


class TinyHead(nn.Module):
    """1x1 conv to the 256-d feature map (a 3x3 here would be 9x the cost of the whole net)."""

    def __init__(self, in_channels: int = 48) -> None:
        super().__init__()
        self.conv = conv_bn_relu(in_channels, FEATURE_DIM, 1)

    def forward(self, feats: Features) -> torch.Tensor:
        return self.conv(feats["high"])
