"""The TUI's import graph has no circle: the app imports its screens and widgets, never the reverse.

Every import counts (module level, inside functions, under `if TYPE_CHECKING:`), as in
../shared/tools/import-cycles: screens and widgets reach the app through rollout.tui.host.Host.
"""

from __future__ import annotations

import ast
from pathlib import Path

import rollout

ROOT = Path(rollout.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """rollout.tui module -> the rollout.tui modules it imports (a `from x import y` of a submodule counts y)."""
    files = {module_name(p): p for p in (ROOT / "tui").rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for module, path in files.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                base = node.module
                if node.level:
                    package = module.split(".")[: -node.level] if path.name != "__init__.py" else module.split(".")
                    base = ".".join([*package, node.module])
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            graph[module] |= {t for t in targets if t in files and t != module}
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_no_module_of_the_tui_imports_itself_back() -> None:
    graph = import_graph()
    circles = {m: sorted(n for n in reachable(graph, m) if m in reachable(graph, n)) for m in graph}
    assert {m: c for m, c in circles.items() if c} == {}


def test_the_graph_sees_function_local_and_type_only_imports() -> None:
    graph = import_graph()
    assert "rollout.tui.screens.regions" in graph["rollout.tui.app"]  # imported inside a method
    assert "rollout.tui.host" in graph["rollout.tui.widgets.base"]  # imported under TYPE_CHECKING
