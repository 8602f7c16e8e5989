import math

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix as sk_confusion

from adeada.evaluation import ConfusionMatrix, class_indices


def test_hand_computed_case():
    # label: 0 0 1 1 2 255 ; pred: 0 1 1 1 0 2
    # matrix[label, pred] = [[1,1,0],[0,2,0],[1,0,0]] (the 255 pixel is ignored), class 3 absent.
    # IoU0 = 1/(2+2-1) = 1/3, IoU1 = 2/(2+3-2) = 2/3, IoU2 = 0/(1+0-0) = 0, IoU3 = NaN
    # mIoU = (1/3 + 2/3 + 0)/3 = 1/3 ; over {0,1}: 1/2 ; over {3}: NaN
    cm = ConfusionMatrix(4)
    cm.update(np.array([0, 1, 1, 1, 0, 2]), np.array([0, 0, 1, 1, 2, 255]))
    assert cm.numpy().tolist() == [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    iou = cm.iou()
    assert iou[:3] == pytest.approx([1 / 3, 2 / 3, 0.0])
    assert math.isnan(iou[3])
    assert cm.miou() == pytest.approx(1 / 3)
    assert cm.miou([0, 1]) == pytest.approx(0.5)
    assert math.isnan(cm.miou([3]))
    assert cm.pixel_accuracy() == pytest.approx(3 / 5)


def test_agrees_with_sklearn_and_sets_on_random_predictions():
    rng = np.random.default_rng(1)
    c = 6
    cm = ConfusionMatrix(c)
    all_p, all_t = [], []
    for _ in range(4):  # several updates accumulate into one pooled matrix
        t = rng.integers(0, c, size=(17, 23)).astype(np.uint8)
        t[rng.random(t.shape) < 0.2] = 255
        p = rng.integers(0, c - 1, size=(17, 23))  # class 5 is never predicted
        cm.update(torch.from_numpy(p), torch.from_numpy(t))
        all_p.append(p.ravel()), all_t.append(t.ravel())
    p, t = np.concatenate(all_p), np.concatenate(all_t)
    keep = t != 255
    ref = sk_confusion(t[keep], p[keep], labels=list(range(c)))
    assert np.array_equal(cm.numpy(), ref)
    pix = np.arange(p.size)[keep]
    ious = []
    for k in range(c):
        pred_set = set(pix[p[keep] == k])
        true_set = set(pix[t[keep] == k])
        union = pred_set | true_set
        ious.append(len(pred_set & true_set) / len(union) if union else float("nan"))
    assert cm.iou() == pytest.approx(ious)
    assert cm.miou() == pytest.approx(np.nanmean(ious))


def test_class_absent_from_both_is_nan_and_left_out():
    cm = ConfusionMatrix(3)
    cm.update(np.array([0, 0, 1]), np.array([0, 0, 1]))
    assert math.isnan(cm.iou()[2])
    assert cm.miou() == pytest.approx(1.0)  # not (1 + 1 + 0)/3 or (1 + 1 + 1)/3
    assert "n/a" in str(cm)


def test_bad_inputs_raise_clear_errors():
    cm = ConfusionMatrix(3)
    with pytest.raises(ValueError, match="shape"):
        cm.update(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="label ids"):
        cm.update(np.zeros(2), np.array([0, 7]))
    with pytest.raises(ValueError, match="predicted ids"):
        cm.update(np.array([0, 3]), np.array([0, 1]))


def test_class_indices_for_subset_variants():
    names = ["road", "wall", "fence", "pole", "sky"]
    assert class_indices(names, exclude=("wall", "fence", "pole")) == [0, 4]
    assert class_indices(names, include=("sky", "road")) == [0, 4]
    with pytest.raises(ValueError, match="walls"):
        class_indices(names, exclude=("walls",))
