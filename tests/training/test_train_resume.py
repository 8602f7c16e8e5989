import os

import pytest
import torch

from _train_tiny import NoLabels, TinySegNet, TwoDomain, masked
from adeada.training import (CheckpointError, TrainConfig, WarmupConfig, finetune, load_checkpoint,
                             save_checkpoint, train_source_only, warmup_adaptsegnet)

torch.set_num_threads(1)


class Stop(Exception):
    pass


def cfg(**kw):
    base = dict(iterations=8, batch_size=2, lr=0.01, crop_size=[12, 12], hflip=True, log_every=1,
                checkpoint_every=4, device="cpu", seed=5)
    base.update(kw)
    return TrainConfig(**base)


def logged(fn, *args, stop_after=None, **kw):
    logs = []

    def log_fn(step, d):
        logs.append(d)
        if stop_after is not None and step == stop_after + 1:
            raise Stop  # a crash right after the checkpoint of step stop_after

    try:
        fn(*args, log_fn=log_fn, progress=False, **kw)
    except Stop:
        pass
    return logs


def _finetune_data():
    target = TwoDomain(5, domain="target")
    masked(target, keep_images={0, 2, 4})
    return TwoDomain(5), target


@pytest.mark.parametrize("stage", ["source_only", "finetune"])
def test_resume_continues_identically(tmp_path, stage):
    def call(model, ckpt, **kw):
        if stage == "source_only":
            return logged(train_source_only, model, TwoDomain(5), cfg(), ckpt_path=ckpt, **kw)
        src, tgt = _finetune_data()
        return logged(finetune, model, src, tgt, cfg(), ckpt_path=ckpt, **kw)

    torch.manual_seed(0)
    init = TinySegNet(3).state_dict()
    straight = TinySegNet(3)
    straight.load_state_dict(init)
    full = call(straight, tmp_path / "a.pth")
    first = TinySegNet(3)
    first.load_state_dict(init)
    part1 = call(first, tmp_path / "b.pth", stop_after=4)
    assert len(part1) == 5 and load_checkpoint(tmp_path / "b.pth")["iteration"] == 4
    torch.manual_seed(123)  # a fresh model with other weights and another RNG state
    fresh = TinySegNet(3)
    part2 = call(fresh, tmp_path / "b.pth")
    assert len(part2) == 4
    for a, b in zip(full[4:], part2):
        assert a["loss"] == pytest.approx(b["loss"], abs=1e-6)
        assert a["lr"] == pytest.approx(b["lr"], rel=1e-12)
    for k, v in straight.state_dict().items():
        assert torch.allclose(v, fresh.state_dict()[k], atol=1e-6), k
    assert load_checkpoint(tmp_path / "b.pth")["iteration"] == 8


def test_warmup_resume_restores_discriminator(tmp_path):
    def call(model, ckpt, **kw):
        wc = WarmupConfig(train=cfg(crop_size=None), disc_channels=4, lambda_adv=0.01)
        out = {}
        logs = logged(lambda *a, **k: out.update(d=warmup_adaptsegnet(*a, **k)[1]), model,
                      TwoDomain(4, size=(32, 32)), NoLabels(3, size=(32, 32), domain="target"), wc,
                      ckpt_path=ckpt, **kw)
        return logs, out.get("d")

    torch.manual_seed(0)
    init = TinySegNet(3).state_dict()
    m1, m2 = TinySegNet(3), TinySegNet(3)
    m1.load_state_dict(init), m2.load_state_dict(init)
    full, d_full = call(m1, tmp_path / "a.pth")
    call(m2, tmp_path / "b.pth", stop_after=4)
    part2, d_res = call(TinySegNet(3), tmp_path / "b.pth")
    for a, b in zip(full[4:], part2):
        for key in ("loss_seg", "loss_adv", "loss_d"):
            assert a[key] == pytest.approx(b[key], abs=1e-6)
    for k, v in d_full.state_dict().items():
        assert torch.allclose(v, d_res.state_dict()[k], atol=1e-6)
    ck = load_checkpoint(tmp_path / "b.pth")
    assert ck["kind"] == "warmup" and set(ck["discriminator"]) == {"module", "optimizer", "scheduler"}


def test_checkpoint_contents_and_finished_run_only_loads(tmp_path):
    model = TinySegNet(3)
    train_source_only(model, TwoDomain(3), cfg(iterations=2), ckpt_path=tmp_path / "c.pth", progress=False)
    ck = load_checkpoint(tmp_path / "c.pth")
    assert {"model", "optimizer", "scheduler", "iteration", "config", "rng", "kind"} <= set(ck)
    assert set(ck["rng"]) >= {"python", "numpy", "torch"} and ck["config"]["iterations"] == 2
    other = TinySegNet(3)
    ds = TwoDomain(3)
    train_source_only(other, ds, cfg(iterations=2), ckpt_path=tmp_path / "c.pth", progress=False)
    assert ds.image_loads == []  # nothing left to train: weights loaded, no batch drawn
    assert all(torch.equal(v, other.state_dict()[k]) for k, v in model.state_dict().items())


def test_mismatched_checkpoint_is_refused(tmp_path):
    train_source_only(TinySegNet(3), TwoDomain(3), cfg(iterations=2), ckpt_path=tmp_path / "c.pth", progress=False)
    with pytest.raises(CheckpointError, match="lr=0.01"):
        train_source_only(TinySegNet(3), TwoDomain(3), cfg(iterations=2, lr=0.5), ckpt_path=tmp_path / "c.pth",
                          progress=False)
    src, tgt = _finetune_data()
    with pytest.raises(CheckpointError, match="source_only"):
        finetune(TinySegNet(3), src, tgt, cfg(iterations=2), ckpt_path=tmp_path / "c.pth", progress=False)


def test_atomic_save_and_clear_load_errors(tmp_path):
    save_checkpoint(tmp_path / "x" / "k.pth", {"model": {}, "iteration": 0})
    assert os.listdir(tmp_path / "x") == ["k.pth"]  # no temporary file left behind
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        load_checkpoint(tmp_path / "nope.pth")
    (tmp_path / "bad.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="bad.pth"):
        load_checkpoint(tmp_path / "bad.pth")
    torch.save({"weights": 1}, tmp_path / "w.pth")
    with pytest.raises(CheckpointError, match="not written by adeada"):
        load_checkpoint(tmp_path / "w.pth")
