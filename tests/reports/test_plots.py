"""Figures: PNGs of the expected size for one strategy, one point, NaN values; atomic writes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from adeada.reports.plots import plot_miou_vs_labels, plot_per_class_iou

PAPER = {  # paper Table 6, mIoU at 1..5 % (std invented for the band)
    "RAND": [(1, 58.81, 0.5), (2, 61.11, 0.6), (3, 62.23, 0.4), (4, 63.62, 0.3), (5, 63.50, 0.5)],
    "ADeADA": [(1, 64.03, 0.4), (2, 67.65, 0.2), (3, 69.86, 0.3), (4, 70.66, 0.2), (5, 71.25, 0.1)],
}


def _png(path):
    assert path.is_file() and path.stat().st_size > 1000
    with Image.open(path) as im:
        im.load()
        return im.size, np.asarray(im.convert("RGB"))


def test_miou_plot_has_the_figure_size_and_leaves_no_temp_file(tmp_path):
    out = plot_miou_vs_labels(PAPER, tmp_path / "miou.png", title="GTA5 -> Cityscapes", full_supervision=73.2,
                              warmup=45.51, dpi=50)
    size, _ = _png(out)
    assert size == (320, 220)  # figsize 6.4 x 4.4 inches at 50 dpi
    assert sorted(p.name for p in tmp_path.iterdir()) == ["miou.png"]


@pytest.mark.parametrize("curves", [
    {"only": [(1.0, 50.0, math.nan)]},                     # one strategy, one point, one seed
    {"a": [(2.0, 55.0, 1.0), (1.0, 50.0, math.nan)]},     # unsorted, NaN std on one point
    {"a": [(1.0, math.nan, math.nan), (2.0, 40.0, 0.0)]},  # a NaN mean
])
def test_miou_plot_handles_degenerate_curves(curves, tmp_path):
    size, _ = _png(plot_miou_vs_labels(curves, tmp_path / "m.png", dpi=40))
    assert size == (256, 176)


def test_more_strategies_draw_more_coloured_pixels(tmp_path):
    _, one = _png(plot_miou_vs_labels({"RAND": PAPER["RAND"]}, tmp_path / "one.png", dpi=50))
    _, two = _png(plot_miou_vs_labels(PAPER, tmp_path / "two.png", dpi=50))

    def coloured(a):  # pixels that are neither grey nor white
        return int(np.count_nonzero(a.max(axis=2).astype(int) - a.min(axis=2) > 60))

    assert coloured(two) > coloured(one) > 0


def test_miou_plot_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="no curve"):
        plot_miou_vs_labels({}, tmp_path / "x.png")
    with pytest.raises(ValueError, match="'bad' has a point"):
        plot_miou_vs_labels({"bad": [(1.0, 50.0)]}, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_per_class_plot_handles_nan_strings_and_one_row(tmp_path):
    classes = ["road", "traffic light", "sky"]
    rows = [
        {"round": 1, "iou_road": 0.9, "iou_traffic_light": math.nan, "iou_sky": "0.8"},
        {"round": 2, "iou_road": "0.95", "iou_traffic light": "", "iou_sky": 0.85},
    ]
    size, pixels = _png(plot_per_class_iou(rows, classes, tmp_path / "pc.png", dpi=50))
    assert size[0] > 150 and size[1] > 100
    # The NaN cells are drawn grey (0.85 * 255 = 217).
    assert np.count_nonzero((pixels == 217).all(axis=2)) > 50
    single, _ = _png(plot_per_class_iou(rows[:1], classes, tmp_path / "one.png", dpi=50))
    assert single[1] <= size[1]
    wide, _ = _png(plot_per_class_iou(rows, classes + [f"c{i}" for i in range(16)], tmp_path / "wide.png", dpi=50))
    assert wide[0] > size[0]


def test_per_class_plot_rejects_empty_input(tmp_path):
    with pytest.raises(ValueError, match="at least one row"):
        plot_per_class_iou([], ["a"], tmp_path / "x.png")
