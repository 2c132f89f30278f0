"""Engine-specific SQL lives in tajriba/warehouse only (docs/decisions/013-one-sql-dialect.md).

Outside it, code reaches the warehouse through `Warehouse` (sql, frame, run, register, table) in the one
dialect that `warehouse.dialect.translate` writes for each engine. This test reads the source: no engine
driver imported, no engine connection touched, no SQL the translation cannot carry, and every SQL
statement outside the package that is a plain string translates to PostgreSQL and to Spark SQL.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tajriba.warehouse.dialect import Unportable, translate

SRC = Path(__file__).resolve().parents[2] / "src" / "tajriba"
ENGINE_PACKAGE = SRC / "warehouse"
DRIVERS = {"duckdb", "psycopg", "pyspark", "psycopg2", "sqlite3"}
# tools that analyse a file the user names with an in-process DuckDB, never the warehouse
FILE_TOOLS = {
    "journeys/logs.py": "event-log files (Parquet, CSV, XES) read for `tajriba journeys discover`",
    "value/summary.py": "transaction files summarised for `tajriba value fit` and the lifetimes reference",
}
# DuckDB-only constructs the translation does not rewrite: each would fail, or differ, on another engine
UNPORTABLE = {
    r"\bGLOB\b": "a glob: use regexp_matches with ingest.mapping.glob_regex",
    r"\bEXCLUDE\s*\(": "SELECT * EXCLUDE: name the columns",
    r"\bQUALIFY\b": "QUALIFY: filter a window in an outer query",
    r"\b(ANTI|SEMI)\s+JOIN\b": "ANTI/SEMI JOIN: use NOT EXISTS / EXISTS",
    r"\blist_(filter|transform|reduce|value|sort|distinct|has_any|has_all)\s*\(": "a list function",
    r"->\s*[a-z_]+\s+LIKE|\blambda\b\s+\w+\s*:": "a lambda",
    r"\bjson_merge_patch\b": "json_merge_patch: merges are the warehouse's (upsert rule 'json')",
    r"\b(epoch_ms|regexp_full_match|struct_pack|date_sub|make_timestamp)\s*\(": "a DuckDB-only function",
    r"\bBY\s+NAME\b": "INSERT BY NAME: use Warehouse.append/upsert",
    r"\bCREATE\s+(OR\s+REPLACE\s+)?TEMP": "a temporary table: use Warehouse.register",
    r"\b(CHECKPOINT|PRAGMA|DESCRIBE)\b": "engine maintenance: a Warehouse method",
    r"\bread_(parquet|csv|json)\s*\(": "reading files: ingest or a file tool",
    r"::\s*[A-Z]+\[\]": "a list type cast",
}
SQL_START = re.compile(r"^\s*(SELECT|WITH|UPDATE|DELETE|INSERT)\b", re.IGNORECASE)


def _modules() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if ENGINE_PACKAGE not in p.parents]


def _strings(tree: ast.AST, *, whole: bool = False) -> list[tuple[int, str]]:
    """Every string literal and every constant part of an f-string (only whole literals if `whole`)."""
    parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    out = []
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and not (whole and id(node) in parts):
            out.append((node.lineno, node.value))
    return out


def _name(path: Path) -> str:
    return str(path.relative_to(SRC))


def test_no_engine_driver_or_connection_outside_the_warehouse() -> None:
    problems = []
    for path in _modules():
        name = _name(path)
        if name in FILE_TOOLS or name.startswith("db/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for mod in mods:
                    if mod.split(".")[0] in DRIVERS:
                        problems.append(f"{name}:{node.lineno} imports {mod}")
            if isinstance(node, ast.Attribute) and node.attr == "con":
                problems.append(f"{name}:{node.lineno} touches an engine connection (.con)")
    assert not problems, "\n".join(problems)


def test_no_unportable_sql_outside_the_warehouse() -> None:
    problems = []
    for path in _modules():
        name = _name(path)
        if name in FILE_TOOLS or name.startswith("db/"):  # db/: the application database (SQLAlchemy)
            continue
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            for pattern, why in UNPORTABLE.items():
                if re.search(pattern, text):
                    problems.append(f"{name}:{line}: {why}: {text.strip()[:90]!r}")
    assert not problems, "\n".join(problems)


def test_every_whole_statement_outside_the_warehouse_translates() -> None:
    """Statements written as one string (most are) must parse and translate for PostgreSQL and Spark; f-strings
    are covered by the suite running on those warehouses (TAJRIBA_TEST_WAREHOUSE in `make test`)."""
    checked, problems = 0, []
    for path in _modules():
        name = _name(path)
        if name in FILE_TOOLS or name.startswith("db/"):
            continue
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8")), whole=True):
            if not SQL_START.match(text) or " FROM " not in text.upper() + " ":
                continue
            checked += 1
            for engine in ("postgres", "spark"):
                try:
                    translate(text, engine)
                except Unportable as exc:
                    problems.append(f"{name}:{line} ({engine}): {exc}")
    assert checked >= 20, f"only {checked} statements found: has the code moved?"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "snippet", ["SELECT * EXCLUDE (a) FROM t", "x GLOB ?", "len(list_filter($t, p -> x LIKE p))"]
)
def test_the_scan_catches_what_it_is_for(snippet: str) -> None:
    assert any(re.search(p, snippet) for p in UNPORTABLE)
