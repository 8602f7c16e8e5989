"""ADeADA: density-aware selection with category-balanced, dynamically scheduled budgets."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..budget import candidate_rows, ranked, schedule_share, split_budget, take_until, warn_if_short
from ..category_budget import class_budgets, round_robin, sigma
from ..config import AdeadaConfig, DensityConfig, SelectionConfig
from ..stats import RegionStats
from ..types import Selection, SelectionContext, make_selection
from .base import Strategy

# Table 2 of the paper, rows (a)-(e): which components are on.
ABLATION_PRESETS: dict[str, dict] = {
    "a": dict(use_uncertainty=True, use_density=False, category_balance=False, schedule="fixed"),
    "b": dict(use_uncertainty=False, use_density=True, category_balance=False, schedule="fixed"),
    "c": dict(use_uncertainty=False, use_density=True, category_balance=True, schedule="fixed"),
    "d": dict(use_uncertainty=True, use_density=True, category_balance=True, schedule="even"),  # supplementary Table 5
    "e": dict(use_uncertainty=True, use_density=True, category_balance=True, schedule="half_decay"),
}


class ADeADA(Strategy):
    """Density part (per-class budgets over pi rankings), then entropy over the rest of the pool.

    Budget split (``schedule``: Eq. 7 by default, or linear decay, even, ``density_fraction``; all to one part when
    the other is switched off). Density part: per-class budgets from Eq. 6 with sigma =
    ``cfg.sigma`` (``category_balance``) or an equal split, each class buying its top-pi
    unlabelled regions; or the authors' int(log10|KL|) round-robin (``balance_mode``). Each class
    may overshoot by its last region; the overshoot is taken off the next classes (a running
    total), so the round overshoots by less than one region. Pixels the density part cannot
    use (classes without enough regions) go to the uncertainty part, or, when it is off, to the
    remaining regions by global pi. The uncertainty part ranks the whole remaining pool by mean
    entropy and never re-takes a density pick.
    """

    name = "adeada"
    #: ``selection.adeada`` fields set by a row (the Table 2 rows below); empty for ADeADA itself.
    preset: dict = {}

    def __init__(self, cfg: SelectionConfig) -> None:
        super().__init__(cfg)
        #: ADeADA's settings this strategy runs with: ``cfg.adeada`` with the preset over it.
        self.opts: AdeadaConfig = dataclasses.replace(cfg.adeada, **self.preset) if self.preset else cfg.adeada
        #: the density step's settings it runs with (ADeADA+ may choose another estimator).
        self.density: DensityConfig = cfg.density

    def runs_with(self) -> SelectionConfig:
        return dataclasses.replace(self.cfg, adeada=self.opts, density=self.density)

    @property
    def requires(self) -> frozenset[str]:
        return frozenset({"source"}) if self.opts.use_density else frozenset()

    def select(self, target: RegionStats, budget_pixels: int, ctx: SelectionContext) -> Selection:
        cfg = self.opts
        if not (cfg.use_density or cfg.use_uncertainty):
            raise ValueError("ADeADA with use_density=False and use_uncertainty=False selects nothing")
        cand = candidate_rows(ctx.labelled, len(target))
        warn_if_short(target.pixels, cand, budget_pixels)
        share = self._density_share(ctx)
        b_d, b_u = split_budget(budget_pixels, share)
        diag: dict = {"density_share": share, "budget_density": b_d, "budget_uncertainty": b_u}
        pieces = []
        pi = np.full(len(target), np.nan)
        d_rows = np.zeros(0, np.int64)
        if b_d > 0:
            from ..density import density_scores  # sklearn loads here, not with the registry

            dens = density_scores(target, ctx.source, ctx.labelled, self.density, cache_dir=ctx.cache_dir)
            pi = dens.pi
            d_rows = self._density_part(target, cand, pi, dens.kl, dens.scored, b_d, diag)
            # What each predicted class really got (either balance mode): the density budget's spread.
            diag["density_pixels_by_class"] = np.bincount(
                target.pred[d_rows], weights=target.pixels[d_rows], minlength=target.num_classes).astype(int).tolist()
            diag.update(kl=dens.kl.tolist(), n_components=dens.n_components.tolist(),
                        density_seconds=dens.seconds)
            pieces.append(("density", d_rows, pi))
        left = budget_pixels - int(target.pixels[d_rows].sum())
        rest = np.setdiff1d(cand, d_rows, assume_unique=True)
        if cfg.use_uncertainty:
            u_score = self._uncertainty_scores(target)
            u_rows = take_until(ranked(u_score, rest), target.pixels, left)
            pieces.append(("uncertainty", u_rows, u_score))
        else:
            # Density-only rows (Table 2 b, c): spend what no class could use by global pi, then entropy.
            has_pi = np.isfinite(pi[rest])
            order = np.concatenate([ranked(pi, rest[has_pi]), ranked(target.entropy, rest[~has_pi])])
            fill = take_until(order, target.pixels, left)
            pieces.append(("density", fill[np.isfinite(pi[fill])], pi))
            pieces.append(("uncertainty", fill[~np.isfinite(pi[fill])], target.entropy))
        return make_selection(pieces, target.pixels, budget_pixels, diag)

    def components(self) -> dict[str, bool]:
        """Which parts of the method this strategy runs, read from its own settings (its preset
        applied): the columns of the paper's Table 2 and of ADeADA+'s ablation table."""
        cfg = self.opts
        return {"uncertainty": cfg.use_uncertainty, "density": cfg.use_density,
                "category balance": cfg.category_balance, "dynamic schedule": cfg.schedule == "half_decay",
                "fixed split": cfg.schedule in ("fixed", "even"), "confidence discount": False,
                "least confidence": False}

    def _density_share(self, ctx: SelectionContext) -> float:
        """The round's share of the budget for the density part, by ``selection.adeada.schedule``."""
        cfg = self.opts
        if not cfg.use_density:
            return 0.0
        if not cfg.use_uncertainty:
            return 1.0
        return schedule_share(cfg.schedule, ctx.round, cfg.alpha, cfg.beta, cfg.density_fraction)

    def _uncertainty_scores(self, target: RegionStats) -> np.ndarray:
        """The uncertainty part's ranking, largest first: mean pixel entropy (Eq. 10)."""
        return target.entropy

    def _class_weights(self, target: RegionStats, cand: np.ndarray, kl: np.ndarray, scored: np.ndarray) -> np.ndarray:
        """Eq. 6's weights sigma(KL_c) (``category_balance``), or 1 for every scored class."""
        return sigma(self.opts.sigma, kl) if self.opts.category_balance else scored.astype(np.float64)

    def _density_part(self, target, cand, pi, kl, scored, b_d, diag) -> np.ndarray:
        cfg = self.opts
        C = target.num_classes
        cand_pred = target.pred[cand]
        lists = [ranked(pi, cand[(cand_pred == c) & np.isfinite(pi[cand])]) if scored[c] else cand[:0]
                 for c in range(C)]
        if cfg.balance_mode == "authors_round_robin":
            # int(log10|KL|); weights <= 0 (|KL| < 10, or NaN) never take, as the authors.
            w = np.where(scored, sigma("authors_log10", kl), 0.0)
            diag["class_weights"] = w.tolist()
            return round_robin(lists, w, target.pixels, b_d, cfg.round_robin_top)
        if cfg.balance_mode != "proportional":
            raise ValueError(f"unknown balance_mode {cfg.balance_mode!r}; expected proportional or authors_round_robin")
        avail = np.array([int(target.pixels[lst].sum()) for lst in lists], np.int64)
        w = np.where(scored, self._class_weights(target, cand, kl, scored), 0.0)
        budgets, leftover = class_budgets(w, b_d, avail)
        diag.update(class_weights=w.tolist(), class_budgets=budgets.tolist(), density_leftover=leftover)
        taken, spent, allotted = [], 0, 0
        for c in np.argsort(-budgets, kind="stable"):
            if budgets[c] <= 0:
                break
            allotted += int(budgets[c])
            rows = take_until(lists[c], target.pixels, allotted - spent)
            spent += int(target.pixels[rows].sum())
            taken.append(rows)
        return np.concatenate(taken) if taken else np.zeros(0, np.int64)


class DensityOnly(ADeADA):
    """DENSITY: density-aware selection alone, budget split evenly over classes (Table 2 row b)."""

    name = "density"
    preset = ABLATION_PRESETS["b"]


# The paper's Table 2 rows as strategies of their own (adeada_a .. adeada_e).
class AblationA(ADeADA):
    """Table 2 row (a): uncertainty only."""

    name, preset = "adeada_a", ABLATION_PRESETS["a"]


class AblationB(ADeADA):
    """Table 2 row (b): density only, equal class split (the same as ``density``)."""

    name, preset = "adeada_b", ABLATION_PRESETS["b"]


class AblationC(ADeADA):
    """Table 2 row (c): density only, category-balanced (Eq. 6)."""

    name, preset = "adeada_c", ABLATION_PRESETS["c"]


class AblationD(ADeADA):
    """Table 2 row (d): both parts, category-balanced, a fixed half-and-half split."""

    name, preset = "adeada_d", ABLATION_PRESETS["d"]


class AblationE(ADeADA):
    """Table 2 row (e): everything on, the dynamic schedule of Eq. 7 (ADeADA's defaults)."""

    name, preset = "adeada_e", ABLATION_PRESETS["e"]
