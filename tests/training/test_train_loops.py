import warnings

import numpy as np
import pytest
import torch

from _train_tiny import NoLabels, TinySegNet, TwoDomain, masked
from adeada.training import TrainConfig, WarmupConfig, finetune, train_source_only, warmup_adaptsegnet

torch.set_num_threads(1)


def cfg(**kw):
    base = dict(iterations=30, batch_size=2, lr=0.01, crop_size=[12, 12], hflip=True, log_every=1,
                checkpoint_every=0, device="cpu", seed=0)
    base.update(kw)
    return TrainConfig(**base)


def run_logged(fn, *args, **kw):
    logs = []
    fn(*args, log_fn=lambda step, d: logs.append((step, d)), progress=False, **kw)
    return logs


def test_source_only_lowers_the_loss():
    torch.manual_seed(0)
    logs = run_logged(train_source_only, TinySegNet(3), TwoDomain(6), cfg())
    losses = [d["loss_source"] for _, d in logs]
    assert [s for s, _ in logs] == list(range(1, 31))
    assert np.mean(losses[-5:]) < 0.6 * np.mean(losses[:5])


def test_warmup_never_reads_target_labels_and_trains_both_players():
    target = NoLabels(4, size=(32, 32), domain="target")
    model = TinySegNet(3)
    wc = WarmupConfig(train=cfg(iterations=20, crop_size=None), disc_channels=8, lambda_adv=0.01)
    logs = []
    model, disc = warmup_adaptsegnet(model, TwoDomain(6, size=(32, 32)), target, wc, progress=False,
                                     log_fn=lambda s, d: logs.append(d))
    assert disc is not None and len(target.image_loads) == 20 * 2
    assert all(np.isfinite([d["loss_seg"], d["loss_adv"], d["loss_d"]]).all() for d in logs)
    assert np.mean([d["loss_seg"] for d in logs[-5:]]) < np.mean([d["loss_seg"] for d in logs[:5]])
    assert np.mean([d["loss_d"] for d in logs[-5:]]) < np.log(2) + 0.05  # D does at least as well as chance


def test_warmup_source_only_option_has_no_discriminator():
    target = NoLabels(2, domain="target")
    _, disc = warmup_adaptsegnet(TinySegNet(3), TwoDomain(4), target, WarmupConfig(method="source_only",
                                 train=cfg(iterations=2)), progress=False)
    assert disc is None and target.image_loads == []


class RecordingCE:
    def __init__(self):
        self.labels = []

    def __call__(self, logits, labels):
        self.labels.append(labels.clone())
        return torch.nn.functional.cross_entropy(logits, labels, ignore_index=255)


def test_finetune_uses_only_labelled_target_pixels_and_images():
    source, target = TwoDomain(4), TwoDomain(5, domain="target")
    full = [lab.copy() for lab in target.labels]
    masks = masked(target, keep_images={1, 3})
    crit = RecordingCE()
    finetune(TinySegNet(3), source, target, cfg(iterations=6, crop_size=None, hflip=False), progress=False,
             criterion=crit)
    assert set(target.image_loads) == {1, 3}  # images without a labelled pixel are never loaded
    tgt_calls = crit.labels[1::2]  # each step: source batch, then target batch
    assert len(tgt_calls) == 6
    for batch in tgt_calls:
        for lab in batch.numpy():
            ok = [np.array_equal(lab, np.where(masks[i], full[i], 255)) for i in (1, 3)]
            assert any(ok)  # non-255 exactly on the bought pixels of a labelled image
            assert np.all(lab[lab != 255] < 3)
    for batch in crit.labels[0::2]:
        assert batch.shape == (2, 16, 16) and (batch != 255).all()  # source labels are full


def test_finetune_without_labelled_target_warns_and_uses_source():
    target = TwoDomain(3, domain="target")
    masked(target, keep_images=set())
    with pytest.warns(UserWarning, match="no image of the target set"):
        logs = run_logged(finetune, TinySegNet(3), TwoDomain(4), target, cfg(iterations=3))
    assert target.image_loads == [] and set(logs[0][1]) >= {"loss_source"} and "loss_target" not in logs[0][1]


def test_finetune_target_only_never_reads_source():
    source, target = TwoDomain(3), TwoDomain(3, domain="target")
    masked(target, keep_images={0})
    run_logged(finetune, TinySegNet(3), source, target, cfg(iterations=2, source_weight=0.0))
    assert source.image_loads == [] and source.label_loads == []


@pytest.mark.parametrize("frozen", [True, False])
def test_model_freeze_bn_is_the_one_batchnorm_switch(frozen):
    """Training phases have no BatchNorm flag of their own: model.freeze_bn decides in each."""
    from adeada.models import ModelConfig, build_model

    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="tiny", pretrained=False, freeze_bn=frozen, channels_last=False), 3)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    before = [m.running_mean.clone() for m in bns]
    train_source_only(model, TwoDomain(4), cfg(iterations=2, crop_size=None, hflip=False), progress=False)
    finetune(model, TwoDomain(4), TwoDomain(4, domain="target"), cfg(iterations=2, crop_size=None, hflip=False),
             progress=False)
    kept = [torch.equal(b, m.running_mean) for b, m in zip(before, bns)]
    assert bns and kept == [frozen] * len(bns)


