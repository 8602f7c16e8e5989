"""Class lists and label-id tables of the supported benchmarks.

Every table maps a raw on-disk label value to a train id (0..C-1) or to ``IGNORE_INDEX``.
Values come from the public dataset definitions (cityscapesScripts, SYNTHIA, SegNet CamVid).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

IGNORE_INDEX = 255

# Cityscapes train-id order; GTA5 labels share the Cityscapes label ids.
CITYSCAPES_CLASSES: list[str] = [
    "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
    "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
    "motorcycle", "bicycle",
]

# cityscapesScripts id -> trainId for the 19 evaluated classes; every other id is ignored.
CITYSCAPES_ID_TO_TRAINID: dict[int, int] = {
    7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11, 25: 12,
    26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18,
}

# The 16 classes SYNTHIA shares with Cityscapes, in Cityscapes train-id order
# (terrain, truck and train have no SYNTHIA counterpart).
SYNTHIA16_CLASSES: list[str] = [
    "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
    "vegetation", "sky", "person", "rider", "car", "bus", "motorcycle", "bicycle",
]

# SYNTHIA RAND-CITYSCAPES raw class value (channel 0 of GT/LABELS) -> 16-class index.
SYNTHIA_ID_TO_TRAINID16: dict[int, int] = {
    3: 0, 4: 1, 2: 2, 21: 3, 5: 4, 7: 5, 15: 6, 9: 7, 6: 8, 1: 9, 10: 10, 17: 11, 8: 12,
    19: 13, 12: 14, 11: 15,
}

# Cityscapes 19 train ids -> SYNTHIA 16-class index (terrain 9, truck 14, train 16 -> ignore).
CITYSCAPES19_TO_16: dict[int, int] = {
    CITYSCAPES_CLASSES.index(name): k for k, name in enumerate(SYNTHIA16_CLASSES)
}

# Index lists (into the 16-class space) of the two SYNTHIA evaluation protocols.
SYNTHIA16_EVAL_CLASSES: list[int] = list(range(16))
# mIoU* of the SYNTHIA protocol leaves out wall, fence and pole.
SYNTHIA13_EVAL_CLASSES: list[int] = [
    k for k, name in enumerate(SYNTHIA16_CLASSES) if name not in ("wall", "fence", "pole")
]

# SegNet CamVid: value k is class k for k < 11; 11 is "unlabelled".
CAMVID_CLASSES: list[str] = [
    "sky", "building", "pole", "road", "pavement", "tree", "sign_symbol", "fence", "car",
    "pedestrian", "bicyclist",
]
CAMVID_ID_TO_TRAINID: dict[int, int] = {k: k for k in range(11)}
CAMVID_IGNORE_VALUE = 11

UNKNOWN = -1  # marks a raw value that a strict lookup table does not know


def make_lut(
    mapping: Mapping[int, int],
    size: int = 256,
    default: int = IGNORE_INDEX,
) -> np.ndarray:
    """Build a lookup table ``lut[raw] -> train id`` for vectorised label conversion.

    Args:
        mapping: raw value -> train id (or ``IGNORE_INDEX``).
        size: number of raw values the table covers (256 for 8-bit, 65536 for 16-bit labels).
        default: value for raw values absent from ``mapping``; ``UNKNOWN`` (-1) makes the
            table strict, so that the caller can report an unknown value.

    Returns:
        int16 array of length ``size``.

    Raises:
        ValueError: a key falls outside ``0..size-1`` or a target outside ``-1..255``.
    """
    lut = np.full(size, default, dtype=np.int16)
    for raw, target in mapping.items():
        raw, target = int(raw), int(target)
        if not 0 <= raw < size:
            raise ValueError(f"label remap key {raw} is outside 0..{size - 1}")
        if not (target == UNKNOWN or 0 <= target <= IGNORE_INDEX):
            raise ValueError(f"label remap value {target} (for raw {raw}) is outside 0..255")
        lut[raw] = target
    return lut


def remap_cityscapes19_to_16(label: np.ndarray) -> np.ndarray:
    """Map a Cityscapes train-id label (19 classes) to the 16 SYNTHIA classes (others -> 255)."""
    lut = make_lut(CITYSCAPES19_TO_16).astype(np.uint8)
    return lut[label]
