"""The whole run's config: each package's own dataclass, composed; YAML in and out; overrides.

A config file only needs the fields it changes: it is merged over the defaults below, then
``--set section.key=value`` overrides are applied, then everything is checked against the
dataclasses (an unknown key or a wrong type is an error naming the key).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal, Optional

from adeada.config_checks import check_values
from adeada.configtools import (
    DEVICE, SIZE, ConfigError, apply_overrides, check_fields, from_dict, is_size, merge, read_yaml, to_dict, write_yaml,
)
from adeada.data.config import FLAT_DEFAULTS, DatasetConfig, move_flat_keys
from adeada.evaluation.config import EvalConfig
from adeada.models.config import ModelConfig
from adeada.regions.config import RegionsConfig
from adeada.selection.config import LEGACY_KEYS, SelectionConfig, move_legacy_keys
from adeada.training.config import TrainConfig, WarmupConfig

__all__ = ["RunConfig", "DataConfig", "LoopConfig", "load_run_config", "dump_config", "builtin_config", "ConfigError"]

log = logging.getLogger(__name__)

# data.X keys of the flat layout that now live in the kind's section.
FLAT_KEYS = frozenset(FLAT_DEFAULTS) - {"kind", "max_images", "demo"}


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
        cpu_isa: "native" (the CPU kernels use the widest vector code the CPU has) or "avx2"
            (capped at AVX2 on every CPU, the kernels of the machine the benchmarks were made on,
            so that their results come back bit for bit on an AVX-512 CPU too; ``adeada.cpu_isa``).
            The benchmark configs pin it; "native" is faster on AVX-512 and needed for native bf16.
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
    cpu_isa: Literal["native", "avx2"] = "native"

    SECTION = "loop"  # its place in the run config (messages name it)

    def __post_init__(self) -> None:
        check_fields(self, {
            "rounds": (lambda v: v >= 1, "at least 1"), "seed": (lambda v: v >= 0, "a seed >= 0"),
            "overlays_per_round": (lambda v: v >= 0, ">= 0"), "backbone_memo_mb": (lambda v: v >= 0, ">= 0 (0 = off)"),
            "device": (lambda v: bool(DEVICE.match(v)), "auto, cpu, cuda, cuda:N or mps"),
            "stats_resize": (lambda v: v is None or is_size(v), SIZE),
        })


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
    data = apply_config_overrides(data, list(overrides or []))
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
    where = f"config file {path}"
    data = _upgrade(read_yaml(path), where)
    base = data.pop("base", None)
    if base is None:
        return _upgrade_data(data, where, {})
    if not isinstance(base, str):
        raise ConfigError(f"config file {path}: base must be a config name or path, got {base!r}")
    base_path = resolve_config_path(base if os.path.isabs(base) or base in BUILTIN else path.parent / base)
    if base_path.resolve() in seen or base_path.resolve() == path.resolve():
        raise ConfigError(f"config file {path}: base {base!r} leads back to itself")
    under = _read_with_base(base_path, seen + (path.resolve(),))
    # This file's own flat data keys go into its own sections (the kind may come from the base),
    # so that they override the base's as any key of a variant does.
    data = _upgrade_data(data, where, under)
    return merge(forget_other_kinds(under, data), data)


# Mappings whose settings depend on a kind: (path, the kind's key, its default, kind -> sections).
def _kind_sections() -> list[tuple[tuple[str, ...], str, str, dict[str, tuple[str, ...]]]]:
    from adeada.data.config import LAYOUT_SECTIONS
    from adeada.selection.config import ESTIMATOR_SECTIONS

    return [*((("data", name), "kind", "demo", LAYOUT_SECTIONS) for name in ("source", "target_pool", "target_test")),
            (("selection", "density"), "estimator", "gmm_full", ESTIMATOR_SECTIONS)]


def _node(tree: dict, path: tuple[str, ...]) -> dict | None:
    for part in path:
        tree = tree.get(part) if isinstance(tree, dict) else None
    return tree if isinstance(tree, dict) else None


def forget_other_kinds(base: dict, update: dict) -> dict:
    """``base`` without the sections of a kind that ``update`` replaces: a variant that moves a
    dataset to another layout (or the density step to another estimator) does not inherit the
    old layout's settings, which its new kind would refuse as unread. Returns a copy."""
    import copy

    out = copy.deepcopy(base)
    for path, key, default, sections in _kind_sections():
        new, old = _node(update, path), _node(out, path)
        if new is None or old is None or key not in new or new[key] == old.get(key, default):
            continue
        keep = set(sections.get(new[key], ()))
        if path == ("selection", "density"):  # ADeADA+'s own estimator still reads its sections
            keep |= set(sections.get(_plus_estimator(update, out), ()))
        for name in {s for secs in sections.values() for s in secs} - keep:
            old.pop(name, None)
        for flat in FLAT_KEYS if path[0] == "data" else ():  # the old layout's keys of the old kind
            old.pop(flat, None)
    return out


