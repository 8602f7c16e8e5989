"""A full-covariance Gaussian mixture for large pools on a CPU: the authors' model, fitted cheaply.

Same model as the authors' recipe (full 256-d covariances, the same number of components, the
same k-means start, ``reg_covar`` on the diagonal), with three levers that each cost little
selection agreement (measured in ``benchmarks/bench_selection.py``):

- it is fitted on at most ``max_fit_regions`` rows, a seeded random sample: a mixture of at most
  10 components does not need 300k regions to be placed, and scoring (the only use of the source
  model) still covers every target region;
- the two products that cost N x K x D^2 (the E step's whitening and the M step's covariance
  sums) run in float32 on centred data; Cholesky factors, log-determinants and log-sum-exp stay in
  float64. Components with fewer regions than dimensions (rank-deficient: they lean on
  ``reg_covar``, which float32 rounding would swamp) keep float64 covariance sums, and so does any
  component whose float32 sum is not positive definite;
- EM stops after ``max_iter`` iterations (or at scikit-learn's tolerance, whichever is first);
  a component's covariance sums only the rows whose responsibility exceeds 1e-5 (in 256-d almost
  every row belongs to one or two components).

Plain numpy, so a worker process does not import torch.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
from scipy.linalg import solve_triangular
from scipy.linalg.blas import strmm

_CHUNK = 32768  # rows per float32 block in scoring: bounds the temporary (rows x D) arrays
_RESP_FLOOR = 1e-5  # a row below this responsibility is left out of a component's covariance sum


def sample_rows(n: int, cap: Optional[int], seed: int) -> np.ndarray:
    """Sorted indices of a seeded random sample of ``cap`` of ``n`` rows (all rows when n <= cap)."""
    if cap is None or n <= cap:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, cap, replace=False))


def kmeans_start(X: np.ndarray, n_components: int, random_state: Optional[int]) -> np.ndarray:
    """scikit-learn's mixture start: (N, K) one-hot responsibilities of one k-means run."""
    from sklearn.cluster import KMeans

    labels = KMeans(n_clusters=n_components, n_init=1, random_state=random_state).fit(X).labels_
    resp = np.zeros((len(X), n_components), np.float64)
    resp[np.arange(len(X)), labels] = 1.0
    return resp


def take_sample(X: np.ndarray, cap: Optional[int], seed: int) -> np.ndarray:
    """The rows of :func:`sample_rows` of ``X``; ``X`` itself (no copy) when nothing is left out."""
    if cap is None or len(X) <= cap:
        return X
    return np.asarray(X)[sample_rows(len(X), cap, seed)]


