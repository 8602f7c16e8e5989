"""Writers for tiny fixture trees that mimic the real dataset layouts (8x16 PNGs)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

H, W = 8, 16


def write_rgb(path: Path, h: int = H, w: int = W, seed: int = 0, fmt: str = "PNG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    arr = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    Image.fromarray(arr).save(path, format=fmt)
    return path


def write_label(path: Path, arr: np.ndarray, palette: bool = False) -> Path:
    """8-bit label PNG; ``palette`` writes a 'P' image like GTA5's (index = value)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arr = np.asarray(arr, np.uint8)
    if palette:
        im = Image.frombytes("P", (arr.shape[1], arr.shape[0]), arr.tobytes())
        im.putpalette([v for k in range(256) for v in (k, 255 - k, (7 * k) % 256)])
    else:
        im = Image.fromarray(arr)
    im.save(path)
    return path


def write_png16(path: Path, arr: np.ndarray) -> Path:
    """A 16-bit-per-channel PNG (like SYNTHIA's labels), written by hand: Pillow cannot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w, c = arr.shape
    colour_type = {1: 0, 3: 2, 4: 6}[c]
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )
    return path


def label_with(values: list[int], h: int = H, w: int = W) -> np.ndarray:
    """An h x w label whose first pixels hold ``values`` in order, the rest the first value."""
    arr = np.full(h * w, values[0], dtype=np.int64)
    arr[: len(values)] = values
    return arr.reshape(h, w)
