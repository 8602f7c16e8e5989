"""Names a package exports but loads on first use (PEP 562), so that importing it stays cheap."""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_getattr(package: str, namespace: dict, where: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``package.<where[name]>`` on first use of ``name``.

    The value is then kept in ``namespace`` (the package's globals), so a later access does not
    come back here; were a submodule named like the value, importing it would have bound the
    module under that name, and the value replaces it.
    """
    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        namespace[name] = value
        return value

    return __getattr__
