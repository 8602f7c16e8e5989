import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from adeada.selection.density.fast_gmm import SampledGaussianMixture, sample_rows


def _blobs(n=3000, D=12, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 1, (n // 2, D))
    b = rng.normal(4, 0.7, (n - n // 2, D)) @ rng.normal(size=(D, D))
    return np.concatenate([a, b]).astype(np.float32)


@pytest.mark.parametrize("n_components", [1, 2, 4])
def test_unsampled_and_run_to_convergence_it_is_scikit_learns_mixture(n_components):
    # Components of ~750-3000 rows in 12-d: the float32 covariance path.
    X = _blobs()
    Q = np.random.default_rng(9).normal(1, 2, (200, X.shape[1])).astype(np.float32)
    ref = GaussianMixture(n_components=n_components, random_state=0, n_init=1, max_iter=200).fit(X.astype(np.float64))
    got = SampledGaussianMixture(n_components=n_components, random_state=0, max_iter=200, max_fit_regions=None).fit(X)
    assert got.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(got.score_samples(Q), ref.score_samples(Q.astype(np.float64)), rtol=1e-4, atol=1e-3)


def test_rank_deficient_components_rest_on_reg_covar_like_scikit_learn():
    # 60 rows in 100-d: fewer rows than dimensions, the float64 path.
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 100)).astype(np.float32)
    ref = GaussianMixture(n_components=1, random_state=0, max_iter=200).fit(X.astype(np.float64))
    got = SampledGaussianMixture(n_components=1, max_iter=200, max_fit_regions=None).fit(X)
    np.testing.assert_allclose(got.score_samples(X[:10]), ref.score_samples(X[:10].astype(np.float64)), rtol=1e-6)


def test_a_float32_sum_that_is_not_positive_definite_is_redone_in_float64():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 40)) * 50 + 300
    X[:, 1] = X[:, 0]  # an exactly flat direction: float32 rounding makes it negative
    X[:, 2] = X[:, 0] * 0.5 + X[:, 3]
    X = X.astype(np.float32)
    d = X - X.astype(np.float64).mean(0).astype(np.float32)
    cov32 = (d.T @ d).astype(np.float64) / len(X)
    cov32.flat[::41] += 1e-6
    with pytest.raises(np.linalg.LinAlgError):  # the case this test is about
        np.linalg.cholesky(cov32)
    got = SampledGaussianMixture(n_components=1, max_iter=5, max_fit_regions=None).fit(X)
    ref = GaussianMixture(n_components=1, random_state=0, max_iter=5).fit(X.astype(np.float64))
    np.testing.assert_allclose(got.score_samples(X[:20]), ref.score_samples(X[:20].astype(np.float64)), rtol=1e-3)


def test_the_fit_sample_is_seeded_capped_and_drawn_once():
    X = _blobs(n=5000)
    a = SampledGaussianMixture(n_components=2, random_state=3, max_fit_regions=700).fit(X)
    b = SampledGaussianMixture(n_components=2, random_state=3, max_fit_regions=700).fit(X)
    c = SampledGaussianMixture(n_components=2, random_state=4, max_fit_regions=700).fit(X)
    assert a.n_fit_rows_ == 700
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    assert not np.array_equal(a.score_samples(X), c.score_samples(X))
    # Fitting the drawn sample directly is the same fit: the pool relies on it.
    rows = sample_rows(len(X), 700, 3)
    d = SampledGaussianMixture(n_components=2, random_state=3, max_fit_regions=700).fit(X[rows])
    np.testing.assert_array_equal(a.score_samples(X), d.score_samples(X))
    assert len(sample_rows(10, 700, 0)) == 10 and np.all(np.diff(rows) > 0)


def test_scores_are_the_same_in_one_block_or_many(monkeypatch):
    import adeada.selection.density.fast_gmm as fg

    X = _blobs(n=2000)
    g = SampledGaussianMixture(n_components=2, max_fit_regions=None).fit(X)
    whole = g.score_samples(X)
    monkeypatch.setattr(fg, "_CHUNK", 300)
    np.testing.assert_array_equal(g.score_samples(X), whole)


def test_too_few_rows_is_a_clear_error():
    with pytest.raises(ValueError, match="n_samples"):
        SampledGaussianMixture(n_components=5).fit(np.zeros((3, 4), np.float32))


def test_constant_feature_channels_keep_the_float32_sum(monkeypatch):
    # ReLU features: many channels of a class are exactly zero in every row. Their pivot is
    # reg_covar itself; that is no rounding noise, and the float32 sum must not be thrown away
    # for it (an earlier check did, for every class of a CamVid round).
    from adeada.selection.density import fast_gmm

    rng = np.random.default_rng(3)
    X = np.abs(rng.normal(size=(600, 40))).astype(np.float32)
    X[:, :12] = 0.0
    verdicts = []
    real = fast_gmm._trusted_float32
    monkeypatch.setattr(fast_gmm, "_trusted_float32", lambda chol, cov: verdicts.append(real(chol, cov)) or verdicts[-1])
    got = SampledGaussianMixture(n_components=1, max_iter=5, max_fit_regions=None).fit(X)
    assert verdicts and all(verdicts)
    ref = GaussianMixture(n_components=1, random_state=0, max_iter=5).fit(X.astype(np.float64))
    np.testing.assert_allclose(got.score_samples(X[:20]), ref.score_samples(X[:20].astype(np.float64)), rtol=1e-4)
