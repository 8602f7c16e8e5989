"""Imports flow one way (docs/architecture.md): a test that fails on a backward edge or a cycle.

Every ``import`` of every module of the package is read with ``ast`` (those inside functions
too: a lazy import is still a dependency), so adding, say, ``from adeada.active import ...`` to
a module of ``selection`` fails here, naming the module and the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import adeada

ROOT = Path(adeada.__file__).parent

# Higher layers may import lower ones (and their own); never the other way. Packages of one layer
# may import each other as long as no cycle forms.
LAYERS: dict[str, int] = {
    "cli": 5,
    "active": 4,
    "config": 3, "config_checks": 3,  # compose each package's own settings
    "selection": 2, "training": 2, "evaluation": 2, "annotation": 2, "reports": 2,
    "models": 1, "regions": 1, "data": 1,
    "atomic": 0, "configtools": 0, "devices": 0, "parallel": 0, "distributed": 0, "lazy": 0, "configs": 0,
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The longest module of the package that ``name`` (a module or a name in one) lies in."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _edges() -> list[tuple[str, str, int]]:
    """(importer, imported module, line) for every import of a module of the package."""
    edges = []
    for mod, path in MODULES.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                stem = ".".join(base + ([node.module] if node.module else []))
                names = [f"{stem}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                target = _resolve(name)
                if target and target != mod and name.startswith("adeada"):
                    edges.append((mod, target, node.lineno))
    return edges


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "adeada"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


EDGES = _edges()


def test_every_top_level_module_has_a_layer():
    units = {_unit(m) for m in MODULES} - {"adeada"}
    assert units <= set(LAYERS), f"place {sorted(units - set(LAYERS))} in a layer of LAYERS (and the docs)"


def test_no_module_imports_a_higher_layer():
    backward = [f"{src} (line {line}) imports {dst}" for src, dst, line in EDGES
                if _unit(src) in LAYERS and _unit(dst) in LAYERS and LAYERS[_unit(src)] < LAYERS[_unit(dst)]]
    assert not backward, "imports must flow cli -> active -> ... -> data: " + "; ".join(backward)


def test_no_cycle_among_packages():
    graph: dict[str, set[str]] = {}
    for src, dst, _ in EDGES:
        if _unit(src) != _unit(dst):
            graph.setdefault(_unit(src), set()).add(_unit(dst))
    assert _cycle(graph) is None, f"package import cycle: {' -> '.join(_cycle(graph))}"


def test_no_cycle_among_modules():
    graph: dict[str, set[str]] = {}
    for src, dst, _ in EDGES:
        graph.setdefault(src, set()).add(dst)
    found = _cycle(graph)
    assert found is None, f"module import cycle: {' -> '.join(found)}"


def test_the_checks_catch_a_backward_edge_and_a_cycle():
    """The checks themselves: a graph with a cycle is found; a backward edge would be listed."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None
    assert LAYERS["selection"] < LAYERS["active"]  # so selection -> active would be reported
    assert ("adeada.active.loop", "adeada.active.phases.select") in {(s, d) for s, d, _ in EDGES}  # edges are read
