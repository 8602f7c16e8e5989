import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from adeada.selection import DensityConfig, RegionStats, SelectionConfig, SelectionContext, density_scores
from adeada.selection.config import GmmFullFastOptions, GmmFullOptions, PcaGmmOptions
from adeada.selection.strategies import get_strategy


def _domain(feats, preds, C=2, seed=0):
    n = len(feats)
    prob = np.full((n, C), 0.1 / max(C - 1, 1), np.float32)
    prob[np.arange(n), preds] = 0.9
    rng = np.random.default_rng(seed)
    return RegionStats(image=np.arange(n), region=np.zeros(n), pixels=np.full(n, 100), feature=feats,
                       prob=prob, pred=preds, entropy=rng.random(n), confidence=np.full(n, 0.9),
                       margin=np.full(n, 0.8))


def two_domain_toy(seed=0, D=4):
    """Class 0 only. Shared cluster at 0 in both domains; a target-only cluster at +6."""
    rng = np.random.default_rng(seed)
    src = rng.normal(0, 1, (300, D))
    shared = rng.normal(0, 1, (150, D))
    target_only = rng.normal(6, 0.5, (30, D))
    tgt = np.concatenate([shared, target_only])
    return (_domain(tgt.astype(np.float32), np.zeros(len(tgt), np.int64), seed=seed),
            _domain(src.astype(np.float32), np.zeros(len(src), np.int64), seed=seed + 1))


def test_target_only_cluster_ranked_first_shared_last():
    tgt, src = two_domain_toy()
    res = density_scores(tgt, src, None, DensityConfig(n_jobs=1))
    order = np.argsort(-res.pi, kind="stable")
    assert set(order[:30]) == set(range(150, 180))            # target-only cluster first
    assert np.all(order[-100:] < 150)                          # shared cluster last
    assert res.kl[0] == pytest.approx(res.pi.mean())           # Eq. 5
    sel = get_strategy("density", SelectionConfig(density=DensityConfig(n_jobs=1))).select(
        tgt, 30 * 100, SelectionContext(source=src))
    assert set(sel.rows.tolist()) == set(range(150, 180)) and set(sel.part) == {"density"}


