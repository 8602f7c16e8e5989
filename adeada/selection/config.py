"""Settings of the selection engine (composed into the run config by ``adeada.config``)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal, Optional

from adeada.configtools import DEVICE, check_fields, check_unread


EstimatorName = Literal["gmm_full", "gmm_full_fast", "pca_gmm", "gmm_diag"]  # the keys of density.ESTIMATORS


@dataclass
class GmmFullOptions:
    """``selection.density.gmm_full``: who runs the full-covariance EM of ``gmm_full`` (and of
    ``pca_gmm``, the same mixture in a subspace): scikit-learn (the authors'), or torch with the
    same steps (:mod:`adeada.selection.density.torch_gmm`; equal to 1e-10 in float64, and can run
    on a GPU)."""

    SECTION = "selection.density.gmm_full"  # its place in the run config (messages name it)

    backend: Literal["sklearn", "torch"] = "sklearn"
    device: str = "cpu"  # torch backend: "cpu", "cuda", or "auto" (cuda when available); use n_jobs=1 on a GPU
    precision: Literal["float64", "mixed"] = "float64"  # torch backend: "mixed" = float32 products

    def __post_init__(self) -> None:
        check_fields(self, {"backend": (lambda v: v in ("sklearn", "torch"), "sklearn or torch"),
                            "device": (lambda v: bool(DEVICE.match(v)), "auto, cpu, cuda, cuda:N or mps"),
                            "precision": (lambda v: v in ("float64", "mixed"), "float64 or mixed")})


@dataclass
class GmmFullFastOptions:
    """``selection.density.gmm_full_fast``: the sampled mixed-precision mixture's own settings."""

    SECTION = "selection.density.gmm_full_fast"  # its place in the run config (messages name it)

    max_iter: int = 2  # EM iterations at most (after the same k-means start)
    fit_regions: Optional[int] = 10000  # regions each mixture is fitted on at most (None = all)

    def __post_init__(self) -> None:
        check_fields(self, {"max_iter": (lambda v: v >= 1, "at least 1"),
                            "fit_regions": (lambda v: v is None or v >= 2, "null or at least 2")})


@dataclass
class PcaGmmOptions:
    """``selection.density.pca_gmm``: the projection of ``pca_gmm``."""

    SECTION = "selection.density.pca_gmm"  # its place in the run config (messages name it)

    dim: int = 32  # principal directions kept (fitted on the class's target + source regions)
    residual: bool = True  # add an isotropic Gaussian on the dropped dimensions

    def __post_init__(self) -> None:
        check_fields(self, {"dim": (lambda v: v >= 1, "at least 1")})


# Which option sections each estimator reads (pca_gmm fits gmm_full's mixture in its subspace);
# a section set under an estimator that does not read it is an error (check_unread).
ESTIMATOR_SECTIONS: dict[str, tuple[str, ...]] = {
    "gmm_full": ("gmm_full",),
    "gmm_full_fast": ("gmm_full_fast",),
    "pca_gmm": ("pca_gmm", "gmm_full"),
    "gmm_diag": (),
}


@dataclass
class DensityConfig:
    """Per-class density estimators p_S(z|c), p_T(z|c) (paper Sec. 3.2.1).

    The fields below are read by every estimator; each estimator's own settings are its section
    (``gmm_full``, ``gmm_full_fast``, ``pca_gmm``), and a section the chosen estimator does not
    read must keep its defaults (a setting that would be silently ignored is an error).

    ``estimator="gmm_full"`` (default) is the authors' recipe: full-covariance scikit-learn GMM,
    ``random_state=0, n_init=1, max_iter=200``, no PCA, no subsampling. ``gmm_full.backend="torch"``
    runs the same EM in torch float64 (:mod:`adeada.selection.density.torch_gmm`): identical
    selections (100% overlap at benchmark scale 0.05), and ``gmm_full.device="cuda"`` puts it on a GPU.

    ``"gmm_full_fast"`` is the fast setting for large pools on a CPU
    (:mod:`adeada.selection.density.fast_gmm`): the same model (256-d full covariances, the same number of
    components, the same k-means start) fitted on at most ``gmm_full_fast.fit_regions`` regions of each
    class and domain (a seeded sample; every target region is still scored), with float32
    products in the E and M steps and at most ``gmm_full_fast.max_iter`` EM iterations. Measured against
    the authors' recipe in one run of ``benchmarks/bench_selection.py``: see docs/benchmarks.md,
    "Density step".

    ``"pca_gmm"`` projects features onto ``pca_gmm.dim`` principal directions (fitted on the class's
    target + source regions), fits a full-covariance GMM there and (``pca_gmm.residual``) an isotropic
    Gaussian on the dropped dimensions: fast, but far from the default (22-60% overlap at scale
    0.05 for 32-128 dims); ``"gmm_diag"`` uses diagonal covariances.
    """

    SECTION = "selection.density"  # its place in the run config (messages name it)

    estimator: EstimatorName = "gmm_full"
    regions_per_component: int = 100  # n = clip(n_target_c // 100, 1, 10), as the authors
    min_components: int = 1
    max_components: int = 10
    max_iter: int = 200
    random_state: int = 0
    reg_covar: float = 1e-6
    tol: float = 1e-3  # EM stops when the mean log-likelihood changes by less (scikit-learn's default)
    # Cap on the number of source regions a class's source estimator is fitted on (None = all,
    # the authors' recipe). A random, seeded subsample; only used by the fast settings.
    max_source_regions: Optional[int] = None
    # Cap on the target regions a class's TARGET estimator is fitted on (None = all, the authors');
    # every target region is still scored.
    max_target_regions: Optional[int] = None
    min_target_regions: int = 2  # a class needs at least 2 target regions (authors)
    n_jobs: int = 2  # processes for fitting classes in parallel; 1 = in this process
    timeout_s: float = 3600.0  # per class fit, in the process pool
    gmm_full: GmmFullOptions = field(default_factory=GmmFullOptions)
    gmm_full_fast: GmmFullFastOptions = field(default_factory=GmmFullFastOptions)
    pca_gmm: PcaGmmOptions = field(default_factory=PcaGmmOptions)

    def __post_init__(self) -> None:
        check_fields(self, {
            "regions_per_component": (lambda v: v >= 1, "at least 1"),
            "min_components": (lambda v: v >= 1, "at least 1"),
            "max_components": (lambda v: v >= self.min_components, "at least min_components"),
            "max_iter": (lambda v: v >= 1, "at least 1"),
            "reg_covar": (lambda v: v >= 0, ">= 0"),
            "tol": (lambda v: v > 0, "> 0"),
            "max_source_regions": (lambda v: v is None or v >= 2, "null or at least 2"),
            "max_target_regions": (lambda v: v is None or v >= 2, "null or at least 2"),
            "min_target_regions": (lambda v: v >= 2, "at least 2 (a mixture needs two regions)"),
            "n_jobs": (lambda v: v >= 1, "at least 1"),
            "timeout_s": (lambda v: v > 0, "> 0 seconds"),
        })
        # Which estimator sections are read is checked by SelectionConfig: ADeADA+ may run an
        # estimator of its own (selection.adeada_plus.estimator) over these settings.

    def flat_settings(self) -> dict:
        """The settings in the flat layout they had before each estimator had its section: what
        the fit cache's keys hash, so that fits cached before stay valid."""
        sections = {s for secs in ESTIMATOR_SECTIONS.values() for s in secs}
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in sections}
        out.update(fast_max_iter=self.gmm_full_fast.max_iter, fast_fit_regions=self.gmm_full_fast.fit_regions,
                   backend=self.gmm_full.backend, device=self.gmm_full.device, precision=self.gmm_full.precision,
                   pca_dim=self.pca_gmm.dim, pca_residual=self.pca_gmm.residual)
        return out



