"""Seconds per training step on the CPU: full forward vs the frozen-backbone feature cache.

Run: python benchmarks/bench_training.py [--iterations 40] [--size 128 256]
A stand-in network (3 strided convs -> 256-d features at 1/8 -> 1x1 classifier) on random images.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from adeada.training import TrainConfig, train_source_only


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.ReLU(), nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(),
                                      nn.Conv2d(128, 256, 3, 2, 1), nn.ReLU()).requires_grad_(False)
        self.head = nn.Sequential(nn.Conv2d(256, 256, 3, padding=1), nn.ReLU())
        self.classifier = nn.Conv2d(256, 19, 1)

    def forward_backbone(self, x):
        return self.backbone(x)

    def forward_head(self, f):
        f = self.head(f)
        return self.classifier(f), f

    def forward(self, x):
        return self.forward_head(self.forward_backbone(x))


class Images:
    classes = [str(i) for i in range(19)]
    ignore_index, name = 255, "random"

    def __init__(self, n, size):
        rng = np.random.default_rng(0)
        self.x = rng.integers(0, 255, (n, *size, 3), dtype=np.uint8)
        self.y = rng.integers(0, 19, (n, *size), dtype=np.uint8)

    def __len__(self):
        return len(self.x)

    def image_id(self, i):
        return str(i)

    def load_image(self, i):
        return self.x[i]

    def load_label(self, i):
        return self.y[i]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=40)
    ap.add_argument("--size", type=int, nargs=2, default=[128, 256])
    args = ap.parse_args()
    torch.set_num_threads(2)
    ds = Images(8, tuple(args.size))
    for cache in (False, True):
        cfg = TrainConfig(iterations=args.iterations, batch_size=2, lr=0.01, hflip=False, device="cpu",
                          cache_backbone_features=cache, log_every=10)
        t = time.perf_counter()
        train_source_only(Net(), ds, cfg, progress=False)
        dt = time.perf_counter() - t
        print(f"cache_backbone_features={cache}: {dt:.2f} s for {args.iterations} steps "
              f"({1000 * dt / args.iterations:.1f} ms/step, batch 2, {args.size[0]}x{args.size[1]})")


if __name__ == "__main__":
    main()
