"""A user's own data: an images tree and a labels tree matched by relative path and file name.

``images/city_a/x_image.jpg`` pairs with ``labels/city_a/x_label.png`` when ``image_suffix`` is
"_image" and ``label_suffix`` is "_label". Label values are mapped without writing Python: raw
values 0..C-1 are the classes, ``remap`` adds or overrides entries (merge: ``{7: 3}``, drop:
``{9: 255}``), ``ignore_value`` becomes 255, and any other value is an error naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np

from adeada.data.base import Pair, PairedFileDataset, SizePolicy, require_dir, safe_id
from adeada.data.classes import IGNORE_INDEX, UNKNOWN, make_lut
from adeada.data.config import DatasetConfig
from adeada.data.errors import DatasetError, EmptyDatasetError, MissingLabelError

DEFAULT_IMAGE_EXTS = (".png", ".jpg", ".jpeg")
DEFAULT_LABEL_EXTS = (".png",)


def _norm_exts(exts: Sequence[str]) -> tuple[str, ...]:
    return tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in exts)


def folder_lut(
    num_classes: int, ignore_value: Optional[int], remap: Optional[Mapping[int, int]]
) -> np.ndarray:
    """Strict lookup table for a folder dataset (see the module docstring)."""
    mapping: dict[int, int] = {k: k for k in range(num_classes)}
    for raw, target in (remap or {}).items():
        try:
            raw_i, target_i = int(raw), int(target)
        except (TypeError, ValueError) as err:
            raise DatasetError(f"label remap entry {raw!r}: {target!r} is not integer -> integer") from err
        if not (0 <= target_i < num_classes or target_i == IGNORE_INDEX):
            raise DatasetError(
                f"label remap sends raw value {raw_i} to {target_i}; expected a train id in "
                f"0..{num_classes - 1} or {IGNORE_INDEX} (ignore)"
            )
        mapping[raw_i] = target_i
    if ignore_value is not None:
        mapping[int(ignore_value)] = IGNORE_INDEX
    return make_lut(mapping, size=65536, default=UNKNOWN)


class FolderDataset(PairedFileDataset):
    """Images and labels in two mirrored folder trees, searched recursively.

    Args:
        images_dir: root of the image tree.
        labels_dir: root of the label tree (same sub-folders as the image tree).
        classes: class names in train-id order.
        image_suffix: end of an image file's stem that is not part of the shared name.
        label_suffix: end of a label file's stem that is not part of the shared name.
        image_exts: accepted image extensions.
        label_exts: accepted label extensions, tried in order.
        ignore_value: the raw label value meaning "not annotated" (mapped to 255).
        remap: raw value -> train id or 255, applied on top of the identity on 0..C-1.
        label_channel: for multi-channel label files, the channel holding the class value.
        on_size_mismatch: "error" or "resize" the image to its label's size.
        name: the dataset's name in messages and cache folders.

    Raises:
        MissingFolderError, MissingLabelError (an image without label), EmptyDatasetError,
        DatasetError (bad remap).
    """

    def __init__(
        self,
        images_dir: str | Path,
        labels_dir: str | Path,
        classes: Sequence[str],
        image_suffix: str = "",
        label_suffix: str = "",
        image_exts: Sequence[str] = DEFAULT_IMAGE_EXTS,
        label_exts: Sequence[str] = DEFAULT_LABEL_EXTS,
        ignore_value: Optional[int] = 255,
        remap: Optional[Mapping[int, int]] = None,
        label_channel: Optional[int] = None,
        on_size_mismatch: SizePolicy = "error",
        name: str = "folder",
    ) -> None:
        if not classes:
            raise DatasetError(f"folder dataset {name!r} needs a non-empty class list")
        img_root = require_dir(Path(images_dir), "images")
        lbl_root = require_dir(Path(labels_dir), "labels")
        img_exts, lbl_exts = _norm_exts(image_exts), _norm_exts(label_exts)
        pairs = []
        for img in sorted(p for p in img_root.rglob("*") if p.is_file()):
            if img.suffix.lower() not in img_exts or not img.stem.endswith(image_suffix):
                continue
            shared = img.stem[: len(img.stem) - len(image_suffix)] if image_suffix else img.stem
            rel_dir = img.parent.relative_to(img_root)
            candidates = [lbl_root / rel_dir / f"{shared}{label_suffix}{ext}" for ext in lbl_exts]
            label = next((c for c in candidates if c.is_file()), None)
            if label is None:
                raise MissingLabelError(
                    f"image {img} has no label: expected {candidates[0]}"
                    + (f" (or extension {', '.join(lbl_exts[1:])})" if len(lbl_exts) > 1 else "")
                )
            pairs.append(Pair(img, label, safe_id(str(rel_dir / shared))))
        if not pairs:
            raise EmptyDatasetError(
                f"no image matching '*{image_suffix}' with extension {', '.join(img_exts)} under {img_root}"
            )
        super().__init__(
            pairs,
            classes,
            folder_lut(len(classes), ignore_value, remap),
            name=name,
            label_channel=label_channel,
            on_size_mismatch=on_size_mismatch,
        )


def from_config(cfg: DatasetConfig) -> FolderDataset:
    """``kind: folder``: ``folder.images_dir``, ``labels_dir``, ``classes`` and the optional id mapping."""
    f = cfg.folder
    return FolderDataset(
        cfg.required("images_dir"), cfg.required("labels_dir"), cfg.required("classes"),
        image_suffix=f.image_suffix, label_suffix=f.label_suffix,
        image_exts=f.image_exts, label_exts=f.label_exts,
        ignore_value=f.ignore_value, remap=f.remap, label_channel=f.label_channel,
        name=f.name, **cfg.size_policy(),
    )
