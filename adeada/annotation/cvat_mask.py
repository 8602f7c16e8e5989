"""CVAT "Segmentation mask 1.1" jobs (the Pascal VOC segmentation layout CVAT imports and exports).

Layout (CVAT documentation, dataset_management/formats/format-smask)::

    labelmap.txt                      # label:color_rgb:parts:actions
    ImageSets/Segmentation/default.txt
    SegmentationClass/<id>.png        # RGB, one colour per label
    SegmentationObject/<id>.png       # RGB, one colour per instance
    JPEGImages/<id>.png               # the images (PNG kept: lossless)

The exported pre-annotation paints the regions to label with the extra label "to_label" and the
rest black (background); each region is its own instance. Annotators repaint "to_label" with real
classes; on import, black/background becomes 255 and any "to_label" left becomes 255 with a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import numpy as np
from tqdm import tqdm

from adeada.fileformats import png_bytes
from adeada.reports.palette import class_palette, free_color
from .common import BACKGROUND, AnnotationFormat, TO_LABEL, TO_LABEL_COLOR, AnnotationError, AnnotationItem, Source, load_item_image, region_mask
from .job import JobWriter, image_entry, manifest_json
from .mapping import apply_codes, color_table, index_table, pack, show_color, show_id

LABELMAP = "labelmap.txt"

README = """Annotation job (adeada, CVAT "Segmentation mask 1.1")

1. Create a CVAT task with the labels of labelmap.txt (same names; colours may differ) and upload
   the images of JPEGImages/.
2. Upload this zip as annotations, format "Segmentation mask 1.1": the regions to label appear as
   masks of the label "to_label".
3. Repaint every "to_label" area with the right classes (leave a pixel as background if unsure).
4. Export the task as "Segmentation mask 1.1" and give that zip back.

Pixels labelled outside the "to_label" regions are dropped on import (with a warning).
"""


def _voc_color(index: int) -> tuple[int, int, int]:
    """The Pascal VOC colour of ``index`` (bit-interleaved), used for instance masks."""
    r = g = b = 0
    for shift in range(7, -1, -1):
        r |= ((index >> 0) & 1) << shift
        g |= ((index >> 1) & 1) << shift
        b |= ((index >> 2) & 1) << shift
        index >>= 3
    return (r, g, b)


def job_labels(classes: Sequence[str]) -> list[tuple[str, tuple[int, int, int]]]:
    """Label map of an exported job: background (black), the classes, then to_label."""
    for name in classes:
        if ":" in name or "\n" in name:
            raise AnnotationError(f"class name {name!r} cannot be written to {LABELMAP} (contains ':' or a newline)")
    palette = class_palette(len(classes))
    return [(BACKGROUND, (0, 0, 0)), *zip(classes, palette), (TO_LABEL, free_color(palette, TO_LABEL_COLOR))]


def write_cvat_mask_job(items: Sequence[AnnotationItem], classes: Sequence[str], writer: JobWriter, progress: bool) -> None:
    """Writes the CVAT mask layout through ``writer``."""
    labels = job_labels(classes)
    to_label_color = np.asarray(labels[-1][1], dtype=np.uint8)
    lines = ["# label:color_rgb:parts:actions"] + [f"{n}:{c[0]},{c[1]},{c[2]}::" for n, c in labels]
    writer.add(LABELMAP, ("\n".join(lines) + "\n").encode("utf-8"))
    writer.add("ImageSets/Segmentation/default.txt", ("\n".join(i.image_id for i in items) + "\n").encode("utf-8"))
    entries = []
    for item in tqdm(items, desc="export job (CVAT mask)", disable=not progress):
        segments = np.asarray(item.segments)
        mask = region_mask(segments, item.region_ids, item.image_id)
        image, resized_from = load_item_image(item)
        class_mask = np.zeros(segments.shape + (3,), dtype=np.uint8)
        class_mask[mask] = to_label_color
        object_mask = np.zeros_like(class_mask)
        for k, region in enumerate(sorted({int(r) for r in item.region_ids}), start=1):
            object_mask[segments == region] = _voc_color(k)
        files = {"image": f"JPEGImages/{item.image_id}.png", "label": f"SegmentationClass/{item.image_id}.png"}
        writer.add(files["image"], png_bytes(image))
        writer.add(files["label"], png_bytes(class_mask))
        writer.add(f"SegmentationObject/{item.image_id}.png", png_bytes(object_mask))
        entries.append(image_entry(item.image_id, segments, item.region_ids, files, resized_from))
    extra = {"to_label": {"name": TO_LABEL, "color": list(labels[-1][1])}}
    writer.add("manifest.json", manifest_json("cvat_mask", classes, entries, extra))
    writer.add("README.txt", README.encode("utf-8"))


def parse_labelmap(text: str, where: str) -> list[tuple[str, tuple[int, int, int]]]:
    """Reads ``name:r,g,b:parts:actions`` lines ('#' comments and blank lines skipped).

    A line without a colour (``name:::``, as Datumaro writes labels that have none) gets the Pascal
    VOC colour of its position, the colour its masks are painted in.
    """
    labels = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) > 1 and not parts[1].strip():
            labels.append((parts[0].strip(), _voc_color(len(labels))))
            continue
        try:
            color = tuple(int(v) for v in parts[1].split(","))
            if len(color) != 3 or not all(0 <= v <= 255 for v in color):
                raise ValueError
        except (IndexError, ValueError):
            raise AnnotationError(f"{where}: line {line_no} {line!r} is not 'name:r,g,b::'") from None
        labels.append((parts[0].strip(), color))
    if not labels:
        raise AnnotationError(f"{where}: no label defined")
    return labels


class CvatMaskReader:
    """Reads ``SegmentationClass/<id>.png`` through ``labelmap.txt``."""

    markers = (LABELMAP,)

    def available(self, source: Source) -> dict[str, str]:
        """Image id -> mask file. A CVAT task made from a zip with folders inside has frames named
        ``<folder>/<id>`` and writes ``SegmentationClass/<folder>/<id>.png``: the id is the base
        name, and two masks with one base name are refused rather than guessed between."""
        found: dict[str, str] = {}
        for name in source.files("SegmentationClass"):
            if not name.lower().endswith(".png"):
                continue
            image_id = name.rsplit("/", 1)[-1][:-4]
            if image_id in found:
                raise AnnotationError(
                    f"{source.describe('SegmentationClass')}: {found[image_id]} and {name} both name image "
                    f"{image_id!r}; keep one of them (CVAT frames from two folders with the same file name)"
                )
            found[image_id] = name
        return found

    def decode(self, source: Source, name: str, classes: Sequence[str]) -> tuple[np.ndarray, Optional[np.ndarray]]:
        if not source.exists(LABELMAP):
            raise AnnotationError(f"{source.describe(LABELMAP)}: missing; it maps the mask colours to labels")
        labels = parse_labelmap(source.read_text(LABELMAP), source.describe(LABELMAP))
        names = [n for n, _ in labels]
        image = source.read_image(name)
        where = source.describe(name)
        if image.mode in ("L", "I", "I;16"):
            # CVAT reads 1-channel masks as indices into the label map's lines.
            table = index_table(names, classes)
            return apply_codes(np.asarray(image).astype(np.int64), table, where, show_id)
        table = color_table(names, [c for _, c in labels], classes)
        rgb = np.asarray(image.convert("RGB"))
        return apply_codes(pack(rgb), table, where, show_color)


FORMAT = AnnotationFormat(
    title='CVAT "Segmentation mask 1.1"',
    write=write_cvat_mask_job,
    reader=CvatMaskReader(),
)
