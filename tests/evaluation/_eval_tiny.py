"""Tiny in-memory stand-ins for the dataset and model contracts (evaluation tests only)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


class BlockDataset:
    """Images whose red channel encodes the label: R = 40 * class; label 255 where R = 250."""

    ignore_index = 255
    name = "blocks"

    def __init__(self, n=3, size=(32, 48), label_size=None, num_classes=3, seed=0, void_frac=0.1):
        rng = np.random.default_rng(seed)
        self.classes = [f"c{k}" for k in range(num_classes)]
        self.labels, self.images = [], []
        h, w = size
        lh, lw = label_size or size
        for _ in range(n):
            coarse = rng.integers(0, num_classes, size=(lh // 8, lw // 8))
            lab = np.kron(coarse, np.ones((8, 8), dtype=np.int64)).astype(np.uint8)
            lab[rng.random(lab.shape) < void_frac] = 255
            self.labels.append(lab)
            # The image is the label drawn at image resolution (nearest), void drawn as class 0.
            ys = (np.arange(h) * lh // h)[:, None]
            xs = (np.arange(w) * lw // w)[None, :]
            cls = np.where(lab == 255, 0, lab)[ys, xs]
            img = np.zeros((h, w, 3), np.uint8)
            img[..., 0] = 40 * cls
            self.images.append(img)

    def __len__(self):
        return len(self.images)

    def image_id(self, i):
        return f"img{i:03d}"

    def load_image(self, i):
        return self.images[i].copy()

    def load_label(self, i):
        return self.labels[i].copy()

    def label_size(self, i):
        return self.labels[i].shape


class OracleModel(torch.nn.Module):
    """Reads the class from the red channel; logits at 1/stride of the input (like a real backbone)."""

    def __init__(self, num_classes=3, stride=1):
        super().__init__()
        self.num_classes, self.stride = num_classes, stride
        self.dummy = torch.nn.Parameter(torch.zeros(1))
        self.normalize = lambda x: x  # keep 0..255 so the red channel is readable

    def forward(self, x):
        cls = torch.round(x[:, 0] / 40).long().clamp(0, self.num_classes - 1)
        logits = F.one_hot(cls, self.num_classes).permute(0, 3, 1, 2).float() * 10 + self.dummy
        if self.stride > 1:
            logits = F.avg_pool2d(logits, self.stride)
        feats = logits.new_zeros(logits.shape[0], 256, *logits.shape[-2:])
        return logits, feats
