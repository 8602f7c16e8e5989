"""Tiny stand-ins for the model and dataset contracts (training tests and the torchrun script)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class TinySegNet(nn.Module):
    """Two convs (stride 2) -> 256-d features at half resolution -> 1x1 classifier."""

    def __init__(self, num_classes: int = 3, freeze_backbone: bool = False, bn: bool = False):
        super().__init__()
        layers = [nn.Conv2d(3, 16, 3, stride=2, padding=1)]
        if bn:
            layers.append(nn.BatchNorm2d(16))
        layers += [nn.ReLU(), nn.Conv2d(16, 256, 3, padding=1), nn.ReLU()]
        self.backbone = nn.Sequential(*layers)
        self.classifier = nn.Conv2d(256, num_classes, 1)
        self.freeze_backbone = freeze_backbone
        if freeze_backbone:
            self.backbone.requires_grad_(False)

    def forward_backbone(self, x):
        return self.backbone(x)

    def forward_head(self, feats):
        return self.classifier(feats), feats

    def forward(self, x):
        return self.forward_head(self.forward_backbone(x))

    def param_groups(self, lr):
        return [{"params": list(self.backbone.parameters()), "lr": lr},
                {"params": list(self.classifier.parameters()), "lr": 10 * lr}]


class TwoDomain:
    """Images whose colour encodes the class per 4x4 block; the target domain is darker and noisier."""

    ignore_index = 255
    name = "tiny"

    def __init__(self, n=6, size=(16, 16), domain="source", seed=0, num_classes=3):
        rng = np.random.default_rng([seed, 0 if domain == "source" else 1])
        self.classes = [f"c{k}" for k in range(num_classes)]
        palette = np.array([[220, 40, 40], [40, 220, 40], [40, 40, 220], [200, 200, 40]])[:num_classes]
        scale, noise = (1.0, 10) if domain == "source" else (0.6, 40)
        self.images, self.labels = [], []
        for _ in range(n):
            coarse = rng.integers(0, num_classes, size=(size[0] // 4, size[1] // 4))
            lab = np.kron(coarse, np.ones((4, 4), np.int64)).astype(np.uint8)
            img = palette[lab] * scale + rng.normal(0, noise, size=lab.shape + (3,))
            self.images.append(np.clip(img, 0, 255).astype(np.uint8))
            self.labels.append(lab)
        self.image_loads: list[int] = []
        self.label_loads: list[int] = []

    def __len__(self):
        return len(self.images)

    def image_id(self, i):
        return f"im{i}"

    def load_image(self, i):
        self.image_loads.append(i)
        return self.images[i].copy()

    def load_label(self, i):
        self.label_loads.append(i)
        return self.labels[i].copy()

    def label_size(self, i):
        return self.labels[i].shape


class NoLabels(TwoDomain):
    """A target set whose labels must never be read."""

    def load_label(self, i):
        raise AssertionError(f"target label {i} was read")


def masked(ds: TwoDomain, keep_images, frac=0.3, seed=1):
    """Labels 255 except a random rectangle in the images of keep_images; returns the masks too."""
    rng = np.random.default_rng(seed)
    masks = []
    for i in range(len(ds)):
        m = np.zeros(ds.labels[i].shape, bool)
        if i in keep_images:
            h, w = m.shape
            m[: max(1, int(h * frac * 2)), : max(1, int(w * 0.5))] = True
            m &= rng.random(m.shape) < 0.8
            m[0, 0] = True
        ds.labels[i] = np.where(m, ds.labels[i], 255).astype(np.uint8)
        masks.append(m)
    return masks
