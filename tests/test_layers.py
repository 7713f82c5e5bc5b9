"""The layers of the code base, checked from the source: no module imports a package of a
higher floor, and no two modules import each other, directly or around a loop.

Floors, lowest first (``docs/architecture.md`` draws them):
core → storage → runner → actors/{generate, normalize, coverage} → loadgen →
actors (engine, jobs, workers…) → orchestrator.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "storage", "runner", "actors", "loadgen", "orchestrator")
# (floor, module prefixes on it); the longest matching prefix places a module.
FLOORS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (0, ("core",)),
    (1, ("storage",)),
    (2, ("runner",)),
    (3, ("actors.generate", "actors.normalize", "actors.coverage")),
    (4, ("loadgen",)),
    (5, ("actors",)),
    (6, ("orchestrator",)),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                modules[module_name(path)] = path
    return modules


def floor_of(module: str) -> int:
    best: tuple[int, int] | None = None  # (prefix length, floor)
    for floor, prefixes in FLOORS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[0]
            ):
                best = (len(prefix), floor)
    assert best is not None, module
    return best[1]


@cache
def bound_names(module: str) -> frozenset[str]:
    """Names a module binds at its top level (imports, definitions, assignments)."""
    path = project_modules().get(module)
    if path is None:
        return frozenset()
    names: set[str] = set()
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(names)


def imported_modules(module: str, path: Path) -> Iterator[tuple[int, str]]:
    """``(line, module)`` for every project module ``path`` imports, at any depth of the
    file (function-level imports count: they are dependencies all the same)."""
    modules = project_modules()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import mod`` depends on pkg.mod when that is a module, unless
            # pkg's __init__ binds the name itself (then it is what the import gets).
            names = [
                f"{base}.{alias.name}"
                if f"{base}.{alias.name}" in modules and alias.name not in bound_names(base)
                else base
                for alias in node.names
            ]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                yield node.lineno, name


def import_graph() -> dict[str, set[str]]:
    return {
        module: {target for _line, target in imported_modules(module, path)}
        for module, path in project_modules().items()
    }


def test_every_project_module_is_on_a_floor() -> None:
    assert len(project_modules()) > 150
    for module in project_modules():
        floor_of(module)


def test_no_module_imports_a_higher_floor() -> None:
    upward = [
        f"{path.relative_to(ROOT)}:{line} ({module}, floor {floor_of(module)}) imports "
        f"{target} (floor {floor_of(target)})"
        for module, path in project_modules().items()
        for line, target in imported_modules(module, path)
        if floor_of(target) > floor_of(module)
    ]
    assert upward == []


def test_no_import_loops_between_modules() -> None:
    graph = import_graph()
    loops = [sorted(component) for component in strongly_connected(graph) if len(component) > 1]
    assert loops == []


def test_callers_outside_the_runner_use_its_public_surface() -> None:
    reaching_in = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for module, path in project_modules().items()
        if not module.startswith("runner")
        for line, target in imported_modules(module, path)
        if target.startswith("runner.")
    ]
    assert reaching_in == []


def test_the_checks_see_an_upward_import_and_a_loop() -> None:
    # The checks above would pass on an empty graph; prove they read real imports.
    graph = import_graph()
    assert "core.errors" in graph["storage.events.base"]
    assert any(target.startswith("runner.") for target in graph["runner.execute"])
    assert floor_of("actors.generate.loader") < floor_of("loadgen.config")
    assert floor_of("actors.jobs.run") > floor_of("loadgen.config")
    assert [sorted(c) for c in strongly_connected({"a": {"b"}, "b": {"a"}}) if len(c) > 1] == [
        ["a", "b"]
    ]


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components
