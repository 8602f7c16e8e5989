"""Density estimators p(z|c) behind one small interface, and a factory by name."""

from __future__ import annotations

from typing import Callable, Optional, Protocol

import numpy as np
from sklearn.mixture import GaussianMixture

from adeada.devices import resolve_device

from ..config import DensityConfig
from .fast_gmm import SampledGaussianMixture, take_sample


class DensityEstimator(Protocol):
    """Anything with ``fit(X)`` and ``score_samples(X) -> log density`` (scikit-learn style)."""

    def fit(self, X: np.ndarray) -> "DensityEstimator": ...

    def score_samples(self, X: np.ndarray) -> np.ndarray: ...


def n_components_for(n_target: int, cfg: DensityConfig) -> int:
    """n = clip(n_target_c // 100, 1, 10): the authors' rule (same n for the source model)."""
    n = n_target // max(cfg.regions_per_component, 1)
    return int(min(max(n, cfg.min_components), cfg.max_components))


def _gmm(cov: str):
    def build(cfg: DensityConfig, n_components: int) -> DensityEstimator:
        if cov == "full" and cfg.gmm_full.backend == "torch":
            from .torch_gmm import TorchGaussianMixture  # lazy: sklearn-only workers never import torch

            return TorchGaussianMixture(n_components=n_components, random_state=cfg.random_state,
                                        max_iter=cfg.max_iter, tol=cfg.tol, reg_covar=cfg.reg_covar,
                                        device=resolve_device(cfg.gmm_full.device),
                                        precision=cfg.gmm_full.precision)
        # The authors' settings: random_state=0, n_init=1, max_iter=200, rest default.
        return GaussianMixture(n_components=n_components, covariance_type=cov, random_state=cfg.random_state,
                               n_init=1, max_iter=cfg.max_iter, tol=cfg.tol, reg_covar=cfg.reg_covar)
    build.torch_capable = cov == "full"  # gmm_full.backend: torch runs it (see uses_torch)
    return build


def _gmm_full_fast(cfg: DensityConfig, n_components: int) -> DensityEstimator:
    # The samples are drawn before (fit_caps: density_scores and fit_class), so it fits all it is given.
    return SampledGaussianMixture(n_components=n_components, random_state=cfg.random_state,
                                  max_iter=min(cfg.max_iter, cfg.gmm_full_fast.max_iter), max_fit_regions=None,
                                  tol=cfg.tol, reg_covar=cfg.reg_covar)


# name -> factory(cfg, n_components). ``pca_gmm`` is ``gmm_full`` on projected features (fit_class
# projects, see ClassProjection). A new estimator is one factory and one line here.
ESTIMATORS: dict[str, Callable[[DensityConfig, int], DensityEstimator]] = {
    "gmm_full": _gmm("full"),
    "gmm_full_fast": _gmm_full_fast,
    "pca_gmm": _gmm("full"),
    "gmm_diag": _gmm("diag"),
}


def make_estimator(cfg: DensityConfig, n_components: int) -> DensityEstimator:
    """The estimator of ``cfg.estimator`` (a key of :data:`ESTIMATORS`) with ``n_components`` components.

    ``gmm_full`` is the authors' recipe (scikit-learn, or the same EM in torch with
    ``backend="torch"``); ``gmm_full_fast`` the same model fitted on a sample in mixed precision
    with a few EM iterations (:mod:`adeada.selection.density.fast_gmm`); ``gmm_diag`` diagonal covariances.
    """
    if cfg.estimator not in ESTIMATORS:
        raise ValueError(f"unknown density estimator {cfg.estimator!r}; expected one of {', '.join(ESTIMATORS)}")
    return ESTIMATORS[cfg.estimator](cfg, n_components)


def uses_torch(cfg: DensityConfig) -> bool:
    """Whether the fits of ``cfg`` run torch (worker processes then need torch's thread settings)."""
    return bool(getattr(ESTIMATORS.get(cfg.estimator), "torch_capable", False)) and cfg.gmm_full.backend == "torch"


def fit_caps(cfg: DensityConfig) -> tuple[Optional[int], Optional[int]]:
    """(source, target) caps on the regions a class's two mixtures are fitted on (None = all).

    ``max_source_regions`` / ``max_target_regions`` apply to every estimator; ``gmm_full_fast``
    adds its own ``gmm_full_fast.fit_regions``. The samples are drawn by :func:`~.fast_gmm.take_sample` with
    ``random_state`` (source, in ``density_scores``) and ``random_state + 1`` (target, in
    :func:`fit_class`).
    """
    src, tgt = cfg.max_source_regions, cfg.max_target_regions
    cap = cfg.gmm_full_fast.fit_regions if cfg.estimator == "gmm_full_fast" else None
    if cap is not None:
        src = cap if src is None else min(src, cap)
        tgt = cap if tgt is None else min(tgt, cap)
    return src, tgt


