"""Selection engine: region statistics, budgets, density estimators and strategies.

Plain numpy in, plain numpy out. Two parts load on first use: :func:`compute_region_stats`
(the only code here that touches a model: torch) and the density estimators (scikit-learn),
so that the strategy registry is cheap to import (the CLI's help reads it) and spawned density
workers do not import torch.
"""

from adeada.lazy import lazy_getattr

from .budget import BudgetError, PoolExhaustedError, density_share, round_budget, split_budget, take_until
from .category_budget import class_budgets, round_robin, sigma
from .config import AdeadaConfig, AdeadaPlusConfig, DensityConfig, SelectionConfig
from .stats import RegionStats, RegionStatsError
from .strategies import STRATEGIES, get_strategy, strategy_class
from .types import Selection, SelectionContext

__all__ = [
    "BudgetError", "PoolExhaustedError", "density_share", "round_budget", "split_budget", "take_until",
    "class_budgets", "round_robin", "sigma", "AdeadaConfig", "AdeadaPlusConfig", "DensityConfig", "SelectionConfig", "DensityEstimator",
    "make_estimator", "n_components_for", "DensityFitTimeout", "DensityResult", "density_scores",
    "RegionStats", "RegionStatsError", "Selection", "SelectionContext", "compute_region_stats",
    "get_strategy", "strategy_class", "STRATEGIES",
]

# name -> the module that defines it, imported on first use
_LAZY = {
    "compute_region_stats": "pooling",
    "DensityEstimator": "density", "make_estimator": "density", "n_components_for": "density",
    "DensityFitTimeout": "density", "DensityResult": "density", "density_scores": "density",
}

__getattr__ = lazy_getattr(__name__, globals(), _LAZY)
