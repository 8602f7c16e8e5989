
import numpy as np
import pytest

from adeada.data import DemoDataset
from adeada.regions import RegionsConfig, SuperpixelStore
from adeada.regions import slic as slic_module

CFG = RegionsConfig(n_segments=24)


@pytest.fixture
def ds():
    return DemoDataset("source", "train", 4, seed=0, size=(48, 64))


class _Changing(DemoDataset):
    """A demo dataset whose cache key can be bumped, as when an image file is rewritten."""

    version = 0

    def cache_key(self, i):
        return super().cache_key(i) + f":{self.version}"


def _forbid_compute(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("recomputed although a valid cache file exists")

    monkeypatch.setattr(slic_module, "compute_superpixels", boom)


def test_get_counts_and_reuse(tmp_path, ds, monkeypatch):
    store = SuperpixelStore(tmp_path, CFG)
    seg = store.get(ds, 1)
    assert seg.dtype == np.int32 and seg.shape == (48, 64)
    counts = store.pixel_counts(ds, 1)
    np.testing.assert_array_equal(np.unique(seg), np.arange(counts.size))
    np.testing.assert_array_equal(np.bincount(seg.ravel()), counts)
    assert counts.sum() == 48 * 64 and counts.dtype == np.int64
    path = store.path(ds, 1)
    mtime = path.stat().st_mtime_ns
    _forbid_compute(monkeypatch)
    np.testing.assert_array_equal(SuperpixelStore(tmp_path, CFG).get(ds, 1), seg)
    assert SuperpixelStore(tmp_path, RegionsConfig(n_segments=24, workers=1)).pixel_counts(ds, 1).sum() == 3072
    assert path.stat().st_mtime_ns == mtime
    assert not list(path.parent.glob("*.tmp"))


def test_changed_parameter_or_image_recomputes(tmp_path, ds, monkeypatch):
    store = SuperpixelStore(tmp_path, CFG)
    store.get(ds, 0)
    other = SuperpixelStore(tmp_path, RegionsConfig(n_segments=24, compactness=5.0))
    assert other.folder != store.folder and not other.is_cached(ds, 0)
    calls = []
    real = slic_module.compute_superpixels
    monkeypatch.setattr(slic_module, "compute_superpixels", lambda *a: calls.append(1) or real(*a))
    other.get(ds, 0)
    assert calls == [1]
    changing = _Changing("source", "train", 4, seed=0, size=(48, 64))
    store.get(changing, 0)
    assert calls == [1, 1]
    store.get(changing, 0)
    assert calls == [1, 1]  # reused
    changing.version = 1
    assert not store.is_cached(changing, 0)
    store.get(changing, 0)
    assert calls == [1, 1, 1]


def test_corrupt_file_is_recomputed(tmp_path, ds):
    store = SuperpixelStore(tmp_path, CFG)
    good = store.get(ds, 2)
    store.path(ds, 2).write_bytes(b"not an npz file")
    np.testing.assert_array_equal(store.get(ds, 2), good)
    assert store.is_cached(ds, 2)


def test_parallel_prepare(tmp_path, ds, monkeypatch):
    store = SuperpixelStore(tmp_path, CFG)
    store.get(ds, 0)  # one already cached: prepare computes only the rest
    assert store.prepare(ds, workers=2, progress=False) == 3
    assert all(store.is_cached(ds, i) for i in range(4))
    from_workers = [store.get(ds, i) for i in range(4)]
    _forbid_compute(monkeypatch)
    assert store.prepare(ds, workers=2, progress=False) == 0
    monkeypatch.undo()
    in_process = SuperpixelStore(tmp_path / "again", CFG)
    for i in range(4):
        np.testing.assert_array_equal(in_process.get(ds, i), from_workers[i])
