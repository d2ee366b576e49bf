"""The import graph of hirebot's packages: no cycle, and no arrow pointing up a layer.

Read from the source (ast), not by importing, so that an import hidden in a function counts
like any other. The layers, lowest first, are the ones ARCHITECTURE.md draws."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "db", "rubrics")

# (layer, module prefixes). A module belongs to the layer of its longest matching prefix.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("data", ("db", "rubrics")),
    (
        "core",
        (
            "bot",
            "bot.clock",
            "bot.config",
            "bot.errors",
            "bot.mrkdwn",
            "bot.logsafety",
            "bot.background",
            "bot.events",
            "bot.edge",
            "bot.logs",
            "bot.memory",
            "bot.fields",
        ),
    ),
    ("services", ("bot.services",)),
    # Outbound adapters: they implement the services' ports (and count what the services do).
    ("adapters", ("bot.slack_gateway", "bot.metrics", "bot.ops_http")),
    ("container", ("bot.container",)),
    (
        "presentation",
        (
            "handlers.ids",
            "handlers.parsing",
            "handlers.builders",
            "bot.agreement_report",
            "bot.charts",
            "bot.load_report",
            "bot.reports",
        ),
    ),
    ("edge", ("handlers",)),
    (
        "composition root",
        (
            "bot.bootstrap",
            "bot.app",
            "bot.web",
            "bot.cli",
            "bot.scheduler",
            "bot.startup",
            "bot.gunicorn_conf",
            "bot.importer",
        ),
    ),
]
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _parse(path: Path) -> ast.Module:
    source = path.read_text(encoding="utf-8")
    try:
        return ast.parse(source)
    except SystemError:
        # CPython 3.11 < 3.11.9 shares ast's recursion counter between threads (gh-106905): a
        # traceback printed by any other thread at the same moment trips it. The source is fine;
        # parsing it again is the whole workaround.
        return ast.parse(source)


def _graph() -> dict[str, set[str]]:
    known = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in known.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in targets:
                resolved = _resolve(target, known)
                if resolved and resolved != module:
                    graph[module].add(resolved)
        graph.setdefault(module, set())
    return graph


def layer_of(module: str) -> str:
    best, length = None, -1
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                best, length = name, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def upward_arrows(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{a} ({layer_of(a)}) -> {b} ({layer_of(b)})"
        for a, targets in graph.items()
        for b in targets
        if RANK[layer_of(b)] > RANK[layer_of(a)]
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_import_graph_has_no_cycle():
    assert cycles(_graph()) == []


def test_no_import_points_up_a_layer():
    assert upward_arrows(_graph()) == []


def test_the_checks_can_fail():
    """The two checks above are only worth something if they see a cycle and an upward arrow."""
    graph = {"bot.services.loops": {"handlers.loops"}, "handlers.loops": {"bot.services.loops"}}
    assert cycles(graph) == [["bot.services.loops", "handlers.loops"]]
    assert upward_arrows(graph) == ["bot.services.loops (services) -> handlers.loops (edge)"]
