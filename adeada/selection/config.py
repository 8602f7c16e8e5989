"""Settings of the selection engine (composed into the run config by ``adeada.config``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional


@dataclass
class DensityConfig:
    """Per-class density estimators p_S(z|c), p_T(z|c) (paper Sec. 3.2.1).

    ``estimator="gmm_full"`` (default) is the authors' recipe: full-covariance scikit-learn GMM,
    ``random_state=0, n_init=1, max_iter=200``, no PCA, no subsampling. ``backend="torch"`` runs
    the same EM in torch float64 (:mod:`adeada.selection.density.torch_gmm`): identical selections (100%
    overlap at benchmark scale 0.05), and ``device="cuda"`` puts it on a GPU.

    ``"gmm_full_fast"`` is the fast setting for large pools on a CPU
    (:mod:`adeada.selection.density.fast_gmm`): the same model (256-d full covariances, the same number of
    components, the same k-means start) fitted on at most ``fast_fit_regions`` regions of each
    class and domain (a seeded sample; every target region is still scored), with float32
    products in the E and M steps and at most ``fast_max_iter`` EM iterations. Measured against
    the authors' recipe in one run of ``benchmarks/bench_selection.py``: see docs/benchmarks.md,
    "Density step".

    ``"pca_gmm"`` projects features onto ``pca_dim`` principal directions (fitted on the class's
    target + source regions), fits a full-covariance GMM there and (``pca_residual``) an isotropic
    Gaussian on the dropped dimensions: fast, but far from the default (22-60% overlap at scale
    0.05 for 32-128 dims); ``"gmm_diag"`` uses diagonal covariances.
    """

    estimator: Literal["gmm_full", "gmm_full_fast", "pca_gmm", "gmm_diag"] = "gmm_full"
    regions_per_component: int = 100  # n = clip(n_target_c // 100, 1, 10), as the authors
    min_components: int = 1
    max_components: int = 10
    max_iter: int = 200
    fast_max_iter: int = 2  # gmm_full_fast: EM iterations at most (after the same k-means start)
    fast_fit_regions: Optional[int] = 10000  # gmm_full_fast: regions each mixture is fitted on at most
    random_state: int = 0
    reg_covar: float = 1e-6
    tol: float = 1e-3  # EM stops when the mean log-likelihood changes by less (scikit-learn's default)
    # Who runs the full-covariance EM: scikit-learn (the authors'), or torch with the same steps
    # (adeada.selection.density.torch_gmm; equal to 1e-10 in float64, and can run on a GPU).
    backend: Literal["sklearn", "torch"] = "sklearn"
    device: str = "cpu"  # torch backend: "cpu", "cuda", or "auto" (cuda when available); use n_jobs=1 on a GPU
    precision: Literal["float64", "mixed"] = "float64"  # torch backend: "mixed" = float32 products
    pca_dim: int = 32
    # Cap on the number of source regions a class's source estimator is fitted on (None = all,
    # the authors' recipe). A random, seeded subsample; only used by the fast settings.
    max_source_regions: Optional[int] = None
    # Cap on the target regions a class's TARGET estimator is fitted on (None = all, the authors');
    # every target region is still scored.
    max_target_regions: Optional[int] = None
    pca_residual: bool = True  # pca_gmm: add an isotropic Gaussian on the dropped dimensions
    min_target_regions: int = 2  # a class needs at least 2 target regions (authors)
    n_jobs: int = 2  # processes for fitting classes in parallel; 1 = in this process
    timeout_s: float = 3600.0  # per class fit, in the process pool


@dataclass
class ReDALConfig:
    """ReDAL's settings (``selection.redal``): score = entropy + ``edge_weight`` x edge density."""

    edge_weight: float = 0.05
    # k-means clusters for the diversity decay (0 = the number of regions the budget buys; that
    # costs minutes on a Cityscapes-size pool, so a fixed 100 is the default).
    clusters: int = 100
    decay: float = 0.95
    candidates: int = 10000  # only the top candidates by score are clustered
    kmeans_iter: int = 20


@dataclass
class BADGEConfig:
    """BADGE's settings (``selection.badge``)."""

    max_candidates: int = 20000  # larger pools: k-means++ seeding over a uniform random subset


@dataclass
class CLUEConfig:
    """CLUE's settings (``selection.clue``)."""

    clusters: int = 0  # 0 = the expected number of regions bought
    max_candidates: int = 10000  # larger pools: the most uncertain rows only
    kmeans_iter: int = 20


# Flat keys of SelectionConfig before each baseline had its own section -> their new place.
# Old config files (and every run folder's config.yaml) still load; see ``move_legacy_keys``.
LEGACY_KEYS: dict[str, tuple[str, ...]] = {
    "edge_weight": ("redal.edge_weight",),
    "redal_clusters": ("redal.clusters",),
    "redal_decay": ("redal.decay",),
    "redal_candidates": ("redal.candidates",),
    "badge_max_candidates": ("badge.max_candidates",),
    "clue_clusters": ("clue.clusters",),
    "clue_max_candidates": ("clue.max_candidates",),
    "kmeans_iter": ("redal.kmeans_iter", "clue.kmeans_iter"),
}


