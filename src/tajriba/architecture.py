"""The layers of the code base and a reader of its imports (tests/test_architecture.py, docs/architecture.md).

Three kinds of top-level package:
- foundation: what every feature stands on (settings, errors, translations, the two stores, the web
  shell, the job queue, mail, audit). It imports no domain, so it can be read and tested alone.
- domains: one subject each (accounts, customers, surveys, ...). A domain imports another domain's
  `service` or `schemas` only; the packages import each other without a loop.
- entry points: the app factory, the CLI and `wiring`, which connect the domains (routers, job handlers,
  template filters, workspace set-up), and the demo generator, which plays every domain's part at once.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

FOUNDATION = (
    "config", "errors", "i18n", "calendars", "labels", "logs", "db", "models", "warehouse", "audit",
    "security", "permissions", "periods", "progress", "mail", "sheets", "textdraw", "stats", "commands", "web", "jobs",
    "architecture",
)  # fmt: skip
# lowest first: a domain may use the ones before it (the order the loop check enforces)
DOMAINS = (
    "accounts", "text", "customers", "ingest", "metrics", "journeys", "surveys", "value", "goals", "stories",
    "overview", "cases", "forecasting", "loyalty", "social", "reports", "privacy",
)  # fmt: skip
ENTRY_POINTS = ("app", "cli", "wiring", "demo")
PUBLIC = ("service", "schemas")
ROOT = "tajriba"


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted (a submodule when `from package import submodule`)
    line: int


def package_of(module: str) -> str:
    """The top-level package (or module) of a dotted name: tajriba.metrics.scores -> metrics."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str, root: Path) -> bool:
    rel = Path(*dotted.split(".")[1:])
    return (root / rel).with_suffix(".py").exists() or (root / rel).is_dir()


def imports(root: Path) -> list[Import]:
    """Every import of the package by itself, in any position in a module."""
    found: list[Import] = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    name = ".".join(base + ([node.module] if node.module else []))
                else:
                    name = node.module or ""
                targets = [
                    f"{name}.{alias.name}" if _is_module(f"{name}.{alias.name}", root) else name
                    for alias in node.names
                ]
            found += [
                Import(module, target, node.lineno)
                for target in dict.fromkeys(targets)
                if target.split(".")[0] == ROOT and target != ROOT
            ]
    return found


def package_graph(root: Path) -> dict[str, set[str]]:
    """Which top-level packages each one imports."""
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in imports(root):
        source, target = package_of(imp.source), package_of(imp.target)
        if source != target and source != ROOT and target != "__version__":
            graph[source].add(target)
    return dict(graph)


def loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def diagram(graph: dict[str, set[str]]) -> str:
    """A Mermaid flowchart of the domains, each pointing at those it uses (all stand on the foundation)."""
    lines = ["```mermaid", "flowchart BT"]
    for source in DOMAINS:
        targets = sorted((t for t in graph.get(source, ()) if t in DOMAINS), key=DOMAINS.index)
        lines += [f"  {source} --> {t}" for t in targets] or [f"  {source}"]
    lines.append("```")
    return "\n".join(lines)
