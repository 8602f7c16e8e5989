"""Reading image and label files: RGB images, 8-bit and 16-bit labels, header-only sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image, UnidentifiedImageError

from adeada.data.errors import BadFileError, MissingLabelError

# Pillow decodes 16-bit-per-channel PNGs to 8 bits (it keeps the high byte). These raw modes
# ask its PNG decoder for the high byte and for the low byte, which we recombine.
_HIGH_LOW_RAWMODES = {
    "RGB;16B": ("RGB;16B", "RGB;16L"),
    "RGBA;16B": ("RGBA;16B", "RGBA;16L"),
}


def _open(path: Path, what: str) -> Image.Image:
    if not path.is_file():
        raise MissingLabelError(f"{what} file not found: {path}")
    try:
        return Image.open(path)
    except (UnidentifiedImageError, OSError) as err:
        raise BadFileError(f"cannot decode {what} file {path}: {err}") from err


def image_size(path: Path, what: str = "image") -> tuple[int, int]:
    """Return (H, W) of an image file from its header, without decoding the pixels."""
    with _open(Path(path), what) as im:
        width, height = im.size
    return height, width


def read_rgb(path: Path) -> np.ndarray:
    """Read an image as uint8 (H, W, 3) RGB (grey, palette and alpha images are converted)."""
    path = Path(path)
    with _open(path, "image") as im:
        try:
            rgb = im.convert("RGB") if im.mode != "RGB" else im
            return np.asarray(rgb, dtype=np.uint8).copy()
        except OSError as err:  # truncated file
            raise BadFileError(f"cannot decode image file {path}: {err}") from err


def _read_16bit_multichannel(im: Image.Image, path: Path) -> np.ndarray:
    tile = im.tile[0]
    high_mode, low_mode = _HIGH_LOW_RAWMODES[tile.args if isinstance(tile.args, str) else tile.args[0]]
    planes = []
    for rawmode in (high_mode, low_mode):
        with Image.open(path) as again:
            again.tile = [again.tile[0]._replace(args=rawmode)]
            again.load()
            planes.append(np.asarray(again, dtype=np.uint16))
    return (planes[0] << 8) | planes[1]


def read_label_raw(path: Path, channel: Optional[int] = None) -> np.ndarray:
    """Read the raw values of a label file as a 2-D integer array.

    Handles 8-bit grey and palette PNGs (palette index = value), 16-bit grey PNGs, and
    16-bit-per-channel RGB/RGBA PNGs (as in SYNTHIA), whose full 16-bit values Pillow alone
    would truncate.

    Args:
        path: the label file.
        channel: for multi-channel labels, the channel that holds the class value; None
            requires a single-channel file.

    Returns:
        uint8 or uint16 array (H, W).

    Raises:
        MissingLabelError: the file does not exist.
        BadFileError: it cannot be decoded, or its channel count does not fit ``channel``.
    """
    path = Path(path)
    with _open(path, "label") as im:
        try:
            tile_args = im.tile[0].args if im.tile else None
            rawmode = tile_args if isinstance(tile_args, str) else (tile_args or [None])[0]
            if im.format == "PNG" and rawmode in _HIGH_LOW_RAWMODES:
                arr = _read_16bit_multichannel(im, path)
            elif im.mode in ("L", "P"):
                arr = np.asarray(im, dtype=np.uint8)
            elif im.mode.startswith("I"):
                arr = np.asarray(im).astype(np.int64)
                if arr.min() < 0 or arr.max() > 65535:
                    raise BadFileError(f"label file {path} holds values outside 0..65535")
                arr = arr.astype(np.uint16)
            elif im.mode in ("RGB", "RGBA"):
                arr = np.asarray(im, dtype=np.uint8)
            else:
                raise BadFileError(f"label file {path} has unsupported image mode {im.mode!r}")
        except OSError as err:
            raise BadFileError(f"cannot decode label file {path}: {err}") from err
    if arr.ndim == 3:
        if channel is None:
            raise BadFileError(
                f"label file {path} has {arr.shape[2]} channels; expected a single-channel "
                "label (set the label channel to read one channel)"
            )
        if not 0 <= channel < arr.shape[2]:
            raise BadFileError(f"label file {path} has {arr.shape[2]} channels; channel {channel} asked")
        arr = arr[:, :, channel]
    return np.ascontiguousarray(arr)
