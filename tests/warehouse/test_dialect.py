"""One SQL dialect: every rewrite of `warehouse.dialect` gives the same rows on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa
import pytest

from tajriba.warehouse import Warehouse
from tajriba.warehouse.dialect import Unportable, translate

ROWS = pa.table(
    {
        "g": ["a", "a", "b", "b", "b", None],
        "x": [1, 5, 2, None, 7, 3],
        "k": [datetime(2026, 1, d) for d in (3, 1, 2, 5, 4, 6)],
        "s": ["x:1", "y", "%z", "a_b", "[c]", "q"],
        "j": ['[{"topic": "price", "sentiment": "negative"}, {"topic": "delivery", "sentiment": "positive"}]']
        + ['[{"topic": "price", "sentiment": "positive"}]'] * 2
        + ["[]"] * 3,
    }
)

CASES: list[tuple[str, str, list[Any], Any]] = [
    ("group by all", "SELECT g, count(*) AS n FROM r GROUP BY ALL ORDER BY g NULLS LAST", [], None),
    (
        "group by all with a constant and an expression",
        "SELECT 'all' AS key, upper(g) AS u, sum(x) AS t FROM r WHERE g IS NOT NULL GROUP BY ALL ORDER BY u",
        [],
        [("all", "A", 6), ("all", "B", 9)],
    ),
    (
        "arg_max, arg_min (rows whose key or value is null skipped)",
        "SELECT g, arg_max(x, k) AS hi, arg_min(x, k) AS lo FROM r GROUP BY g ORDER BY g NULLS LAST",
        [],
        [("a", 1, 5), ("b", 7, 2), (None, 3, 3)],
    ),
    (
        "arg_max with FILTER",
        "SELECT arg_max(x, k) FILTER (WHERE x IS NOT NULL) FROM r WHERE g = 'b'",
        [],
        [(7,)],
    ),
    ("contains", "SELECT s FROM r WHERE contains(s, ':') OR contains(s, '%') ORDER BY s", [], None),
    ("LIKE with % and a placeholder", "SELECT s FROM r WHERE s LIKE '%z' AND g = ?", ["b"], [("%z",)]),
    (
        "list_contains with a placeholder",
        "SELECT s FROM r WHERE list_contains(?, s) ORDER BY s",
        [["y", "q"]],
        None,
    ),
    ("list aggregate, sliced", "SELECT (list(s ORDER BY k DESC))[1:2] FROM r", [], [(["q", "a_b"],)]),
    (
        "list aggregate with FILTER",
        "SELECT g, list(x ORDER BY x) FILTER (WHERE x > 1) FROM r WHERE g IS NOT NULL GROUP BY 1 ORDER BY 1",
        [],
        [("a", [5]), ("b", [2, 7])],
    ),
    ("to_days", "SELECT count(*) FROM r WHERE k >= TIMESTAMP '2026-01-06' - to_days(2)", [], [(3,)]),
    ("time format", "SELECT strftime(k, '%Y-%m-%d') FROM r ORDER BY k LIMIT 1", [], [("2026-01-01",)]),
    (
        "JSON arrays of objects, one row per element",
        "SELECT t.topic, count(*) AS n, sum((t.sentiment = 'negative')::INT) AS neg FROM (SELECT "
        'unnest(from_json(r.j, \'[{"topic": "VARCHAR", "sentiment": "VARCHAR"}]\'), recursive := true) '
        "FROM r) t GROUP BY 1 ORDER BY 1",
        [],
        [("delivery", 1, 0), ("price", 3, 1)],
    ),
    ("subquery without an alias", "SELECT count(*) FROM (SELECT DISTINCT g FROM r)", [], [(3,)]),
    (
        "json_object",
        "SELECT json_object('g', g, 'x', x)::VARCHAR LIKE '%\"g\"%' FROM r LIMIT 1",
        [],
        [(True,)],
    ),
    ("named placeholders", "SELECT count(*) FROM r WHERE g = $g OR x = $x", {"g": "a", "x": 7}, [(3,)]),
]


@pytest.mark.parametrize(("name", "query", "params", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_statement_reads_the_same_on_every_engine(
    any_wh: Warehouse, name: str, query: str, params: Any, expected: Any
) -> None:
    with any_wh.register("r", ROWS):
        rows = [tuple(_plain(v) for v in row) for row in any_wh.sql(query, params)]
    if expected is None:  # the reference is DuckDB's own answer
        reference = _duckdb(query, params)
        assert rows == reference
    else:
        assert rows == expected


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _duckdb(query: str, params: Any) -> list[tuple[Any, ...]]:
    import duckdb

    con = duckdb.connect()
    con.register("r", ROWS)
    return [tuple(_plain(v) for v in row) for row in con.execute(query, params or []).fetchall()]


def test_what_cannot_be_kept_portable_is_refused() -> None:
    with pytest.raises(Unportable):
        translate('SELECT unnest(from_json(j, \'[{"n": "INTEGER"}]\'), recursive := true) FROM r', "postgres")
    with pytest.raises(Unportable):
        translate("SELECT FROM WHERE (", "postgres")


def test_translation_leaves_duckdb_statements_alone() -> None:
    query = "SELECT g FROM r GROUP BY ALL"
    assert translate(query, "duckdb") is query
