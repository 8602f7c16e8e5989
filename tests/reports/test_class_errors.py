import numpy as np
import pytest

from adeada.reports.class_errors import class_error_rows, class_errors, shares_text

NAMES = ["road", "fence", "building", "sky"]
# rows = label, columns = prediction; sky is in neither (no row for it)
CM = np.array([[50, 0, 0, 0],
               [5, 2, 13, 0],   # fence: 20 px, 2 right, 13 called building, 5 road
               [0, 6, 24, 0],   # 6 building px called fence
               [0, 0, 0, 0]])


def test_a_hand_made_matrix():
    s = class_errors(CM, NAMES, "fence")
    assert s["pixels"] == 20 and s["predicted"] == 8
    assert s["iou"] == pytest.approx(100 * 2 / (20 + 8 - 2))
    assert s["predicted_as"] == [("building", 65.0), ("road", 25.0), ("fence", 10.0)]
    assert s["truly"] == [("building", 75.0), ("fence", 25.0)]


def test_a_class_never_predicted_has_no_truly_shares_and_zero_iou():
    cm = CM.copy()
    cm[:, 1] = 0
    s = class_errors(cm, NAMES, "fence")
    assert s["predicted"] == 0 and s["truly"] == [] and s["iou"] == 0.0


def test_an_unknown_class_or_a_misfit_matrix_is_refused():
    with pytest.raises(ValueError, match="'fenc' is not one of the run's classes \\(road, fence, building, sky\\)"):
        class_errors(CM, NAMES, "fenc")
    with pytest.raises(ValueError, match="shape \\(4, 4\\) does not fit 3 classes"):
        class_errors(CM, NAMES[:3], "road")


def test_the_report_rows_name_where_each_class_goes_and_skip_absent_classes():
    rows = class_error_rows(CM, NAMES, top=2)
    assert [r["class"] for r in rows] == ["road", "fence", "building"]  # sky: no pixel, no prediction
    fence = rows[1]
    assert fence["test pixels"] == 20 and fence["predicted as it"] == 8
    assert fence["its pixels called (%)"] == "building 65.0, road 25.0"
    assert fence["called it, truly (%)"] == "building 75.0, fence 25.0"
    assert rows[0]["IoU %"] == pytest.approx(100 * 50 / 55)
    assert shares_text([]) == "-"
