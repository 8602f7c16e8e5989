"""Cityscapes: ``leftImg8bit/<split>/<city>/*_leftImg8bit.png`` + ``gtFine/.../*_gtFine_labelIds.png``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from adeada.data.base import Pair, PairedFileDataset, require_dir
from adeada.data.classes import (
    CITYSCAPES19_TO_16,
    CITYSCAPES_CLASSES,
    CITYSCAPES_ID_TO_TRAINID,
    IGNORE_INDEX,
    SYNTHIA16_CLASSES,
    make_lut,
)
from adeada.data.config import DatasetConfig
from adeada.data.errors import EmptyDatasetError, MissingLabelError

IMAGE_SUFFIX = "_leftImg8bit.png"
LABEL_SUFFIX = "_gtFine_labelIds.png"


def cityscapes_lut(classes16: bool = False) -> np.ndarray:
    """Label-id -> train-id table (19 classes), or composed with 19 -> 16 for SYNTHIA models."""
    lut = make_lut(CITYSCAPES_ID_TO_TRAINID, size=65536)
    if classes16:
        to16 = make_lut(CITYSCAPES19_TO_16, size=256)
        lut = np.where(lut == IGNORE_INDEX, IGNORE_INDEX, to16[np.clip(lut, 0, 255)]).astype(np.int16)
    return lut


class CityscapesDataset(PairedFileDataset):
    """Cityscapes fine annotations of one split, labels in the 19 train ids (or the 16 SYNTHIA ones).

    Args:
        root: the folder that holds ``leftImg8bit/`` and ``gtFine/``.
        split: "train", "val" or "test".
        classes16: remap the 19 train ids to the 16 classes shared with SYNTHIA (terrain, truck
            and train -> 255), to evaluate a SYNTHIA-trained model.

    Raises:
        MissingFolderError: a split folder is missing. MissingLabelError: an image has no label.
    """

    def __init__(self, root: str | Path, split: str = "train", classes16: bool = False) -> None:
        root = Path(root)
        img_root = require_dir(root / "leftImg8bit" / split, "Cityscapes image")
        lbl_root = require_dir(root / "gtFine" / split, "Cityscapes label")
        pairs = []
        for img in sorted(img_root.glob(f"*/*{IMAGE_SUFFIX}")):
            stem = img.name[: -len(IMAGE_SUFFIX)]
            label = lbl_root / img.parent.name / f"{stem}{LABEL_SUFFIX}"
            if not label.is_file():
                raise MissingLabelError(f"Cityscapes image {img} has no label: expected {label}")
            pairs.append(Pair(img, label, stem))
        if not pairs:
            raise EmptyDatasetError(f"no '*{IMAGE_SUFFIX}' file in the city folders of {img_root}")
        super().__init__(
            pairs,
            SYNTHIA16_CLASSES if classes16 else CITYSCAPES_CLASSES,
            cityscapes_lut(classes16),
            name=f"cityscapes-{split}" + ("-16" if classes16 else ""),
        )


def from_config(cfg: DatasetConfig) -> CityscapesDataset:
    """``kind: cityscapes``: ``cityscapes.root``, ``split``, ``classes16``."""
    return CityscapesDataset(cfg.required("root"), cfg.cityscapes.split, cfg.cityscapes.classes16)
