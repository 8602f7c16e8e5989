"""Typed dataclass configs <-> plain dicts and YAML, strict about keys and types.

Every package keeps the dataclass of its own settings; this module only knows how to move any
such dataclass to and from YAML, and how to apply ``--set a.b=value`` overrides. Unknown keys and
values of the wrong type are errors that name the key path, because a silently ignored typo in a
config is a wasted GPU-day.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from pathlib import Path
from typing import Any, Callable, Literal, TypeVar, Union, get_args, get_origin

import yaml

from adeada.atomic import atomic_write_text

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file or override that does not fit the config's schema."""


def to_dict(obj: Any) -> Any:
    """Turn a (nested) dataclass into plain dicts/lists that YAML can write."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k) if not isinstance(k, int) else k: to_dict(v) for k, v in obj.items()}
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Check ``value`` against the annotation ``tp``; return it converted where that is lossless."""
    if tp is Any:
        return value
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where)
            except ConfigError as err:
                errors.append(str(err))
        raise ConfigError(errors[0] if len(errors) == 1 else f"{where}: {value!r} fits none of {_type_name(tp)}")
    if origin is Literal:
        choices = get_args(tp)
        if value not in choices:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(repr, choices))}")
        return value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping of {tp.__name__} fields, got {value!r}")
        return from_dict(tp, value, where)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        args = get_args(tp)
        item_tp = args[0] if args else Any
        items = [_coerce(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        args = get_args(tp)
        key_tp, val_tp = args if args else (Any, Any)
        return {_coerce(k, key_tp, f"{where} key"): _coerce(v, val_tp, f"{where}.{k}") for k, v in value.items()}
    if tp is float:
        if isinstance(value, str):  # YAML 1.1 reads 1e-4 (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return int(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def from_dict(cls: type[T], data: dict, where: str = "") -> T:
    """Build dataclass ``cls`` from ``data``; unknown keys and wrong types raise ConfigError."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(
            f"unknown config key {prefix}{unknown[0]!s}; {cls.__name__} has: {', '.join(sorted(fields))}"
        )
    kwargs = {}
    for name, value in data.items():
        path = f"{where}.{name}" if where else name
        kwargs[name] = _coerce(value, hints[name], path)
    try:
        return cls(**kwargs)
    except ConfigError as err:  # a settings class's own check (__post_init__): "key=value; expected ..."
        text = str(err)
        raise ConfigError(text if not where or text.startswith(f"{where}.") else f"{where}.{text}") from None


Rule = tuple[Callable[[Any], bool], str]


def is_size(v: Any) -> bool:
    """[H, W] with positive integers (a resize or crop setting)."""
    return isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, int) and x >= 1 for x in v)


SIZE = "null or [H, W] with H, W >= 1"
DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")  # a device setting: auto, cpu, mps, cuda, cuda:N


def check_fields(obj: Any, rules: dict[str, Rule]) -> None:
    """A settings dataclass checks itself in ``__post_init__`` with this: each field's test, in
    the order given (so a bad value is refused where it is made, from a file or from code).

    Raises:
        ConfigError: ``section.field=value; expected ...`` for the first field that fails: the
            section is the class's ``SECTION`` (its one place in the run config) or, for a class
            used at several places, the path ``from_dict`` puts in front.
    """
    prefix = f"{obj.SECTION}." if getattr(obj, "SECTION", "") else ""
    for name, (ok, expected) in rules.items():
        value = getattr(obj, name)
        try:
            good = ok(value)
        except TypeError:
            good = False
        if not good:
            raise ConfigError(f"{prefix}{name}={value!r}; expected {expected}")


def check_unread(obj: Any, kind: str | tuple[str, ...], kind_field: str, sections: dict[str, tuple[str, ...]]) -> None:
    """A section of a kind's options that the chosen kind does not read must keep its defaults.

    ``sections``: each kind -> the option sections it reads; ``kind`` the chosen one (or several
    that may run, e.g. the run's estimator and ADeADA+'s own). A section set away from its
    defaults under another kind would be silently ignored: it is an error naming the kind.

    Raises:
        ConfigError: ``section.key=value is read only by <kinds>, not by <kind>``.
    """
    prefix = f"{obj.SECTION}." if getattr(obj, "SECTION", "") else ""
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    read = {s for k in kinds for s in sections.get(k, ())}
    for name in sorted({s for secs in sections.values() for s in secs} - read):
        section, default = getattr(obj, name), type(getattr(obj, name))()
        for f in dataclasses.fields(section):
            if getattr(section, f.name) != getattr(default, f.name):
                readers = [k for k, secs in sections.items() if name in secs]
                raise ConfigError(f"{prefix}{name}.{f.name}={getattr(section, f.name)!r} is read only by "
                                  f"{kind_field} {' or '.join(readers)}, not by {kind_field} "
                                  f"{' or '.join(repr(k) for k in kinds)}")


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``a.b.c=value`` into the key path and the YAML-parsed value."""
    if "=" not in text:
        raise ConfigError(f"override {text!r} must look like section.key=value")
    key, raw = text.split("=", 1)
    parts = [p for p in key.strip().split(".") if p]
    if not parts:
        raise ConfigError(f"override {text!r} names no key")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as err:
        raise ConfigError(f"override {text!r}: value is not valid YAML ({err})") from None
    return parts, value


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Apply dotted overrides to a nested dict (missing sections are created; the schema checks keys)."""
    for text in overrides:
        parts, value = parse_override(text)
        node = data
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise ConfigError(f"override {text!r}: {part} is a value, not a section")
            node = child
        node[parts[-1]] = value
    return data


def merge(base: dict, update: dict) -> dict:
    """Recursively merge ``update`` into a copy of ``base`` (mappings merge, everything else replaces)."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def read_yaml(path: str | os.PathLike) -> dict:
    """Read a YAML mapping, with errors that name the file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ConfigError(f"config file {path} is not valid YAML: {err}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping at the top, not {type(data).__name__}")
    return data


def write_yaml(data: dict, path: str | os.PathLike) -> None:
    """Write a mapping as YAML, atomically."""
    atomic_write_text(path, yaml.safe_dump(data, sort_keys=False))