@pytest.mark.slow
def test_default_estimator_equals_direct_sklearn_with_authors_settings():
    rng = np.random.default_rng(1)
    C, D = 3, 6
    t_pred = rng.integers(0, C, 700)
    s_pred = rng.integers(0, C, 900)
    tf = (rng.normal(size=(700, D)) + t_pred[:, None]).astype(np.float16)
    sf = (rng.normal(size=(900, D)) * 1.3 + s_pred[:, None]).astype(np.float16)
    tgt, src = _domain(tf, t_pred, C), _domain(sf, s_pred, C)
    labelled = np.zeros(700, bool)
    labelled[:50] = True
    res = density_scores(tgt, src, labelled, DensityConfig(n_jobs=1))
    for c in range(C):
        t_rows, s_rows = np.flatnonzero(t_pred == c), np.flatnonzero(s_pred == c)
        n = int(np.clip(len(t_rows) // 100, 1, 10))
        assert n == 2  # ~233 regions a class
        kw = dict(n_components=n, random_state=0, n_init=1, max_iter=200)
        Xt, Xs = tf[t_rows].astype(np.float64), sf[s_rows].astype(np.float64)
        gt = GaussianMixture(**kw).fit(Xt)  # target fitted on ALL its regions (labelled too)
        gs = GaussianMixture(**kw).fit(Xs)
        expect = gt.score_samples(Xt) - gs.score_samples(Xt)
        np.testing.assert_allclose(res.pi[t_rows], expect, rtol=1e-10, atol=1e-10)
        assert res.kl[c] == pytest.approx(expect[~labelled[t_rows]].mean(), rel=1e-10)


def test_degenerate_classes_do_not_crash():
    rng = np.random.default_rng(2)
    # class 0: 40 target, 1 source (too few to fit); class 1: 1 target region;
    # class 2: 40 target, 3 source (fewer components than the target's n is fine)
    t_pred = np.array([0] * 40 + [1] + [2] * 40)
    s_pred = np.array([2, 2, 2, 0])
    tgt = _domain(rng.normal(size=(81, 3)).astype(np.float32), t_pred, 3)
    src = _domain(rng.normal(size=(4, 3)).astype(np.float32), s_pred, 3)
    res = density_scores(tgt, src, None, DensityConfig(n_jobs=1))
    assert res.scored.tolist() == [True, False, True]
    assert np.isnan(res.pi[40]) and np.isnan(res.kl[1])         # too few target regions
    assert res.source_missing.tolist() == [True, False, False]
    assert res.kl[0] == pytest.approx(res.kl[2])                 # missing source -> largest other KL
    assert np.isfinite(res.pi[t_pred != 1]).all()
    sel = get_strategy("adeada", SelectionConfig(density=DensityConfig(n_jobs=1))).select(
        tgt, 2000, SelectionContext(source=src))
    assert len(set(sel.rows.tolist())) == len(sel.rows) and np.isfinite(sel.scores).all()


@pytest.mark.slow
def test_spawned_pool_gives_the_serial_result():
    rng = np.random.default_rng(3)
    C = 3
    t_pred, s_pred = rng.integers(0, C, 400), rng.integers(0, C, 500)
    tgt = _domain(rng.normal(size=(400, 5)).astype(np.float32), t_pred, C)
    src = _domain(rng.normal(size=(500, 5)).astype(np.float32), s_pred, C)
    a = density_scores(tgt, src, None, DensityConfig(n_jobs=1))
    b = density_scores(tgt, src, None, DensityConfig(n_jobs=2, timeout_s=120))
    np.testing.assert_allclose(a.pi, b.pi, rtol=1e-9)


@pytest.mark.parametrize("name", ["pca_gmm", "gmm_diag", "gmm_full_fast"])
def test_fast_estimators_keep_the_toy_ranking(name):
    tgt, src = two_domain_toy(D=8)
    res = density_scores(tgt, src, None, DensityConfig(estimator=name, n_jobs=1, **({"pca_gmm": PcaGmmOptions(dim=4)} if name == "pca_gmm" else {})))
    assert set(np.argsort(-res.pi, kind="stable")[:30]) == set(range(150, 180))


def _blobs(seed=0, D=6):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(0, 1, (250, D)), rng.normal(3, 0.7, (150, D)) @ rng.normal(size=(D, D))])
    return X.astype(np.float16).astype(np.float64)


@pytest.mark.parametrize("n", [1, 3])
def test_torch_em_equals_sklearn_step_for_step(n):
    from adeada.selection.density.torch_gmm import TorchGaussianMixture

    X = _blobs()
    Q = np.random.default_rng(9).normal(1, 2, (50, X.shape[1]))
    ref = GaussianMixture(n_components=n, random_state=0, n_init=1, max_iter=200).fit(X)
    got = TorchGaussianMixture(n_components=n, random_state=0, max_iter=200).fit(X)
    assert got.n_iter_ == ref.n_iter_ and got.converged_ == ref.converged_
    np.testing.assert_allclose(got.means_, ref.means_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got.score_samples(Q), ref.score_samples(Q), rtol=1e-9, atol=1e-9)
    mixed = TorchGaussianMixture(n_components=n, random_state=0, max_iter=200, precision="mixed").fit(X)
    np.testing.assert_allclose(mixed.score_samples(Q), ref.score_samples(Q), rtol=1e-4, atol=1e-3)


