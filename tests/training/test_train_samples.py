import pytest
import torch

from _train_tiny import NoLabels, TinySegNet, TwoDomain
from adeada.training import IndexStream, TrainConfig, TrainSamples
from adeada.training.optim import build_sgd, poly_scheduler


def test_index_stream_is_stateless_and_covers_each_epoch():
    s = IndexStream(7, seed=3, stream=0)
    epoch0 = [s.at(p)[0] for p in range(7)]
    assert sorted(epoch0) == list(range(7))
    assert sorted(s.at(p)[0] for p in range(7, 14)) == list(range(7))
    late = IndexStream(7, seed=3, stream=0).batch(5, 3)  # asked first, without iterations 0..4
    assert late == s.batch(5, 3)
    assert IndexStream(7, seed=3, stream=1).batch(0, 7) != s.batch(0, 7)  # domains draw differently
    # two ranks of one iteration take disjoint positions of the global batch
    r0, r1 = s.batch(2, 2, rank=0, world=2), s.batch(2, 2, rank=1, world=2)
    assert r0 + r1 == [s.at(p) for p in range(8, 12)]  # iteration 2 = global positions 8..11
    sub = IndexStream(10, seed=0, stream=0, indices=[2, 5])
    assert {sub.at(p)[0] for p in range(20)} == {2, 5}
    with pytest.raises(ValueError, match="empty"):
        IndexStream(0, 0, 0)


def test_samples_crop_pad_flip_and_resize():
    ds = TwoDomain(1, size=(8, 8))
    img, lab, i = TrainSamples(ds, crop_size=[10, 12])[(0, 1)]
    assert img.shape == (3, 10, 12) and img.dtype == torch.uint8 and lab.dtype == torch.int64
    assert (lab == 255).sum() == 10 * 12 - 64 and i == 0  # padding is ignore, never a class
    img, lab, _ = TrainSamples(ds, resize=[4, 6])[(0, 1)]
    assert img.shape == (3, 4, 6) and set(lab.unique().tolist()) <= set(range(3))
    flips = {bool(torch.equal(TrainSamples(ds, hflip=True)[(0, a)][1], torch.from_numpy(ds.labels[0]).long()))
             for a in range(20)}
    assert flips == {True, False}
    a = TrainSamples(ds, crop_size=[4, 4], hflip=True)[(0, 77)]
    b = TrainSamples(ds, crop_size=[4, 4], hflip=True)[(0, 77)]
    assert torch.equal(a[0], b[0])  # the augmentation is a function of the seed


def test_samples_without_labels_never_read_them_and_bad_images_are_named():
    img, lab, _ = TrainSamples(NoLabels(1, size=(8, 8)), with_labels=False)[(0, 0)]
    assert img.shape == (3, 8, 8) and (lab == 255).all()
    ds = TwoDomain(1)
    ds.images[0] = ds.images[0][..., 0]
    with pytest.raises(ValueError, match=r"tiny\[0\] \(im0\).*uint8 \(H, W, 3\)"):
        TrainSamples(ds)[(0, 0)]


def test_classifier_gets_ten_times_the_lr_and_poly_decay():
    model = TinySegNet(3)
    opt = build_sgd(model, TrainConfig(lr=0.02))
    sched = poly_scheduler(opt, iterations=10, power=0.9)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.02, 0.2])
    for _ in range(4):
        opt.step(), sched.step()
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.02 * 0.6 ** 0.9, 0.2 * 0.6 ** 0.9])
    frozen = build_sgd(TinySegNet(3, freeze_backbone=True), TrainConfig(lr=0.02))
    assert [g["lr"] for g in frozen.param_groups] == pytest.approx([0.2])  # frozen backbone left out