def move_legacy_keys(selection: dict) -> list[str]:
    """Move the old flat keys of a ``selection:`` mapping to their sections, in place.

    Returns:
        One ``"selection.old -> selection.new"`` text per key moved (for a warning).
    """
    moved = []
    if "dynamic_schedule" in selection:
        flag = selection.pop("dynamic_schedule")
        if not isinstance(flag, bool):
            raise ValueError(f"selection.dynamic_schedule: {flag!r} is not true or false "
                             "(it is now selection.schedule: half_decay | linear_decay | even | fixed)")
        new = "half_decay" if flag else "fixed"
        if "schedule" in selection:  # the new key wins when both are given
            moved.append(f"selection.dynamic_schedule: {str(flag).lower()} ignored, selection.schedule is given")
        else:
            selection["schedule"] = new
            moved.append(f"selection.dynamic_schedule: {str(flag).lower()} -> selection.schedule: {new}")
    for old, news in LEGACY_KEYS.items():
        if old not in selection:
            continue
        value = selection.pop(old)
        for new in news:
            section, key = new.split(".")
            if not isinstance(selection.setdefault(section, {}), dict):
                continue  # "redal: 3" is reported by the schema check, not here
            selection[section].setdefault(key, value)  # the new key wins when both are given
        moved.append(f"selection.{old} -> " + " and ".join(f"selection.{n}" for n in news))
    return moved


@dataclass
class AdeadaPlusConfig:
    """ADeADA+'s changes from ADeADA (``selection.adeada_plus``; see strategies/adeada_plus.py)."""

    fixed_split: bool = True  # density_fraction of every round to the density part (not Eq. 7)
    density_fraction: float = 0.5
    # The confidence discount: Eq. 6's class weight x the class's mean (1 - confidence) on the pool
    # (the model's own confidence, nothing learnt from labels; the key keeps its first name).
    learnt_discount: bool = True
    # What the uncertainty part ranks the rest of the pool by: "entropy" (ADeADA's), "margin"
    # (smallest mean top-1 minus top-2 probability first), "confidence" (lowest mean top-1
    # probability first, CONF's ranking) or "ripu" (RIPU's impurity x uncertainty over the region's
    # neighbourhood). Rows adeada_plus_margin, adeada_plus_conf, adeada_plus_ripu: candidates,
    # measured, not the default (docs/benchmarks.md).
    uncertainty: Literal["entropy", "margin", "confidence", "ripu"] = "entropy"
    # Which class a region counts as in the density part, in both domains: "argmax" (ADeADA's
    # predicted class) or "relative_mass" (the class whose mean probability is largest relative to
    # its mean over the domain's regions, so that classes too small ever to win a region's argmax
    # still get regions). Row adeada_plus_relmass: a candidate, measured, not the default.
    grouping: Literal["argmax", "relative_mass"] = "argmax"
    # From round 2 on, the density part's share follows what each part's picks were worth last
    # round: e_density / (e_density + e_uncertainty), where e is the share of the pixels a part
    # bought that the model had predicted wrongly (read from the bought labels only), kept within
    # [gain_min_share, 1 - gain_min_share] so that neither part stops being measured. Round 1 and
    # rounds without both measurements use density_fraction. Row adeada_plus_gain: a candidate
    # ("active learning by learning", Hsu and Lin 2015, in its simplest form).
    gain_split: bool = False
    gain_min_share: float = 0.2
    # The mixtures' estimator (a key of adeada.selection.density.ESTIMATORS); None: the run's
    # selection.density.estimator, as ADeADA. Row adeada_plus_diag: "gmm_diag" (docs/benchmarks.md,
    # "Which density estimator": a candidate, measured, not the default).
    estimator: Optional[str] = None


@dataclass
class SelectionConfig:
    """Which strategy picks regions each round and how the budget is split (Sec. 3.3)."""

    strategy: str = "adeada"
    budget_fraction: float = 0.01  # of all target-pool pixels, per round
    # ADeADA components (Table 2 ablation rows are presets over these four switches).
    use_uncertainty: bool = True
    use_density: bool = True
    category_balance: bool = True
    # The density part's share of each round (the paper's supplementary Table 5): "half_decay"
    # (Eq. 7, the paper's method), "linear_decay" (alpha x (1 - 0.2 (k - 1))), "even" (0.5 every
    # round) or "fixed" (density_fraction every round). Replaces the boolean dynamic_schedule
    # (true = half_decay, false = fixed), which older configs still give, with a warning.
    schedule: Literal["half_decay", "linear_decay", "even", "fixed"] = "half_decay"
    alpha: float = 1.0  # Eq. 7 (GTA5 -> Cityscapes: 1; SYNTHIA -> Cityscapes: 0.5)
    beta: float = 1.0
    density_fraction: float = 0.5  # share of B^k for density under schedule: fixed
    # Eq. 6's sigma: int(log10|KL|) as the authors ran it (the paper leaves sigma open).
    sigma: Literal["relu", "softplus", "exp", "authors_log10"] = "authors_log10"
    balance_mode: Literal["proportional", "authors_round_robin"] = "proportional"
    round_robin_top: int = 200  # authors: top-200 regions per class in the round-robin
    density: DensityConfig = field(default_factory=DensityConfig)
    # The baselines' own settings, one section each (selection.redal.decay, ...).
    redal: ReDALConfig = field(default_factory=ReDALConfig)
    badge: BADGEConfig = field(default_factory=BADGEConfig)
    clue: CLUEConfig = field(default_factory=CLUEConfig)
    # ADeADA+'s own settings (selection.adeada_plus.fixed_split, ...).
    adeada_plus: AdeadaPlusConfig = field(default_factory=AdeadaPlusConfig)
    # float32: float16 features moved the density scores (Spearman 0.977 against float32 on a 256-d
    # fixture); float16 halves the region table for very large pools.
    feature_dtype: Literal["float16", "float32"] = "float32"
