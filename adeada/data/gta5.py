"""GTA5 (Playing for Data): ``images/NNNNN.png`` + ``labels/NNNNN.png`` in Cityscapes label ids."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from adeada.data.base import PairedFileDataset, SizePolicy, require_dir, same_name_pairs
from adeada.data.cityscapes import cityscapes_lut
from adeada.data.classes import CITYSCAPES_CLASSES
from adeada.data.config import DatasetConfig


class GTA5Dataset(PairedFileDataset):
    """GTA5 frames with labels in the 19 Cityscapes train ids.

    Args:
        root: the folder that holds ``images/`` and ``labels/``.
        list_file: optional split list, one file name (``00001.png``) or stem per line; without
            it every image in ``images/`` is used.
        on_size_mismatch: a few GTA5 frames have an image and label of different sizes; the
            default "resize" scales such an image to its label's size, "error" refuses them.

    Raises:
        MissingFolderError, MissingLabelError, EmptyDatasetError.
    """

    def __init__(
        self,
        root: str | Path,
        list_file: Optional[str | Path] = None,
        on_size_mismatch: SizePolicy = "resize",
    ) -> None:
        root = Path(root)
        img_dir = require_dir(root / "images", "GTA5 image")
        lbl_dir = require_dir(root / "labels", "GTA5 label")
        pairs = same_name_pairs(img_dir, lbl_dir, list_file, "GTA5")
        super().__init__(
            pairs, CITYSCAPES_CLASSES, cityscapes_lut(), name="gta5", on_size_mismatch=on_size_mismatch
        )


def from_config(cfg: DatasetConfig) -> GTA5Dataset:
    """``kind: gta5``: ``gta5.root``, ``list_file``, ``on_size_mismatch``."""
    return GTA5Dataset(cfg.required("root"), cfg.gta5.list_file, **cfg.size_policy())
