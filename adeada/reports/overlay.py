"""Overlay of one round's selection on a target image: which regions were bought, and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from skimage.segmentation import find_boundaries

from adeada.fileformats import atomic_save_png, PathLike
from .palette import PART_COLORS, class_palette, colorize_label, part_colors

BOUNDARY_COLOR = (255, 255, 255)
LEGEND_HEIGHT = 18


def _check_inputs(image: np.ndarray, segments: np.ndarray, out_path: PathLike) -> np.ndarray:
    image = np.asarray(image)
    segments = np.asarray(segments)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"overlay_selection({out_path}): image must be (H, W, 3), got shape {image.shape}")
    if segments.ndim != 2:
        raise ValueError(f"overlay_selection({out_path}): segments must be (H, W), got shape {segments.shape}")
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.shape[:2] != segments.shape:
        # Superpixels live at label resolution; the image may be stored larger (e.g. GTA5).
        h, w = segments.shape
        image = np.asarray(Image.fromarray(image).resize((w, h), Image.BILINEAR))
    return image


def _legend(width: int, entries: Sequence[tuple[str, tuple[int, int, int]]]) -> np.ndarray:
    """A strip of colour swatches with their names, drawn with Pillow's built-in bitmap font."""
    strip = Image.new("RGB", (width, LEGEND_HEIGHT), (32, 32, 32))
    draw = ImageDraw.Draw(strip)
    font = ImageFont.load_default()
    x = 4
    for name, color in entries:
        if x + 12 > width:
            break
        draw.rectangle([x, 4, x + 10, LEGEND_HEIGHT - 5], fill=color)
        draw.text((x + 14, 3), name, fill=(240, 240, 240), font=font)
        x += 14 + int(draw.textlength(name, font=font)) + 10
    return np.asarray(strip)


def _legend_rows(width: int, entries: Sequence[tuple[str, tuple[int, int, int]]]) -> np.ndarray:
    """Like :func:`_legend`, wrapped onto as many strips as the entries need (a class key)."""
    font = ImageFont.load_default()
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    rows: list[list[tuple[str, tuple[int, int, int]]]] = [[]]
    x = 4
    for name, color in entries:
        need = 14 + int(measure.textlength(name, font=font)) + 10
        if rows[-1] and x + need > width:
            rows.append([])
            x = 4
        rows[-1].append((name, color))
        x += need
    return np.concatenate([_legend(width, row) for row in rows], axis=0)


def _text_strip(width: int, text: str, height: int = LEGEND_HEIGHT) -> np.ndarray:
    strip = Image.new("RGB", (width, height), (16, 16, 16))
    ImageDraw.Draw(strip).text((4, 3), text, fill=(255, 255, 255), font=ImageFont.load_default())
    return np.asarray(strip)


def _enlarge(a: np.ndarray, factor: int) -> np.ndarray:
    return a.repeat(factor, axis=0).repeat(factor, axis=1)


def overlay_selection(
    image: np.ndarray,
    segments: np.ndarray,
    selected_regions: Mapping[int, str],
    out_path: PathLike,
    label: Optional[np.ndarray] = None,
    class_colors: Optional[Sequence[tuple[int, int, int]]] = None,
    alpha: float = 0.5,
    ignore_index: int = 255,
    min_width: int = 0,
    title: Optional[str] = None,
    class_names: Optional[Sequence[str]] = None,
    label_caption: str = "labels bought so far (black: not labelled)",
) -> Path:
    """Writes a PNG of the image with region boundaries and the selected regions tinted by part.

    Selected regions are blended with their part's colour (density orange, uncertainty blue,
    other green: :data:`PART_COLORS`), region boundaries are drawn in white, and a legend strip is
    added below. With ``label``, a side panel shows the acquired ground truth colourised (black
    where nothing was bought).

    Args:
        image: uint8 (H, W, 3) RGB target image (resized to the segments' size if it differs).
        segments: int (H, W) region ids.
        selected_regions: region id -> part ("density" | "uncertainty" | "other").
        out_path: PNG to write (atomically).
        label: optional uint8 (H, W) train-id label of the bought pixels, ``ignore_index`` elsewhere.
        class_colors: colours for the label panel (default :func:`class_palette` of max id + 1).
        alpha: opacity of the part colour over a selected region, in [0, 1].
        ignore_index: label value drawn black.
        min_width: enlarge small images by a whole factor (nearest) until they are at least this
            wide, so that regions of a 128-pixel demo image stay visible in a report.
        title: a line above the picture (and then a caption above each panel).
        class_names: names of the label panel's classes: adds a class colour key below.
        label_caption: the caption of the label panel (with ``title``).

    With ``class_colors``, the part colours are chosen so that no class colour is close to them
    (:func:`part_colors`): a tinted region must not read as a class.

    Returns:
        The path written.

    Raises:
        ValueError: on bad shapes, an unknown part name, a region id absent from ``segments``, or
            ``alpha`` outside [0, 1].
    """
    image = _check_inputs(image, segments, out_path)
    segments = np.asarray(segments)
    factor = -(-int(min_width) // image.shape[1]) if min_width > image.shape[1] else 1
    if factor > 1:
        image, segments = _enlarge(image, factor), _enlarge(segments, factor)
        label = None if label is None else _enlarge(np.asarray(label), factor)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"overlay_selection({out_path}): alpha must be in [0, 1], got {alpha}")
    present = set(np.unique(segments).tolist())
    canvas = image.astype(np.float32)
    colors = part_colors(list(class_colors) if class_colors is not None else None)
    for region, part in selected_regions.items():
        if part not in PART_COLORS:
            raise ValueError(
                f"overlay_selection({out_path}): region {region} has part {part!r}, "
                f"expected one of {sorted(PART_COLORS)}"
            )
        if int(region) not in present:
            raise ValueError(f"overlay_selection({out_path}): region id {region} is not in the segments map")
        inside = segments == int(region)
        canvas[inside] = (1.0 - alpha) * canvas[inside] + alpha * np.asarray(colors[part], np.float32)
    out = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
    # "thick" marks both sides of every edge; "inner"/"outer" would treat region 0 as background.
    out[find_boundaries(segments, mode="thick")] = BOUNDARY_COLOR

    if label is not None:
        label = np.asarray(label)
        if label.shape != segments.shape:
            raise ValueError(
                f"overlay_selection({out_path}): label shape {label.shape} differs from segments shape {segments.shape}"
            )
        known = label[label != ignore_index]
        if class_colors is None:
            class_colors = class_palette(int(known.max()) + 1 if known.size else 1)
        panel = colorize_label(np.where(label == ignore_index, 255, label), list(class_colors))
        gap = np.full((out.shape[0], 4, 3), 32, dtype=np.uint8)
        if title is not None:
            left = _text_strip(out.shape[1], "selected regions, tinted by the part that chose them")
            right = _text_strip(panel.shape[1], label_caption)
            out = np.concatenate([left, out], axis=0)
            panel = np.concatenate([right, panel], axis=0)
            gap = np.full((out.shape[0], 4, 3), 32, dtype=np.uint8)
        out = np.concatenate([out, gap, panel], axis=1)

    used_parts = [p for p in PART_COLORS if p in set(selected_regions.values())]
    entries = [(p, colors[p]) for p in used_parts] or [("no region selected", (90, 90, 90))]
    strips = [out, _legend(out.shape[1], entries)]
    if class_names is not None and class_colors is not None:
        strips.append(_legend_rows(out.shape[1], list(zip(class_names, class_colors))))
    if title is not None:
        strips.insert(0, _text_strip(out.shape[1], title))
    return atomic_save_png(out_path, np.concatenate(strips, axis=0))
