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
    "atomic": 0, "fileformats": 0, "configtools": 0, "devices": 0, "cpu_isa": 0, "parallel": 0, "distributed": 0, "lazy": 0, "configs": 0,
}


# Inside a package, its modules in tiers, highest first: a module may import its own tier and the
# lower ones, never a higher one (a "back arrow": the evaluate phase drawing through the report
# writer, the report reaching into the human-annotation entry point). A package listed here must
# place every module it has; its ``__init__`` (the front door) is above all of them.
INNER: dict[str, list[set[str]]] = {
    "active": [{"suite"}, {"compare"}, {"ray_executor", "loop", "human", "ceiling"}, {"report"}, {"recall", "phases"},
               {"labels", "oracle"}, {"context"}, {"rundir"}],
    "selection": [{"strategies"}, {"density", "pooling", "budget", "category_budget", "types"}, {"stats"}, {"config"}],
    "annotation": [{"cityscapes", "cvat_mask", "folder", "label_studio"}, {"job", "mapping", "brush_rle"}, {"common"}],
    "reports": [{"leaderboard"}, {"compare_tables"},
                {"paired", "tables", "overlay", "plots", "html", "summary", "class_errors", "mispredicted"}, {"palette"}],
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


def _tier(module: str) -> tuple[str, int] | None:
    """(package, tier index: 0 = highest) of a module inside a package of INNER; None elsewhere
    (the package's own ``__init__`` included)."""
    parts = module.split(".")
    if len(parts) < 3 or parts[1] not in INNER:
        return None
    for i, tier in enumerate(INNER[parts[1]]):
        if parts[2] in tier:
            return parts[1], i
    raise AssertionError(f"{module}: place {parts[2]!r} in a tier of INNER[{parts[1]!r}] (tests/test_imports.py)")


def _back_arrows(edges: list[tuple[str, str, int]]) -> list[str]:
    found = []
    for src, dst, line in edges:
        a, b = _tier(src), _tier(dst)
        if a and b and a[0] == b[0] and b[1] < a[1]:
            found.append(f"{src} (line {line}) imports {dst}")
    return found


def test_every_module_of_a_tiered_package_has_a_tier():
    for mod in MODULES:
        _tier(mod)  # raises naming the module


def test_no_back_arrow_inside_a_package():
    backward = _back_arrows(EDGES)
    assert not backward, "inside a package, imports must flow down its tiers (INNER): " + "; ".join(backward)


def test_the_checks_catch_a_backward_edge_and_a_cycle():
    """The checks themselves: a graph with a cycle is found; a backward edge would be listed."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None
    assert LAYERS["selection"] < LAYERS["active"]  # so selection -> active would be reported
    assert ("adeada.active.loop", "adeada.active.phases.select") in {(s, d) for s, d, _ in EDGES}  # edges are read
    # the back arrows this layout once had are reported; a downward edge is not
    assert _back_arrows([("adeada.active.phases.evaluate", "adeada.active.report", 10),
                         ("adeada.active.report", "adeada.active.human", 27),
                         ("adeada.active.report", "adeada.active.phases.select", 5)]) == [
        "adeada.active.phases.evaluate (line 10) imports adeada.active.report",
        "adeada.active.report (line 27) imports adeada.active.human"]
