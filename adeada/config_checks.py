"""Config values that are well typed but would only fail late (after a warm-up, in round 2...).

``load_run_config`` calls :func:`check_values` so that such a value is one clear line before any
work starts, not a traceback an hour into a run.
"""

from __future__ import annotations

import importlib.util
import os
import re
from typing import Any, Callable

from adeada.configtools import ConfigError

_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")

# (dotted key, test, what was expected). A None value is "not set" for the optional fields.
_RULES: list[tuple[str, Callable[[Any], bool], str]] = [
    ("selection.budget_fraction", lambda v: 0.0 < v <= 1.0, "a fraction of the target pool in (0, 1]"),
    ("loop.rounds", lambda v: v >= 1, "at least 1"),
    ("loop.seed", lambda v: v >= 0, "a seed >= 0"),
    ("loop.overlays_per_round", lambda v: v >= 0, ">= 0"),
    ("loop.backbone_memo_mb", lambda v: v >= 0, ">= 0 (0 = off)"),
    ("loop.device", lambda v: bool(_DEVICE.match(v)), "auto, cpu, cuda, cuda:N or mps"),
    ("loop.stats_resize", lambda v: v is None or _size(v), "null or [H, W] with H, W >= 1"),
    ("evaluation.batch_size", lambda v: v >= 1, "at least 1"),
    ("evaluation.num_workers", lambda v: v >= 0, ">= 0"),
    ("evaluation.resize", lambda v: v is None or _size(v), "null or [H, W] with H, W >= 1"),
    ("regions.n_segments", lambda v: v is None or v >= 1, "null or at least 1"),
    ("regions.workers", lambda v: v >= 1, "at least 1"),
    ("regions.compactness", lambda v: v > 0, "> 0"),
    ("selection.alpha", lambda v: v >= 0, ">= 0"),
    ("selection.beta", lambda v: v >= 0, ">= 0"),
    ("selection.density_fraction", lambda v: 0.0 <= v <= 1.0, "a share in [0, 1]"),
    ("selection.density.n_jobs", lambda v: v >= 1, "at least 1"),
    ("selection.adeada_plus.density_fraction", lambda v: 0.0 <= v <= 1.0, "a share in [0, 1]"),
    ("selection.redal.decay", lambda v: 0.0 < v <= 1.0, "a factor in (0, 1]"),
    ("selection.redal.clusters", lambda v: v >= 0, ">= 0 (0 = the regions the budget buys)"),
    ("selection.redal.candidates", lambda v: v >= 1, "at least 1"),
    ("selection.redal.kmeans_iter", lambda v: v >= 1, "at least 1"),
    ("selection.badge.max_candidates", lambda v: v >= 1, "at least 1"),
    ("selection.clue.clusters", lambda v: v >= 0, ">= 0 (0 = the regions the budget buys)"),
    ("selection.clue.max_candidates", lambda v: v >= 1, "at least 1"),
    ("selection.clue.kmeans_iter", lambda v: v >= 1, "at least 1"),
    ("warmup.lambda_adv", lambda v: v >= 0, ">= 0"),
]
for _train in ("warmup.train", "finetune"):
    _RULES += [
        (f"{_train}.iterations", lambda v: v >= 1, "at least 1"),
        (f"{_train}.batch_size", lambda v: v >= 1, "at least 1"),
        (f"{_train}.target_batch_size", lambda v: v is None or v >= 1, "null or at least 1"),
        (f"{_train}.lr", lambda v: v > 0, "a learning rate > 0"),
        (f"{_train}.log_every", lambda v: v >= 1, "at least 1"),
        (f"{_train}.checkpoint_every", lambda v: v >= 0, ">= 0 (0 = only at the end)"),
        (f"{_train}.num_workers", lambda v: v >= 0, ">= 0"),
        (f"{_train}.resize", lambda v: v is None or _size(v), "null or [H, W] with H, W >= 1"),
        (f"{_train}.crop_size", lambda v: v is None or _size(v), "null or [H, W] with H, W >= 1"),
        (f"{_train}.average_last", lambda v: 0 <= v <= 1, "a share of the steps in [0, 1]"),
    ]


def _size(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, int) and x >= 1 for x in v)


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
    for key, ok, expected in _RULES:
        value = _get(cfg, key)
        try:
            good = ok(value)
        except TypeError:
            good = False
        if not good:
            raise ConfigError(f"{where}: {key}={value!r}; expected {expected}")
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

    strategy_class(cfg.selection.strategy)  # an unknown name, one line, before any work
