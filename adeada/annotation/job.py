"""Writing an annotation job: a streaming writer (zip or folder, atomic) and the job's manifest."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import numpy as np

from adeada.fileformats import PathLike
from adeada.reports.palette import class_palette
from .common import IGNORE, AnnotationError

MANIFEST_VERSION = 1


class JobWriter:
    """Writes job files into a zip or a folder under a temporary name, renamed into place on success.

    Use as a context manager; on an exception nothing is left at ``out_path``.
    """

    def __init__(self, out_path: PathLike, as_zip: bool):
        self.out_path = Path(out_path)
        self.as_zip = as_zip
        if self.out_path.exists():
            if as_zip or not self.out_path.is_dir() or any(self.out_path.iterdir()):
                raise AnnotationError(f"{self.out_path}: already exists; choose a new path for the job")
        self.out_path.parent.mkdir(parents=True, exist_ok=True)
        self._zip: Optional[zipfile.ZipFile] = None

    def __enter__(self) -> "JobWriter":
        if self.as_zip:
            fd, name = tempfile.mkstemp(prefix=f".{self.out_path.name}.", suffix=".tmp", dir=self.out_path.parent)
            os.close(fd)
            self._tmp = Path(name)
            self._zip = zipfile.ZipFile(self._tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        else:
            self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.out_path.name}.", dir=self.out_path.parent))
        return self

    def add(self, name: str, data: bytes) -> None:
        """Adds one file at the relative POSIX path ``name``."""
        if self._zip is not None:
            self._zip.writestr(name, data)
        else:
            target = self._tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    def add_dir(self, name: str) -> None:
        """Adds an empty folder (e.g. ``labels/`` for the annotators to fill)."""
        if self._zip is not None:
            self._zip.writestr(name.rstrip("/") + "/", b"")
        else:
            (self._tmp / name).mkdir(parents=True, exist_ok=True)

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._zip is not None:
            self._zip.close()
        if exc_type is not None:
            if self.as_zip:
                self._tmp.unlink(missing_ok=True)
            else:
                shutil.rmtree(self._tmp, ignore_errors=True)
            return
        umask = os.umask(0)
        os.umask(umask)
        if self.as_zip:
            os.chmod(self._tmp, 0o666 & ~umask)
            os.replace(self._tmp, self.out_path)
        else:
            os.chmod(self._tmp, 0o777 & ~umask)
            if self.out_path.is_dir():
                self.out_path.rmdir()  # checked empty in __init__
            os.replace(self._tmp, self.out_path)


def class_table(classes: Sequence[str]) -> list[dict]:
    """Class ids (train ids), names and palette colours, as written in every job's manifest."""
    return [{"id": i, "name": n, "color": list(c)} for i, (n, c) in enumerate(zip(classes, class_palette(len(classes))))]


def image_entry(image_id: str, segments: np.ndarray, region_ids: Sequence[int], files: dict, resized_from) -> dict:
    """Manifest entry of one image: size, requested regions and their pixel counts."""
    ids = sorted({int(r) for r in region_ids})
    counts = np.bincount(np.asarray(segments).ravel().astype(np.int64))
    entry = {
        "image_id": image_id,
        "height": int(segments.shape[0]),
        "width": int(segments.shape[1]),
        "regions": ids,
        "region_pixels": [int(counts[r]) for r in ids],
        "pixels_to_label": int(sum(int(counts[r]) for r in ids)),
        "files": files,
    }
    if resized_from is not None:
        entry["image_resized_from"] = list(resized_from)
    return entry


def manifest_json(layout: str, classes: Sequence[str], images: list[dict], extra: Optional[dict] = None) -> bytes:
    """The job's manifest.json: format version, classes with ids and colours, one entry per image."""
    manifest = {
        "format": "adeada-annotation-job",
        "version": MANIFEST_VERSION,
        "layout": layout,
        "ignore_index": IGNORE,
        "classes": class_table(classes),
        "images": images,
    }
    manifest.update(extra or {})
    return (json.dumps(manifest, indent=2) + "\n").encode("utf-8")


def class_lines(classes: Sequence[str]) -> str:
    """One "  <id>  <name>  (r, g, b)" line per class, for the README files."""
    return "\n".join(f"  {t['id']:3d}  {t['name']}  {tuple(t['color'])}" for t in class_table(classes))