@dataclass
class ReDALConfig:
    """ReDAL's settings (``selection.redal``): score = entropy + ``edge_weight`` x edge density."""

    SECTION = "selection.redal"  # its place in the run config (messages name it)

    edge_weight: float = 0.05
    # k-means clusters for the diversity decay (0 = the number of regions the budget buys; that
    # costs minutes on a Cityscapes-size pool, so a fixed 100 is the default).
    clusters: int = 100
    decay: float = 0.95
    candidates: int = 10000  # only the top candidates by score are clustered
    kmeans_iter: int = 20

    def __post_init__(self) -> None:
        check_fields(self, {"decay": (lambda v: 0.0 < v <= 1.0, "a factor in (0, 1]"),
                            "clusters": (lambda v: v >= 0, ">= 0 (0 = the regions the budget buys)"),
                            "candidates": (lambda v: v >= 1, "at least 1"),
                            "kmeans_iter": (lambda v: v >= 1, "at least 1")})


@dataclass
class BADGEConfig:
    """BADGE's settings (``selection.badge``)."""

    SECTION = "selection.badge"  # its place in the run config (messages name it)

    max_candidates: int = 20000  # larger pools: k-means++ seeding over a uniform random subset

    def __post_init__(self) -> None:
        check_fields(self, {"max_candidates": (lambda v: v >= 1, "at least 1")})