def _plus_estimator(*trees: dict) -> str | None:
    """``selection.adeada_plus.estimator`` as the first tree that sets it says, else its default."""
    from adeada.selection.config import AdeadaPlusConfig

    for tree in trees:
        plus = _node(tree, ("selection", "adeada_plus"))
        if plus is not None and "estimator" in plus:
            return plus["estimator"]
    return AdeadaPlusConfig().estimator


def _forget_for_overrides(data: dict, overrides: list[str]) -> dict:
    """``--set data.X.kind=...`` (or ``selection.density.estimator=...``): the config's sections of
    the kind it replaces go back to their defaults, as a variant file's would."""
    from adeada.configtools import parse_override

    update: dict = {}
    for text in overrides:
        parts, value = parse_override(text)
        for path, key, _, _ in _kind_sections():
            if tuple(parts) == (*path, key):
                node = update
                for part in path:
                    node = node.setdefault(part, {})
                node[key] = value
    if not update:
        return data
    defaults = to_dict(RunConfig())
    out = forget_other_kinds(data, update)
    for path, _, _, sections in _kind_sections():
        node, fresh = _node(out, path), _node(defaults, path)
        if node is None or fresh is None:
            continue
        for name in {s for secs in sections.values() for s in secs}:
            node.setdefault(name, fresh[name])  # forgotten sections back at their defaults
    return out


def _upgrade(data: dict, where: str) -> dict:
    """Read the keys an older adeada wrote (every run folder's config.yaml holds them) where
    they live now, with one warning. They go in the release after the next."""
    if isinstance(data.get("selection"), dict):
        try:
            moved = move_legacy_keys(data["selection"])
        except ValueError as err:
            raise ConfigError(f"{where}: {err}") from None
        for text in moved:  # one line per key: each is a rename to make
            log.warning("%s: old key read at its new place: %s; rename it", where, text)
        plus = data["selection"].get("adeada_plus")
        if isinstance(plus, dict) and set(_DUMPED_PLUS_KEYS) <= set(plus):
            # A run folder's config from before a key of ADeADA+ existed ran what it then did.
            for key, (value, said) in _PLUS_KEYS_ADDED.items():
                if key not in plus:
                    plus[key] = value
                    log.warning("%s: selection.adeada_plus has no %s key (written before it existed): read as "
                                "%s, as it ran", where, key, said)
    return data


# The keys of selection.adeada_plus when it was first written to run folders (issue 12).
_DUMPED_PLUS_KEYS = ("fixed_split", "density_fraction", "learnt_discount")
# Keys added to selection.adeada_plus since, with what a run folder written before each ran:
# its own estimator (issue 24; before it, the config's) and the uncertainty ranking (issue 23;
# before it, entropy).
_PLUS_KEYS_ADDED = {"estimator": (None, "null, the config's estimator"), "uncertainty": ("entropy", "entropy")}


