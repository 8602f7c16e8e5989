"""CamVid, SegNet layout: ``<split>/SEQ_FRAME.png`` + ``<split>annot/SEQ_FRAME.png`` (values 0..11).

Sequences are chosen by file-name prefix, so the day -> dusk protocol is a preset (see
``CAMVID_PRESETS``) rather than code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from adeada.data.base import Pair, PairedFileDataset, require_dir
from adeada.data.classes import (
    CAMVID_CLASSES,
    CAMVID_ID_TO_TRAINID,
    CAMVID_IGNORE_VALUE,
    IGNORE_INDEX,
    UNKNOWN,
    make_lut,
)
from adeada.data.config import DatasetConfig
from adeada.data.errors import DatasetError, EmptyDatasetError, MissingLabelError

# Named (split, prefixes) of the day -> dusk protocol in the data's README.
CAMVID_PRESETS: dict[str, tuple[str, list[str]]] = {
    "day_train": ("train", ["0006R0", "0016E5"]),  # source, 305 images
    "day_val": ("val", ["0016E5"]),  # source-side validation, 101 images
    "dusk_pool": ("train", ["0001TP"]),  # target pool, 62 images
    "dusk_test": ("test", ["0001TP"]),  # target test, 62 images
    "day_test": ("test", ["Seq05VD"]),  # optional: is the source forgotten? 171 images
}


def camvid_lut():
    """Strict table: 0..10 are classes, 11 is ignore, any other value is an error."""
    mapping = dict(CAMVID_ID_TO_TRAINID)
    mapping[CAMVID_IGNORE_VALUE] = IGNORE_INDEX
    return make_lut(mapping, size=65536, default=UNKNOWN)


class CamVidDataset(PairedFileDataset):
    """CamVid (SegNet's 480x360, 11-class version) filtered by sequence prefix.

    Args:
        root: the folder that holds ``train/``, ``trainannot/``, ``val/``, ... .
        split: "train", "val" or "test" (the folder names).
        prefixes: keep only images whose file name starts with one of these (sequence names,
            e.g. ``["0006R0", "0016E5"]``); None keeps every image of the split.

    Raises:
        MissingFolderError, MissingLabelError, EmptyDatasetError (no image matches the prefixes).
    """

    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        prefixes: Optional[Sequence[str]] = None,
    ) -> None:
        root = Path(root)
        img_dir = require_dir(root / split, "CamVid image")
        lbl_dir = require_dir(root / f"{split}annot", "CamVid label")
        pairs = []
        for img in sorted(img_dir.glob("*.png")):
            if prefixes and not any(img.name.startswith(p) for p in prefixes):
                continue
            label = lbl_dir / img.name
            if not label.is_file():
                raise MissingLabelError(f"CamVid image {img} has no label: expected {label}")
            pairs.append(Pair(img, label, f"{split}_{img.stem}"))
        if not pairs:
            raise EmptyDatasetError(f"no CamVid image in {img_dir} starts with any of {list(prefixes or [])}")
        tag = "+".join(prefixes) if prefixes else "all"
        super().__init__(pairs, CAMVID_CLASSES, camvid_lut(), name=f"camvid-{split}-{tag}")


def camvid_preset(root: str | Path, preset: str) -> CamVidDataset:
    """Build one of the day -> dusk protocol's datasets by name (see ``CAMVID_PRESETS``)."""
    if preset not in CAMVID_PRESETS:
        raise DatasetError(f"unknown CamVid preset {preset!r}; expected one of {sorted(CAMVID_PRESETS)}")
    split, prefixes = CAMVID_PRESETS[preset]
    return CamVidDataset(root, split, prefixes)


def from_config(cfg: DatasetConfig) -> CamVidDataset:
    """``kind: camvid``: ``root``, and ``preset`` (a protocol split) or ``split`` + ``prefixes``."""
    root = cfg.required("root")
    return camvid_preset(root, cfg.preset) if cfg.preset else CamVidDataset(root, cfg.split, cfg.prefixes)