def test_torch_backend_gives_the_default_scores():
    tgt, src = two_domain_toy(D=5)
    a = density_scores(tgt, src, None, DensityConfig(n_jobs=1))
    b = density_scores(tgt, src, None, DensityConfig(gmm_full=GmmFullOptions(backend="torch"), n_jobs=1))
    np.testing.assert_allclose(b.pi, a.pi, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(b.kl, a.kl, rtol=1e-8)


def test_fast_setting_is_the_sampled_mixed_precision_mixture():
    from adeada.selection.density.estimators import fit_caps, make_estimator
    from adeada.selection.density.fast_gmm import SampledGaussianMixture

    est = make_estimator(DensityConfig(estimator="gmm_full_fast", gmm_full_fast=GmmFullFastOptions(max_iter=2)), 3)
    assert isinstance(est, SampledGaussianMixture) and est.max_iter == 2
    assert isinstance(make_estimator(DensityConfig(), 3), GaussianMixture)  # the default stays scikit-learn's
    assert fit_caps(DensityConfig()) == (None, None)  # the authors' recipe fits on everything
    assert fit_caps(DensityConfig(estimator="gmm_full_fast", gmm_full_fast=GmmFullFastOptions(fit_regions=500),
                                   max_target_regions=300)) == (500, 300)
    with pytest.raises(ValueError, match="selection.density.gmm_full.backend='jax'; expected sklearn or torch"):
        GmmFullOptions(backend="jax")
    with pytest.raises(ValueError, match="gmm_full_fast"):  # the message lists the registered names
        make_estimator(DensityConfig(estimator="kde"), 3)


def test_fast_setting_gives_the_same_scores_in_a_worker_pool_as_in_process():
    """The pool sends only the sampled source rows; the fits must not notice."""
    rng = np.random.default_rng(4)
    C = 2
    t_pred, s_pred = rng.integers(0, C, 600), rng.integers(0, C, 3000)
    tgt = _domain((rng.normal(size=(600, 6)) + t_pred[:, None]).astype(np.float32), t_pred, C)
    src = _domain((rng.normal(size=(3000, 6)) * 1.2 + s_pred[:, None]).astype(np.float32), s_pred, C)
    cfg = dict(estimator="gmm_full_fast", gmm_full_fast=GmmFullFastOptions(fit_regions=400))
    a = density_scores(tgt, src, None, DensityConfig(n_jobs=1, **cfg))
    b = density_scores(tgt, src, None, DensityConfig(n_jobs=2, timeout_s=120, **cfg))
    np.testing.assert_allclose(a.pi, b.pi, rtol=1e-9)
    c = density_scores(tgt, src, None, DensityConfig(n_jobs=1, estimator="gmm_full_fast",
                                                     gmm_full_fast=GmmFullFastOptions(fit_regions=None)))
    assert not np.allclose(a.pi, c.pi)  # the cap is really applied


def test_cached_fits_give_the_same_scores_without_refitting(tmp_path, monkeypatch):
    import sys

    ds = sys.modules["adeada.selection.density.scores"]
    target, source = two_domain_toy(seed=3)
    cfg = DensityConfig(n_jobs=1)
    first = density_scores(target, source, None, cfg, cache_dir=tmp_path)
    entries = sorted(tmp_path.glob("*.npz"))
    assert len(entries) == 1  # one class

    def no_fit(*args, **kwargs):
        raise AssertionError("a cached class was fitted again")

    monkeypatch.setattr(ds, "_run_serial", no_fit)
    again = density_scores(target, source, np.arange(len(target)) < 5, cfg, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.pi, first.pi)  # the fit does not depend on what is labelled
    monkeypatch.undo()
    # Another setting, or other features, is another fit (never a stale entry).
    density_scores(target, source, None, DensityConfig(n_jobs=1, random_state=1), cache_dir=tmp_path)
    moved = RegionStats(**{**{c: getattr(target, c) for c in ("image", "region", "pixels", "prob", "pred", "entropy",
                                                                   "confidence", "margin")},
                           "feature": target.feature + np.float32(0.5)})
    density_scores(moved, source, None, cfg, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 3
    # A damaged entry is refitted and rewritten, not an error.
    entries[0].write_bytes(b"not an npz")
    healed = density_scores(target, source, None, cfg, cache_dir=tmp_path)
    np.testing.assert_array_equal(healed.pi, first.pi)
