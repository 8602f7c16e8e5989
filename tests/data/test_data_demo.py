"""The generated demo domains: determinism, contract, domain gap, target-only appearances."""

import pickle

import numpy as np
import pytest
from scipy.ndimage import uniform_filter
from threadpoolctl import threadpool_limits

from adeada.data import DEMO_CLASSES, DemoDataset, make_demo_domains
from adeada.data.demo_style import CAR, PERSON, TARGET_STYLE, VEGETATION


@pytest.fixture(scope="module")
def domains():
    return make_demo_domains(seed=0, n_source=30, n_pool=30, n_test=20, n_source_test=20)


def test_deterministic_and_distinct(domains):
    again = make_demo_domains(seed=0, n_source=30)
    np.testing.assert_array_equal(domains.source.load_image(3), again.source.load_image(3))
    np.testing.assert_array_equal(domains.pool.load_label(5), again.pool.load_label(5))
    other_seed = make_demo_domains(seed=1).source
    assert not np.array_equal(domains.source.load_image(3), other_seed.load_image(3))
    assert not np.array_equal(domains.pool.load_image(0), domains.test.load_image(0))
    # Image i does not depend on the split's length.
    longer = DemoDataset("target", "pool", 500, seed=0)
    np.testing.assert_array_equal(longer.load_image(7), domains.pool.load_image(7))
    assert domains.source.cache_key(0) != domains.pool.cache_key(0) != domains.pool.cache_key(1)
    restored = pickle.loads(pickle.dumps(domains.pool))
    np.testing.assert_array_equal(restored.load_image(2), domains.pool.load_image(2))


def test_contract_shapes_dtypes(domains):
    ds = DemoDataset("target", "test", 3, seed=4, size=(40, 56))
    assert ds.classes == DEMO_CLASSES and len(ds.classes) == 9 and ds.ignore_index == 255
    img, lbl = ds.load_image(1), ds.load_label(1)
    assert img.dtype == np.uint8 and img.shape == (40, 56, 3)
    assert lbl.dtype == np.uint8 and lbl.shape == (40, 56) == ds.label_size(1)
    assert lbl.max() < 9 and ds.image_id(1) == "target_test_000001"
    with pytest.raises(IndexError):
        ds.load_image(3)
    with pytest.raises(ValueError, match="demo domain"):
        DemoDataset("night", "train", 3)


def _class_share(ds, n):
    counts = sum(np.bincount(ds.load_label(i).ravel(), minlength=9) for i in range(n))
    return counts / counts.sum()


def test_class_frequencies_differ(domains):
    src, tgt = _class_share(domains.source, 30), _class_share(domains.pool, 30)
    assert (src > 0).all() and (tgt > 0).all()  # every class occurs in both domains
    assert tgt[CAR] > 1.2 * src[CAR] and tgt[PERSON] > 1.5 * src[PERSON]
    assert tgt[VEGETATION] < 0.6 * src[VEGETATION]


def _near(pixels, colours, radius=40.0):
    dist = np.linalg.norm(pixels[:, None, :] - np.asarray(colours, float)[None], axis=-1)
    return dist.min(axis=1) < radius


def test_target_only_appearances(domains):
    """Car colours and a dusk sky that the source never shows."""
    src_info = [domains.source.scene_info(i) for i in range(30)]
    tgt_info = [domains.pool.scene_info(i) for i in range(30)]
    assert not any(s["dusk"] or s["target_only_cars"] for s in src_info)
    assert sum(t["dusk"] for t in tgt_info) >= 3 and sum(t["target_only_cars"] for t in tgt_info) >= 5
    # In pixels: car pixels close to a target-only colour exist in the target only.
    def car_pixels(ds):
        return np.concatenate([ds.load_image(i)[ds.load_label(i) == CAR] for i in range(30)]).astype(float)
    assert _near(car_pixels(domains.source), TARGET_STYLE.extra_car_colours).sum() == 0
    assert _near(car_pixels(domains.pool), TARGET_STYLE.extra_car_colours).mean() > 0.03


def _features(img):
    f = img.astype(np.float32)
    mean = uniform_filter(f, (5, 5, 1))
    std = np.sqrt(np.maximum(uniform_filter(f * f, (5, 5, 1)) - mean * mean, 0))
    row = np.broadcast_to(np.linspace(0, 1, f.shape[0], dtype=np.float32)[:, None, None], f.shape[:2] + (1,))
    return np.concatenate([f, mean, std, row], -1).reshape(-1, 10)


def _pixels(ds, n, step):
    x = np.concatenate([_features(ds.load_image(i))[::step] for i in range(n)])
    y = np.concatenate([ds.load_label(i).ravel()[::step] for i in range(n)])
    return x, y


def _miou(pred, true, c=9):
    cm = np.bincount(true * c + pred, minlength=c * c).reshape(c, c)
    inter = np.diag(cm)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nanmean(inter / (cm.sum(0) + cm.sum(1) - inter))


def test_learnable_with_a_domain_gap(domains):
    """A per-pixel classifier on colour, local texture and row learns the source, and drops on the target."""
    from sklearn.ensemble import ExtraTreesClassifier

    with threadpool_limits(1):
        clf = ExtraTreesClassifier(n_estimators=15, max_depth=14, n_jobs=1, random_state=0)
        clf.fit(*_pixels(domains.source, 30, 7))
        x_src, y_src = _pixels(domains.source_test, 10, 3)
        x_tgt, y_tgt = _pixels(domains.test, 10, 3)
        src_miou = _miou(clf.predict(x_src), y_src)
        tgt_miou = _miou(clf.predict(x_tgt), y_tgt)
    assert src_miou > 0.8
    assert tgt_miou < src_miou - 0.25
