"""The rules that span sections of a run config, checked before any work starts.

Each settings dataclass checks its own values where it is made (``__post_init__``; a bad value is
one line naming its key). What is left here needs more than one section, the file system or a
registry: the rounds' budgets against the pool, files that must exist, a device set in a phase
that the run's one device replaces, names in a registry, and values a strategy's preset would
replace. ``load_run_config`` calls :func:`check_values`, so each is one clear line before any
work, not a traceback an hour into a run.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from adeada.configtools import ConfigError


def _get(cfg: Any, key: str) -> Any:
    for part in key.split("."):
        cfg = getattr(cfg, part)
    return cfg


def check_values(cfg: Any, where: str = "config") -> None:
    """Check the values of a parsed ``RunConfig`` that would otherwise fail late.

    Policy for the pool: the K rounds together may ask for at most the whole target pool
    (``loop.rounds x selection.budget_fraction <= 1``); a run asking for more is refused here.
    Within that limit each round takes its budget, the last region of a round may overshoot it,
    and a round that finds fewer pixels left than its budget takes all that is left.

    Raises:
        ConfigError: one line naming the key, the value and what was expected.
    """
    asked = cfg.loop.rounds * cfg.selection.budget_fraction
    if asked > 1.0 + 1e-9:
        raise ConfigError(
            f"{where}: loop.rounds={cfg.loop.rounds} x selection.budget_fraction={cfg.selection.budget_fraction} "
            f"asks for {100 * asked:.0f}% of the target pool; expected at most 100% "
            "(lower one of them)")
    for key in ("loop.warmup_checkpoint", "model.weights_path"):
        value = _get(cfg, key)
        if value and not os.path.isfile(os.path.expanduser(value)):
            raise ConfigError(f"{where}: {key}={value!r}: file not found; expected an existing checkpoint file")
    for key in ("finetune.device", "warmup.train.device"):  # loop.device replaces both in a run
        value = _get(cfg, key)
        if value not in ("auto", cfg.loop.device):
            raise ConfigError(f"{where}: {key}={value!r} is not read in a run: loop.device ({cfg.loop.device!r}) is "
                              f"the run's one device; set loop.device: {value} instead")
    if cfg.loop.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise ConfigError(f"{where}: loop.tensorboard=true but TensorBoard is not installed; "
                          "pip install tensorboard, or set loop.tensorboard=false")
    from adeada.data import LAYOUTS
    from adeada.models import MODELS
    from adeada.selection import strategy_class

    if cfg.model.arch not in MODELS:
        raise ConfigError(f"{where}: model.arch={cfg.model.arch!r}; expected one of {', '.join(MODELS)}")

    for name in ("source", "target_pool", "target_test"):
        kind = getattr(cfg.data, name).kind
        if kind not in LAYOUTS:
            raise ConfigError(f"{where}: data.{name}.kind={kind!r}; expected one of {', '.join(LAYOUTS)}")

    strategy_class(cfg.selection.strategy)(cfg.selection)  # an unknown name: one line, before any work


def _differences(asked: Any, used: Any, path: str) -> list[tuple[str, Any, Any]]:
    """(dotted key, asked, used) of every leaf where two settings dataclasses differ."""
    import dataclasses

    if dataclasses.is_dataclass(asked):
        return [d for f in dataclasses.fields(asked)
                for d in _differences(getattr(asked, f.name), getattr(used, f.name), f"{path}.{f.name}")]
    return [] if asked == used else [(path, asked, used)]


def check_presets(selection: Any, strategy: Any, where: str = "config") -> None:
    """A value the user set that the strategy's own preset replaces would be silently ignored (an
    ablation row's switches, ADeADA+'s split and estimator): refuse it, naming the key. Checked
    when ``adeada run`` starts a run (not when a config is read: a comparison's rows are presets
    over one config by design, and a run folder's config.yaml must load as written).

    A value equal to the default is not "set" (every config file holds every key once written
    to a run folder).

    Raises:
        ConfigError: one line naming the strategy, the key, what was asked and what it runs with.
    """
    from adeada.selection.config import SelectionConfig

    default = SelectionConfig()
    for key, asked, used in _differences(selection, strategy.runs_with(), "selection"):
        if asked != _get(default, key.removeprefix("selection.")):
            raise ConfigError(f"{where}: {key}={asked!r} is not what strategy {strategy.name!r} runs with "
                              f"(its preset sets {used!r}); remove the key or choose another strategy")

