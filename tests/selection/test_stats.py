import multiprocessing as mp

import numpy as np
import pytest
import torch

from adeada.selection import RegionStats, RegionStatsError
from adeada.selection.pooling import compute_region_stats
from selection_testkit import GridStore, MemDataset, TinyDisc, TinyNet, dist_worker, random_table


def test_save_load_roundtrip_subset_concat(tmp_path):
    t = random_table(50, seed=0)
    t.save(tmp_path / "a" / "s.npz")
    u = RegionStats.load(tmp_path / "a" / "s.npz")
    assert len(u) == 50 and u.feature.dtype == np.float16
    for col in ("image", "region", "pixels", "feature", "prob", "pred", "entropy", "confidence", "margin"):
        np.testing.assert_array_equal(getattr(u, col), getattr(t, col))
    np.testing.assert_array_equal(u.extras["edge"], t.extras["edge"])
    assert not list((tmp_path / "a").glob("*.tmp"))  # temporary file renamed away
    s = t.subset([3, 1])
    assert s.region.tolist() == [t.region[3], t.region[1]]
    c = RegionStats.concatenate([t, s])
    assert len(c) == 52 and set(c.extras) == {"edge", "domain_score", "impurity", "nbr_entropy"}
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        RegionStats.load(tmp_path / "nope.npz")
    with pytest.raises(RegionStatsError, match="rows"):
        RegionStats(image=[0, 1], region=[0], pixels=[1, 1], feature=np.zeros((2, 3)), prob=np.zeros((2, 2)),
                    pred=[0, 0], entropy=[0, 0], confidence=[0, 0], margin=[0, 0])


def _reference(model, ds, store, i):
    """Direct per-region means at feature resolution (the slow, obvious way)."""
    x = torch.from_numpy(ds.load_image(i)[None]).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        logits, feats = model(x)
    p = torch.softmax(logits, 1)[0].numpy().reshape(logits.shape[1], -1)
    f = feats[0].numpy().reshape(feats.shape[1], -1)
    sp = store.get(ds, i)
    small = sp[1::2, 1::2].ravel()  # nearest at pixel centres, 16 -> 8: rows 1, 3, ...
    ent = -(p * np.log(p)).sum(0)
    srt = np.sort(p, 0)
    rows = []
    for r in range(sp.max() + 1):
        m = small == r
        if not m.any():  # the 1-pixel region at (0, 0) falls back to feature pixel (0, 0)
            m = np.zeros_like(m)
            m[0] = True
        rows.append((f[:, m].mean(1), p[:, m].mean(1), ent[m].mean(), srt[-1, m].mean(),
                     (srt[-1, m] - srt[-2, m]).mean()))
    return rows


def test_compute_region_stats_matches_direct_pooling():
    torch.manual_seed(0)
    model, ds, store = TinyNet(), MemDataset(n=2), GridStore()
    model.train()
    st = compute_region_stats(model, ds, store, normalize=lambda x: x / 255, progress=False,
                              feature_dtype=np.float32, num_classes=4)
    assert model.training  # mode restored
    assert len(st) == 2 * 17 and st.image.tolist()[:17] == [0] * 17 and st.region.tolist()[:17] == list(range(17))
    assert st.pixels[16] == 1 and st.pixels[0] == 15  # from the store, at label resolution
    for i in range(2):
        for r, (f, p, e, c, m) in enumerate(_reference(model, ds, store, i)):
            k = i * 17 + r
            np.testing.assert_allclose(st.feature[k], f, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(st.prob[k], p, rtol=1e-5, atol=1e-7)
            assert st.entropy[k] == pytest.approx(e, rel=1e-5)
            assert st.confidence[k] == pytest.approx(c, rel=1e-5)
            assert st.margin[k] == pytest.approx(m, rel=1e-4, abs=1e-6)
            assert st.pred[k] == np.argmax(p)
    with pytest.raises(ValueError, match="expected num_classes=5"):
        compute_region_stats(model, ds, store, progress=False, num_classes=5)


def test_extras_edge_and_domain_score():
    torch.manual_seed(0)
    ds, store, model, disc = MemDataset(n=1), GridStore(), TinyNet(), TinyDisc()
    st = compute_region_stats(model, ds, store, normalize=lambda x: x / 255, progress=False, edges=True,
                              discriminator=disc)
    assert st.feature.dtype == np.float32
    e, d = st.extras["edge"], st.extras["domain_score"]
    assert e.shape == (17,) and ((0 <= e) & (e <= 1)).all() and e.max() > 0  # random image has edges
    # The domain score is the region's mean of sigmoid(discriminator(softmax)) at feature resolution.
    x = torch.from_numpy(ds.load_image(0)[None]).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        logits, _ = model(x)
        cell = torch.sigmoid(disc(torch.softmax(logits, 1)))[0, 0].numpy().ravel()
    small = store.get(ds, 0)[1::2, 1::2].ravel()
    for r in range(17):
        expected = cell[small == r].mean() if (small == r).any() else cell[0]  # the 1-pixel region: cell (0, 0)
        assert d[r] == pytest.approx(expected, rel=1e-5), r
    assert np.ptp(d) > 0  # regions differ: the check compared something


@pytest.mark.slow
def test_two_process_gloo_gives_the_single_process_table(tmp_path):
    torch.manual_seed(0)
    single = compute_region_stats(TinyNet(), MemDataset(), GridStore(), progress=False)
    ctx = mp.get_context("spawn")
    out = tmp_path / "dist.npz"
    procs = [ctx.Process(target=dist_worker, args=(r, 2, str(tmp_path / "init"), str(out))) for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    for p in procs:
        if p.is_alive():
            p.terminate()
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    both = RegionStats.load(out)
    for col in ("image", "region", "pixels", "feature", "prob", "pred", "entropy", "confidence", "margin"):
        np.testing.assert_array_equal(getattr(both, col), getattr(single, col))
