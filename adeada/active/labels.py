"""Acquired target labels: stored per round, merged for training.

Each round keeps only the labels it bought (``rounds/KK/labels/<image_id>.png``, 255 elsewhere),
so no label is ever written twice and a round can be redone without touching earlier ones. The
training view merges rounds 1..k into one label map per image.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

import numpy as np

from adeada.active.rundir import RunDir
from adeada.fileformats import load_label_png

IGNORE = 255


def merged_labels(run: RunDir, dataset: Any, up_to_round: int,
                  images: Optional[Iterable[int]] = None) -> dict[int, np.ndarray]:
    """Merge the labels of rounds 1..``up_to_round`` into one map per target image index.

    Args:
        images: only these image indices (the overlays need a few, training needs all).

    Raises:
        ValueError: if two rounds labelled the same pixel (a region was bought twice) or a label
            file does not match its image's label size.
    """
    index_of = {dataset.image_id(i): i for i in range(len(dataset))}
    wanted = None if images is None else {dataset.image_id(int(i)) for i in images}
    merged: dict[int, np.ndarray] = {}
    for k in range(1, up_to_round + 1):
        folder = run.labels_dir(k)
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.png")):
            image_id = path.stem
            if wanted is not None and image_id not in wanted:
                continue
            if image_id not in index_of:
                raise ValueError(f"{path}: no image {image_id!r} in the target pool {dataset.name}")
            idx = index_of[image_id]
            label = load_label_png(path)
            expected = tuple(dataset.label_size(idx))
            if label.shape != expected:
                raise ValueError(f"{path}: size {label.shape[1]}x{label.shape[0]}, expected {expected[1]}x{expected[0]}")
            if idx in merged:
                base = merged[idx]
                overlap = (base != IGNORE) & (label != IGNORE)
                if overlap.any():
                    raise ValueError(f"{path}: {int(overlap.sum())} pixels were already labelled in an earlier round")
                base[label != IGNORE] = label[label != IGNORE]
            else:
                merged[idx] = label.copy()
    return merged


class PartialLabelDataset:
    """The target images that have at least one bought pixel, with their partial labels.

    Follows the dataset contract; every pixel that was not bought is 255. Images without any
    labelled pixel are left out, so training never loads them.
    """

    ignore_index = IGNORE

    def __init__(self, base: Any, labels: dict[int, np.ndarray]):
        self.base = base
        self.classes = list(base.classes)
        self.name = f"{base.name}-labelled"
        self._labels = {i: lab for i, lab in labels.items() if (lab != IGNORE).any()}
        self._index = sorted(self._labels)

    def __len__(self) -> int:
        return len(self._index)

    def image_id(self, i: int) -> str:
        return self.base.image_id(self._index[i])

    def load_image(self, i: int) -> np.ndarray:
        return self.base.load_image(self._index[i])

    def load_label(self, i: int) -> np.ndarray:
        return self._labels[self._index[i]]

    def label_size(self, i: int) -> tuple[int, int]:
        return tuple(self._labels[self._index[i]].shape)

    def cache_key(self, i: int) -> str:
        return self.base.cache_key(self._index[i])

    def labelled_indices(self) -> list[int]:
        """Every index: images without a labelled pixel were left out at construction."""
        return list(range(len(self._index)))

    def labelled_pixels(self) -> int:
        return int(sum((lab != IGNORE).sum() for lab in self._labels.values()))