def test_backbone_cache_matches_uncached_training_and_runs_backbone_once_per_image():
    ds = TwoDomain(4)
    c = cfg(iterations=10, crop_size=None, hflip=False)
    torch.manual_seed(3)
    m1 = TinySegNet(3, freeze_backbone=True)
    m2 = TinySegNet(3, freeze_backbone=True)
    m2.load_state_dict(m1.state_dict())
    calls = []
    orig = m2.forward_backbone
    m2.forward_backbone = lambda x: (calls.append(x.shape[0]), orig(x))[1]
    plain = [d["loss"] for _, d in run_logged(train_source_only, m1, ds, c)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the cache must be accepted here, not silently ignored
        cached = [d["loss"] for _, d in run_logged(train_source_only, m2, ds,
                                                   cfg(iterations=10, crop_size=None, hflip=False,
                                                       cache_backbone_features=True))]
    assert sum(calls) == 4  # 20 samples drawn, 4 distinct images, backbone run once each
    # The memo's float32 outputs: the same training as without it (a float16 copy drifts by ~1e-3).
    assert np.allclose(plain, cached, rtol=0, atol=1e-6)
    for (name, a), b in zip(m1.state_dict().items(), m2.state_dict().values()):
        assert torch.allclose(a.float(), b.float(), rtol=0, atol=1e-6), name
    assert plain[-1] < plain[0]


def test_backbone_cache_computes_an_image_repeated_within_a_batch_once():
    # 3 images, batches of 4: every batch spans two epochs, so one image comes twice.
    torch.manual_seed(3)
    model = TinySegNet(3, freeze_backbone=True)
    calls = []
    orig = model.forward_backbone
    model.forward_backbone = lambda x: (calls.append(x.shape[0]), orig(x))[1]
    train_source_only(model, TwoDomain(3), cfg(iterations=3, batch_size=4, crop_size=None, hflip=False,
                                               cache_backbone_features=True), progress=False)
    assert sum(calls) == 3


def test_head_only_training_keeps_backbone_outputs_only_in_the_memo():
    """One store of frozen-backbone outputs: training reads the memo the run already has."""
    from adeada.models.backbone_memo import memoize_backbone

    torch.manual_seed(21)  # a backbone (and so a memo store) of its own
    model = TinySegNet(3, freeze_backbone=True)
    store = memoize_backbone(model, 64)
    train_source_only(model, TwoDomain(4), cfg(iterations=10, crop_size=None, hflip=False,
                                               cache_backbone_features=True), progress=False)
    assert (len(store.items), store.misses) == (4, 4) and store.hits >= 16  # 20 draws of 4 images


def test_head_only_training_recomputes_what_the_memo_could_not_keep():
    ds, c = TwoDomain(4), cfg(iterations=6, crop_size=None, hflip=False)
    torch.manual_seed(22)
    plain, tight = TinySegNet(3, freeze_backbone=True), TinySegNet(3, freeze_backbone=True)
    tight.load_state_dict(plain.state_dict())
    from adeada.models.backbone_memo import memoize_backbone

    store = memoize_backbone(tight, 0)  # holds nothing
    calls = []
    orig = tight.forward_backbone
    tight.forward_backbone = lambda x: (calls.append(x.shape[0]), orig(x))[1]
    a = [d["loss"] for _, d in run_logged(train_source_only, plain, ds, c)]
    b = [d["loss"] for _, d in run_logged(train_source_only, tight, ds, cfg(iterations=6, crop_size=None, hflip=False,
                                                                           cache_backbone_features=True))]
    assert len(store.items) == 0 and sum(calls) == 12  # every draw recomputed: nothing rounded either
    assert np.allclose(a, b, atol=1e-6)


def test_backbone_cache_refused_with_augmentation():
    with pytest.warns(UserWarning, match="random crop/flip"):
        train_source_only(TinySegNet(3, freeze_backbone=True), TwoDomain(2),
                          cfg(iterations=1, cache_backbone_features=True), progress=False)


def _frozen_tiny(seed=11, freeze_backbone=True):
    """A tiny SegModel; seed 11 keeps its backbone's memo store (global, by weights) apart from other tests'."""
    from adeada.models import ModelConfig, build_model

    torch.manual_seed(seed)
    return build_model(ModelConfig(arch="tiny", pretrained=False, freeze_backbone=freeze_backbone,
                                   channels_last=False), 3)


def test_adaptsegnet_warmup_honours_cache_backbone_features_with_the_same_numbers():
    """The warm-up remembers the frozen backbone through the memo: float32, so nothing moves."""
    results = {}
    for cache in (False, True):
        model = _frozen_tiny()
        wc = WarmupConfig(train=cfg(iterations=4, crop_size=None, hflip=False, cache_backbone_features=cache),
                          disc_channels=8, lambda_adv=0.01)
        warmup_adaptsegnet(model, TwoDomain(4, size=(32, 32)), TwoDomain(4, size=(32, 32), domain="target"), wc,
                           progress=False)
        results[cache] = model
    store = getattr(results[True].backbone, "_memo_store", None)
    assert getattr(results[False].backbone, "_memo_store", None) is None
    assert store is not None and store.hits > 0
    for (name, a), b in zip(results[False].state_dict().items(), results[True].state_dict().values()):
        assert torch.equal(a, b), name


def test_adaptsegnet_warmup_says_why_it_cannot_cache_a_trainable_backbone():
    wc = WarmupConfig(train=cfg(iterations=1, crop_size=None, cache_backbone_features=True), disc_channels=8)
    with pytest.warns(UserWarning, match="cache_backbone_features ignored: the backbone is not frozen"):
        warmup_adaptsegnet(_frozen_tiny(freeze_backbone=False), TwoDomain(2, size=(32, 32)),
                           TwoDomain(2, size=(32, 32), domain="target"), wc, progress=False)
