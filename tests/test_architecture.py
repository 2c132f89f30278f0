"""The house keeps its shape (docs/architecture.md): import boundaries read from the source.

Every `import` counts, wherever it is written (top of a module, inside a function, under TYPE_CHECKING):
an import hidden in a function is still a dependency.

- Foundation packages import no domain and no entry point.
- A domain imports another domain's `service` or `schemas` only, never its internals.
- Packages import each other without a loop, so every package can be read, tested and replaced from
  the bottom up.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tajriba import architecture

SRC = Path(__file__).resolve().parents[1] / "src" / "tajriba"


def test_every_package_has_a_layer() -> None:
    """A new top-level package or module is placed in a layer before it is used."""
    known = set(architecture.FOUNDATION) | set(architecture.DOMAINS) | set(architecture.ENTRY_POINTS)
    found = {p.stem for p in SRC.glob("*.py")} | {p.name for p in SRC.iterdir() if any(p.glob("*.py"))}
    found -= {"__init__", "__main__"}
    assert sorted(found - known) == [], "place it in tajriba/architecture.py"
    assert sorted(known - found) == []


def test_foundation_imports_no_domain() -> None:
    bad = [
        f"{imp.source}:{imp.line} imports {imp.target}"
        for imp in architecture.imports(SRC)
        if architecture.package_of(imp.source) in architecture.FOUNDATION
        and architecture.package_of(imp.target) not in architecture.FOUNDATION
    ]
    assert bad == []


def test_a_domain_imports_another_domains_service_or_schemas_only() -> None:
    bad = []
    for imp in architecture.imports(SRC):
        source, target = architecture.package_of(imp.source), architecture.package_of(imp.target)
        if source in architecture.ENTRY_POINTS or source == target:
            continue
        if target in architecture.ENTRY_POINTS:
            bad.append(f"{imp.source}:{imp.line} imports the entry point {imp.target}")
        elif target in architecture.DOMAINS and imp.target.split(".")[-1] not in architecture.PUBLIC:
            bad.append(f"{imp.source}:{imp.line} imports {imp.target}")
    assert bad == []


def test_packages_import_each_other_without_a_loop() -> None:
    graph = architecture.package_graph(SRC)
    loops = architecture.loops(graph)
    assert loops == [], "\n".join(" -> ".join(loop) for loop in loops)


def test_the_checker_sees_hidden_imports(tmp_path: Path) -> None:
    """The reader resolves relative imports, submodules named in `from x import y` and imports in functions."""
    package = tmp_path / "tajriba"
    (package / "metrics").mkdir(parents=True)
    (package / "journeys").mkdir()
    for path in (
        "__init__.py",
        "metrics/__init__.py",
        "metrics/scores.py",
        "journeys/__init__.py",
        "journeys/helpers.py",
    ):
        (package / path).write_text("")
    (package / "journeys" / "kpis.py").write_text(
        "from tajriba.metrics import scores\n"
        "from . import helpers\n"
        "def f():\n"
        "    import tajriba.metrics.pages\n"
    )
    (package / "metrics" / "pages.py").write_text("from ..journeys import kpis\n")
    found = {(i.source, i.target) for i in architecture.imports(package)}
    assert ("tajriba.journeys.kpis", "tajriba.metrics.scores") in found
    assert ("tajriba.journeys.kpis", "tajriba.journeys.helpers") in found
    assert ("tajriba.journeys.kpis", "tajriba.metrics.pages") in found
    assert ("tajriba.metrics.pages", "tajriba.journeys.kpis") in found
    graph = architecture.package_graph(package)
    assert architecture.loops(graph) == [["journeys", "metrics"]]


def test_the_diagram_in_the_docs_is_the_codes() -> None:
    """docs/architecture.md shows the graph this test reads (regenerate: `make architecture`)."""
    doc = (SRC.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert architecture.diagram(architecture.package_graph(SRC)) in doc


def test_domains_import_only_domains_below_them() -> None:
    """architecture.DOMAINS lists the domains lowest first; each uses only those before it."""
    rank = {name: i for i, name in enumerate(architecture.DOMAINS)}
    bad = [
        f"{source} imports {target}"
        for source, targets in architecture.package_graph(SRC).items()
        for target in targets
        if source in rank and target in rank and rank[target] > rank[source]
    ]
    assert bad == []


MAX_FUNCTION_LINES, MAX_MODULE_LINES = 60, 400
# A module over the limit for a good reason says so at its top, in a line starting "Size:" within its
# first 15 lines (the schemas, the warehouse's table declarations). Functions have no such way out, except a
# migration's upgrade and downgrade: the DDL of one schema version, statement after statement.
MIGRATIONS = "db/migrations/"


def _sizes() -> tuple[set[str], set[str]]:
    functions, modules = set(), set()
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(SRC).as_posix()
        reason = any(line.startswith("Size:") for line in text.splitlines()[:15])
        if len(text.splitlines()) > MAX_MODULE_LINES and not reason:
            modules.add(rel)
        if rel.startswith(MIGRATIONS):
            continue
        for node in ast.walk(ast.parse(text)):
            long = (getattr(node, "end_lineno", 0) or 0) - getattr(node, "lineno", 0) + 1 > MAX_FUNCTION_LINES
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and long:
                functions.add(f"{rel}:{node.name}")
    return functions, modules


def test_no_function_or_module_grows_past_a_screen_without_a_reason() -> None:
    functions, modules = _sizes()
    assert sorted(functions) == [], f"split it (at most {MAX_FUNCTION_LINES} lines)"
    assert sorted(modules) == [], f"split it (at most {MAX_MODULE_LINES} lines) or say why at its top"
