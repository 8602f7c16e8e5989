"""CVAT "Cityscapes 1.0" jobs.

Layout (CVAT documentation, dataset_management/formats/format-cityscapes; file names as CVAT's
Datumaro-based exporter writes them)::

    label_colors.txt                   # "r g b name" per label; its line order gives the label ids
    gtFine/default/<id>_gtFine_labelIds.png     # 8-bit label ids
    gtFine/default/<id>_gtFine_color.png        # RGB label colours
    gtFine/default/<id>_gtFine_instanceIds.png  # label id, or label id * 1000 + instance
    imgsFine/leftImg8bit/default/               # empty: Cityscapes' image folder
    images/<id>.png                             # the images to upload to the CVAT task

Frame naming. CVAT's importer names an item by its mask path below ``gtFine/<subset>/`` without
the ``_gtFine_*`` suffix and matches it to the task frame of that name (file name without its
extension). The masks therefore sit directly in ``gtFine/default/`` (item ``<id>``) and the images
to upload are ``images/<id>.png`` (frame ``<id>``); a ``<id>_leftImg8bit.png`` upload would make a
frame ``<id>_leftImg8bit`` that no item matches.

Id convention. A label's id is its position in label_colors.txt; if no label there is black, a
"background" label is put first (what CVAT/Datumaro do). Our export writes the classes first in
train-id order, then "background" (black), then "to_label", so in an exported job labelIds ==
train id, background == C and to_label == C + 1. On import, ids and colours are mapped through
the returned label map BY NAME, so a task re-exported from CVAT with another label order still
reads back right. Import reads ``*_gtFine_labelIds.png``, else ``*_gtFine_instanceIds.png`` (what
CVAT itself imports; ids >= 1000 are label * 1000 + instance), else ``*_gtFine_color.png``.
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

LABEL_MAP_NAMES = ("label_colors.txt", "label_color.txt")
SUBSET = "default"
SUFFIXES = ("_gtFine_labelIds.png", "_gtFine_instanceIds.png", "_gtFine_color.png")

README = """Annotation job (adeada, CVAT "Cityscapes 1.0")

1. Create a CVAT task with the labels of label_colors.txt (same names, "_" may be spaces; keep a
   black "background" label) and upload the files of images/ as they are: {first} ... (the
   frame names must stay the image ids, so do not rename them).
2. Upload this zip as annotations, format "Cityscapes 1.0": the regions to label appear as masks
   of the label "to_label".
3. Repaint every "to_label" area with the right classes (leave a pixel as background if unsure).
4. Export the task as "Cityscapes 1.0" and give that zip back.

