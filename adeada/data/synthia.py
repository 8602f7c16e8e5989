"""SYNTHIA RAND-CITYSCAPES: ``RGB/*.png`` + ``GT/LABELS/*.png`` (16-bit, class in channel 0)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from adeada.data.base import PairedFileDataset, SizePolicy, require_dir, same_name_pairs
from adeada.data.classes import (
    SYNTHIA13_EVAL_CLASSES,
    SYNTHIA16_CLASSES,
    SYNTHIA16_EVAL_CLASSES,
    SYNTHIA_ID_TO_TRAINID16,
    make_lut,
)
from adeada.data.config import DatasetConfig


class SynthiaDataset(PairedFileDataset):
    """SYNTHIA RAND-CITYSCAPES with labels in the 16 classes shared with Cityscapes.

    ``eval_classes16`` / ``eval_classes13`` list the class indices of the 16-class mIoU and the
    13-class mIoU* (without wall, fence, pole).

    Args:
        root: the folder that holds ``RGB/`` and ``GT/LABELS/``.
        list_file: optional split list (file names or stems), else every image in ``RGB/``.
        on_size_mismatch: "error" (default) or "resize" the image to its label's size.
    """

    eval_classes16 = SYNTHIA16_EVAL_CLASSES
    eval_classes13 = SYNTHIA13_EVAL_CLASSES

    def __init__(
        self,
        root: str | Path,
        list_file: Optional[str | Path] = None,
        on_size_mismatch: SizePolicy = "error",
    ) -> None:
        root = Path(root)
        img_dir = require_dir(root / "RGB", "SYNTHIA image")
        lbl_dir = require_dir(root / "GT" / "LABELS", "SYNTHIA label")
        pairs = same_name_pairs(img_dir, lbl_dir, list_file, "SYNTHIA")
        super().__init__(
            pairs,
            SYNTHIA16_CLASSES,
            make_lut(SYNTHIA_ID_TO_TRAINID16, size=65536),
            name="synthia",
            label_channel=0,
            on_size_mismatch=on_size_mismatch,
        )


def from_config(cfg: DatasetConfig) -> SynthiaDataset:
    """``kind: synthia``: ``synthia.root``, ``list_file``, ``on_size_mismatch``."""
    return SynthiaDataset(cfg.required("root"), cfg.synthia.list_file, **cfg.size_policy())
