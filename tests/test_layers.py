"""The import graph of bot/, handlers/ and storage/: no circles, and no arrow from a layer to one above it.

Every `import` and `from … import` counts, at module level, inside functions and under TYPE_CHECKING alike:
a lazy import hides a circle from Python but not from the next reader. The layers, lowest first:

    0 base      bot.i18n (strings), bot.timeutil, bot.logging_setup, bot.payload_check: import no project module
    1 storage   tables, repositories, migrations: no bot code
    2 domain    bot.domain: pure rules and value types
    3 infra     bot.settings, bot.slack_client, bot.user_directory, bot.deps: configuration and the wiring
                every use case receives (settings reads bot.domain for ANONYMITY_MIN's floor)
    3 blocks    bot.blocks: Block Kit builders; may import only bot.domain, bot.i18n, bot.timeutil and other blocks
    4 services  bot.services: use cases, each owning its transaction
    5 handlers  handlers: Slack listeners
    6 runtime   bot.app, bot.scheduler, bot.lifecycle, bot.web, bot.http_server, bot.socket_mode, bot.cli_*,
                bot.__main__: the composition roots that start things

A module may import its own layer or any lower one, except that blocks import only what is named above and
handlers don't import storage (they call a service, which owns the session). There are no exceptions: an arrow
that seems needed means a value type belongs lower (bot.domain) or a read belongs in a service.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")

BASE = {"bot.i18n", "bot.timeutil", "bot.logging_setup", "bot.payload_check"}
INFRA = {"bot.settings", "bot.slack_client", "bot.user_directory", "bot.deps", "bot.installations"}
BLOCKS_MAY_IMPORT = ("bot.domain", "bot.i18n", "bot.timeutil", "bot.blocks")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The project module that `name` (a module or a name inside one) lives in."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets: set[str] = set()
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(filter(None, (_owner(alias.name, modules) for alias in node.names)))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                for alias in node.names:
                    # `from bot.services import rounds` imports the module bot.services.rounds
                    owner = _owner(f"{source}.{alias.name}", modules) if source else None
                    if owner != f"{source}.{alias.name}":
                        owner = _owner(source, modules)
                    if owner:
                        targets.add(owner)
        targets.discard(module)
        graph[module] = targets
    return graph


def layer_of(module: str) -> int:
    if any(module == m or module.startswith(m + ".") for m in BASE):
        return 0
    if module.split(".")[0] == "storage":
        return 1
    if module.startswith("bot.domain"):
        return 2
    if module in INFRA or module.startswith("bot.blocks"):
        return 3
    if module.startswith("bot.services"):
        return 4
    if module.split(".")[0] == "handlers":
        return 5
    return 6  # the composition roots; a new module under bot/ lands here until it is given a layer


def upward_arrows(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    arrows = set()
    for importer, targets in graph.items():
        for target in targets:
            if importer.startswith("bot.blocks"):
                if not target.startswith(BLOCKS_MAY_IMPORT):
                    arrows.add((importer, target))
            elif layer_of(target) > layer_of(importer) or (importer.startswith("handlers") and layer_of(target) == 1):
                arrows.add((importer, target))
    return arrows


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_lazy_and_type_checking_imports() -> None:
    graph = import_graph()
    assert "storage.models" in graph["storage.repositories"]
    assert "bot.services.jobs" in graph["bot.scheduler"]  # inside a method
    assert "bot.blocks.tough" in graph["bot.services.tough"]  # inside a function
    assert "bot.services.rounds" in graph["handlers.home"]  # `from bot.services import … rounds …`


def test_layer_table() -> None:
    cases = {
        "bot.i18n.parts.home": 0,
        "storage.repositories": 1,
        "bot.domain.anonymity": 2,
        "bot.settings": 3,
        "bot.blocks.report": 3,
        "bot.services.rounds": 4,
        "handlers.home": 5,
        "bot.scheduler": 6,
        "bot.app": 6,
    }
    assert {module: layer_of(module) for module in cases} == cases


def test_no_import_circles() -> None:
    assert cycles(import_graph()) == []


def test_no_arrow_points_to_a_layer_above() -> None:
    arrows = sorted(upward_arrows(import_graph()))
    assert arrows == [], f"imports from a layer above (see the layers in {Path(__file__).name}): {arrows}"


def test_the_checks_catch_what_they_are_for() -> None:
    graph = {
        "bot.domain.a": {"bot.services.b"},
        "bot.services.b": {"bot.domain.a", "storage.db"},
        "bot.blocks.c": {"storage.db"},
        "handlers.d": {"storage.db", "bot.services.b", "handlers.e"},
        "handlers.e": {"bot.domain.a"},
    }
    assert cycles(graph) == [["bot.domain.a", "bot.services.b"]]
    assert upward_arrows(graph) == {
        ("bot.domain.a", "bot.services.b"),
        ("bot.blocks.c", "storage.db"),
        ("handlers.d", "storage.db"),
    }
