"""The layer rules of docs/architecture.md, checked on the source (an AST walk, no imports):

- the pure packages (content, quiz, tips, stats) and the domain types import neither
  aiogram nor the database;
- the database layer does not import services or handlers;
- services do not import handlers, and handlers reach storage only through services;
- the emulator is a leaf: it imports nothing else from the application;
- there are no import cycles between modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = modules()


def resolve(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(name: str, *, top_level_only: bool = False) -> Iterator[str]:
    """Every module `name` imports (`from a import b` counts `a.b` when it is a module)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            target = resolve(node, name, path.name == "__init__.py")
            yield target
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    yield f"{target}.{alias.name}"


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


RULES = [
    # (who, must not import, why)
    ("bot.content", ("aiogram", "aiosqlite", "bot.db", "bot.services", "handlers"), "pure"),
    ("bot.quiz", ("aiogram", "aiosqlite", "bot.db", "bot.services", "handlers"), "pure"),
    ("bot.tips", ("aiogram", "aiosqlite", "bot.db", "bot.services", "handlers"), "pure"),
    ("bot.stats", ("aiogram", "aiosqlite", "bot.db", "bot.services", "handlers"), "pure"),
    ("bot.domain", ("aiogram", "aiosqlite", "bot.db", "bot.services", "handlers"), "pure"),
    ("bot.db", ("bot.services", "handlers", "aiogram.types", "aiogram.dispatcher"), "storage"),
    ("bot.services", ("handlers",), "services do not know the handlers"),
    ("handlers", ("bot.db", "aiosqlite"), "handlers talk to services only"),
]


@pytest.mark.parametrize(("who", "forbidden", "why"), RULES)
def test_layer_rules(who: str, forbidden: tuple[str, ...], why: str) -> None:
    broken = sorted(
        f"{name} imports {target}"
        for name in MODULES
        if within(name, who)
        for target in imports(name)
        if any(within(target, bad) for bad in forbidden)
    )
    assert not broken, f"{who} ({why}):\n" + "\n".join(broken)


def test_the_emulator_is_a_leaf() -> None:
    broken = sorted(
        f"{name} imports {target}"
        for name in MODULES
        if within(name, "bot.emulator")
        for target in imports(name)
        if (within(target, "bot") or within(target, "handlers"))
        and not within(target, "bot.emulator")
    )
    assert not broken, "\n".join(broken)


def test_no_import_cycles() -> None:
    """Module-level imports only: an import inside a function is a deliberate late import."""
    graph = {
        name: {t for t in imports(name, top_level_only=True) if t in MODULES and t != name}
        for name in MODULES
    }
    cycles = [sorted(component) for component in strongly_connected(graph) if len(component) > 1]
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[set[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                result.append(component)
    return result


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert sorted(map(sorted, strongly_connected(graph))) == [["a", "b", "c"], ["d"], ["e"]]
