"""GTA5 (Playing for Data): ``images/NNNNN.png`` + ``labels/NNNNN.png`` in Cityscapes label ids."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from adeada.data.base import Pair, PairedFileDataset, SizePolicy, read_list_file, require_dir
from adeada.data.cityscapes import cityscapes_lut
from adeada.data.classes import CITYSCAPES_CLASSES
from adeada.data.errors import EmptyDatasetError, MissingLabelError


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
        if list_file is not None:
            names = [n if n.endswith(".png") else f"{n}.png" for n in read_list_file(Path(list_file))]
            images = [img_dir / n for n in names]
            for img in images:
                if not img.is_file():
                    raise MissingLabelError(f"GTA5 list file {list_file} names {img.name}, not found in {img_dir}")
        else:
            images = sorted(img_dir.glob("*.png"))
        pairs = []
        for img in images:
            label = lbl_dir / img.name
            if not label.is_file():
                raise MissingLabelError(f"GTA5 image {img} has no label: expected {label}")
            pairs.append(Pair(img, label, img.stem))
        if not pairs:
            raise EmptyDatasetError(f"no .png image in {img_dir}")
        super().__init__(
            pairs, CITYSCAPES_CLASSES, cityscapes_lut(), name="gta5", on_size_mismatch=on_size_mismatch
        )
