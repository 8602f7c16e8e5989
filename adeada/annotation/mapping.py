"""Turning the values of a returned mask (colours or label-map ids) into train ids.

Both CVAT layouts name their labels in a label-map file; labels are matched to our classes by
name (case, spaces and punctuation ignored), so a task whose labels were reordered or recoloured
in CVAT still reads back correctly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable

import numpy as np

from .common import BACKGROUND, IGNORE, TO_LABEL, AnnotationError, class_lookup, norm_name

PENDING = -1  # still marked "to_label": the annotator did not label it
UNKNOWN = -2  # a label that is neither one of our classes, nor background, nor to_label

Color = tuple[int, int, int]


def pack(colors: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 colours -> one int per colour."""
    colors = colors.astype(np.int64)
    return (colors[..., 0] << 16) | (colors[..., 1] << 8) | colors[..., 2]


def unpack(value: int) -> Color:
    return ((value >> 16) & 255, (value >> 8) & 255, value & 255)


def label_codes(names: Sequence[str], classes: Sequence[str]) -> list[int]:
    """Code of each label-map name: its train id, IGNORE (background), PENDING or UNKNOWN.

    A class really named "background" keeps its train id.
    """
    lookup = class_lookup(classes)
    codes = []
    for name in names:
        key = norm_name(name)
        if key in lookup:
            codes.append(lookup[key])
        elif key == norm_name(BACKGROUND):
            codes.append(IGNORE)
        elif key == norm_name(TO_LABEL):
            codes.append(PENDING)
        else:
            codes.append(UNKNOWN)
    return codes


def index_table(names: Sequence[str], classes: Sequence[str]) -> dict[int, tuple[int, str]]:
    """Label-map line index -> (code, label name), for masks that store indices instead of colours."""
    return {i: (code, n) for i, (n, code) in enumerate(zip(names, label_codes(names, classes)))}


def color_table(names: Sequence[str], colors: Sequence[Color], classes: Sequence[str]) -> dict[int, tuple[int, str]]:
    """Packed colour -> (code, label name); two labels sharing a colour with different codes -> UNKNOWN."""
    table: dict[int, tuple[int, str]] = {}
    for name, color, code in zip(names, colors, label_codes(names, classes)):
        key = int(pack(np.asarray(color, dtype=np.int64)))
        if key in table and table[key][0] != code:
            table[key] = (UNKNOWN, f"{table[key][1]}/{name} (same colour)")
        else:
            table.setdefault(key, (code, name))
    return table


def apply_codes(
    values: np.ndarray,
    table: dict[int, tuple[int, str]],
    where: str,
    show: Callable[[int], str],
) -> tuple[np.ndarray, np.ndarray]:
    """Maps every value through ``table``: returns (uint8 train ids with 255, bool mask of PENDING).

    Raises:
        AnnotationError: naming ``where`` and the first value that is missing from the table or
            whose label is not one of our classes.
    """
    # searchsorted against the few label-map keys: much cheaper than np.unique's full sort.
    keys = np.array(sorted(table), dtype=np.int64)
    key_codes = np.array([table[int(k)][0] for k in keys], dtype=np.int64)
    flat = values.ravel().astype(np.int64)
    index = np.minimum(np.searchsorted(keys, flat), len(keys) - 1)
    found = keys[index] == flat
    if not found.all():
        raise AnnotationError(f"{where}: {show(int(flat[~found][0]))} is not in the label map")
    codes = key_codes[index]
    unknown = codes == UNKNOWN
    if unknown.any():
        value = int(flat[unknown][0])
        raise AnnotationError(f"{where}: {show(value)} is label {table[value][1]!r}, which is not one of our classes")
    mapped = codes.reshape(values.shape)
    pending = mapped == PENDING
    label = np.where(pending, IGNORE, mapped).astype(np.uint8)
    return label, pending


def show_color(value: int) -> str:
    return f"colour {unpack(value)}"


def show_id(value: int) -> str:
    return f"value {value}"
