"""Selection strategies: ``get_strategy(name, cfg)`` builds one from the registry ``STRATEGIES``."""

from .base import STRATEGIES, RankedStrategy, Strategy, get_strategy, register
from . import _load_all  # noqa: F401  (registers the built-in strategies)

__all__ = ["STRATEGIES", "Strategy", "RankedStrategy", "get_strategy", "register"]
