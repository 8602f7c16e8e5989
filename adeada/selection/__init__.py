"""Selection engine: region statistics, budgets, density estimators and strategies.

Plain numpy in, plain numpy out; only :func:`compute_region_stats` touches a model (imported
lazily, so spawned density workers do not import torch).
"""

from .budget import BudgetError, PoolExhaustedError, density_share, round_budget, split_budget, take_until
from .category_budget import class_budgets, round_robin, sigma
from .config import DensityConfig, SelectionConfig
from .density import DensityEstimator, make_estimator, n_components_for
from .density_scores import DensityFitTimeout, DensityResult, density_scores
from .stats import RegionStats, RegionStatsError
from .types import Selection, SelectionContext

__all__ = [
    "BudgetError", "PoolExhaustedError", "density_share", "round_budget", "split_budget", "take_until",
    "class_budgets", "round_robin", "sigma", "DensityConfig", "SelectionConfig", "DensityEstimator",
    "make_estimator", "n_components_for", "DensityFitTimeout", "DensityResult", "density_scores",
    "RegionStats", "RegionStatsError", "Selection", "SelectionContext", "compute_region_stats",
    "get_strategy", "STRATEGIES",
]


def __getattr__(name: str):
    if name == "compute_region_stats":
        from .pooling import compute_region_stats
        return compute_region_stats
    if name in ("get_strategy", "STRATEGIES"):
        from . import strategies
        return getattr(strategies, name)
    raise AttributeError(f"module 'adeada.selection' has no attribute {name!r}")
