"""Every architecture: output shapes, split forward, freezing, parameter groups, channels-last."""
import copy
import math

import pytest
import torch
from torch import nn

from adeada.models import FEATURE_DIM, ModelConfig, SegModel, build_model

# ResNet-101s take 1-3 s a test on 2 idle cores (building them converts 44M weights)
ARCHS = ["tiny", "lite0_deeplabv3plus",
         pytest.param("deeplabv2_r101", marks=pytest.mark.slow),
         pytest.param("deeplabv3plus_r101", marks=pytest.mark.slow)]
STRIDE = {"tiny": 4, "lite0_deeplabv3plus": 4, "deeplabv2_r101": 8, "deeplabv3plus_r101": 4}
C = 7
# Input sizes per architecture: small, and not multiples of the stride, so rounding is tested.
INPUT_SIZE = {"tiny": (38, 54), "lite0_deeplabv3plus": (51, 69),
              "deeplabv2_r101": (65, 65), "deeplabv3plus_r101": (65, 65)}


def make(arch: str, **kw) -> SegModel:
    kw.setdefault("pretrained", False)
    return build_model(ModelConfig(arch=arch, **kw), num_classes=C)


@pytest.fixture(scope="module", params=ARCHS)
def built(request):
    """One default model per architecture, shared by the read-only tests below."""
    torch.manual_seed(0)
    return request.param, make(request.param)


def _input(arch: str, n: int = 2) -> torch.Tensor:
    # batch 2 checks that images do not mix; the ResNet-101s get 1 to keep the suite fast
    return torch.randn(n if "r101" not in arch else 1, 3, *INPUT_SIZE[arch])


def test_output_shapes(built):
    arch, model = built
    model.eval()
    h, w = INPUT_SIZE[arch]
    with torch.no_grad():
        logits, feats = model(_input(arch))
    s = STRIDE[arch]
    expected = (math.ceil(h / s), math.ceil(w / s))
    n = logits.shape[0]
    assert logits.shape == (n, C, *expected)
    assert feats.shape == (n, FEATURE_DIM, *expected)
    assert model.num_classes == C and model.feature_dim == 256
    assert isinstance(model.classifier, nn.Conv2d) and model.classifier.kernel_size == (1, 1)
    # the features ARE the classifier's input
    torch.testing.assert_close(model.classifier(feats), logits)


def test_forward_equals_head_of_backbone(built):
    arch, model = built
    model.eval()
    x = _input(arch)
    with torch.no_grad():
        logits, feats = model(x)
        cached = model.forward_backbone(x)
        logits2, feats2 = model.forward_head(cached)
    torch.testing.assert_close(logits, logits2, rtol=0, atol=0)
    torch.testing.assert_close(feats, feats2, rtol=0, atol=0)
    # the documented cache size is what the backbone really returns
    h, w = INPUT_SIZE[arch]
    real = sum(t[0].numel() for t in cached.values()) * 4
    assert model.cached_feature_bytes(h, w) == real


def test_param_groups_cover_each_trainable_param_once(built):
    arch, model = built
    groups = model.param_groups(0.01)
    seen = [id(p) for g in groups for p in g["params"]]
    trainable = [id(p) for p in model.parameters() if p.requires_grad]
    assert len(seen) == len(set(seen)), "a parameter is in two groups"
    assert set(seen) == set(trainable)
    lrs = {g["name"]: g["lr"] for g in groups}
    assert lrs["backbone"] == pytest.approx(0.01)
    assert lrs["head"] == pytest.approx(0.1) and lrs["classifier"] == pytest.approx(0.1)
    assert {id(p) for p in model.classifier.parameters()} == {
        id(p) for g in groups if g["name"] == "classifier" for p in g["params"]}
    custom = {g["name"]: g["lr"] for g in model.param_groups(1.0, head_lr_mult=1.0,
                                                              classifier_lr_mult=5.0)}
    assert custom == {"backbone": 1.0, "head": 1.0, "classifier": 5.0}
    torch.optim.SGD(groups, lr=0.01, momentum=0.9)  # the groups are valid optimiser input


def test_channels_last_matches_contiguous(built):
    arch, model = built
    assert next(p for p in model.parameters() if p.ndim == 4).is_contiguous(
        memory_format=torch.channels_last)
    ref = copy.deepcopy(model).to(memory_format=torch.contiguous_format).eval()
    model.eval()
    x = _input(arch)
    with torch.no_grad():
        a, fa = model(x.contiguous(memory_format=torch.channels_last))
        b, fb = ref(x)
    # Random ResNet-101s amplify float32 summation-order differences through 33 blocks, so
    # the error is measured relative to the output's scale.
    for got, want in ((a, b), (fa, fb)):
        assert ((got - want).abs().max() / want.abs().max()).item() < 1e-4
        assert (got.argmax(1) == want.argmax(1)).float().mean() > 0.99