@dataclass
class CLUEConfig:
    """CLUE's settings (``selection.clue``)."""

    SECTION = "selection.clue"  # its place in the run config (messages name it)

    clusters: int = 0  # 0 = the expected number of regions bought
    max_candidates: int = 10000  # larger pools: the most uncertain rows only
    kmeans_iter: int = 20

    def __post_init__(self) -> None:
        check_fields(self, {"clusters": (lambda v: v >= 0, ">= 0 (0 = the regions the budget buys)"),
                            "max_candidates": (lambda v: v >= 1, "at least 1"),
                            "kmeans_iter": (lambda v: v >= 1, "at least 1")})


# Keys of ``selection:`` before each strategy and each estimator had its own section (dotted,
# relative to ``selection``) -> their new place. Old config files (and every run folder's
# config.yaml) still load, with one warning line per key moved; see ``move_legacy_keys``.
ADEADA_KEYS = ("use_uncertainty", "use_density", "category_balance", "schedule", "alpha", "beta",
               "density_fraction", "sigma", "balance_mode", "round_robin_top")
LEGACY_KEYS: dict[str, tuple[str, ...]] = {
    "edge_weight": ("redal.edge_weight",),
    "redal_clusters": ("redal.clusters",),
    "redal_decay": ("redal.decay",),
    "redal_candidates": ("redal.candidates",),
    "badge_max_candidates": ("badge.max_candidates",),
    "clue_clusters": ("clue.clusters",),
    "clue_max_candidates": ("clue.max_candidates",),
    "kmeans_iter": ("redal.kmeans_iter", "clue.kmeans_iter"),
    **{key: (f"adeada.{key}",) for key in ADEADA_KEYS},
    "density.fast_max_iter": ("density.gmm_full_fast.max_iter",),
    "density.fast_fit_regions": ("density.gmm_full_fast.fit_regions",),
    "density.backend": ("density.gmm_full.backend",),
    "density.device": ("density.gmm_full.device",),
    "density.precision": ("density.gmm_full.precision",),
    "density.pca_dim": ("density.pca_gmm.dim",),
    "density.pca_residual": ("density.pca_gmm.residual",),
}


def _pop(tree: dict, path: str) -> tuple[bool, object]:
    *parents, key = path.split(".")
    for part in parents:
        tree = tree.get(part) if isinstance(tree, dict) else None
    if isinstance(tree, dict) and key in tree:
        return True, tree.pop(key)
    return False, None


def _put_default(tree: dict, path: str, value: object) -> None:
    """Set ``path`` unless it is set already (the new key wins when both are given)."""
    *parents, key = path.split(".")
    for part in parents:
        child = tree.setdefault(part, {})
        if not isinstance(child, dict):
            return  # "redal: 3" is reported by the schema check, not here
        tree = child
    tree.setdefault(key, value)


def move_legacy_keys(selection: dict) -> list[str]:
    """Move the old keys of a ``selection:`` mapping to their sections, in place.

    Returns:
        One ``"selection.old -> selection.new"`` text per key moved (one warning line each).
    """
    moved = []
    if "dynamic_schedule" in selection:
        flag = selection.pop("dynamic_schedule")
        if not isinstance(flag, bool):
            raise ValueError(f"selection.dynamic_schedule: {flag!r} is not true or false "
                             "(it is now selection.adeada.schedule: half_decay | linear_decay | even | fixed)")
        new = "half_decay" if flag else "fixed"
        given = "schedule" in selection or "schedule" in (selection.get("adeada") or {})
        if given:  # the new key wins when both are given
            moved.append(f"selection.dynamic_schedule: {str(flag).lower()} ignored, selection.adeada.schedule is given")
        else:
            _put_default(selection, "adeada.schedule", new)
            moved.append(f"selection.dynamic_schedule: {str(flag).lower()} -> selection.adeada.schedule: {new}")
    for old, news in LEGACY_KEYS.items():
        found, value = _pop(selection, old)
        if not found:
            continue
        for new in news:
            _put_default(selection, new, value)
        moved.append(f"selection.{old} -> " + " and ".join(f"selection.{n}" for n in news))
    return moved


@dataclass
class AdeadaConfig:
    """ADeADA's settings (``selection.adeada``): its four parts and how the round's budget is
    split between density and uncertainty (Sec. 3.3). The paper's ablation rows and ADeADA+ run
    presets over these (each strategy's own, see ``Strategy.runs_with``); nothing rewrites them."""

    SECTION = "selection.adeada"  # its place in the run config (messages name it)

    # The parts (Table 2's rows (a)-(e) are presets over these switches).
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

    def __post_init__(self) -> None:
        check_fields(self, {"alpha": (lambda v: v >= 0, ">= 0"), "beta": (lambda v: v >= 0, ">= 0"),
                            "density_fraction": (lambda v: 0.0 <= v <= 1.0, "a share in [0, 1]"),
                            "round_robin_top": (lambda v: v >= 1, "at least 1")})