class SampledGaussianMixture:
    """``fit`` / ``score_samples`` of a full-covariance mixture, fitted on a sample in mixed precision.

    Args:
        n_components: mixture size.
        random_state: seed of the sample and of the k-means start.
        max_iter: EM iterations at most after the k-means start.
        max_fit_regions: rows the mixture is fitted on at most (None = all).
        tol: stop early when the mean log-likelihood changes by less (scikit-learn's rule).
        reg_covar: added to every covariance diagonal.
    """

    def __init__(self, n_components: int = 1, random_state: int = 0, max_iter: int = 3,
                 max_fit_regions: Optional[int] = 10000, tol: float = 1e-3, reg_covar: float = 1e-6) -> None:
        self.n_components = n_components
        self.random_state = random_state
        self.max_iter = max_iter
        self.max_fit_regions = max_fit_regions
        self.tol = tol
        self.reg_covar = reg_covar

    def _m_step(self, X: np.ndarray, resp: np.ndarray) -> None:
        N, D = X.shape
        nk = resp.sum(0) + 10 * np.finfo(np.float64).eps
        means = (resp.T @ X) / nk[:, None].astype(np.float32)
        means = means.astype(np.float64)
        prec = np.empty((len(nk), D, D), np.float64)
        for k in range(len(nk)):
            prec[k] = self._precision_cholesky(X, resp[:, k], means[k], nk[k])
        self.weights_ = nk / nk.sum()
        self.means_ = means
        self.precisions_cholesky_ = prec
        self._log_det = np.log(np.diagonal(prec, axis1=1, axis2=2)).sum(1)
        self._prec32_f = [np.asfortranarray(p, dtype=np.float32) for p in prec]
        self._means32 = means.astype(np.float32)

    def _precision_cholesky(self, X: np.ndarray, r: np.ndarray, mean: np.ndarray, nk: float) -> np.ndarray:
        """Cholesky factor of one component's precision; float32 covariance sums where they are safe.

        A component of fewer regions than dimensions is rank-deficient and rests on ``reg_covar``,
        which float32 rounding swamps: it is summed in float64 from the start. A larger one is
        summed in float32 and redone in float64 if that sum is not positive definite, or is but
        has a direction whose variance is within float32's rounding of the sum (see
        :func:`_trusted_float32`).
        """
        D = X.shape[1]
        # In 256 dimensions responsibilities are nearly hard: most rows weigh ~0 in a component,
        # so only the rows that count are summed (about 1/K of the work).
        rows = np.flatnonzero(r > _RESP_FLOOR)
        X, r = X[rows], r[rows]
        for dtype in ((np.float32, np.float64) if nk > D else (np.float64,)):
            d = X.astype(dtype, copy=False) - mean.astype(dtype)
            cov = ((r.astype(dtype)[:, None] * d).T @ d).astype(np.float64) / nk
            cov.flat[::D + 1] += self.reg_covar
            try:
                chol = np.linalg.cholesky(cov)
            except np.linalg.LinAlgError:
                continue
            if dtype is np.float32 and not _trusted_float32(chol, cov):
                continue
            return solve_triangular(chol, np.eye(D), lower=True).T
        raise ValueError("covariance not positive definite: raise selection.density.reg_covar")

    def _weighted_log_prob(self, X: np.ndarray) -> np.ndarray:
        N, D = X.shape
        out = np.empty((N, len(self.weights_)), np.float64)
        for k in range(len(self.weights_)):
            # y = (X - mu_k) @ P_k with P_k upper triangular: a triangular product (trmm), in place
            # on the centred copy, costs about 2/3 of the general one here. X - mu_k is C-ordered
            # (N, D), i.e. the Fortran-ordered (D, N) transpose that BLAS reads without a copy.
            xc = X - self._means32[k]
            y = strmm(1.0, self._prec32_f[k], xc.T, side=0, lower=0, trans_a=1, overwrite_b=1).T
            out[:, k] = np.einsum("ij,ij->i", y, y, dtype=np.float64)
        return -0.5 * (D * math.log(2 * math.pi) + out) + self._log_det + np.log(self.weights_)

    @staticmethod
    def _log_normalise(wlp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        top = wlp.max(1, keepdims=True)
        norm = top[:, 0] + np.log(np.exp(wlp - top).sum(1))
        return norm, wlp - norm[:, None]

    def fit(self, X: np.ndarray) -> "SampledGaussianMixture":
        X = np.ascontiguousarray(take_sample(X, self.max_fit_regions, self.random_state), dtype=np.float32)
        if len(X) < max(self.n_components, 2):
            raise ValueError(f"Expected n_samples >= n_components, got {len(X)} < {self.n_components}")
        self._m_step(X, kmeans_start(X, self.n_components, self.random_state))
        lower, self.converged_, self.n_iter_ = -math.inf, False, 0
        for it in range(1, self.max_iter + 1):
            norm, log_resp = self._log_normalise(self._weighted_log_prob(X))
            self._m_step(X, np.exp(log_resp))
            prev, lower, self.n_iter_ = lower, float(norm.mean()), it
            if abs(lower - prev) < self.tol:
                self.converged_ = True
                break
        self.lower_bound_ = lower
        self.n_fit_rows_ = len(X)
        return self

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        """Log density of each row of X (float64 (n,))."""
        X = np.asarray(X)
        out = np.empty(len(X), np.float64)
        for a in range(0, len(X), _CHUNK):
            block = np.ascontiguousarray(X[a:a + _CHUNK], dtype=np.float32)
            out[a:a + _CHUNK] = self._log_normalise(self._weighted_log_prob(block))[0]
        return out


# A float32 covariance sum is trusted unless a conditional variance (a squared pivot of its
# Cholesky factor) is within this many float32 epsilons of its own coordinate's variance: the
# coordinate is then almost a combination of the earlier ones, and what is left of it after the
# cancellation is the float32 sum's rounding noise, not the data. On an AVX-512 CPU an exactly
# flat direction came out positive (negative on AVX2) but about 1,000x reg_covar, moving every log
# density by 3 nats. A coordinate that is constant (zero in every row, as many ReLU feature
# channels of a class are) has the pivot of its own variance, reg_covar: trusted.
_FLOAT32_PIVOT_EPS = 100.0


def _trusted_float32(chol: np.ndarray, cov: np.ndarray) -> bool:
    pivots = np.diag(chol) ** 2
    return bool(np.all(pivots > _FLOAT32_PIVOT_EPS * np.finfo(np.float32).eps * np.diag(cov)))
