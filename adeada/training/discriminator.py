"""AdaptSegNet's fully-convolutional output-space discriminator."""

from __future__ import annotations

import torch
from torch import nn


class OutputSpaceDiscriminator(nn.Module):
    """Five 4x4 stride-2 convolutions on a softmax map (N, C, H, W) -> one logit per patch (N, 1, H/32, W/32).

    Args:
        num_classes: C, the input channels.
        channels: width of the first layer, doubled per layer up to 8x (AdaptSegNet: 64).
    """

    def __init__(self, num_classes: int, channels: int = 64) -> None:
        super().__init__()
        if num_classes < 1 or channels < 1:
            raise ValueError(f"num_classes and channels must be >= 1, got {num_classes}, {channels}")
        widths = [num_classes, channels, 2 * channels, 4 * channels, 8 * channels]
        layers: list[nn.Module] = []
        for cin, cout in zip(widths[:-1], widths[1:]):
            layers += [nn.Conv2d(cin, cout, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
        layers.append(nn.Conv2d(widths[-1], 1, 4, stride=2, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, prob: torch.Tensor) -> torch.Tensor:
        if min(prob.shape[-2:]) < 32:
            raise ValueError(f"the discriminator halves its input 5 times and needs maps of at least 32x32, "
                             f"got {tuple(prob.shape[-2:])}: use a larger crop_size / resize")
        return self.net(prob)
