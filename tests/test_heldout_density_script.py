"""benchmarks/heldout_density.py: the measurement behind ADeADA+'s diagonal mixtures."""


import numpy as np

from adeada.selection.stats import RegionStats
from tests.scripts import load_benchmark



def _script():
    return load_benchmark("heldout_density")


def _table(X, pred):
    n, C = len(X), int(pred.max()) + 1
    prob = np.eye(C, dtype=np.float32)[pred]
    return RegionStats(image=np.arange(n), region=np.zeros(n), pixels=np.full(n, 10), feature=X.astype(np.float32),
                       prob=prob, pred=pred, entropy=np.zeros(n, np.float32), confidence=np.ones(n, np.float32),
                       margin=np.ones(n, np.float32))


def test_full_covariances_explain_held_out_regions_worse_than_diagonal_ones_with_few_regions():
    """150 regions in 96 dimensions (120 to fit): the full covariance is singular up to reg_covar."""
    mod = _script()
    from adeada.selection.config import DensityConfig

    rng = np.random.default_rng(0)
    scale = rng.uniform(0.5, 2.0, 96)
    Xt, Xs = rng.normal(0, 1, (150, 96)) * scale, rng.normal(0.3, 1, (2000, 96)) * scale
    full = mod.heldout_loglik(Xt, Xs, DensityConfig(estimator="gmm_full", n_jobs=1), seed=0)
    diag = mod.heldout_loglik(Xt, Xs, DensityConfig(estimator="gmm_diag", n_jobs=1), seed=0)
    assert full[0] < diag[0] - 100  # target: 120 rows for a 96-d full covariance
    assert abs(full[1] - diag[1]) < 0.2 * abs(diag[1])  # source: 1,600 rows, both fine


def test_it_prints_a_row_per_class_and_skips_classes_too_small(tmp_path, capsys):
    rng = np.random.default_rng(1)
    pred_t, pred_s = np.repeat([0, 1, 2], [60, 40, 5]), np.repeat([0, 1, 2], [200, 200, 200])
    _table(rng.normal(0, 1, (105, 8)) + pred_t[:, None], pred_t).save(tmp_path / "t.npz")
    _table(rng.normal(0, 1, (600, 8)) + pred_s[:, None], pred_s).save(tmp_path / "s.npz")
    assert _script().main([str(tmp_path / "t.npz"), str(tmp_path / "s.npz"), "--estimators", "gmm_full,gmm_diag",
                           "--repeats", "1", "--min-regions", "20"]) == 0
    out = capsys.readouterr().out
    assert "2 classes with >= 20 regions in both" in out
    assert "| gmm_diag |" in out and "| gmm_full |" in out
    assert out.count("\n| 0 |") == 1 and "\n| 2 |" not in out
