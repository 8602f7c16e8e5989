"""The whole run's config: each package's own dataclass, composed; YAML in and out; overrides.

A config file only needs the fields it changes: it is merged over the defaults below, then
``--set section.key=value`` overrides are applied, then everything is checked against the
dataclasses (an unknown key or a wrong type is an error naming the key).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal, Optional

from adeada.config_checks import check_values
from adeada.configtools import ConfigError, apply_overrides, from_dict, merge, read_yaml, to_dict, write_yaml
from adeada.data.config import DatasetConfig
from adeada.evaluation.config import EvalConfig
from adeada.models.config import ModelConfig
from adeada.regions.config import RegionsConfig
from adeada.selection.config import LEGACY_KEYS, SelectionConfig, move_legacy_keys
from adeada.training.config import TrainConfig, WarmupConfig

__all__ = ["RunConfig", "DataConfig", "LoopConfig", "load_run_config", "dump_config", "builtin_config", "ConfigError"]

log = logging.getLogger(__name__)


@dataclass
class DataConfig:
    """The three datasets of a run: labelled source, unlabelled target pool, labelled target test."""

    source: DatasetConfig = field(default_factory=DatasetConfig)
    target_pool: DatasetConfig = field(default_factory=DatasetConfig)
    target_test: DatasetConfig = field(default_factory=DatasetConfig)


@dataclass
class LoopConfig:
    """The active loop.

    Attributes:
        rounds: K, the number of selection rounds (paper: 5).
        seed: the run's seed; round k's selection uses a generator seeded by (seed, k).
        oracle: "ground_truth" reveals labels from the target pool dataset; "human" stops after
            each selection and waits for ``adeada import``.
        warmup_checkpoint: a warm-up model file to start from (else the shared warm-up cache).
        device: "auto" (CUDA when present), "cpu", "cuda", "cuda:1", ...; the one device of the
            run: it replaces ``device`` of the warm-up and fine-tuning settings.
        stats_resize: [H, W] network input size for the statistics pass (None = native size).
        overlays_per_round: how many target images get a selection overlay per round.
        tensorboard: also log metrics to TensorBoard (needs the tensorboard package).
        backbone_memo_mb: with ``model.freeze_backbone``, keep the backbone's output per input
            image in memory (up to this many MB) across rounds and the runs of one ``compare``;
            0 turns it off. Results are identical; only the head is recomputed.
    """

    rounds: int = 5
    seed: int = 0
    oracle: Literal["ground_truth", "human"] = "ground_truth"
    warmup_checkpoint: Optional[str] = None
    device: str = "auto"
    stats_resize: Optional[list[int]] = None
    overlays_per_round: int = 4
    tensorboard: bool = False
    backbone_memo_mb: int = 2048


@dataclass
class RunConfig:
    """Everything one run needs; written as ``config.yaml`` into its run folder."""

    name: str = "run"
    cache_dir: str = "~/.cache/adeada"
    data: DataConfig = field(default_factory=DataConfig)
    regions: RegionsConfig = field(default_factory=RegionsConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    warmup: WarmupConfig = field(default_factory=WarmupConfig)
    finetune: TrainConfig = field(default_factory=TrainConfig)
    selection: SelectionConfig = field(default_factory=SelectionConfig)
    evaluation: EvalConfig = field(default_factory=EvalConfig)
    loop: LoopConfig = field(default_factory=LoopConfig)


# The configs shipped in adeada/configs/, found there (a new file is a new built-in name).
BUILTIN = tuple(sorted(Path(str(p)).stem for p in resources.files("adeada.configs").iterdir()
                       if str(p).endswith(".yaml")))


def builtin_config(name: str) -> Path:
    """Path of a config shipped with adeada (``demo``, ``camvid_day_dusk``, ...)."""
    path = Path(str(resources.files("adeada.configs") / f"{name}.yaml"))
    if not path.is_file():
        raise ConfigError(f"no built-in config {name!r}; built-in configs: {', '.join(BUILTIN)}")
    return path


def resolve_config_path(spec: str | os.PathLike) -> Path:
    """A file path, or the name of a built-in config."""
    path = Path(spec)
    if path.is_file() or path.suffix in (".yaml", ".yml") or os.sep in str(spec):
        return path
    return builtin_config(str(spec))


def load_run_config(path: str | os.PathLike | None = None, overrides: list[str] | None = None) -> RunConfig:
    """Defaults, merged with the YAML file at ``path`` (or a built-in name), then ``overrides``.

    Raises:
        ConfigError: a missing or malformed file, an unknown key, a value of the wrong type, or
            one that would fail late (``adeada.config_checks``).
    """
    data = to_dict(RunConfig())
    bn_flags: dict[str, tuple[str, object]] = {}
    if path is not None:
        cfg_path = resolve_config_path(path)
        data = merge(data, _read_with_base(cfg_path, ()))
        bn_flags.update(_pop_bn_flags(data, f"config file {cfg_path}"))
        data = _check(data, f"config file {cfg_path}")
    data = apply_overrides(data, [new for o in overrides or [] for new in _upgrade_override(o)])
    bn_flags.update(_pop_bn_flags(data, "--set"))
    cfg = _from(data, "--set override" if overrides else "config")
    _check_bn_flags(cfg, bn_flags)
    check_values(cfg, f"config {path}" if path is not None else "config")
    return cfg


# BatchNorm was frozen by model.freeze_bn and, per phase, by its own train.freeze_bn (the two
# ORed). model.freeze_bn is now the only switch; every older run folder's config.yaml holds the
# per-phase keys, so they are still read, and accepted where they agree with it.
_OLD_BN_KEYS = (("warmup", "train", "freeze_bn"), ("finetune", "freeze_bn"))


def _pop_bn_flags(data: dict, where: str) -> dict[str, tuple[str, object]]:
    found = {}
    for path in _OLD_BN_KEYS:
        node = data
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            found[".".join(path)] = (where, node.pop(path[-1]))
    return found


def _check_bn_flags(cfg: "RunConfig", flags: dict[str, tuple[str, object]]) -> None:
    frozen = cfg.model.bn_frozen
    for key, (where, value) in flags.items():
        if value is not frozen:
            raise ConfigError(f"{where}: {key}: {value!r} is no longer read; model.freeze_bn alone freezes "
                              f"BatchNorm in every phase (here {frozen} for arch {cfg.model.arch}): "
                              f"set model.freeze_bn: {str(value).lower()} instead")
        log.warning("%s: %s is no longer read; model.freeze_bn (%s here) freezes BatchNorm in every phase: "
                    "remove it", where, key, frozen)


def _read_with_base(path: Path, seen: tuple[Path, ...]) -> dict:
    """A config file's mapping, merged over the config its ``base:`` key names (a path or a
    built-in name; bases may chain), so that a variant states only what it changes."""
    data = _upgrade(read_yaml(path), f"config file {path}")
    base = data.pop("base", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ConfigError(f"config file {path}: base must be a config name or path, got {base!r}")
    base_path = resolve_config_path(base if os.path.isabs(base) or base in BUILTIN else path.parent / base)
    if base_path.resolve() in seen or base_path.resolve() == path.resolve():
        raise ConfigError(f"config file {path}: base {base!r} leads back to itself")
    return merge(_read_with_base(base_path, seen + (path.resolve(),)), data)


def _upgrade(data: dict, where: str) -> dict:
    """Read the keys an older adeada wrote (every run folder's config.yaml holds them) where
    they live now, with one warning. They go in the release after the next."""
    if isinstance(data.get("selection"), dict):
        try:
            moved = move_legacy_keys(data["selection"])
        except ValueError as err:
            raise ConfigError(f"{where}: {err}") from None
        if moved:
            log.warning("%s: old keys read at their new place (%s); rename them", where, "; ".join(moved))
    return data


def _upgrade_override(text: str) -> list[str]:
    """``selection.redal_decay=0.9`` -> ``[selection.redal.decay=0.9]``, ``selection.dynamic_schedule=false``
    -> ``[selection.schedule=fixed]`` (one warning)."""
    key, sep, value = text.partition("=")
    parts = key.strip().split(".")
    if sep and parts == ["selection", "dynamic_schedule"]:
        import yaml

        flag = yaml.safe_load(value)
        if not isinstance(flag, bool):
            raise ConfigError(f"--set {text.strip()}: not true or false (the key is now selection.schedule: "
                              "half_decay | linear_decay | even | fixed)")
        new = "half_decay" if flag else "fixed"
        log.warning("--set %s: read as selection.schedule=%s (its new name); rename it", text.strip(), new)
        return [f"selection.schedule={new}"]
    if not (sep and len(parts) == 2 and parts[0] == "selection" and parts[1] in LEGACY_KEYS):
        return [text]
    news = [f"selection.{n}" for n in LEGACY_KEYS[parts[1]]]
    log.warning("--set %s: read as %s (its new name); rename it", key.strip(), " and ".join(news))
    return [f"{new}={value}" for new in news]


def _check(data: dict, where: str) -> dict:
    _from(data, where)
    return data


def _from(data: dict, where: str) -> RunConfig:
    try:
        return from_dict(RunConfig, data)
    except ConfigError as err:
        raise ConfigError(f"{where}: {err}") from None


def dump_config(cfg: RunConfig, path: str | os.PathLike) -> None:
    """Write the resolved config as YAML (atomically)."""
    write_yaml(to_dict(cfg), path)
