"""Tiny annotation jobs for the annotation tests: two 24x32 images cut into 16 regions of 6x8 pixels."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CLASSES = ["road", "traffic light", "car", "sky", "person"]


def grid_segments(h: int = 24, w: int = 32, rows: int = 4, cols: int = 4) -> np.ndarray:
    """Region id = row * cols + col of a regular grid: every region has (h/rows) * (w/cols) pixels."""
    r = np.arange(h)[:, None] * rows // h
    c = np.arange(w)[None, :] * cols // w
    return (r * cols + c).astype(np.int32)


@pytest.fixture
def classes() -> list[str]:
    return list(CLASSES)


@pytest.fixture
def job():
    """(items, truth): two images, their requested regions, and the full ground truth."""
    rng = np.random.default_rng(0)
    segments = grid_segments()
    items, truth = [], {}
    for image_id, regions in (("0001TP_006690", [0, 5, 10]), ("img-b", [3, 12])):
        image = rng.integers(0, 256, size=segments.shape + (3,), dtype=np.uint8)
        label = rng.integers(0, len(CLASSES), size=segments.shape).astype(np.uint8)
        label[rng.random(segments.shape) < 0.1] = 255  # void pixels in the ground truth
        items.append({"image_id": image_id, "image": image, "segments": segments, "region_ids": regions})
        truth[image_id] = label
    return items, truth


@pytest.fixture
def expected(job):
    items, _ = job
    return {it["image_id"]: (it["segments"], it["region_ids"]) for it in items}


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def rewrite_zip(path: Path, replace: dict) -> None:
    """Rewrites a zip with some members replaced (bytes) or deleted (None), as an annotator's tool would."""
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    for name, data in replace.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)


def read_zip_text(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


@pytest.fixture
def helpers():
    class H:
        pass

    h = H()
    h.png = png
    h.rewrite_zip = rewrite_zip
    h.read_zip_text = read_zip_text
    h.grid_segments = grid_segments
    return h
