"""SYNTHIA RAND-CITYSCAPES: ``RGB/*.png`` + ``GT/LABELS/*.png`` (16-bit, class in channel 0)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from adeada.data.base import Pair, PairedFileDataset, SizePolicy, read_list_file, require_dir
from adeada.data.classes import (
    SYNTHIA13_EVAL_CLASSES,
    SYNTHIA16_CLASSES,
    SYNTHIA16_EVAL_CLASSES,
    SYNTHIA_ID_TO_TRAINID16,
    make_lut,
)
from adeada.data.errors import EmptyDatasetError, MissingLabelError


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
        if list_file is not None:
            names = [n if n.endswith(".png") else f"{n}.png" for n in read_list_file(Path(list_file))]
            images = [img_dir / n for n in names]
            for img in images:
                if not img.is_file():
                    raise MissingLabelError(f"SYNTHIA list file {list_file} names {img.name}, not found in {img_dir}")
        else:
            images = sorted(img_dir.glob("*.png"))
        pairs = []
        for img in images:
            label = lbl_dir / img.name
            if not label.is_file():
                raise MissingLabelError(f"SYNTHIA image {img} has no label: expected {label}")
            pairs.append(Pair(img, label, img.stem))
        if not pairs:
            raise EmptyDatasetError(f"no .png image in {img_dir}")
        super().__init__(
            pairs,
            SYNTHIA16_CLASSES,
            make_lut(SYNTHIA_ID_TO_TRAINID16, size=65536),
            name="synthia",
            label_channel=0,
            on_size_mismatch=on_size_mismatch,
        )
