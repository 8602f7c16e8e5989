"""Training batches that are a pure function of (seed, stream, iteration, rank).

Each domain is an endless stream of sample positions. Position p belongs to epoch p // n, and
epoch e is a permutation of the n indices drawn from (seed, stream, e); the crop offset and flip
of a sample come from (seed, stream, p). Nothing depends on how many batches were drawn before,
so a run resumed at iteration t sees exactly the batches of an uninterrupted run. Under torchrun,
iteration t covers global positions [t*B*W, (t+1)*B*W) and rank r takes its own B of them.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional, Sequence

import numpy as np
import torch
from PIL import Image



class IndexStream:
    """The (index, augmentation seed) of every position of one domain's endless sample stream."""

    def __init__(self, n: int, seed: int, stream: int, indices: Optional[Sequence[int]] = None) -> None:
        self.pool = np.arange(n) if indices is None else np.asarray(list(indices), dtype=np.int64)
        if self.pool.size == 0:
            raise ValueError("cannot sample batches from an empty dataset")
        self.seed, self.stream = int(seed), int(stream)
        self._epoch, self._perm = -1, self.pool

    def _permutation(self, epoch: int) -> np.ndarray:
        if epoch != self._epoch:
            rng = np.random.default_rng([self.seed, self.stream, epoch])
            self._perm, self._epoch = self.pool[rng.permutation(self.pool.size)], epoch
        return self._perm

    def at(self, position: int) -> tuple[int, int]:
        n = self.pool.size
        idx = int(self._permutation(position // n)[position % n])
        aug = int(np.random.SeedSequence([self.seed, self.stream, position]).generate_state(1)[0])
        return idx, aug

    def batch(self, iteration: int, batch_size: int, rank: int = 0, world: int = 1) -> list[tuple[int, int]]:
        start = (iteration * world + rank) * batch_size
        return [self.at(p) for p in range(start, start + batch_size)]


class PlannedBatches:
    """A DataLoader batch_sampler yielding the batches of iterations [start, end) for one rank."""

    def __init__(self, stream: IndexStream, start: int, end: int, batch_size: int, rank: int = 0,
                 world: int = 1) -> None:
        self.stream, self.start, self.end = stream, start, end
        self.batch_size, self.rank, self.world = batch_size, rank, world

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for it in range(self.start, self.end):
            yield self.stream.batch(it, self.batch_size, self.rank, self.world)

    def __len__(self) -> int:
        return max(0, self.end - self.start)


class TrainSamples(torch.utils.data.Dataset):
    """Wraps a contract dataset: item (index, aug_seed) -> (image uint8 (3,H,W), label int64 (H,W), index).

    The image is brought to the label's resolution, then both are resized to ``resize``
    (bilinear / nearest), randomly cropped to ``crop_size`` (padding with label 255) and flipped.
    With ``with_labels=False`` (unlabelled target) ``load_label`` is never called and the label
    returned is all ignore_index, at the image's resolution.
    """

    def __init__(self, dataset: Any, resize: Optional[Sequence[int]] = None,
                 crop_size: Optional[Sequence[int]] = None, hflip: bool = False, with_labels: bool = True) -> None:
        self.dataset = dataset
        self.with_labels = bool(with_labels)
        self.resize = None if resize is None else (int(resize[0]), int(resize[1]))
        self.crop = None if crop_size is None else (int(crop_size[0]), int(crop_size[1]))
        self.hflip = bool(hflip)
        self.ignore_index = int(getattr(dataset, "ignore_index", 255))

    @property
    def random(self) -> bool:
        """True when two loads of one image can differ (then backbone outputs cannot be cached)."""
        return self.hflip or self.crop is not None

    def __len__(self) -> int:
        return len(self.dataset)

    def _check(self, i: int, img: np.ndarray, lab: np.ndarray) -> None:
        where = f"{getattr(self.dataset, 'name', type(self.dataset).__name__)}[{i}] ({self.dataset.image_id(i)})"
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f"{where}: load_image must return uint8 (H, W, 3), got {img.dtype} {img.shape}")
        if lab.ndim != 2 or lab.dtype != np.uint8:
            raise ValueError(f"{where}: load_label must return uint8 (H, W), got {lab.dtype} {lab.shape}")

    def __getitem__(self, item: tuple[int, int]):
        i, aug = item
        img = self.dataset.load_image(i)
        if self.with_labels:
            lab = self.dataset.load_label(i)
        else:
            lab = np.full(img.shape[:2], self.ignore_index, np.uint8)
        self._check(i, img, lab)
        if img.shape[:2] != lab.shape:
            img = _resize(img, lab.shape, Image.BILINEAR)
        if self.resize is not None and lab.shape != self.resize:
            img = _resize(img, self.resize, Image.BILINEAR)
            lab = _resize(lab, self.resize, Image.NEAREST)
        rng = np.random.default_rng(aug)
        if self.crop is not None:
            img, lab = _random_crop(img, lab, self.crop, rng, self.ignore_index)
        if self.hflip and rng.random() < 0.5:
            img, lab = img[:, ::-1], lab[:, ::-1]
        img_t = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).contiguous()
        return img_t, torch.from_numpy(np.ascontiguousarray(lab)).long(), i


def _resize(a: np.ndarray, size: Sequence[int], resample: int) -> np.ndarray:
    return np.array(Image.fromarray(a).resize((int(size[1]), int(size[0])), resample))


def _random_crop(img: np.ndarray, lab: np.ndarray, crop: tuple[int, int], rng: np.random.Generator,
                 ignore: int) -> tuple[np.ndarray, np.ndarray]:
    ch, cw = crop
    h, w = lab.shape
    if h < ch or w < cw:  # pad so that a crop always fits; padded pixels are never scored
        ph, pw = max(ch - h, 0), max(cw - w, 0)
        img = np.pad(img, ((0, ph), (0, pw), (0, 0)))
        lab = np.pad(lab, ((0, ph), (0, pw)), constant_values=ignore)
        h, w = lab.shape
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    return img[y:y + ch, x:x + cw], lab[y:y + ch, x:x + cw]


def collate(batch):
    """Stacks images and labels; a clear error when a batch mixes sizes."""
    sizes = {tuple(b[1].shape) for b in batch}
    if len(sizes) > 1:
        raise ValueError(f"images of one training batch differ in size {sorted(sizes)}: set resize or crop_size")
    return torch.stack([b[0] for b in batch]), torch.stack([b[1] for b in batch]), [b[2] for b in batch]


def make_loader(samples: TrainSamples, stream: IndexStream, start: int, end: int, batch_size: int,
                num_workers: int = 0, rank: int = 0, world: int = 1) -> torch.utils.data.DataLoader:
    """A DataLoader over iterations [start, end); workers are spawned (never forked) and time out."""
    return torch.utils.data.DataLoader(
        samples, batch_sampler=PlannedBatches(stream, start, end, batch_size, rank, world),
        collate_fn=collate, num_workers=num_workers,
        multiprocessing_context="spawn" if num_workers > 0 else None,
        timeout=600 if num_workers > 0 else 0, pin_memory=torch.cuda.is_available())
