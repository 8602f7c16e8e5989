"""The strategy registry: a plain dict, complete, and open to a new strategy by one line."""

import importlib
import inspect
import pkgutil
import subprocess
import sys

import numpy as np
import pytest

import adeada.selection.strategies as strategies_pkg
from adeada.config import load_run_config
from adeada.selection import SelectionConfig, SelectionContext
from adeada.selection.strategies import STRATEGIES, RankedStrategy, Strategy, get_strategy
from selection_testkit import random_table


def test_every_strategy_class_of_the_package_is_registered():
    """A strategy module whose registry line was forgotten fails here, not at run time."""
    defined = set()
    for info in pkgutil.iter_modules(strategies_pkg.__path__):
        module = importlib.import_module(f"{strategies_pkg.__name__}.{info.name}")
        defined |= {obj for _, obj in inspect.getmembers(module, inspect.isclass)
                    if issubclass(obj, Strategy) and obj.__module__ == module.__name__
                    and obj not in (Strategy, RankedStrategy)}
    assert defined and defined <= set(STRATEGIES.values())
    assert all(key == key.lower() and issubclass(cls, Strategy) for key, cls in STRATEGIES.items())
    assert all(STRATEGIES[cls.name] is cls for cls in STRATEGIES.values()), "a class's name is its registry key"


def test_the_registry_loads_without_scikit_learn_or_torch():
    """The CLI's --help reads the registry: it must stay cheap to import."""
    code = ("import sys, adeada.selection.strategies as s; assert len(s.STRATEGIES) > 10; "
            "print(sorted(m for m in ('sklearn', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


class LargestFirst(RankedStrategy):
    """A strategy as a newcomer would add one: this class plus one registry line."""

    name = "largest"
    part = "other"

    def scores(self, target, ctx):
        return target.pixels.astype(np.float64)


def test_a_new_strategy_is_one_class_plus_one_registry_line(monkeypatch):
    from adeada.cli import build_parser

    monkeypatch.setitem(STRATEGIES, "largest", LargestFirst)  # the one registry line
    cfg = load_run_config(None, ["selection.strategy=largest"])  # the config check accepts it
    table = random_table(200, seed=5)
    sel = get_strategy(cfg.selection.strategy, cfg.selection).select(table, 3000, SelectionContext())
    assert table.pixels[sel.rows].min() >= np.sort(table.pixels)[-len(sel.rows)]
    compare = build_parser()._subparsers._group_actions[0].choices["compare"]
    assert "largest" in compare.format_help()  # the CLI's help comes from the registry


def test_baselines_read_their_own_section():
    cfg = load_run_config(None, ["selection.redal.decay=0.5", "selection.badge.max_candidates=7",
                                 "selection.clue.clusters=3"])
    assert (cfg.selection.redal.decay, cfg.selection.badge.max_candidates, cfg.selection.clue.clusters) == (0.5, 7, 3)
    table = random_table(300, seed=2)
    clue = get_strategy("clue", cfg.selection).select(table, 10_000, SelectionContext(rng=np.random.default_rng(0)))
    assert clue.diagnostics["clusters"] == 3
    default = get_strategy("redal", SelectionConfig()).select(table, 10_000, SelectionContext(rng=np.random.default_rng(0)))
    decayed = get_strategy("redal", cfg.selection).select(table, 10_000, SelectionContext(rng=np.random.default_rng(0)))
    assert list(default.rows) != list(decayed.rows)


def test_an_unknown_strategy_names_the_registered_ones():
    with pytest.raises(KeyError, match="expected one of rand, ent"):
        get_strategy("nope")


def test_the_lazy_density_scores_name_stays_the_function():
    """``adeada.selection.density_scores`` is the function however the density package was first
    loaded (here by a density-aware selection, then by importing its module directly)."""
    code = ("import numpy as np, adeada.selection as s; import sys; sys.path.insert(0, 'tests/selection'); "
            "from selection_testkit import random_table; from adeada.selection import DensityConfig; "
            "t = random_table(150, seed=1); cfg = s.SelectionConfig(density=DensityConfig(estimator='gmm_diag', "
            "max_components=2, n_jobs=1)); s.get_strategy('adeada', cfg).select(t, 2000, s.SelectionContext(source=t)); "
            "import adeada.selection.density.scores; from adeada.selection import density_scores; "
            "print(callable(density_scores) and not hasattr(density_scores, '__path__') "
            "and type(density_scores).__name__ == 'function')")
    root = __import__("pathlib").Path(__file__).parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=root)
    assert out.stdout.strip() == "True", out.stderr[-2000:]
