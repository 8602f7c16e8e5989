"""The plain "folder" job: images/, masks/, manifest.json, README.txt; annotators fill labels/.

Labels come back as single-channel PNGs ``labels/<image_id>.png`` holding class ids (train ids)
and 255 for unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import numpy as np
from tqdm import tqdm

from adeada.fileformats import png_bytes
from .common import IGNORE, AnnotationError, AnnotationFormat, AnnotationItem, Source, load_item_image, region_mask
from .job import JobWriter, class_lines, image_entry, manifest_json

README = """Annotation job (adeada, folder layout)

For each image in images/, masks/<image id>.png is white (255) on the regions to label and black
(0) elsewhere. Label every pixel inside the white area with its class.

Return one label PNG per image as labels/<image id>.png:
  - single channel (8-bit greyscale), exactly the size of the image;
  - each pixel holds the class id from the table below;
  - 255 where you cannot tell the class (or outside the white area).
Pixels labelled outside the white area are dropped on import (with a warning).

Class ids:
{classes}
  255  unknown / not labelled

manifest.json lists the images, their sizes and the regions (superpixel ids) to label.
"""


def write_folder_job(items: Sequence[AnnotationItem], classes: Sequence[str], writer: JobWriter, progress: bool) -> None:
    """Writes the folder layout through ``writer``."""
    entries = []
    for item in tqdm(items, desc="export job (folder)", disable=not progress):
        segments = np.asarray(item.segments)
        mask = region_mask(segments, item.region_ids, item.image_id)
        image, resized_from = load_item_image(item)
        files = {"image": f"images/{item.image_id}.png", "mask": f"masks/{item.image_id}.png",
                 "label": f"labels/{item.image_id}.png"}
        writer.add(files["image"], png_bytes(image))
        writer.add(files["mask"], png_bytes(np.where(mask, 255, 0).astype(np.uint8)))
        entries.append(image_entry(item.image_id, segments, item.region_ids, files, resized_from))
    writer.add_dir("labels")
    writer.add("manifest.json", manifest_json("folder", classes, entries))
    writer.add("README.txt", README.format(classes=class_lines(classes)).encode("utf-8"))


class FolderReader:
    """Reads ``labels/<image_id>.png`` (train ids, 255 unknown)."""

    markers = ("labels",)

    def available(self, source: Source) -> dict[str, str]:
        return {n[len("labels/"):-len(".png")]: n for n in source.files("labels") if n.lower().endswith(".png")
                and n.count("/") == 1}

    def decode(self, source: Source, name: str, classes: Sequence[str]) -> tuple[np.ndarray, Optional[np.ndarray]]:
        image = source.read_image(name)
        if image.mode not in ("L", "P", "I", "I;16"):
            raise AnnotationError(
                f"{source.describe(name)}: expected a single-channel PNG of class ids, got mode {image.mode}"
            )
        values = np.asarray(image).astype(np.int64)
        unknown = np.unique(values[(values >= len(classes)) & (values != IGNORE) | (values < 0)])
        if unknown.size:
            raise AnnotationError(
                f"{source.describe(name)}: value {int(unknown[0])} is not a class id "
                f"(expected 0..{len(classes) - 1} or 255); unknown values: {unknown[:10].tolist()}"
            )
        return values.astype(np.uint8), None


FORMAT = AnnotationFormat(
    title="plain PNGs: images/, masks/, manifest.json; annotators return labels/<id>.png",
    write=write_folder_job,
    reader=FolderReader(),
)
