"""What every annotation-job format shares: the job items, the error type, reading a job back.

An annotation job is one round's selection sent to human annotators: for each target image, the
superpixel regions whose pixels they must label. ``Source`` gives the formats one read-only view of
a returned job, whether the annotators sent back a zip or an unpacked folder.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional, Union

import numpy as np
from PIL import Image

from adeada.fileformats import decode_png, PathLike

IGNORE = 255
TO_LABEL = "to_label"
TO_LABEL_COLOR = (255, 0, 255)  # "to_label" regions: magenta, or the nearest free colour (free_color)
BACKGROUND = "background"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class AnnotationFormat(NamedTuple):
    """One annotation tool's job layout: each format module defines one as ``FORMAT``.

    ``write(items, classes, writer, progress, **options)`` writes a job through a
    :class:`~adeada.annotation.job.JobWriter`; ``reader`` has ``markers`` (names at the top of a
    returned job that identify the layout), ``available(source) -> {image_id: file}`` and
    ``decode(source, file, classes) -> (label, pending)``, optionally ``warnings(source)`` and
    ``reads_json_file`` (a single exported JSON file is this format's).
    """

    title: str  # the tool and its format, as the CLI's help names it
    write: Callable[..., None]
    reader: Any
    options: frozenset[str] = frozenset()  # keyword options ``write`` takes (e.g. url_prefix)


class AnnotationError(ValueError):
    """A job that cannot be exported or a returned annotation that cannot be read; one-line message."""


@dataclass
class AnnotationItem:
    """One image of an annotation job.

    Attributes:
        image_id: file-system safe id (letters, digits, '.', '_', '-'), used as the file name.
        segments: int (H, W) region ids at label resolution.
        region_ids: the regions the annotators must label.
        image: uint8 (H, W, 3) RGB image, or None to read ``image_path``.
        image_path: path of the image file when ``image`` is None.
    """

    image_id: str
    segments: np.ndarray
    region_ids: list[int] = field(default_factory=list)
    image: Optional[np.ndarray] = None
    image_path: Optional[PathLike] = None


def as_items(items: Sequence[Union[AnnotationItem, Mapping[str, object]]]) -> list[AnnotationItem]:
    """Checks and converts the export input (AnnotationItem or dicts with the same keys)."""
    out: list[AnnotationItem] = []
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Mapping):
            unknown = set(item) - {"image_id", "segments", "region_ids", "image", "image_path"}
            if unknown:
                raise AnnotationError(f"annotation item has unknown keys {sorted(unknown)}")
            item = AnnotationItem(**item)  # type: ignore[arg-type]
        if not isinstance(item.image_id, str) or not _SAFE_ID.match(item.image_id):
            raise AnnotationError(
                f"image id {item.image_id!r} is not file-system safe: expected letters, digits, '.', '_', '-'"
            )
        if item.image_id in seen:
            raise AnnotationError(f"image id {item.image_id!r} appears twice in the job")
        seen.add(item.image_id)
        segments = np.asarray(item.segments)
        if segments.ndim != 2 or not np.issubdtype(segments.dtype, np.integer):
            raise AnnotationError(
                f"image {item.image_id!r}: segments must be an integer (H, W) array, got "
                f"{segments.dtype} {segments.shape}"
            )
        if not item.region_ids:
            raise AnnotationError(f"image {item.image_id!r}: no region to label")
        if item.image is None and item.image_path is None:
            raise AnnotationError(f"image {item.image_id!r}: give either image or image_path")
        out.append(item)
    if not out:
        raise AnnotationError("an annotation job needs at least one image")
    return out


def region_mask(segments: np.ndarray, region_ids: Sequence[int], image_id: str) -> np.ndarray:
    """Boolean (H, W) mask of the requested regions; an id absent from ``segments`` is an error."""
    segments = np.asarray(segments)
    ids = np.asarray(sorted({int(r) for r in region_ids}), dtype=np.int64)
    present = np.isin(ids, segments)
    if not present.all():
        raise AnnotationError(f"image {image_id!r}: region ids {ids[~present].tolist()} are not in its segments map")
    return np.isin(segments, ids)


def load_item_image(item: AnnotationItem) -> tuple[np.ndarray, Optional[tuple[int, int]]]:
    """The item's RGB image at the segments' size, and its original (H, W) if it had to be resized."""
    if item.image is not None:
        image = np.asarray(item.image)
        where = f"image {item.image_id!r}"
    else:
        path = Path(item.image_path)  # type: ignore[arg-type]
        if not path.is_file():
            raise FileNotFoundError(f"image {item.image_id!r}: file not found: {path}")
        try:
            image = np.asarray(decode_png(path.read_bytes(), str(path)).convert("RGB"))
        except ValueError as err:
            raise AnnotationError(str(err)) from err
        where = str(path)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise AnnotationError(f"{where}: expected a uint8 (H, W, 3) RGB image, got {image.dtype} {image.shape}")
    h, w = np.asarray(item.segments).shape
    if image.shape[:2] == (h, w):
        return image, None
    # Annotators paint at label resolution, so the picture they see must have that size.
    resized = np.asarray(Image.fromarray(image).resize((w, h), Image.BILINEAR))
    return resized, (int(image.shape[0]), int(image.shape[1]))


def norm_name(name: str) -> str:
    """Class-name key that survives tools' renaming ("traffic light" = "traffic_light" = "trafficlight")."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def class_lookup(classes: Sequence[str]) -> dict[str, int]:
    """Normalised class name -> train id; two classes with the same key are an error."""
    lookup: dict[str, int] = {}
    for i, name in enumerate(classes):
        key = norm_name(name)
        if key in lookup:
            raise AnnotationError(f"class names {classes[lookup[key]]!r} and {name!r} cannot be told apart")
        lookup[key] = i
    return lookup


class Source:
    """Read-only view of a returned job: a zip file or a folder, with relative POSIX names.

    A single ``.json`` file (Label Studio's export) reads as a folder holding only that file.
    ``cache`` lets a reader keep what it parsed for the life of the source.
    """

    def __init__(self, path: PathLike):
        self.path = Path(path)
        self._zip: Optional[zipfile.ZipFile] = None
        self._base = self.path
        self.cache: dict = {}
        self.single_json = self.path.is_file() and self.path.suffix.lower() == ".json"
        if self.single_json:
            self._base = self.path.parent
            self._files, self._dirs = [self.path.name], set()
        elif self.path.is_dir():
            names = [p.relative_to(self.path).as_posix() for p in sorted(self.path.rglob("*"))]
            self._dirs = {n for n in names if (self.path / n).is_dir()}
            self._files = [n for n in names if n not in self._dirs]
        elif self.path.is_file():
            try:
                self._zip = zipfile.ZipFile(self.path)
                bad = self._zip.testzip()
            except (zipfile.BadZipFile, OSError, EOFError) as err:
                raise AnnotationError(f"{self.path}: not a readable zip archive ({err})") from err
            if bad is not None:
                raise AnnotationError(f"{self.path}: corrupt zip member {bad!r} (CRC mismatch)")
            infos = self._zip.infolist()
            self._files = [i.filename for i in infos if not i.is_dir()]
            self._dirs = {i.filename.rstrip("/") for i in infos if i.is_dir()}
            for name in self._files:
                parts = name.split("/")[:-1]
                self._dirs.update("/".join(parts[: k + 1]) for k in range(len(parts)))
        else:
            raise FileNotFoundError(f"annotation job not found: {self.path}")
        self.prefix = ""

    def use_single_top_folder(self, markers: Sequence[str]) -> None:
        """If no marker is at the root but everything sits in one folder, read from inside it."""
        if any(self.exists(m) for m in markers):
            return
        tops = {n.split("/", 1)[0] for n in self._files}
        if len(tops) == 1 and (top := tops.pop()) in self._dirs:
            self.prefix = top + "/"

    def exists(self, name: str) -> bool:
        full = self.prefix + name
        return full in self._files or full.rstrip("/") in self._dirs

    def files(self, under: str = "") -> list[str]:
        """Names (relative to the prefix) of the files below the folder ``under``."""
        start = self.prefix + (under.rstrip("/") + "/" if under else "")
        return [n[len(self.prefix):] for n in self._files if n.startswith(start)]

    def describe(self, name: str) -> str:
        """How to name a member in an error message."""
        return f"{self.path}:{self.prefix}{name}" if self._zip else str(self._base / (self.prefix + name))

    def read(self, name: str) -> bytes:
        try:
            if self._zip is not None:
                return self._zip.read(self.prefix + name)
            return (self._base / (self.prefix + name)).read_bytes()
        except (KeyError, OSError, zipfile.BadZipFile) as err:
            raise AnnotationError(f"{self.describe(name)}: cannot read ({err})") from err

    def read_text(self, name: str) -> str:
        try:
            return self.read(name).decode("utf-8")
        except UnicodeDecodeError as err:
            raise AnnotationError(f"{self.describe(name)}: not UTF-8 text ({err})") from err

    def read_image(self, name: str) -> Image.Image:
        try:
            return decode_png(self.read(name), self.describe(name))
        except ValueError as err:
            raise AnnotationError(str(err)) from err

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
