import numpy as np
import pytest

from adeada.regions import RegionsConfig, compute_superpixels, n_segments_for, relabel_consecutive


def test_n_segments_scales_with_area():
    cfg = RegionsConfig()
    assert n_segments_for(1024, 2048, cfg) == 40  # the authors' Cityscapes setting
    assert n_segments_for(512, 1024, cfg) == 10  # a quarter of the area
    assert n_segments_for(720, 1280, cfg) == 18  # round(40 * 921600 / 2097152) = round(17.58)
    assert n_segments_for(96, 128, cfg) == 8  # the minimum
    assert n_segments_for(96, 128, RegionsConfig(n_segments=50)) == 50
    with pytest.raises(ValueError, match="n_segments=0"):
        n_segments_for(96, 128, RegionsConfig(n_segments=0))


def test_relabel_consecutive_hand_example():
    seg = np.array([[5, 5, 2], [9, 2, 2]])
    out, counts = relabel_consecutive(seg)
    np.testing.assert_array_equal(out, [[1, 1, 0], [2, 0, 0]])
    np.testing.assert_array_equal(counts, [3, 2, 1])
    assert out.dtype == np.int32 and counts.dtype == np.int64


def _image(h, w, seed=0):
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 2] = (200, 40, 40)
    img[h // 2 :, : w // 3] = (40, 200, 40)
    img[h // 2 :, w // 3 :] = (40, 40, 200)
    return np.clip(img + rng.integers(0, 12, img.shape), 0, 255).astype(np.uint8)


def test_compute_ids_and_counts():
    seg, counts = compute_superpixels(_image(60, 80), (60, 80), RegionsConfig(n_segments=20))
    assert seg.shape == (60, 80) and seg.dtype == np.int32
    r = counts.size
    assert 4 <= r <= 40
    np.testing.assert_array_equal(np.unique(seg), np.arange(r))  # every id 0..R-1 present
    np.testing.assert_array_equal(np.bincount(seg.ravel()), counts)
    assert counts.sum() == 60 * 80


def test_compute_at_label_resolution():
    seg, counts = compute_superpixels(_image(120, 160), (60, 80), RegionsConfig(n_segments=12))
    assert seg.shape == (60, 80) and counts.sum() == 4800
    # Colour edges survive the resize: no region straddles the top/bottom halves much.
    top, bottom = set(np.unique(seg[:25])), set(np.unique(seg[35:]))
    assert not top & bottom


def test_retries_bring_the_region_count_near_the_asked_one():
    from adeada.data import make_demo_domains

    image = make_demo_domains(seed=0, n_source=1, n_pool=1, n_test=1).pool.load_image(0)
    wanted = 30
    once = compute_superpixels(image, image.shape[:2], RegionsConfig(n_segments=wanted, count_retries=0))[1]
    again = compute_superpixels(image, image.shape[:2], RegionsConfig(n_segments=wanted))[1]
    assert len(once) < 0.9 * wanted, "scikit-image no longer under-delivers: the retry is not exercised"
    assert len(again) >= 0.9 * wanted
    assert again.sum() == image.shape[0] * image.shape[1]
