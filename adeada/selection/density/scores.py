"""Per-class density scores pi = log d_T - log d_S (Eq. 2) and KL estimates (Eq. 5)."""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from adeada.parallel import capped_workers, spawn_pool

from ..config import DensityConfig
from .estimators import fit_caps, fit_class, uses_torch
from .fast_gmm import take_sample
from .fit_cache import FitCache, fit_key
from ..stats import RegionStats


class DensityFitTimeout(TimeoutError):
    """Fitting the per-class density estimators took longer than ``DensityConfig.timeout_s``."""


@dataclass
class DensityResult:
    """Density scores of the target rows.

    Attributes:
        pi: float64 (N,) Eq. 2 for each target row of a scored class, NaN elsewhere.
        kl: float64 (C,) Eq. 5, mean of pi over the UNLABELLED target rows of the class (as the
            authors' Algorithm 1); NaN for a class that was not scored.
        scored: bool (C,) classes with at least ``min_target_regions`` target regions.
        n_components: int (C,) mixture size per class (0 = not scored).
        source_missing: bool (C,) classes with no source region (see :func:`density_scores`).
        seconds: wall time of fitting and scoring.
    """

    pi: np.ndarray
    kl: np.ndarray
    scored: np.ndarray
    n_components: np.ndarray
    source_missing: np.ndarray
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def _jobs(target: RegionStats, source: RegionStats, cfg: DensityConfig):
    """(class, its target rows, the source rows its source mixture is fitted on) per scored class.

    The source rows are already the capped sample (:func:`fit_caps`): only they are hashed for
    the fit cache and sent to a worker (a Cityscapes-scale class holds 300k source regions).
    """
    cap_s = fit_caps(cfg)[0]
    for c in range(target.num_classes):
        t_rows = np.flatnonzero(target.pred == c)
        if len(t_rows) < cfg.min_target_regions:
            continue
        s_rows = np.flatnonzero(source.pred == c)
        yield c, t_rows, take_sample(s_rows, cap_s, cfg.random_state)


def _run_serial(jobs, target, source, cfg, progress):
    out = {}
    # One BLAS thread here too: with two, the fits of the demo took 45-84 s a round instead of
    # about 1 s whenever another process wanted the CPU (measured on 2 shared cores).
    with threadpool_limits(limits=1):
        for c, t_rows, s_rows in tqdm(jobs, desc="density (classes)", disable=not progress):
            tf = target.feature[t_rows]  # fitted on and scored: one copy for both roles
            out[c] = fit_class(tf, source.feature[s_rows], tf, cfg)
    return out


def _run_pool(jobs, target, source, cfg, progress):
    out: dict = {}
    deadline = time.monotonic() + cfg.timeout_s
    with spawn_pool(capped_workers(cfg.n_jobs), torch_threads=uses_torch(cfg)) as ex:
        futs = {}
        for c, t, s in jobs:
            tf = target.feature[t].astype(np.float32)  # one array for both roles: pickled once
            futs[ex.submit(fit_class, tf, source.feature[s].astype(np.float32), tf, cfg)] = c
        pending = set(futs)
        with tqdm(total=len(futs), desc="density (classes)", disable=not progress) as bar:
            while pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DensityFitTimeout(
                        f"density fitting exceeded timeout_s={cfg.timeout_s} s with {len(pending)} of "
                        f"{len(futs)} classes unfinished; raise selection.density.timeout_s or use a faster estimator")
                done, pending = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
                for f in done:
                    out[futs[f]] = f.result()
                    bar.update(1)
    return out


def _fit(jobs, target, source, cfg, progress) -> dict:
    parallel = capped_workers(cfg.n_jobs) > 1 and len(jobs) > 1
    return (_run_pool if parallel else _run_serial)(jobs, target, source, cfg, progress) if jobs else {}