@dataclass
class AdeadaPlusConfig:
    """ADeADA+'s changes from ADeADA (``selection.adeada_plus``; see strategies/adeada_plus.py)."""

    SECTION = "selection.adeada_plus"  # its place in the run config (messages name it)

    fixed_split: bool = True  # density_fraction of every round to the density part (not Eq. 7)
    density_fraction: float = 0.5
    # The confidence discount: Eq. 6's class weight x the class's mean (1 - confidence) on the pool
    # (the model's own confidence, nothing learnt from labels; the key keeps its first name).
    learnt_discount: bool = True
    # What the uncertainty part ranks the rest of the pool by: "confidence" (lowest mean top-1
    # probability first, CONF's ranking; the default since the suite of shifts, issue 23: it has
    # the suite's best mean rank, docs/benchmarks/suite.md), "entropy" (ADeADA's; row
    # adeada_plus_ent), "margin" (smallest mean top-1 minus top-2 probability first) or "ripu"
    # (RIPU's impurity x uncertainty over the region's neighbourhood). Rows adeada_plus_margin,
    # adeada_plus_ripu: candidates, measured, not the default (docs/benchmarks.md).
    uncertainty: Literal["entropy", "margin", "confidence", "ripu"] = "confidence"
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
    # The mixtures' estimator (a key of adeada.selection.density.ESTIMATORS); null: the run's
    # selection.density.estimator, as ADeADA. The default is the fast fit of the authors' model
    # (issue 24): its selections agree with the authors' recipe about as well as the recipe's own
    # runs with two k-means seeds agree with each other (docs/benchmarks/density_scale.md), at a
    # fraction of the cost. Row adeada_plus_recipe: "gmm_full", the authors' recipe. Row
    # adeada_plus_diag: "gmm_diag" (docs/benchmarks.md, "Which density estimator": a candidate,
    # measured, not the default).
    estimator: Optional[EstimatorName] = "gmm_full_fast"

    def __post_init__(self) -> None:
        check_fields(self, {
            "uncertainty": (lambda v: v in ("entropy", "margin", "confidence", "ripu"), "entropy, margin, confidence or ripu"),
            "grouping": (lambda v: v in ("argmax", "relative_mass"), "argmax or relative_mass"),
            "density_fraction": (lambda v: 0.0 <= v <= 1.0, "a share in [0, 1]"),
            "gain_min_share": (lambda v: not self.gain_split or 0.0 <= v <= 0.5, "a share in [0, 0.5] (under gain_split)"),
            "estimator": (lambda v: v is None or v in ESTIMATOR_SECTIONS, f"null or one of {', '.join(ESTIMATOR_SECTIONS)}"),
            "gain_split": (lambda v: not v or self.fixed_split,
                           "false unless fixed_split is true (it replaces the fixed fraction from round 2 on, "
                           "not Eq. 7's schedule)"),
        })


@dataclass
class SelectionConfig:
    """Which strategy picks regions each round, its budget, and each strategy's own settings.

    Every field here is read whatever the strategy; a strategy's settings are its section
    (``adeada`` for ADeADA and its rows, ``adeada_plus``, ``redal``, ``badge``, ``clue``) and the
    density step's are ``density`` (read by the density-aware strategies).
    """

    SECTION = "selection"  # its place in the run config (messages name it)

    strategy: str = "adeada"
    budget_fraction: float = 0.01  # of all target-pool pixels, per round
    # float32: float16 features moved the density scores (Spearman 0.977 against float32 on a 256-d
    # fixture); float16 halves the region table for very large pools.
    feature_dtype: Literal["float16", "float32"] = "float32"
    # ADeADA's settings (selection.adeada.alpha, ...), and the density step's (selection.density).
    adeada: AdeadaConfig = field(default_factory=AdeadaConfig)
    density: DensityConfig = field(default_factory=DensityConfig)
    # ADeADA+'s own settings (selection.adeada_plus.fixed_split, ...).
    adeada_plus: AdeadaPlusConfig = field(default_factory=AdeadaPlusConfig)
    # The baselines' own settings, one section each (selection.redal.decay, ...).
    redal: ReDALConfig = field(default_factory=ReDALConfig)
    badge: BADGEConfig = field(default_factory=BADGEConfig)
    clue: CLUEConfig = field(default_factory=CLUEConfig)

    def __post_init__(self) -> None:
        check_fields(self, {"budget_fraction": (lambda v: 0.0 < v <= 1.0, "a fraction of the target pool in (0, 1]")})
        # An estimator section is read when the run's estimator or ADeADA+'s own reads it.
        running = (self.density.estimator,) + ((self.adeada_plus.estimator,) if self.adeada_plus.estimator else ())
        check_unread(self.density, running, "estimator", ESTIMATOR_SECTIONS)