def _upgrade_override(text: str) -> list[str]:
    """``selection.redal_decay=0.9`` -> ``[selection.redal.decay=0.9]``, ``selection.alpha=0.5`` ->
    ``[selection.adeada.alpha=0.5]``, ``selection.dynamic_schedule=false`` ->
    ``[selection.adeada.schedule=fixed]`` (one warning each)."""
    key, sep, value = text.partition("=")
    parts = key.strip().split(".")
    if sep and parts == ["selection", "dynamic_schedule"]:
        import yaml

        flag = yaml.safe_load(value)
        if not isinstance(flag, bool):
            raise ConfigError(f"--set {text.strip()}: not true or false (the key is now selection.adeada.schedule: "
                              "half_decay | linear_decay | even | fixed)")
        new = "half_decay" if flag else "fixed"
        log.warning("--set %s: read as selection.adeada.schedule=%s (its new name); rename it", text.strip(), new)
        return [f"selection.adeada.schedule={new}"]
    old = ".".join(parts[1:])
    if not (sep and len(parts) >= 2 and parts[0] == "selection" and old in LEGACY_KEYS):
        return [text]
    news = [f"selection.{n}" for n in LEGACY_KEYS[old]]
    log.warning("--set %s: read as %s (its new name); rename it", key.strip(), " and ".join(news))
    return [f"{new}={value}" for new in news]


upgrade_override = _upgrade_override  # the sweeps of ``adeada compare`` read their keys the same way


def _upgrade_data(data: dict, where: str, under: dict) -> dict:
    """One config file's ``data.X`` mappings in the flat layout (before each layout had its
    section) read into their kind's section, one warning line per key; the kind is the file's,
    else the one of ``under`` (the file's ``base:`` chain, already read)."""
    for name in ("source", "target_pool", "target_test"):
        mapping = (data.get("data") or {}).get(name) if isinstance(data.get("data"), dict) else None
        if not isinstance(mapping, dict):
            continue
        inherited = (_node(under, ("data", name)) or {}).get("kind", "demo")
        try:
            moved = move_flat_keys(mapping, f"data.{name}", default_kind=inherited)
        except ConfigError as err:
            raise ConfigError(f"{where}: {err}") from None
        for text in moved:
            if text.endswith(" dropped"):  # a setting the old layout held but never read
                log.warning("%s: %s", where, text)
            else:
                log.warning("%s: old key read at its new place: %s; rename it", where, text)
    return data


def _upgrade_data_overrides(overrides: list[str], data: dict) -> list[str]:
    """``--set data.source.root=x`` -> ``data.source.<kind>.root=x``, the kind being the last one
    the same overrides give, else the config's (one warning each, whatever their order).

    Raises:
        ConfigError: the flat key is not a setting of that kind.
    """
    from adeada.data.config import SECTION_TYPES

    kinds = {name: (data.get("data", {}).get(name) or {}).get("kind", "demo") for name in ("source", "target_pool", "target_test")}
    for text in overrides:
        key, sep, value = text.partition("=")
        parts = key.strip().split(".")
        if sep and len(parts) == 3 and parts[0] == "data" and parts[1] in kinds and parts[2] == "kind":
            kinds[parts[1]] = value.strip()
    out = []
    for text in overrides:
        key, sep, value = text.partition("=")
        parts = key.strip().split(".")
        if sep and len(parts) == 3 and parts[0] == "data" and parts[1] in kinds and parts[2] in FLAT_KEYS:
            kind = kinds[parts[1]]
            readers = [k for k, cls in SECTION_TYPES.items() if parts[2] in {f.name for f in dataclasses.fields(cls)}]
            if kind not in readers:
                raise ConfigError(f"--set {key.strip()}: a setting of kind {' or '.join(readers)} "
                                  f"(data.{parts[1]}.<kind>.{parts[2]}), not of kind {kind!r}")
            new = f"data.{parts[1]}.{kind}.{parts[2]}"
            log.warning("--set %s: read as %s (its new name); rename it", key.strip(), new)
            text = f"{new}={value}"
        out.append(text)
    return out


def apply_config_overrides(data: dict, overrides: list[str]) -> dict:
    """``--set`` overrides (and a sweep row's) on a config mapping, as ``load_run_config`` reads
    them: old keys at their new place, a switched kind's old sections forgotten."""
    upgraded = _upgrade_data_overrides([new for o in overrides for new in _upgrade_override(o)], data)
    return apply_overrides(_forget_for_overrides(data, upgraded), upgraded)


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
