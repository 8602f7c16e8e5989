"""Segmentation heads that end in the 256-d map the classifier reads."""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from adeada.models.base import FEATURE_DIM, Features


def conv_bn_relu(cin: int, cout: int, kernel: int = 1, dilation: int = 1) -> nn.Sequential:
    """Conv (no bias, BN follows) + BN + ReLU with 'same' padding."""
    pad = dilation * (kernel - 1) // 2
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, padding=pad, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ASPPV2Head(nn.Module):
    """DeepLabV2's ASPP, reshaped so that its output is a 256-d feature map.

    The original DeepLabV2 sums four dilated 3x3 convs that each output class scores. As the
    ADeADA authors did, each branch here outputs 256 channels instead; the sum goes through a ReLU
    (so the classifier on top is not a linear map of a linear map) and the 1x1 classifier of
    ``SegModel`` then maps it to class scores.

    Args:
        in_channels: channels of the backbone's ``high`` map (2048 for ResNet-101).
        rates: dilation rates of the branches (6, 12, 18, 24 in DeepLabV2).
    """

    def __init__(self, in_channels: int, rates: Sequence[int] = (6, 12, 18, 24)) -> None:
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Conv2d(in_channels, FEATURE_DIM, 3, padding=r, dilation=r) for r in rates)
        for conv in self.branches:
            nn.init.normal_(conv.weight, 0.0, 0.01)  # DeepLabV2's init of its ASPP
            nn.init.zeros_(conv.bias)

    def forward(self, feats: Features) -> torch.Tensor:
        """(N, 256, h, w) features from ``feats['high']``."""
        x = feats["high"]
        out = self.branches[0](x)
        for branch in self.branches[1:]:
            out = out + branch(x)
        return F.relu(out)


class ASPP(nn.Module):
    """DeepLabV3 atrous spatial pyramid pooling: 1x1, three dilated 3x3, image pooling -> 256."""

    def __init__(self, in_channels: int, rates: Sequence[int] = (6, 12, 18)) -> None:
        super().__init__()
        self.branches = nn.ModuleList(
            [conv_bn_relu(in_channels, FEATURE_DIM, 1)]
            + [conv_bn_relu(in_channels, FEATURE_DIM, 3, r) for r in rates])
        # No BatchNorm after the pooled branch: it has one value per channel and image, so BN
        # in training mode fails at batch size 1 (the authors' batch size).
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1),
                                  nn.Conv2d(in_channels, FEATURE_DIM, 1), nn.ReLU(inplace=True))
        self.project = conv_bn_relu(FEATURE_DIM * (len(rates) + 2), FEATURE_DIM, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [b(x) for b in self.branches]
        pooled = self.pool(x).expand(-1, -1, x.shape[2], x.shape[3])
        return self.project(torch.cat(outs + [pooled], dim=1))


class DeepLabV3PlusHead(nn.Module):
    """ASPP on the ``high`` map, upsampled and fused with the ``low`` skip: 256-d at the skip's stride.

    Args:
        high_channels: channels of the deep backbone map.
        low_channels: channels of the low-level (stride 4) map.
        rates: ASPP dilation rates (6, 12, 18 at output stride 16; double them at 8).
        low_proj: channels the skip is reduced to before the fusion (48 in DeepLabV3+).
        light: fuse with one 1x1 conv instead of DeepLabV3+'s two 3x3 convs. Those two convs at
            stride 4 are 90% of a Lite0 model's training step on a CPU (fwd+bwd of a batch of
            8 at 180x240: 0.46 s vs 0.10 s with bf16, measured here); for CPU-scale experiments.
    """

    def __init__(self, high_channels: int, low_channels: int,
                 rates: Sequence[int] = (6, 12, 18), low_proj: int = 48, light: bool = False) -> None:
        super().__init__()
        self.aspp = ASPP(high_channels, rates)
        self.low = conv_bn_relu(low_channels, low_proj, 1)
        if light:
            self.fuse = conv_bn_relu(FEATURE_DIM + low_proj, FEATURE_DIM, 1)
        else:
            self.fuse = nn.Sequential(conv_bn_relu(FEATURE_DIM + low_proj, FEATURE_DIM, 3),
                                      conv_bn_relu(FEATURE_DIM, FEATURE_DIM, 3))

    def forward(self, feats: Features) -> torch.Tensor:
        """(N, 256, h, w) features at the resolution of ``feats['low']``."""
        low = self.low(feats["low"])
        high = F.interpolate(self.aspp(feats["high"]), size=low.shape[2:], mode="bilinear",
                             align_corners=False)
        return self.fuse(torch.cat([high, low], dim=1))
