"""The segmentation model every architecture becomes: backbone -> head -> 1x1 classifier."""
from __future__ import annotations

from typing import Any, Optional

import torch
from torch import nn

from adeada.models.normalization import Normalization

Features = dict[str, torch.Tensor]

FEATURE_DIM = 256


def freeze_batchnorm(module: nn.Module) -> None:
    """Put every BatchNorm of ``module`` in eval mode and stop its affine parameters learning."""
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
            for p in m.parameters():
                p.requires_grad_(False)


class SegModel(nn.Module):
    """A segmentation network that exposes the 256-d map its final classifier reads.

    ``forward(x)`` returns ``(logits, features)``: logits (N, C, h, w) and features (N, 256, h, w)
    at the feature map's resolution; callers upsample. The network is split so a trainer can
    cache backbone outputs when the backbone is frozen:
    ``forward(x) == forward_head(forward_backbone(x))``.

    Args:
        backbone: module returning a dict of named tensors (``backbone.out_channels`` and
            ``backbone.out_strides`` describe them).
        head: module taking that dict and returning the (N, 256, h, w) features.
        num_classes: C.
        normalization: the input statistics the backbone's weights expect.
        arch: architecture name, for messages and checkpoints.
        freeze_bn: see ``ModelConfig.freeze_bn``.
        freeze_backbone: see ``ModelConfig.freeze_backbone``.
        head_lr_mult: learning-rate multiplier of ``head`` in ``param_groups``.
        classifier_lr_mult: learning-rate multiplier of ``classifier`` in ``param_groups``.
    """

    feature_dim: int = FEATURE_DIM

    def __init__(self, backbone: nn.Module, head: nn.Module, num_classes: int,
                 normalization: Normalization, arch: str, freeze_bn: bool = False,
                 freeze_backbone: bool = False, head_lr_mult: float = 10.0,
                 classifier_lr_mult: float = 10.0) -> None:
        super().__init__()
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.backbone = backbone
        self.head = head
        self.classifier = nn.Conv2d(FEATURE_DIM, num_classes, kernel_size=1)
        self.num_classes = num_classes
        self.normalization = normalization
        self.arch = arch
        self.freeze_bn = freeze_bn
        self.freeze_backbone = freeze_backbone
        self.head_lr_mult = head_lr_mult
        self.classifier_lr_mult = classifier_lr_mult
        if freeze_backbone:
            for p in self.backbone.parameters():
                p.requires_grad_(False)
        self.train(True)

    def train(self, mode: bool = True) -> "SegModel":
        """Like ``nn.Module.train`` but frozen parts stay in eval mode."""
        super().train(mode)
        if self.freeze_backbone:
            self.backbone.eval()
        if self.freeze_bn:
            freeze_batchnorm(self)
        return self

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        """Normalise a (N, 3, H, W) uint8 / 0..255 float tensor the way this backbone expects."""
        return self.normalization(images)

    def forward_backbone(self, x: torch.Tensor) -> Features:
        """Backbone tensors the head needs (no autograd graph when the backbone is frozen)."""
        if self.freeze_backbone:
            with torch.no_grad():
                return self.backbone(x)
        return self.backbone(x)

    def forward_head(self, feats: Features) -> tuple[torch.Tensor, torch.Tensor]:
        """Head and classifier on (possibly cached) backbone outputs: ``(logits, features)``."""
        features = self.head(feats)
        return self.classifier(features), features

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(logits (N, C, h, w), features (N, 256, h, w))`` for a normalised input."""
        return self.forward_head(self.forward_backbone(x))

    def param_groups(self, lr: float, head_lr_mult: Optional[float] = None,
                     classifier_lr_mult: Optional[float] = None) -> list[dict[str, Any]]:
        """Optimiser groups: backbone at ``lr``, head and classifier at their multipliers.

        The authors train everything outside the backbone (ASPP / decoder and the classifier)
        at 10x the backbone's rate, which the defaults reproduce. Frozen parameters are left
        out; a group with no trainable parameter is dropped.

        Returns:
            dicts with keys ``params``, ``lr``, ``name`` (backbone | head | classifier).
        """
        mults = {
            "backbone": 1.0,
            "head": self.head_lr_mult if head_lr_mult is None else head_lr_mult,
            "classifier": (self.classifier_lr_mult if classifier_lr_mult is None
                           else classifier_lr_mult),
        }
        groups = []
        for name in ("backbone", "head", "classifier"):
            params = [p for p in getattr(self, name).parameters() if p.requires_grad]
            if params:
                groups.append({"params": params, "lr": lr * mults[name], "name": name})
        return groups

    def cached_feature_bytes(self, height: int, width: int, bytes_per_value: int = 4) -> int:
        """Memory one image's ``forward_backbone`` output takes (for a feature cache).

        Args:
            height, width: input size in pixels.
            bytes_per_value: 4 for float32, 2 for float16 / bfloat16.
        """
        total = 0
        for key, ch in self.backbone.out_channels.items():
            s = self.backbone.out_strides[key]
            total += ch * (-(-height // s)) * (-(-width // s))
        return total * bytes_per_value
