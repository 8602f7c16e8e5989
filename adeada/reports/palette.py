"""Deterministic colours: class palettes, the colours of the selection parts, colourising labels."""

from __future__ import annotations

import colorsys

import numpy as np

# Cityscapes train-id colours (cityscapesScripts labels table), in train-id order 0..18.
CITYSCAPES_COLORS: tuple[tuple[int, int, int], ...] = (
    (128, 64, 128), (244, 35, 232), (70, 70, 70), (102, 102, 156), (190, 153, 153),
    (153, 153, 153), (250, 170, 30), (220, 220, 0), (107, 142, 35), (152, 251, 152),
    (70, 130, 180), (220, 20, 60), (255, 0, 0), (0, 0, 142), (0, 0, 70),
    (0, 60, 100), (0, 80, 100), (0, 0, 230), (119, 11, 32),
)

# CamVid (SegNet 11-class version) colours, in the order Sky, Building, Pole, Road, Pavement,
# Tree, SignSymbol, Fence, Car, Pedestrian, Bicyclist.
CAMVID_COLORS: tuple[tuple[int, int, int], ...] = (
    (128, 128, 128), (128, 0, 0), (192, 192, 128), (128, 64, 128), (0, 0, 192),
    (128, 128, 0), (192, 128, 128), (64, 64, 128), (64, 0, 128), (64, 64, 0), (0, 128, 192),
)

# Which part of a strategy chose a region (Selection.part): orange, blue, green.
PART_COLORS: dict[str, tuple[int, int, int]] = {
    "density": (255, 140, 0),
    "uncertainty": (30, 110, 255),
    "other": (40, 200, 70),
}

IGNORE_COLOR: tuple[int, int, int] = (0, 0, 0)

# Alternatives for a part colour that a class palette already (nearly) uses: saturated colours
# that read as "marked" on a street scene.
_PART_CANDIDATES: tuple[tuple[int, int, int], ...] = (
    (255, 140, 0), (30, 110, 255), (40, 200, 70), (255, 0, 255), (0, 255, 255), (255, 255, 0),
    (255, 0, 0), (0, 0, 255), (0, 255, 0), (255, 128, 255), (128, 0, 255), (0, 40, 120),
    (255, 200, 150), (0, 128, 128), (128, 128, 255), (255, 90, 160),
)
# Closer than this (Euclidean RGB) and a part colour would be mistaken for a class in an overlay.
MIN_PART_DISTANCE = 100.0


def _distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    return float(np.sqrt(sum((int(x) - int(y)) ** 2 for x, y in zip(a, b))))


def part_colors(class_colors: list[tuple[int, int, int]] | None = None) -> dict[str, tuple[int, int, int]]:
    """Colours of the selection parts that no class of ``class_colors`` uses (nor comes close to).

    Each part keeps its usual colour (:data:`PART_COLORS`) unless a class colour lies within
    :data:`MIN_PART_DISTANCE` of it; then it takes the candidate farthest from every class colour
    and from the parts already chosen.
    """
    if not class_colors:
        return dict(PART_COLORS)
    chosen: dict[str, tuple[int, int, int]] = {}
    for part, usual in PART_COLORS.items():
        # White draws region boundaries and black marks unlabelled pixels: avoid them too.
        avoid = list(class_colors) + list(chosen.values()) + [(255, 255, 255), IGNORE_COLOR]
        if min(_distance(usual, c) for c in avoid) >= MIN_PART_DISTANCE:
            chosen[part] = usual
            continue
        chosen[part] = max(_PART_CANDIDATES, key=lambda cand: min(_distance(cand, c) for c in avoid))
    return chosen


def _generated_palette(n: int) -> list[tuple[int, int, int]]:
    """n distinct colours: hues spaced by the golden ratio, alternating lightness, never black."""
    colors: list[tuple[int, int, int]] = []
    for i in range(n):
        hue = (i * 0.618033988749895) % 1.0
        lightness = (0.45, 0.62, 0.35)[i % 3]
        saturation = (0.85, 0.65)[(i // 3) % 2]
        r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
        color = (int(round(r * 255)), int(round(g * 255)), int(round(b * 255)))
        # The rounding can collide for large n: nudge until the colour is unique.
        while color in colors or color == IGNORE_COLOR:
            color = ((color[0] + 7) % 256, (color[1] + 13) % 256, (color[2] + 29) % 256)
        colors.append(color)
    return colors


def class_palette(n: int) -> list[tuple[int, int, int]]:
    """A deterministic list of ``n`` distinct RGB colours, none of them black.

    Cityscapes colours when ``n == 19``, CamVid colours when ``n == 11``, else generated ones.

    Args:
        n: number of classes (>= 1).

    Returns:
        ``n`` (r, g, b) tuples of ints in 0..255.

    Raises:
        ValueError: if ``n`` is not a positive integer.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"class_palette: n must be a positive integer, got {n!r}")
    if n == len(CITYSCAPES_COLORS):
        return list(CITYSCAPES_COLORS)
    if n == len(CAMVID_COLORS):
        return list(CAMVID_COLORS)
    return _generated_palette(int(n))


def colorize_label(
    label: np.ndarray,
    palette: list[tuple[int, int, int]],
    ignore_color: tuple[int, int, int] = IGNORE_COLOR,
) -> np.ndarray:
    """Maps a (H, W) class-id map to a uint8 (H, W, 3) image; ids outside the palette get ``ignore_color``."""
    lut = np.zeros((256, 3), dtype=np.uint8)
    lut[:] = ignore_color
    lut[: len(palette)] = np.asarray(palette, dtype=np.uint8)
    label = np.asarray(label)
    safe = np.where((label >= 0) & (label < 256), label, 255).astype(np.uint8)
    return lut[safe]


def free_color(taken: list[tuple[int, int, int]], preferred: tuple[int, int, int]) -> tuple[int, int, int]:
    """``preferred`` if it is neither black nor in ``taken``, else a nearby colour that is neither.

    Used for the extra "to_label" class of an annotation job, which must not share a class colour.
    """
    used = set(map(tuple, taken))
    color = preferred
    step = 0
    while color in used or color == IGNORE_COLOR:
        step += 1
        color = ((preferred[0] - 3 * step) % 256, (preferred[1] + 5 * step) % 256, (preferred[2] - 7 * step) % 256)
    return color
