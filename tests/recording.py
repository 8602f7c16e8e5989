"""A settings dataclass that notes which of its fields are read: how the tests walk the kinds of a
section (layouts, estimators) and check that each reads only what is its own."""

from __future__ import annotations

import dataclasses


def recording(obj, seen: set[str], prefix: str = ""):
    """A copy of the dataclass ``obj`` that adds ``prefix + field`` to ``seen`` on every read of a
    field, its nested sections included (as ``section.field``). Building it runs the classes' own
    checks, which read every field: clear ``seen`` before the code under test runs."""
    cls = type(obj)
    names = {f.name for f in dataclasses.fields(cls)}

    class Recording(cls):
        def __getattribute__(self, name):
            if name in names:
                seen.add(prefix + name)
            return super().__getattribute__(name)

    values = {f.name: getattr(obj, f.name) for f in dataclasses.fields(cls)}
    for name, value in values.items():
        if dataclasses.is_dataclass(value):
            values[name] = recording(value, seen, f"{prefix}{name}.")
    Recording.__name__ = cls.__name__
    return Recording(**values)
