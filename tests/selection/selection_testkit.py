"""Tiny stand-ins for the selection tests: random region tables, a conv net, a dataset, a store."""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager

import numpy as np
import torch

from adeada.selection.stats import RegionStats, uncertainty_from_probs


def random_table(n: int, C: int = 5, D: int = 16, seed: int = 0, images: int | None = None) -> RegionStats:
    """A table with consistent prob/pred/entropy columns and every extra the baselines read."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, C)) * 2
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    e, c, m = uncertainty_from_probs(p)
    per = max(1, n // (images or max(1, n // 40)))
    return RegionStats(image=np.arange(n) // per, region=np.arange(n) % per, pixels=rng.integers(50, 500, n),
                       feature=rng.normal(size=(n, D)).astype(np.float16), prob=p, pred=p.argmax(1),
                       entropy=e, confidence=c, margin=m,
                       extras={"edge": rng.random(n), "domain_score": rng.random(n),
                               "impurity": rng.random(n) * np.log(C), "nbr_entropy": e})


@contextmanager
def time_limit(seconds: int):
    """Fail a test that runs longer than ``seconds`` (pytest-timeout may not be installed)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def boom(signum, frame):
        raise TimeoutError(f"test exceeded {seconds} s (endless loop?)")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


class TinyNet(torch.nn.Module):
    """Stride-2 conv 'backbone' (features at half resolution) + 1x1 classifier."""

    def __init__(self, C: int = 4, D: int = 8) -> None:
        super().__init__()
        self.body = torch.nn.Conv2d(3, D, 3, stride=2, padding=1)
        self.classifier = torch.nn.Conv2d(D, C, 1)

    def forward(self, x):
        f = torch.relu(self.body(x))
        return self.classifier(f), f


class TinyDisc(torch.nn.Module):
    def __init__(self, C: int = 4) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(C, 1, 3, padding=1)

    def forward(self, p):
        return self.conv(p)


class MemDataset:
    name = "mem"
    ignore_index = 255

    def __init__(self, n: int = 5, size: int = 16, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.images = [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(n)]

    def __len__(self):
        return len(self.images)

    def load_image(self, i):
        return self.images[i]

    def label_size(self, i):
        return self.images[i].shape[:2]


class GridStore:
    """4x4-block superpixels plus a 1-pixel region at (0, 0) that vanishes at half resolution."""

    def get(self, dataset, i):
        H, W = dataset.label_size(i)
        yy, xx = np.mgrid[:H, :W]
        sp = (yy // 4) * (W // 4) + xx // 4
        sp[0, 0] = sp.max() + 1
        return sp.astype(np.int32)

    def pixel_counts(self, dataset, i):
        return np.bincount(self.get(dataset, i).ravel()).astype(np.int64)

    def segments_and_counts(self, dataset, i):
        return self.get(dataset, i), self.pixel_counts(dataset, i)


def dist_worker(rank: int, world: int, init_file: str, out_path: str) -> None:
    """One rank of the 2-process gloo test: score the dataset sharded, rank 0 saves the table."""
    import torch.distributed as dist

    from adeada.selection.pooling import compute_region_stats

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        torch.manual_seed(0)
        stats = compute_region_stats(TinyNet(), MemDataset(), GridStore(), progress=False)
        if rank == 0:
            stats.save(out_path)
    finally:
        dist.destroy_process_group()
