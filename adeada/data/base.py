"""The shared machinery of the file-based adapters: a list of (image, label) pairs plus a label map.

Each layout module (Cityscapes, GTA5, SYNTHIA, CamVid, folder) only finds its pairs and picks a
lookup table; loading, checking and converting labels happens here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional, Sequence

import numpy as np
from PIL import Image

from adeada.data.classes import IGNORE_INDEX, UNKNOWN
from adeada.data.errors import (
    DatasetError,
    EmptyDatasetError,
    MissingFolderError,
    MissingLabelError,
    SizeMismatchError,
    UnknownLabelValueError,
)
from adeada.data.imagefile import image_size, read_label_raw, read_rgb

SizePolicy = Literal["error", "resize"]
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Pair:
    """One sample on disk: its image, its label and the stable id used for cache file names."""

    image: Path
    label: Path
    image_id: str


def safe_id(text: str) -> str:
    """Make a string usable as a file name on every platform (path separators included)."""
    return _UNSAFE.sub("_", text.replace("/", "__").replace("\\", "__")).strip("_") or "_"


def require_dir(path: Path, what: str) -> Path:
    """Return ``path`` if it is a folder, else raise MissingFolderError naming ``what``."""
    path = Path(path)
    if not path.is_dir():
        raise MissingFolderError(f"{what} folder not found: {path}")
    return path


def read_list_file(path: Path) -> list[str]:
    """Read a split list: one entry per line, blank lines and '#' comments skipped."""
    path = Path(path)
    if not path.is_file():
        raise MissingFolderError(f"split list file not found: {path}")
    lines = [ln.split("#", 1)[0].strip() for ln in path.read_text().splitlines()]
    entries = [ln for ln in lines if ln]
    if not entries:
        raise EmptyDatasetError(f"split list file {path} names no file")
    return entries


def same_name_pairs(img_dir: Path, lbl_dir: Path, list_file: Optional[str | Path], what: str) -> list[Pair]:
    """Pairs of ``img_dir/X.png`` and ``lbl_dir/X.png``: every image, or those a list file names.

    Raises:
        MissingLabelError: a listed image or an image's label does not exist.
        EmptyDatasetError: no image at all.
    """
    if list_file is not None:
        names = [n if n.endswith(".png") else f"{n}.png" for n in read_list_file(Path(list_file))]
        images = [img_dir / n for n in names]
        for img in images:
            if not img.is_file():
                raise MissingLabelError(f"{what} list file {list_file} names {img.name}, not found in {img_dir}")
    else:
        images = sorted(img_dir.glob("*.png"))
    pairs = []
    for img in images:
        label = lbl_dir / img.name
        if not label.is_file():
            raise MissingLabelError(f"{what} image {img} has no label: expected {label}")
        pairs.append(Pair(img, label, img.stem))
    if not pairs:
        raise EmptyDatasetError(f"no .png image in {img_dir}")
    return pairs


class PairedFileDataset:
    """A dataset of (image file, label file) pairs with a raw-value -> train-id lookup table.

    Args:
        pairs: the samples, in a fixed order.
        classes: class names in train-id order.
        lut: int16 lookup table of length 65536, raw value -> train id, 255 = ignore,
            ``UNKNOWN`` (-1) = a value the class map does not know (raises on load).
        name: short name used in messages and cache folders.
        label_channel: the channel of a multi-channel label file that holds the class value.
        on_size_mismatch: "error" raises SizeMismatchError when an image and its label differ
            in size; "resize" resizes the image (bilinear) to the label size in ``load_image``.
    """

    ignore_index: int = IGNORE_INDEX

    def __init__(
        self,
        pairs: Sequence[Pair],
        classes: Sequence[str],
        lut: np.ndarray,
        name: str,
        label_channel: Optional[int] = None,
        on_size_mismatch: SizePolicy = "error",
    ) -> None:
        if not pairs:
            raise EmptyDatasetError(f"dataset {name!r} holds no (image, label) pair")
        if on_size_mismatch not in ("error", "resize"):
            raise ValueError(f"on_size_mismatch={on_size_mismatch!r}; expected 'error' or 'resize'")
        lut = np.asarray(lut, dtype=np.int16)
        if lut.shape != (65536,):
            raise ValueError(f"label lookup table has shape {lut.shape}; expected (65536,)")
        seen: dict[str, Path] = {}
        for pair in pairs:
            if pair.image_id in seen:
                raise DatasetError(
                    f"two images map to the same id {pair.image_id!r}: {seen[pair.image_id]} "
                    f"and {pair.image}"
                )
            seen[pair.image_id] = pair.image
        self.pairs = list(pairs)
        self.classes = list(classes)
        self.lut = lut
        self.name = name
        self.label_channel = label_channel
        self.on_size_mismatch = on_size_mismatch

    def __len__(self) -> int:
        return len(self.pairs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, n={len(self)}, classes={len(self.classes)})"

    def _pair(self, i: int) -> Pair:
        if not -len(self.pairs) <= i < len(self.pairs):
            raise IndexError(f"index {i} out of range for dataset {self.name!r} of {len(self)} images")
        return self.pairs[i]

    def image_id(self, i: int) -> str:
        """Stable, unique, file-system safe id of sample ``i``."""
        return self._pair(i).image_id

    def image_path(self, i: int) -> Path:
        return self._pair(i).image

    def label_path(self, i: int) -> Path:
        return self._pair(i).label

    def label_size(self, i: int) -> tuple[int, int]:
        """(H, W) of the label, read from the file header."""
        return image_size(self._pair(i).label, "label")

    def cache_key(self, i: int) -> str:
        """A key that changes when the image or label file changes (path, size, mtime)."""
        parts = []
        for path in (self._pair(i).image, self._pair(i).label):
            st = path.stat()
            parts.append(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}")
        return "|".join(parts)

    def load_image(self, i: int) -> np.ndarray:
        """uint8 (H, W, 3) RGB image, at the label's size when the policy is "resize"."""
        pair = self._pair(i)
        img = read_rgb(pair.image)
        size = self.label_size(i)
        if img.shape[:2] != size:
            if self.on_size_mismatch == "error":
                raise SizeMismatchError(
                    f"image {pair.image} is {img.shape[0]}x{img.shape[1]} (HxW) but its label "
                    f"{pair.label} is {size[0]}x{size[1]}"
                )
            img = np.asarray(Image.fromarray(img).resize((size[1], size[0]), Image.BILINEAR))
        return img

    def load_label(self, i: int) -> np.ndarray:
        """uint8 (H, W) train ids, 255 = ignore."""
        pair = self._pair(i)
        raw = read_label_raw(pair.label, self.label_channel)
        if self.on_size_mismatch == "error":
            img_size = image_size(pair.image, "image")
            if raw.shape != img_size:
                raise SizeMismatchError(
                    f"label {pair.label} is {raw.shape[0]}x{raw.shape[1]} (HxW) but its image "
                    f"{pair.image} is {img_size[0]}x{img_size[1]}"
                )
        mapped = self.lut[raw]
        if (mapped == UNKNOWN).any():
            bad = np.unique(raw[mapped == UNKNOWN])
            shown = ", ".join(str(v) for v in bad[:10]) + (" ..." if bad.size > 10 else "")
            raise UnknownLabelValueError(
                f"label {pair.label} holds raw value(s) {shown} that the class map of dataset "
                f"{self.name!r} does not know (neither a class value nor the ignore value; "
                "add them to the remap, e.g. to 255)"
            )
        return mapped.astype(np.uint8)

    def select(self, indices: Sequence[int]) -> "PairedFileDataset":
        """A copy holding only the given samples (in the given order)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.pairs = [self._pair(int(i)) for i in indices]
        if not clone.pairs:
            raise EmptyDatasetError(f"selection from dataset {self.name!r} is empty")
        return clone
