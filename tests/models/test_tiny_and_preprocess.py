"""The tiny model learns simple scenes in seconds; preprocess applies the stated statistics."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from adeada.models import IMAGENET, LITE, ModelConfig, Normalization, build_model, preprocess

COLORS = np.array([[70, 130, 180], [128, 64, 128], [220, 20, 60], [107, 142, 35]], np.float32)


def scenes(n: int, rng: np.random.Generator, h: int = 64, w: int = 96):
    """Sky over road with a horizon at a random height, plus a 'car' and a 'tree' box; noisy."""
    images = np.zeros((n, h, w, 3), np.float32)
    labels = np.zeros((n, h, w), np.int64)
    for i in range(n):
        horizon = rng.integers(h // 3, 2 * h // 3)
        labels[i, horizon:] = 1
        for cls in (2, 3):
            bh, bw = rng.integers(10, 24, size=2)
            y, x = rng.integers(0, h - bh), rng.integers(0, w - bw)
            labels[i, y:y + bh, x:x + bw] = cls
        images[i] = COLORS[labels[i]] + rng.normal(0, 25, (h, w, 3))
    return np.clip(images, 0, 255).astype(np.uint8), labels


def miou(pred: np.ndarray, gt: np.ndarray, c: int) -> float:
    ious = []
    for k in range(c):
        inter, union = np.sum((pred == k) & (gt == k)), np.sum((pred == k) | (gt == k))
        if union:
            ious.append(inter / union)
    return float(np.mean(ious))


STEPS = 40


@pytest.mark.slow  # about 4 s of CPU: 40 Adam steps on 4 images of 64x96
def test_tiny_learns_synthetic_scenes_quickly():
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="tiny", pretrained=False), 4)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    timg, tlab = scenes(8, np.random.default_rng(1))
    tx = preprocess(timg, model)
    for _ in range(STEPS):
        img, lab = scenes(4, rng)
        logits, _ = model(preprocess(img, model))
        logits = F.interpolate(logits, size=lab.shape[1:], mode="bilinear", align_corners=False)
        loss = F.cross_entropy(logits, torch.from_numpy(lab))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        logits, feats = model(tx)
        pred = F.interpolate(logits, size=tlab.shape[1:], mode="bilinear").argmax(1).numpy()
    before = miou(np.zeros_like(tlab), tlab, 4)
    after = miou(pred, tlab, 4)
    assert after > 0.75, f"tiny model reached only {after:.2f} mIoU"
    assert after > before + 0.4


def test_preprocess_hand_computed():
    img = np.zeros((2, 3, 3), np.uint8)
    img[0, 0] = (255, 0, 127)
    out = preprocess(img, LITE)
    assert out.shape == (1, 3, 2, 3) and out.dtype == torch.float32
    assert out[0, :, 0, 0].tolist() == pytest.approx([1.0, -127 / 128, 0.0])
    out = preprocess(img[None].repeat(2, 0))  # default: ImageNet statistics
    assert out.shape == (2, 3, 2, 3)
    assert out[1, 0, 0, 0].item() == pytest.approx((255 - 123.675) / 58.395)
    assert out[0, 2, 1, 1].item() == pytest.approx(-103.53 / 57.375)
    model = build_model(ModelConfig(arch="tiny", pretrained=False), 2)
    assert model.normalization == IMAGENET
    torch.testing.assert_close(preprocess(img, model),
                               model.normalize(torch.from_numpy(img).permute(2, 0, 1)[None]))
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        preprocess(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="normalization"):
        preprocess(img, torch.nn.Linear(2, 2))
    assert Normalization((0, 0, 0), (2, 2, 2))(torch.full((1, 3, 1, 1), 4.0)).flatten().tolist() == [2, 2, 2]
