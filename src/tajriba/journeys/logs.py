"""Event-log files as an Ibis table `case_id, activity, ts, ord` for discovery and funnels.

Parquet is scanned by DuckDB directly (fast enough for tens of millions of events); CSV, TSV, XLSX and JSON
lines go through the import readers (encodings, delimiters, Arabic headers) and XES (the IEEE process-mining
format, plain or gzipped) through a streaming XML parser. Without an order column, ties in time keep the
file's order.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
from defusedxml.ElementTree import iterparse

from tajriba.errors import Invalid

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends.duckdb import Backend as DuckDBBackend

XES_CASE = "case:concept:name"
XES_ACTIVITY = "concept:name"
XES_TIMESTAMP = "time:timestamp"


def load_log(
    path: Path,
    *,
    case: str,
    activity: str,
    timestamp: str,
    order: str | None = None,
    timestamp_format: str = "iso",
    tz: str = "UTC",
) -> ir.Table:
    """Open an event log; columns named by the caller become `case_id, activity, ts, ord`.

    Events without a case, an activity or a time are left out (they cannot be placed in a journey).
    """
    import ibis

    if not path.is_file():
        raise Invalid(f"no file {str(path)!r}", field="file")
    con = ibis.duckdb.connect()
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return _parquet(con, path, case, activity, timestamp, order)
    if name.endswith((".xes", ".xes.gz")):
        table = _xes(path)
    else:
        from tajriba.ingest.imports import service as imports

        batches = list(imports.read_batches(imports.open_source(path)))
        table = pa.concat_tables(batches) if batches else pa.table({})
    return _from_arrow(con, table, path, case, activity, timestamp, order, timestamp_format, tz)


def _require(columns: list[str], wanted: dict[str, str | None], path: Path) -> None:
    for option, column in wanted.items():
        if column is not None and column not in columns:
            raise Invalid(
                f"{path.name}: no column {column!r} for --{option}; the file has: {', '.join(columns[:30])}",
                field=option,
            )


def _parquet(
    con: DuckDBBackend, path: Path, case: str, activity: str, timestamp: str, order: str | None
) -> ir.Table:
    described = con.con.execute(f"DESCRIBE SELECT * FROM read_parquet('{_quote(path)}')").fetchall()
    types = {str(row[0]): str(row[1]) for row in described}
    _require(list(types), {"case": case, "activity": activity, "timestamp": timestamp, "order": order}, path)
    ts = _q(timestamp)
    if not types[timestamp].startswith("TIMESTAMP"):
        ts = f"CAST({ts} AS TIMESTAMP)"
    elif "WITH TIME ZONE" in types[timestamp]:
        ts = f"CAST(timezone('UTC', {ts}) AS TIMESTAMP)"
    ord_sql = _q(order) if order else "file_row_number"
    sql = (
        f"SELECT CAST({_q(case)} AS VARCHAR) AS case_id, CAST({_q(activity)} AS VARCHAR) AS activity, "
        f"{ts} AS ts, {ord_sql} AS ord FROM read_parquet('{_quote(path)}', file_row_number = true) "
        f"WHERE {_q(case)} IS NOT NULL AND {_q(activity)} IS NOT NULL AND {_q(timestamp)} IS NOT NULL"
    )
    con.con.execute(f"CREATE TEMP VIEW log AS {sql}")
    return con.table("log")


def _from_arrow(
    con: DuckDBBackend,
    table: pa.Table,
    path: Path,
    case: str,
    activity: str,
    timestamp: str,
    order: str | None,
    fmt: str,
    tz: str,
) -> ir.Table:
    from tajriba.ingest.imports import service as imports

    columns = [c for c in table.column_names if c != "__row"]
    if table.num_rows == 0:
        raise Invalid(f"{path.name}: the file has no events", field="file")
    _require(columns, {"case": case, "activity": activity, "timestamp": timestamp, "order": order}, path)
    raw_ts = table.column(timestamp)
    if pa.types.is_timestamp(raw_ts.type):
        ts = pc.cast(raw_ts, pa.timestamp("us", tz=raw_ts.type.tz)).cast(pa.timestamp("us"))
    else:
        ts = imports.to_timestamp(raw_ts.cast(pa.string()), fmt=fmt, tz=tz)
        bad = pc.and_(pc.is_null(ts), pc.is_valid(imports.clean(raw_ts.cast(pa.string()))))
        if pc.any(bad).as_py():
            i = pc.index(bad, True).as_py()
            raise Invalid(
                f"{path.name}: row {i + 1}: {timestamp}={raw_ts[i].as_py()!r} is not a date/time ({fmt})",
                field="timestamp",
            )
    if order is not None:
        ord_col = imports.to_float(table.column(order).cast(pa.string()))
    elif "__row" in table.column_names:
        ord_col = table.column("__row").cast(pa.int64())
    else:
        ord_col = pa.array(range(table.num_rows), pa.int64())
    events = pa.table(
        {
            "case_id": table.column(case).cast(pa.string()),
            "activity": table.column(activity).cast(pa.string()),
            "ts": ts,
            "ord": ord_col,
        }
    )
    valid = pc.and_(pc.is_valid(events["case_id"]), pc.is_valid(events["activity"]))
    events = events.filter(pc.and_(valid, pc.is_valid(events["ts"])))
    con.con.register("log_arrow", events)
    con.con.execute("CREATE TEMP TABLE log AS SELECT * FROM log_arrow")
    con.con.unregister("log_arrow")
    return con.table("log")


def _xes(path: Path) -> pa.Table:
    """Flatten an XES log: trace attributes as `case:<key>`, event attributes as they are."""
    rows: dict[str, list[object]] = {}
    n = 0

    def add(values: dict[str, object]) -> None:
        nonlocal n
        for key in values.keys() - rows.keys():
            rows[key] = [None] * n
        for key, column in rows.items():
            column.append(values.get(key))
        n += 1

    with _open(path) as fh:
        for event in _xes_events(fh):
            add(event)
    if not n:
        raise Invalid(f"{path.name}: no events in this XES file", field="file")
    out: dict[str, pa.Array] = {}
    for key, column in rows.items():
        out[key] = pa.array([None if v is None else str(v) for v in column], pa.string())
    out["__row"] = pa.array(range(1, n + 1), pa.int64())
    return pa.table(out)


def _xes_events(fh: IO[bytes]) -> Iterator[dict[str, object]]:
    """Events with their trace's attributes; only direct children of <trace> and <event> count."""
    trace: dict[str, object] = {}
    event: dict[str, object] = {}
    stack: list[str] = []
    for what, elem in iterparse(fh, events=("start", "end")):
        tag = elem.tag.rsplit("}", 1)[-1]
        if what == "start":
            if tag == "trace":
                trace = {}
            elif tag == "event":
                event = {}
            stack.append(tag)
            continue
        stack.pop()
        parent = stack[-1] if stack else ""
        if tag == "event":
            yield {**trace, **event}
            elem.clear()
        elif tag == "trace":
            elem.clear()
        elif "key" in elem.attrib and parent == "event":
            event[elem.attrib["key"]] = elem.attrib.get("value")
        elif "key" in elem.attrib and parent == "trace":
            trace[f"case:{elem.attrib['key']}"] = elem.attrib.get("value")


def _open(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _q(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