Pixels labelled outside the "to_label" regions are dropped on import (with a warning).
"""


def job_labels(classes: Sequence[str]) -> list[tuple[str, tuple[int, int, int]]]:
    """Label map of an exported job: classes (train-id order), background (black), to_label."""
    if len(classes) + 2 > 256:
        raise AnnotationError(f"the Cityscapes layout holds 8-bit label ids: {len(classes)} classes is too many")
    palette = class_palette(len(classes))
    # label_colors.txt is split on whitespace, so names must not contain any.
    names = ["_".join(n.split()) for n in classes]
    return [*zip(names, palette), (BACKGROUND, (0, 0, 0)), (TO_LABEL, free_color(palette, TO_LABEL_COLOR))]


def write_cityscapes_job(items: Sequence[AnnotationItem], classes: Sequence[str], writer: JobWriter, progress: bool) -> None:
    """Writes the Cityscapes layout through ``writer``."""
    labels = job_labels(classes)
    background_id, to_label_id = len(classes), len(classes) + 1
    lines = ["# r g b label_name"] + [f"{c[0]} {c[1]} {c[2]} {n}" for n, c in labels]
    writer.add(LABEL_MAP_NAMES[0], ("\n".join(lines) + "\n").encode("utf-8"))
    colors = np.asarray([c for _, c in labels], dtype=np.uint8)
    gt_dir = f"gtFine/{SUBSET}"
    writer.add_dir(f"imgsFine/leftImg8bit/{SUBSET}")
    entries = []
    for item in tqdm(items, desc="export job (Cityscapes)", disable=not progress):
        segments = np.asarray(item.segments)
        mask = region_mask(segments, item.region_ids, item.image_id)
        image, resized_from = load_item_image(item)
        label_ids = np.where(mask, to_label_id, background_id).astype(np.uint8)
        instance_ids = label_ids.astype(np.uint16)
        regions = sorted({int(r) for r in item.region_ids})
        # Instance ids are label * 1000 + k in a 16-bit PNG; past 65535 only the label id is kept.
        if to_label_id * 1000 + len(regions) <= np.iinfo(np.uint16).max:
            for k, region in enumerate(regions, start=1):
                instance_ids[segments == region] = to_label_id * 1000 + k
        stem = f"{gt_dir}/{item.image_id}_gtFine"
        files = {"image": f"images/{item.image_id}.png", "label": f"{stem}_labelIds.png"}
        writer.add(files["image"], png_bytes(image))
        writer.add(files["label"], png_bytes(label_ids))
        writer.add(f"{stem}_color.png", png_bytes(colors[label_ids]))
        writer.add(f"{stem}_instanceIds.png", png_bytes(instance_ids))
        entries.append(image_entry(item.image_id, segments, item.region_ids, files, resized_from))
    extra = {"to_label": {"name": TO_LABEL, "color": list(labels[-1][1]), "label_id": to_label_id},
             "background_label_id": background_id}
    writer.add("manifest.json", manifest_json("cityscapes", classes, entries, extra))
    writer.add("README.txt", README.format(first=f"{items[0].image_id}.png").encode("utf-8"))


def parse_label_colors(text: str, where: str) -> list[tuple[str, Optional[tuple[int, int, int]]]]:
    """Reads "r g b name" lines (or "name" alone: no colour, as Datumaro writes labels without one).

    CVAT's rule for the ids: when no label is black, "background" (added if absent) goes first.
    """
    labels: list[tuple[str, Optional[tuple[int, int, int]]]] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens or tokens[0].startswith("#"):
            continue
        if not tokens[0].lstrip("-").isdigit():
            labels.append((" ".join(tokens), None))
            continue
        try:
            color = tuple(int(v) for v in tokens[:3])
            if len(tokens) < 4 or not all(0 <= v <= 255 for v in color):
                raise ValueError
        except ValueError:
            raise AnnotationError(f"{where}: line {line_no} {line.strip()!r} is not 'r g b name'") from None
        labels.append((" ".join(tokens[3:]), color))
    if not any(c == (0, 0, 0) for _, c in labels):
        colored = any(c is not None for _, c in labels)
        own = [c for n, c in labels if n == BACKGROUND]
        rest = [(n, c) for n, c in labels if n != BACKGROUND]
        labels = [(BACKGROUND, own[0] if own else ((0, 0, 0) if colored else None))] + rest
    return labels


class CityscapesReader:
    """Reads the gtFine masks through label_colors.txt."""

    markers = ("gtFine",)

    def available(self, source: Source) -> dict[str, str]:
        found: dict[str, str] = {}
        for suffix in reversed(SUFFIXES):  # later (preferred) suffixes overwrite earlier ones
            for name in source.files("gtFine"):
                base = name.rsplit("/", 1)[-1]
                if base.endswith(suffix):
                    image_id = base[: -len(suffix)]
                    if image_id in found and found[image_id].endswith(suffix) and found[image_id] != name:
                        raise AnnotationError(
                            f"{source.describe('gtFine')}: image {image_id!r} has two {suffix} files "
                            f"({found[image_id]} and {name})"
                        )
                    found[image_id] = name
        return found

    def _labels(self, source: Source, classes: Sequence[str]) -> list:
        for name in LABEL_MAP_NAMES:
            if source.exists(name):
                return parse_label_colors(source.read_text(name), source.describe(name))
        return job_labels(classes)

    def warnings(self, source: Source) -> list[str]:
        if any(source.exists(n) for n in LABEL_MAP_NAMES):
            return []
        return [f"{source.path}: no label_colors.txt; reading ids as this project's export writes them "
                "(train ids, then background, then to_label)"]

    def decode(self, source: Source, name: str, classes: Sequence[str]) -> tuple[np.ndarray, Optional[np.ndarray]]:
        labels = self._labels(source, classes)
        names = [n for n, _ in labels]
        image = source.read_image(name)
        where = source.describe(name)
        if name.endswith("_gtFine_color.png"):
            if any(c is None for _, c in labels):
                raise AnnotationError(f"{where}: label_colors.txt gives no colour for every label, so colour masks "
                                      "cannot be read; return the _gtFine_labelIds.png masks")
            return apply_codes(pack(np.asarray(image.convert("RGB"))), color_table(names, [c for _, c in labels], classes),
                               where, show_color)
        if image.mode not in ("L", "P", "I", "I;16"):
            raise AnnotationError(f"{where}: expected a single-channel id PNG, got mode {image.mode}")
        ids = np.asarray(image).astype(np.int64)
        if name.endswith("_gtFine_instanceIds.png"):
            ids = np.where(ids >= 1000, ids // 1000, ids)
        table = index_table(names, classes)
        return apply_codes(ids, table, where, show_id)


FORMAT = AnnotationFormat(
    title='CVAT "Cityscapes 1.0"',
    write=write_cityscapes_job,
    reader=CityscapesReader(),
)
