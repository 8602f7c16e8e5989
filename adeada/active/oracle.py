"""Oracles: who answers "what is in these regions?" - the dataset's ground truth, or people.

The ground-truth oracle reveals the labels of the asked regions ONLY (255 everywhere else) and
logs every region it revealed, so a test can prove that training never saw a target label that
was not bought. The human path writes an annotation job and waits for ``adeada import``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

IGNORE = 255


@dataclass
class Revealed:
    """What an oracle answered for one round.

    Attributes:
        labels: image index -> uint8 label map (train ids inside the asked regions, 255 elsewhere).
        log: one row per revealed region (image, image_id, region, pixels, labelled_pixels).
    """

    labels: dict[int, np.ndarray]
    log: list[dict[str, Any]]


def regions_by_image(images: Sequence[int], regions: Sequence[int]) -> dict[int, list[int]]:
    """Group (image, region) pairs by image, keeping each image's regions sorted and unique."""
    grouped: dict[int, set[int]] = defaultdict(set)
    for img, reg in zip(images, regions):
        grouped[int(img)].add(int(reg))
    return {img: sorted(regs) for img, regs in sorted(grouped.items())}


class GroundTruthOracle:
    """Reveals ground truth from a labelled dataset, region by region.

    Args:
        dataset: the target pool dataset (its ``load_label`` is the hidden ground truth).
        store: the superpixel store that defines the regions.
    """

    def __init__(self, dataset: Any, store: Any):
        self.dataset = dataset
        self.store = store

    def reveal(self, images: Sequence[int], regions: Sequence[int]) -> Revealed:
        """Reveal the labels of the given (image index, region id) pairs."""
        labels: dict[int, np.ndarray] = {}
        log: list[dict[str, Any]] = []
        for img, regs in regions_by_image(images, regions).items():
            segments = self.store.get(self.dataset, img)
            truth = self.dataset.load_label(img)
            if truth.shape != segments.shape:
                raise ValueError(
                    f"label of {self.dataset.image_id(img)} is {truth.shape[1]}x{truth.shape[0]} but its "
                    f"superpixels are {segments.shape[1]}x{segments.shape[0]}; rebuild the superpixel cache"
                )
            inside = np.isin(segments, regs)
            label = np.full(truth.shape, IGNORE, dtype=np.uint8)
            label[inside] = truth[inside]
            labels[img] = label
            for reg in regs:
                mask = segments == reg
                log.append(
                    {
                        "image": img,
                        "image_id": self.dataset.image_id(img),
                        "region": reg,
                        "pixels": int(mask.sum()),
                        "labelled_pixels": int((truth[mask] != IGNORE).sum()),
                    }
                )
        return Revealed(labels=labels, log=log)
