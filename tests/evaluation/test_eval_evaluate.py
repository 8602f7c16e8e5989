import math

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix as sk_confusion

from _eval_tiny import BlockDataset, OracleModel
from adeada.evaluation import EvalResult, evaluate

torch.set_num_threads(1)


def test_oracle_model_scores_one_and_counts_label_pixels():
    ds = BlockDataset(n=3, num_classes=3)
    res = evaluate(OracleModel(3), ds, progress=False)
    assert isinstance(res, EvalResult)
    assert res.miou == pytest.approx(1.0)
    n_valid = sum(int((ds.load_label(i) != 255).sum()) for i in range(len(ds)))
    assert res.confusion.sum() == n_valid
    assert np.count_nonzero(res.confusion - np.diag(np.diag(res.confusion))) == 0


def test_scored_at_label_resolution_from_low_resolution_logits():
    # image 16x24, label 32x48, logits at 1/2 of the input (8x12): upsampled to 32x48.
    ds = BlockDataset(n=2, size=(16, 24), label_size=(32, 48), num_classes=3, void_frac=0.0)
    res = evaluate(OracleModel(3, stride=2), ds, progress=False, batch_size=2)
    assert res.confusion.sum() == 2 * 32 * 48
    # Independent reference: upsample by hand (scipy zoom order 1 is not the same kernel, so
    # compute with torch but through a different path: per image, nearest-free bilinear).
    ref = np.zeros((3, 3), np.int64)
    for i in range(len(ds)):
        x = torch.from_numpy(ds.load_image(i)).permute(2, 0, 1)[None].float()
        logits = OracleModel(3, stride=2)(x)[0]
        up = torch.nn.functional.interpolate(logits, size=(32, 48), mode="bilinear", align_corners=False)
        ref += sk_confusion(ds.load_label(i).ravel(), up.argmax(1).numpy().ravel(), labels=[0, 1, 2])
    assert np.array_equal(res.confusion, ref)
    assert res.miou > 0.8  # blocks of 8 label pixels survive the 2x pooling except at borders


def test_absent_class_is_nan_and_subset_miou_and_row():
    ds = BlockDataset(n=2, num_classes=3)
    res = evaluate(OracleModel(3), ds, num_classes=3, progress=False)
    ds.classes.append("never")  # 4 classes, the 4th neither labelled nor predicted
    res4 = evaluate(_Pad(OracleModel(3)), ds, progress=False, eval_classes=[0, 1, 3])
    assert math.isnan(res4.iou[3]) and res4.miou == pytest.approx(1.0)
    row = res4.to_row()
    assert set(row) >= {"miou", "pixel_acc", "iou_c0", "iou_never"}
    assert row["pixel_acc"] == pytest.approx(1.0)
    assert "c2 (not in mIoU)" in res4.format_table() and "never (not" not in res4.format_table()
    assert res.miou_over([0, 1]) == pytest.approx(1.0)


def test_mismatched_sizes_in_a_batch_raise():
    ds = BlockDataset(n=2, size=(16, 16))
    ds.images[1] = np.zeros((24, 16, 3), np.uint8)
    with pytest.raises(ValueError, match="differ in size"):
        evaluate(OracleModel(3), ds, progress=False, batch_size=2)
    # resize fixes it: the input is resized, the labels stay at their resolution
    res = evaluate(OracleModel(3), ds, progress=False, batch_size=2, resize=[16, 16])
    assert res.confusion.sum() == sum(int((ds.load_label(i) != 255).sum()) for i in range(2))


def test_model_mode_is_restored():
    m = OracleModel(3).train()
    evaluate(m, BlockDataset(n=1), progress=False)
    assert m.training


class _Pad(torch.nn.Module):
    """Adds a 4th logit channel that never wins."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.normalize = inner.normalize

    def forward(self, x):
        logits, feats = self.inner(x)
        return torch.cat([logits, logits.new_full(logits[:, :1].shape, -100.0)], 1), feats


def test_default_normalisation_is_imagenet_in_0_255_units_and_models_normalize_wins():
    from adeada.models import Normalization as MeanStd, resolve_normalize, to_input

    img = torch.full((1, 3, 2, 2), 255, dtype=torch.uint8)
    x = to_input(img, resolve_normalize(None))
    assert x[0, 0, 0, 0].item() == pytest.approx((1 - 0.485) / 0.229, rel=1e-4)
    model = OracleModel(3)
    model.normalize = MeanStd((0, 0, 0), (255, 255, 255))
    assert to_input(img, resolve_normalize(model)).max().item() == pytest.approx(1.0)