def _fit_through_cache(jobs, target, source, cfg, progress, cache: FitCache) -> dict:
    """Cached classes are read; the others are claimed and fitted here, or awaited from the
    process that claimed them first (comparison workers reaching round 1 together)."""
    keys = {c: fit_key(target.feature[t], source.feature[s], cfg) for c, t, s in jobs}
    results = {c: hit for c, key in keys.items() if (hit := cache.get(key)) is not None}
    pending = [j for j in jobs if j[0] not in results]
    while pending:
        mine = [j for j in pending if cache.claim(keys[j[0]])]
        try:
            fitted = _fit(mine, target, source, cfg, progress)
            for c, r in fitted.items():
                cache.put(keys[c], r)
        finally:
            for j in mine:
                cache.release(keys[j[0]])
        results.update(fitted)
        waited = {}
        for c, _, _ in pending:
            if c not in results:
                waited[c] = cache.wait_for(keys[c], cfg.timeout_s)
        results.update({c: r for c, r in waited.items() if r is not None})
        # A claimer that failed leaves neither entry nor claim: those classes go round again.
        pending = [j for j in pending if j[0] not in results]
    return results


def density_scores(target: RegionStats, source: RegionStats, labelled: np.ndarray | None,
                   cfg: DensityConfig, progress: bool = False, cache_dir: str | Path | None = None) -> DensityResult:
    """Fit per-class target/source estimators and score every target row of each class.

    Regions are grouped by PREDICTED class in both domains. The target model of class c is
    fitted on all target regions of c (pool and labelled); a class with fewer than
    ``cfg.min_target_regions`` target regions is not scored (pi = NaN, KL = NaN: the density
    part skips it and its regions are left to the uncertainty part). A class with no source
    region (or only one) cannot have p_S fitted: its rows are ranked by log d_T (most target-typical first)
    and log d_S is taken as a constant chosen so that the class's KL equals the largest KL of
    the other classes (1.0 if there is none) - it is treated as strongly shifted without
    swallowing the whole density budget.

    With ``cache_dir``, a class whose features and settings were fitted before is read from
    there instead (:mod:`adeada.selection.density.fit_cache`; the same numbers, bit for bit), and a class
    another process is fitting right now is awaited rather than fitted twice.

    Classes run largest first in ``cfg.n_jobs`` spawned processes (1 = in this process; never
    more than the process's cpu share, see :func:`adeada.parallel.cpu_share`).
    """
    t0 = time.perf_counter()
    N, C = len(target), target.num_classes
    if source is None:
        raise ValueError("density-aware selection needs source region statistics (ctx.source is None)")
    if source.num_classes != C:
        raise ValueError(f"source has {source.num_classes} classes, target has {C}")
    labelled = np.zeros(N, bool) if labelled is None else np.asarray(labelled, bool)
    jobs = sorted(_jobs(target, source, cfg), key=lambda j: (-(len(j[1]) + len(j[2])), j[0]))
    if cache_dir is None:
        results = _fit(jobs, target, source, cfg, progress)
    else:
        results = _fit_through_cache(jobs, target, source, cfg, progress, FitCache(cache_dir))
    pi = np.full(N, np.nan)
    kl = np.full(C, np.nan)
    ncomp = np.zeros(C, np.int64)
    missing = np.zeros(C, bool)
    unl = ~labelled
    for c, t_rows, _ in jobs:
        r = results[c]
        ncomp[c] = r["n_components"]
        if r["log_ds"] is None:
            missing[c] = True
            continue
        pi[t_rows] = r["log_dt"] - r["log_ds"]  # Eq. 2
    for c, t_rows, _ in jobs:  # Eq. 5 over the unlabelled rows of the class
        if not missing[c]:
            kl[c] = _mean_or_all(pi[t_rows], unl[t_rows])
    finite = kl[np.isfinite(kl)]
    ref = float(finite.max()) if len(finite) else 1.0
    for c, t_rows, _ in jobs:
        if missing[c]:
            ldt = results[c]["log_dt"]
            pi[t_rows] = ldt - _mean_or_all(ldt, unl[t_rows]) + ref
            kl[c] = ref
    scored = np.zeros(C, bool)
    scored[[j[0] for j in jobs]] = True
    return DensityResult(pi=pi, kl=kl, scored=scored, n_components=ncomp, source_missing=missing,
                         seconds=time.perf_counter() - t0)


def _mean_or_all(values: np.ndarray, mask: np.ndarray) -> float:
    """Mean over ``mask`` (the unlabelled rows), or over all rows when all are labelled."""
    return float(values[mask].mean()) if mask.any() else float(values.mean())
