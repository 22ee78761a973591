"""The layer contract of ../shared/docs/DESIGN.md, enforced on every import of the package.

Every ``import`` and ``from ... import`` under ``src/healthintel`` — at module level and inside functions alike —
is read with :mod:`ast` and mapped to the top-level unit it names (``stats``, ``charts``, ``tables`` ...). A unit
may import only units of its own layer or a lower one, and no two packages may import each other (directly or
through others). The graph is printed by ``python tests/test_layers.py`` (the text the closing notes show).
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest


SRC = Path(__file__).resolve().parents[1] / "src" / "healthintel"

#: Layers from the bottom up; a unit imports only units of its own layer or below.
LAYERS: list[tuple[str, set[str]]] = [
    ("base", {"__init__", "config", "errors", "_lazy", "frames", "periods", "polarity"}),
    ("sources", {"sources"}),
    ("geography", {"geography"}),
    ("stats", {"stats"}),
    ("domain", {"deprivation", "obesity", "life_expectancy", "compare", "extracts"}),
    ("synthetic", {"synthetic"}),
    ("presentation", {"charts", "tables", "report", "disclosure", "headlines"}),
    ("chapters", {"chapters"}),
    ("entry points", {"render", "cli"}),
]
LEVEL = {unit: i for i, (_, units) in enumerate(LAYERS) for unit in units}
#: Units that must not import any unit of these (beyond what their layer allows), from DESIGN.md.
FORBIDDEN = {
    "stats": {"config", "sources", "geography"},  # pure statistics: numpy/pandas/scipy and errors/frames only
    "render": {"deprivation", "obesity", "life_expectancy", "compare", "synthetic", "chapters"},
}
#: Third-party display modules the compute layers never import.
DISPLAY = ("IPython", "matplotlib", "seaborn")
COMPUTE = {"sources", "geography", "stats", "domain"}


def _module_name(path: Path) -> tuple[str, bool]:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def _unit(module: str) -> str | None:
    """``healthintel.stats.sii`` -> ``stats``; ``healthintel`` -> ``__init__``; non-healthintel -> None."""
    parts = module.split(".")
    if parts[0] != "healthintel":
        return None
    if len(parts) == 1 or not ((SRC / f"{parts[1]}.py").is_file() or (SRC / parts[1]).is_dir()):
        return "__init__"  # ``from healthintel import __version__``: a name of the package itself
    return parts[1]


def imports() -> list[tuple[str, str, str, int]]:
    """``(importing module, imported module, importing file, line)`` for every import in the package."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        module, is_package = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    prefix = ".".join(base + ([node.module] if node.module else []))
                    targets = [f"{prefix}.{a.name}" for a in node.names] if node.module is None else [prefix]
                else:
                    targets = [node.module or ""]
            else:
                continue
            found += [(module, t, str(path.relative_to(SRC.parent.parent)), node.lineno) for t in targets]
    return found


def unit_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for src, dst, _, _ in imports():
        a, b = _unit(src), _unit(dst)
        if a and b and a != b:
            graph[a].add(b)
    return graph


def test_every_unit_has_a_layer():
    units = {_unit(m) for m, _, _, _ in imports()} | {p.stem if p.is_file() else p.name for p in SRC.iterdir()
                                                      if (p.suffix == ".py" or (p / "__init__.py").exists())}
    missing = sorted(u for u in units if u and u not in LEVEL)
    assert not missing, f"give these a layer in tests/test_layers.py LAYERS: {missing}"


def test_imports_only_point_down():
    upward = []
    for src, dst, path, line in imports():
        a, b = _unit(src), _unit(dst)
        if not a or not b or a == b:
            continue
        if LEVEL.get(b, -1) > LEVEL.get(a, -1) or b in FORBIDDEN.get(a, set()):
            upward.append(f"{path}:{line}: {src} imports {dst} ({a} -> {b})")
    assert not upward, "imports that point up (or break a rule of DESIGN.md):\n" + "\n".join(upward)


def test_no_cycles_between_packages():
    graph = unit_graph()
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in stack:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif len(stack) < len(graph) + 1:
                visit(nxt, stack + [nxt])

    for start in sorted(graph):
        visit(start, [start])
    assert not cycles, "import cycles between packages:\n" + "\n".join(sorted(set(cycles)))


def test_compute_layers_import_no_display_library():
    bad = []
    for src, dst, path, line in imports():
        a = _unit(src)
        layer = LAYERS[LEVEL[a]][0] if a in LEVEL else None
        if layer in COMPUTE and dst.split(".")[0] in DISPLAY:
            bad.append(f"{path}:{line}: {src} imports {dst}")
    assert not bad, "compute-only modules import display libraries:\n" + "\n".join(bad)


@pytest.mark.parametrize("relative", [1, 2, 3])
def test_the_reader_resolves_relative_imports(relative):
    """The reader must see relative imports, or the contract above could pass vacuously."""
    found = {(s, d) for s, d, _, _ in imports()}
    expected = {
        1: ("healthintel.stats.sii", "healthintel.stats._common"),
        2: ("healthintel.sources.fingertips.client", "healthintel.errors"),
        3: ("healthintel.cli", "healthintel.errors"),
    }[relative]
    assert expected in found


def graph_text() -> str:
    graph = unit_graph()
    lines = []
    for name, units in reversed(LAYERS):
        for unit in sorted(units):
            if graph.get(unit):
                lines.append(f"[{name}] {unit} -> {', '.join(sorted(graph[unit], key=lambda u: (-LEVEL[u], u)))}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - prints the graph for the notes
    sys.stdout.write(graph_text() + "\n")