class ClassProjection:
    """PCA basis shared by a class's source and target models (``pca_gmm``).

    log d_T - log d_S is only meaningful when both densities live in the same space, so the
    basis is fitted once per class on target and source features together.
    """

    def __init__(self, dim: int, max_rows: int = 20000, seed: int = 0) -> None:
        self.dim = dim
        self.max_rows = max_rows
        self.seed = seed

    def fit(self, X: np.ndarray) -> "ClassProjection":
        rng = np.random.default_rng(self.seed)
        if len(X) > self.max_rows:  # the basis of 20k rows is as good as of all, and far cheaper
            X = X[np.sort(rng.choice(len(X), self.max_rows, replace=False))]
        self.mean_ = X.mean(0)
        _, _, vt = np.linalg.svd(X - self.mean_, full_matrices=False)
        self.components_ = vt[:min(self.dim, vt.shape[0])]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) @ self.components_.T

    def residual2(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Squared norm of the part of X the basis drops (Y = transform(X))."""
        Xc = X - self.mean_
        return np.maximum((Xc * Xc).sum(1) - (Y * Y).sum(1), 0.0)


def residual_log_density(r2_fit: np.ndarray, r2_query: np.ndarray, dims: int) -> np.ndarray:
    """Isotropic Gaussian log density of the dropped dimensions (variance fitted on r2_fit).

    Keeps ``pca_gmm`` a density over all D dimensions (as probabilistic PCA does), so regions that
    differ from a domain mainly off the leading directions still score as unusual.
    """
    if dims <= 0:
        return np.zeros(len(r2_query))
    var = max(float(r2_fit.mean()) / dims, 1e-12)
    return -0.5 * dims * np.log(2 * np.pi * var) - r2_query / (2 * var)


def fit_class(target_all: np.ndarray, source: np.ndarray, query: np.ndarray,
              cfg: DensityConfig) -> dict:
    """Fit p_T(z|c) and p_S(z|c) for one class and score ``query`` under both.

    Args:
        target_all: (n_t, D) features of ALL target regions predicted as c (pool and labelled).
        source: (n_s, D) the source regions predicted as c that p_S is fitted on: all of them, or
            the sample of :func:`fit_caps` that ``density_scores`` draws (may be empty).
        query: (n_q, D) target rows to score.
        cfg: estimator settings.

    Returns:
        dict with ``log_dt``, ``log_ds`` (float64 (n_q,), ``log_ds`` is None when the source has
        fewer than 2 regions of the class), ``n_components`` and ``n_source_components``.
    """
    n = n_components_for(len(target_all), cfg)
    # The target mixture's sample is drawn here: ``target_all`` is also the query, sent once.
    Xs = np.asarray(source)
    Xt = take_sample(np.asarray(target_all), fit_caps(cfg)[1], cfg.random_state + 1)
    Xq = np.asarray(query)
    if cfg.estimator != "gmm_full_fast":  # the fast mixture works in float32 itself
        Xt, Xs, Xq = (a.astype(np.float64) for a in (Xt, Xs, Xq))
    res_t = res_s = res_q = None
    if cfg.estimator == "pca_gmm":
        proj = ClassProjection(cfg.pca_gmm.dim, seed=cfg.random_state).fit(np.concatenate([Xt, Xs]))
        dropped = (Xt.shape[1] - proj.components_.shape[0]) if cfg.pca_gmm.residual else 0
        Yt, Yq, Ys = proj.transform(Xt), proj.transform(Xq), proj.transform(Xs) if len(Xs) else Xs
        res_t, res_q = proj.residual2(Xt, Yt), proj.residual2(Xq, Yq)
        res_s = proj.residual2(Xs, Ys) if len(Xs) else None
        Xt, Xq, Xs = Yt, Yq, Ys
    log_dt = make_estimator(cfg, n).fit(Xt).score_samples(Xq)
    # A source class smaller than n gets fewer components; with < 2 regions no mixture can be
    # fitted and the class counts as absent from the source (see scores.density_scores).
    n_s = min(n, len(Xs)) if len(Xs) >= 2 else 0
    log_ds = make_estimator(cfg, n_s).fit(Xs).score_samples(Xq) if n_s >= 1 else None
    if res_t is not None:
        log_dt = log_dt + residual_log_density(res_t, res_q, dropped)
        if log_ds is not None:
            log_ds = log_ds + residual_log_density(res_s, res_q, dropped)
    return {"log_dt": log_dt, "log_ds": log_ds, "n_components": n, "n_source_components": n_s}
