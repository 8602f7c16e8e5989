import numpy as np
import pytest

from adeada.data import classes as C


def test_cityscapes_table_hand_values():
    lut = C.make_lut(C.CITYSCAPES_ID_TO_TRAINID)
    # cityscapesScripts: road is id 7, sky 23, bicycle 33; id 0 (unlabeled) and 6 (ground) are ignored.
    assert lut[7] == 0 and lut[23] == 10 and lut[33] == 18 and lut[26] == 13
    assert lut[0] == 255 and lut[6] == 255 and lut[34] == 255
    assert sorted(C.CITYSCAPES_ID_TO_TRAINID.values()) == list(range(19))
    assert C.CITYSCAPES_CLASSES[C.CITYSCAPES_ID_TO_TRAINID[24]] == "person"


def test_synthia_table_and_subsets():
    names = {raw: C.SYNTHIA16_CLASSES[t] for raw, t in C.SYNTHIA_ID_TO_TRAINID16.items()}
    assert names[3] == "road" and names[21] == "wall" and names[15] == "traffic light"
    assert names[1] == "sky" and names[11] == "bicycle" and names[19] == "bus"
    assert sorted(C.SYNTHIA_ID_TO_TRAINID16.values()) == list(range(16))
    assert C.SYNTHIA16_EVAL_CLASSES == list(range(16))
    assert C.SYNTHIA13_EVAL_CLASSES == [0, 1, 2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    dropped = set(C.SYNTHIA16_CLASSES) - {C.SYNTHIA16_CLASSES[k] for k in C.SYNTHIA13_EVAL_CLASSES}
    assert dropped == {"wall", "fence", "pole"}


def test_cityscapes19_to_16():
    assert C.CITYSCAPES19_TO_16[0] == 0 and C.CITYSCAPES19_TO_16[10] == 9 and C.CITYSCAPES19_TO_16[18] == 15
    assert 9 not in C.CITYSCAPES19_TO_16 and 14 not in C.CITYSCAPES19_TO_16 and 16 not in C.CITYSCAPES19_TO_16
    label = np.array([[0, 9, 10, 14], [15, 16, 18, 255]], np.uint8)
    expected = np.array([[0, 255, 9, 255], [13, 255, 15, 255]], np.uint8)
    np.testing.assert_array_equal(C.remap_cityscapes19_to_16(label), expected)
    # The same class names on both sides of the map.
    for c19, c16 in C.CITYSCAPES19_TO_16.items():
        assert C.CITYSCAPES_CLASSES[c19] == C.SYNTHIA16_CLASSES[c16]


def test_make_lut_rejects_bad_entries():
    with pytest.raises(ValueError, match="300"):
        C.make_lut({300: 1})
    with pytest.raises(ValueError, match="256"):
        C.make_lut({3: 256})
