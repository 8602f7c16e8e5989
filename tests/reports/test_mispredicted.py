"""The warm-up's mispredicted regions and the share a strategy bought, on hand-made tables."""

import math

import numpy as np
import pytest

from adeada.reports.mispredicted import IGNORE, mispredicted_recall, region_majority


def test_region_majority_by_hand():
    segments = np.array([[0, 0, 1, 1],
                         [0, 2, 1, 1]])
    label = np.array([[3, 3, 1, 255],
                      [2, 255, 1, 0]])
    # region 0: 3, 3, 2 -> 3; region 1: 1, 1, 0 (and a void) -> 1; region 2: only void -> IGNORE
    np.testing.assert_array_equal(region_majority(label, segments, 3, 4), [3, 1, IGNORE])
    np.testing.assert_array_equal(region_majority(np.array([[0, 1]]), np.array([[0, 0]]), 1, 2), [0])  # tie: lower id


def test_recall_counts_on_a_hand_made_region_table():
    classes = ["road", "bus", "car"]
    # ten regions: true class, the warm-up's prediction, the round each was bought in (0 = never)
    truth = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, IGNORE])
    warm = np.array([0, 0, 2, 0, 2, 1, 0, 2, 2, 0])
    bought = np.array([1, 0, 2, 1, 0, 1, 3, 0, 2, 1])
    rows = {r["class"]: r for r in mispredicted_recall(truth, warm, bought, 3, classes)}
    # bus: 4 regions, 3 mispredicted (rows 3, 4, 6), bought in round 1 (row 3) and round 3 (row 6)
    assert (rows["bus"]["regions"], rows["bus"]["mispredicted"]) == (4, 3)
    assert rows["bus"]["mispredicted_percent"] == pytest.approx(75.0)
    assert [rows["bus"][f"bought_r{k}"] for k in (1, 2, 3)] == pytest.approx([100 / 3, 100 / 3, 200 / 3])
    # road: 1 of 3 mispredicted (row 2), bought in round 2
    assert [rows["road"][f"bought_r{k}"] for k in (1, 2, 3)] == pytest.approx([0.0, 100.0, 100.0])
    # car: never mispredicted: no share to report
    assert rows["car"]["mispredicted"] == 0 and math.isnan(rows["car"]["bought_r3"])
    # all: 9 regions with a label (the void one left out), 4 mispredicted, 1, 2, 3 of them bought
    assert (rows["all"]["regions"], rows["all"]["mispredicted"]) == (9, 4)
    assert [rows["all"][f"bought_r{k}"] for k in (1, 2, 3)] == pytest.approx([25.0, 50.0, 75.0])
    with pytest.raises(ValueError, match="one per pool region"):
        mispredicted_recall(truth, warm[:5], bought, 3, classes)
