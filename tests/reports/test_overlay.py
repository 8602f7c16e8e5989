"""Selection overlays: part colours inside the selected regions, the image elsewhere; palettes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from adeada.reports.overlay import BOUNDARY_COLOR, LEGEND_HEIGHT, overlay_selection
from adeada.reports.palette import CAMVID_COLORS, CITYSCAPES_COLORS, PART_COLORS, class_palette


@pytest.fixture
def stripes():
    """A flat grey 20x40 image cut into four vertical 10-pixel stripes (regions 0..3)."""
    image = np.full((20, 40, 3), 100, np.uint8)
    segments = np.repeat(np.arange(4), 10)[None, :].repeat(20, axis=0).astype(np.int32)
    return image, segments


def _read(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_selected_regions_take_their_part_colour(stripes, tmp_path):
    image, segments = stripes
    parts = {0: "density", 1: "uncertainty", 3: "other"}
    out = _read(overlay_selection(image, segments, parts, tmp_path / "o.png", alpha=0.5))
    assert out.shape == (20 + LEGEND_HEIGHT, 40, 3)
    for region, part in parts.items():
        # interior pixel of the stripe, away from the boundaries: 0.5 * 100 + 0.5 * colour
        pixel = out[10, region * 10 + 4]
        want = np.rint(0.5 * 100 + 0.5 * np.asarray(PART_COLORS[part], float))
        np.testing.assert_array_equal(pixel, want)
    np.testing.assert_array_equal(out[10, 24], [100, 100, 100])  # region 2 not selected
    for x in (9, 10, 19, 20, 29, 30):  # both sides of each edge between stripes
        np.testing.assert_array_equal(out[10, x], BOUNDARY_COLOR)


def test_label_panel_shows_the_acquired_classes(stripes, tmp_path):
    image, segments = stripes
    label = np.full((20, 40), 255, np.uint8)
    label[:, :10] = 1
    colors = [(10, 20, 30), (200, 50, 0)]
    out = _read(overlay_selection(image, segments, {0: "density"}, tmp_path / "o.png", label=label, class_colors=colors))
    assert out.shape == (20 + LEGEND_HEIGHT, 40 + 4 + 40, 3)
    np.testing.assert_array_equal(out[5, 44 + 3], colors[1])
    np.testing.assert_array_equal(out[5, 44 + 30], [0, 0, 0])  # 255 = nothing bought: black


def test_image_at_another_resolution_is_resized(stripes, tmp_path):
    _, segments = stripes
    big = np.full((40, 80, 3), 100, np.uint8)
    out = _read(overlay_selection(big, segments, {}, tmp_path / "o.png"))
    assert out.shape == (20 + LEGEND_HEIGHT, 40, 3)


def test_bad_overlay_input_is_named(stripes, tmp_path):
    image, segments = stripes
    with pytest.raises(ValueError, match="region 0 has part 'entropy'"):
        overlay_selection(image, segments, {0: "entropy"}, tmp_path / "o.png")
    with pytest.raises(ValueError, match="region id 9 is not in the segments map"):
        overlay_selection(image, segments, {9: "other"}, tmp_path / "o.png")
    with pytest.raises(ValueError, match=r"image must be \(H, W, 3\)"):
        overlay_selection(image[..., 0], segments, {}, tmp_path / "o.png")


def test_class_palette_known_and_generated():
    assert class_palette(19) == list(CITYSCAPES_COLORS) and class_palette(19)[0] == (128, 64, 128)
    assert class_palette(11) == list(CAMVID_COLORS) and class_palette(11)[0] == (128, 128, 128)
    for n in (1, 5, 40, 300):
        palette = class_palette(n)
        assert len(palette) == n == len(set(palette))
        assert (0, 0, 0) not in palette
        assert palette == class_palette(n)  # deterministic
    with pytest.raises(ValueError, match="positive integer"):
        class_palette(0)


def test_small_images_are_enlarged_by_a_whole_factor(tmp_path):
    from PIL import Image as _Image

    from adeada.reports import overlay_selection as _overlay

    image = np.full((8, 10, 3), 100, np.uint8)
    segments = np.zeros((8, 10), np.int32)
    segments[:, 5:] = 1
    out = _overlay(image, segments, {1: "density"}, tmp_path / "big.png", min_width=35)
    big = np.asarray(_Image.open(out))
    assert big.shape[1] == 40  # factor ceil(35 / 10) = 4
    assert tuple(big[2, 2]) == (100, 100, 100)  # region 0 untouched, away from the boundary
    assert tuple(big[2, 38]) != (100, 100, 100)  # region 1 tinted


@pytest.mark.parametrize("n", [2, 5, 9, 11, 16, 19, 30])
def test_part_colours_are_far_from_every_class_colour(n):
    from adeada.reports.palette import _distance, part_colors

    classes = class_palette(n)
    parts = part_colors(classes)
    assert len(set(parts.values())) == 3
    assert min(_distance(p, c) for p in parts.values() for c in classes) >= 90


def test_the_demo_building_blue_is_not_the_uncertainty_colour():
    from adeada.data.demo_style import DEMO_CLASSES
    from adeada.reports.palette import _distance, part_colors

    classes = class_palette(len(DEMO_CLASSES))
    building = classes[DEMO_CLASSES.index("building")]
    assert _distance(part_colors(classes)["uncertainty"], building) >= 100


def test_a_titled_overlay_has_a_title_captions_and_a_class_key(stripes, tmp_path):
    image, segments = stripes
    label = np.full((20, 40), 255, np.uint8)
    label[:, :10] = 1
    colors = [(10, 20, 30), (200, 50, 0)]
    plain = _read(overlay_selection(image, segments, {0: "density"}, tmp_path / "a.png", label=label,
                                    class_colors=colors, min_width=200))
    titled = _read(overlay_selection(image, segments, {0: "density"}, tmp_path / "b.png", label=label,
                                     class_colors=colors, min_width=200, title="round 1", class_names=["a", "b"]))
    # a title strip, a caption strip above the panels, and a class key below the part legend
    assert titled.shape[0] == plain.shape[0] + 3 * LEGEND_HEIGHT
    key = titled[-LEGEND_HEIGHT:]
    for color in colors:
        assert (key.reshape(-1, 3) == color).all(axis=1).any(), f"class colour {color} missing from the key"
