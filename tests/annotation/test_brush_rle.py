"""Our brush-RLE codec against streams written by Label Studio's own encoder.

The fixture fixtures/label_studio_rle.json was made once by fixtures/make_label_studio_rle.py with
label_studio_sdk.converter.brush (mask2rle / encode_rle) from label-studio 1.23.2.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from adeada.annotation.brush_rle import RleError, decode, encode, mask_to_rle, rle_to_alpha

CASES = json.loads((Path(__file__).parent / "fixtures" / "label_studio_rle.json").read_text())["cases"]
MASKS = [c for c in CASES if c["kind"] == "mask"]
VALUES = [c for c in CASES if c["kind"] == "values"]


def _mask(case: dict) -> np.ndarray:
    return np.array([[ch == "1" for ch in row] for row in case["mask_rows"]])


@pytest.mark.parametrize("case", MASKS, ids=[c["name"] for c in MASKS])
def test_decodes_label_studio_masks(case):
    alpha = rle_to_alpha(case["rle"], case["height"], case["width"])
    np.testing.assert_array_equal(alpha, np.where(_mask(case), 255, 0))


@pytest.mark.parametrize("case", VALUES, ids=[c["name"] for c in VALUES])
def test_decodes_label_studio_literal_and_repeat_blocks(case):
    np.testing.assert_array_equal(decode(case["rle"]), case["values"])


@pytest.mark.parametrize("case", MASKS, ids=[c["name"] for c in MASKS])
def test_encodes_masks_as_label_studio_does(case):
    """Same bits as Label Studio's encoder; it may add one more zero byte of padding."""
    ours, theirs = mask_to_rle(_mask(case)), case["rle"]
    assert ours == theirs[: len(ours)] and not any(theirs[len(ours):]) and len(theirs) - len(ours) <= 1


@pytest.mark.parametrize("case", VALUES, ids=[c["name"] for c in VALUES])
def test_encode_then_decode_is_identity(case):
    values = np.asarray(case["values"], dtype=np.uint8)
    np.testing.assert_array_equal(decode(encode(values)), values)


def test_truncated_or_oversized_streams_are_refused():
    stream = list(encode(np.repeat(np.arange(50, dtype=np.uint8), 3)))
    with pytest.raises(RleError, match="stream ends"):
        decode(stream[:-3])
    with pytest.raises(RleError, match="shorter than the header"):
        decode(stream[:4])
    with pytest.raises(RleError, match=r"holds 150 values, expected 5x8x4"):
        rle_to_alpha(stream, 5, 8)
    huge = [255, 255, 255, 255] + stream[4:]  # a count of 4 billion values in a few bytes
    with pytest.raises(RleError, match="more than"):
        decode(huge)
    with pytest.raises(RleError, match="byte values"):
        decode([300, 1])