@pytest.mark.parametrize("arch", ["tiny", "lite0_deeplabv3plus"])
def test_freeze_bn_survives_train(arch):
    model = make(arch, freeze_bn=True)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and all(not m.training for m in bns)
    assert all(not p.requires_grad for m in bns for p in m.parameters())
    before = [m.running_mean.clone() for m in bns]
    logits, _ = model(_input(arch))
    logits.sum().backward()
    assert all(torch.equal(b, m.running_mean) for b, m in zip(before, bns))
    assert all(m.weight.grad is None for m in bns)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert all(m.weight.grad is not None for m in convs), "only BN should be frozen"
    # and BN trains normally without the freeze
    free = make(arch, freeze_bn=False).train()
    assert all(m.training for m in free.modules() if isinstance(m, nn.BatchNorm2d))


def test_default_freeze_bn_per_arch():
    assert not make("tiny").freeze_bn
    assert make("lite0_deeplabv3plus").freeze_bn


@pytest.mark.parametrize("arch", ["tiny"])  # the freezing logic is SegModel's, shared by all
def test_freeze_backbone_has_no_grads(arch):
    model = make(arch, freeze_backbone=True, freeze_bn=False)
    model.train()
    assert not model.backbone.training and model.head.training
    assert all(not p.requires_grad for p in model.backbone.parameters())
    bn_before = [m.running_var.clone() for m in model.backbone.modules()
                 if isinstance(m, nn.BatchNorm2d)]
    logits, _ = model(_input(arch))
    logits.square().mean().backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert all(p.grad is not None for p in model.head.parameters())
    bn_after = [m.running_var for m in model.backbone.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(torch.equal(a, b) for a, b in zip(bn_before, bn_after))
    assert [g["name"] for g in model.param_groups(1e-3)] == ["head", "classifier"]
    # a trainer caching the backbone output gets the same gradients as a full forward
    x = _input(arch)
    model.zero_grad()
    cached = {k: v.clone() for k, v in model.forward_backbone(x).items()}
    model.forward_head(cached)[0].sum().backward()
    g_cached = model.classifier.weight.grad.clone()
    model.zero_grad()
    model(x)[0].sum().backward()
    torch.testing.assert_close(model.classifier.weight.grad, g_cached)


def test_bad_settings_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown model.arch 'unet'"):
        build_model(ModelConfig(arch="unet"), 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="output_stride"):
        make("lite0_deeplabv3plus", output_stride=12)
    with pytest.raises(ValueError, match="num_classes"):
        build_model(ModelConfig(arch="tiny", pretrained=False), 0)


@pytest.mark.parametrize("os_,expected", [(8, 8), (16, 16), (32, 32)])
def test_lite0_output_stride(os_, expected):
    model = make("lite0_deeplabv3plus", output_stride=os_).eval()
    with torch.no_grad():
        feats = model.forward_backbone(torch.randn(1, 3, 64, 96))
    assert feats["high"].shape[2:] == (64 // expected, 96 // expected)
    assert feats["low"].shape[1:] == (24, 16, 24)
    assert model.backbone.out_strides["high"] == expected


def test_light_decoder_keeps_shapes_and_is_smaller():
    torch.manual_seed(0)
    full, light = make("lite0_deeplabv3plus"), make("lite0_deeplabv3plus", decoder="light")
    h, w = INPUT_SIZE["lite0_deeplabv3plus"]
    with torch.no_grad():
        logits, feats = light.eval()(_input("lite0_deeplabv3plus"))
    assert feats.shape[1:] == (FEATURE_DIM, math.ceil(h / 4), math.ceil(w / 4))
    assert logits.shape[1] == C
    n_params = lambda m: sum(p.numel() for p in m.head.fuse.parameters())  # noqa: E731
    assert n_params(light) * 5 < n_params(full)


def test_the_registry_is_the_one_list_of_networks():
    """Every MODELS entry has its tests here (a new network without them fails), builds with its
    registered default stride, and the config check refuses a name that is not in it."""
    from adeada.config import load_run_config
    from adeada.configtools import ConfigError
    from adeada.models import MODELS

    assert set(MODELS) == {p if isinstance(p, str) else p.values[0] for p in ARCHS}
    model = make("tiny")
    assert model.backbone is not None and MODELS["tiny"].output_stride == STRIDE["tiny"]
    assert MODELS["lite0_deeplabv3plus"].output_stride == make("lite0_deeplabv3plus").backbone.out_strides["high"]
    with pytest.raises(ConfigError, match=r"model\.arch='unet'; expected one of deeplabv2_r101, .*tiny$"):
        load_run_config(None, ["model.arch=unet"])
