"""Annotation-job exchange: export a round's selection for human annotators, read their labels back.

``FORMATS`` is the registry, a plain dict: name -> the ``FORMAT`` of the module that writes and
reads it (see each module's docstring for its layout). A new tool format is one module plus one
line there; the CLI's ``--format`` choices come from it. Every format is written as a zip when the
output path ends in ``.zip`` and as a folder otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, Optional, Union

import numpy as np
from tqdm import tqdm

from adeada.fileformats import PathLike

from . import cityscapes, cvat_mask, folder, label_studio
from .common import IGNORE, AnnotationError, AnnotationFormat, AnnotationItem, Source, as_items, region_mask
from .job import JobWriter

__all__ = ["AnnotationError", "AnnotationFormat", "AnnotationItem", "FORMATS", "ImportResult", "detect_format",
           "export_job", "read_labels"]

logger = logging.getLogger(__name__)

FORMATS: dict[str, AnnotationFormat] = {
    "folder": folder.FORMAT,
    "cvat_mask": cvat_mask.FORMAT,
    "cityscapes": cityscapes.FORMAT,
    "label_studio": label_studio.FORMAT,
}


class ImportResult(NamedTuple):
    """Labels read back from a job: ``labels[image_id]`` is uint8 (H, W) train ids, 255 outside the
    requested regions and where nothing was labelled; ``warnings`` are one-line messages."""

    labels: dict[str, np.ndarray]
    warnings: list[str]


def _format(fmt: str) -> AnnotationFormat:
    if fmt not in FORMATS:
        raise AnnotationError(f"unknown annotation format {fmt!r}: expected one of {list(FORMATS)}")
    return FORMATS[fmt]


def export_job(
    items: Sequence[Union[AnnotationItem, Mapping[str, object]]],
    classes: Sequence[str],
    fmt: str,
    out_path: PathLike,
    progress: bool = True,
    image_url_prefix: Optional[str] = None,
) -> Path:
    """Writes an annotation job for the requested regions of each image.

    Args:
        items: :class:`AnnotationItem` objects (or dicts with the same keys): image id, segments,
            region ids to label, and the image or its path.
        classes: the C class names in train-id order.
        fmt: a name in ``FORMATS``: "folder", "cvat_mask", "cityscapes", "label_studio", ...
        out_path: where to write: a zip if it ends in ``.zip`` (CVAT takes zips), else a folder;
            must not exist (an empty folder is accepted).
        progress: show a progress bar.
        image_url_prefix: "label_studio" only: the tasks' image URLs are this prefix +
            ``images/<id>.png`` (default: Label Studio's local-files URL of a folder named after
            ``out_path``).

    Returns:
        ``out_path``.

    Raises:
        AnnotationError: on an unknown format, an unsafe or repeated image id, a region id absent
            from its segments map, an unreadable image, or an existing ``out_path``.
        FileNotFoundError: if an ``image_path`` does not exist.
    """
    form = _format(fmt)
    if not classes:
        raise AnnotationError("an annotation job needs at least one class")
    if image_url_prefix is not None and "url_prefix" not in form.options:
        takers = " and ".join(n for n, f in FORMATS.items() if "url_prefix" in f.options)
        raise AnnotationError(f"an image URL prefix applies to the {takers} format only, not {fmt!r}")
    checked = as_items(items)
    options = {} if image_url_prefix is None else {"url_prefix": image_url_prefix}
    with JobWriter(out_path, as_zip=Path(out_path).suffix.lower() == ".zip") as writer:
        form.write(checked, list(classes), writer, progress, **options)
    return Path(out_path)


def detect_format(path: PathLike) -> str:
    """Tells the layout of a returned job: labelmap.txt -> "cvat_mask", gtFine/ -> "cityscapes",
    labels/ -> "folder", labeling_config.xml or a ``.json`` file -> "label_studio" (looked for at
    the top, or inside a single top-level folder)."""
    source = Source(path)
    try:
        return _detect(source)
    finally:
        source.close()


def _detect(source: Source) -> str:
    if source.single_json:
        for fmt, form in FORMATS.items():
            if getattr(form.reader, "reads_json_file", False):
                return fmt
    markers = {m: fmt for fmt, form in FORMATS.items() for m in form.reader.markers}
    source.use_single_top_folder(list(markers))
    for marker, fmt in markers.items():
        if source.exists(marker):
            return fmt
    raise AnnotationError(
        f"{source.path}: cannot tell the annotation format; expected "
        + ", ".join(f"{'/'.join(f.reader.markers)} ({name})" for name, f in FORMATS.items())
        + ", or a JSON export"
    )


def read_labels(
    path: PathLike,
    fmt: Optional[str],
    expected: Mapping[str, tuple[np.ndarray, Sequence[int]]],
    classes: Sequence[str],
    progress: bool = True,
) -> ImportResult:
    """Reads annotators' labels back and keeps only the pixels of the requested regions.

    Checks: every expected image has a label file (else error naming the image id), the label has
    the segments' size (else error naming the file and both sizes), every value/colour is a known
    class, background or 255 (else error naming the file and the value). Labelled pixels outside
    the requested regions are set to 255 with a warning counting them; pixels still marked
    "to_label" become 255 with a warning; label files for images not expected are ignored with a
    warning.

    Args:
        path: the returned zip or folder.
        fmt: "folder", "cvat_mask", "cityscapes", "label_studio", or None to detect it from the
            contents.
        expected: image id -> (segments (H, W), requested region ids).
        classes: the C class names in train-id order.
        progress: show a progress bar.

    Returns:
        :class:`ImportResult` (labels, warnings); it unpacks as a tuple.

    Raises:
        AnnotationError: on any failed check or an unreadable/corrupt file.
        FileNotFoundError: if ``path`` does not exist.
    """
    source = Source(path)
    try:
        if fmt is None:
            fmt = _detect(source)
        else:
            source.use_single_top_folder(_format(fmt).reader.markers)
        reader = FORMATS[fmt].reader
        warnings: list[str] = list(getattr(reader, "warnings", lambda s: [])(source))
        available = reader.available(source)
        missing = [i for i in expected if i not in available]
        if missing:
            raise AnnotationError(
                f"{source.path}: no label file for image id {missing[0]!r} ({len(missing)} of {len(expected)} missing)"
            )
        extra = sorted(set(available) - set(expected))
        if extra:
            warnings.append(f"{source.path}: {len(extra)} label file(s) for images not in this job ignored, e.g. {extra[0]!r}")
        labels: dict[str, np.ndarray] = {}
        for image_id, (segments, region_ids) in tqdm(expected.items(), desc=f"import labels ({fmt})", disable=not progress):
            name = available[image_id]
            label, pending = reader.decode(source, name, classes)
            segments = np.asarray(segments)
            if label.shape != segments.shape:
                raise AnnotationError(
                    f"{source.describe(name)}: label size {label.shape[1]}x{label.shape[0]} (WxH) differs from "
                    f"the image's {segments.shape[1]}x{segments.shape[0]}"
                )
            inside = region_mask(segments, region_ids, image_id)
            outside_labelled = int(np.count_nonzero(~inside & (label != IGNORE)))
            if outside_labelled:
                warnings.append(f"{source.describe(name)}: {outside_labelled} labelled pixel(s) outside the requested regions set to 255")
            if pending is not None and (n_pending := int(np.count_nonzero(pending & inside))):
                warnings.append(f"{source.describe(name)}: {n_pending} pixel(s) still marked to_label set to 255")
            labels[image_id] = np.where(inside, label, IGNORE).astype(np.uint8)
        # Returned, not logged: the caller prints them once (logging them here too doubled each).
        return ImportResult(labels, warnings)
    finally:
        source.close()
