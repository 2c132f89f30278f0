"""Bulk writes into the application database for batch work (loyalty earning): a frame of rows into one table,
skipping rows whose unique key is stored.

The ORM's bulk insert spends most of its time per value (type processors, parameter dictionaries): 1 M ledger rows
took ~35 s. Here the columns are converted once, on the frame, to what the driver stores (SQLite: datetimes as
SQLAlchemy's text format, so comparisons with bound datetimes hold; PostgreSQL: naive UTC timestamps), and sent
with the driver's executemany (SQLite) or COPY into a temporary table and one INSERT ... ON CONFLICT DO NOTHING
(PostgreSQL).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's storage format for DateTime on SQLite
CACHE_KIB = 512 * 1024  # SQLite's page cache during a large batch (memory is taken only as pages are read)


def _utc(series: pd.Series) -> pd.Series:
    """Any datetimes (aware or naive UTC) as naive UTC."""
    s = pd.to_datetime(series, utc=True)
    return s.dt.tz_localize(None)


_VARIES = object()
_PLAIN = re.compile(r"^[\w:.\-]{0,100}$")


def _constant(col: pd.Series) -> object:
    """The one value of a column (None when all are missing), or _VARIES."""
    if col.isna().all():
        return None
    first = col.iloc[0]
    if col.isna().any() or not (col == first).all():
        return _VARIES
    if isinstance(first, bool | np.bool_) or not isinstance(first, str | int | np.integer):
        return _VARIES
    return first if not isinstance(first, str) or _PLAIN.match(first) else _VARIES


def _literal(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else str(int(value))  # type: ignore[call-overload]


def _values(col: pd.Series) -> list[object]:
    """A column's values as the driver takes them (missing values as None)."""
    if col.dtype.kind in "iub":
        return col.tolist()
    if col.isna().any():
        return col.astype(object).where(col.notna(), None).tolist()
    return col.tolist()


def write(
    session: Session,
    table: str,
    frame: pd.DataFrame,
    *,
    datetimes: tuple[str, ...],
    conflict: tuple[str, ...],
) -> None:
    """Insert the frame's rows into `table` (its columns named as the frame's), ignoring key conflicts."""
    if frame.empty:
        return
    frame = frame.copy()
    dialect = session.get_bind().dialect.name
    for col in datetimes:  # naive UTC as text: SQLAlchemy's SQLite format, which PostgreSQL reads too
        when = _utc(frame[col])
        frame[col] = when.dt.strftime(SQLITE_DATETIME).where(when.notna(), None)
    connection = session.connection()
    if dialect == "postgresql":
        _copy(connection, table, frame, conflict)
        return
    # SQLite binds every value of every row: a column with one value in all rows is written into the statement
    # instead (only numbers and plain words), a column with none left to its NULL
    fixed = {c: v for c in frame.columns if (v := _constant(frame[c])) is not _VARIES}
    bound = [c for c in frame.columns if c not in fixed]
    rows = list(zip(*(_values(frame[c]) for c in bound), strict=True))
    literals = [c for c, v in fixed.items() if v is not None]
    names = ", ".join([*bound, *literals])
    values = ", ".join(["?"] * len(bound) + [_literal(fixed[c]) for c in literals])
    statement = f"INSERT INTO {table} ({names}) VALUES ({values})" + (
        f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING" if conflict else ""
    )
    # a large batch inserts into indexes far bigger than SQLite's default 2 MB page cache: give this connection
    # room for the batch (then back to the default), or every index insert reads its pages from disk again
    big = len(rows) > 50_000
    if big:
        connection.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
    try:
        connection.exec_driver_sql(statement, rows)
    finally:
        if big:
            connection.exec_driver_sql("PRAGMA cache_size = -2000")


def _copy(connection: object, table: str, frame: pd.DataFrame, conflict: tuple[str, ...]) -> None:
    """PostgreSQL: the frame as CSV (written by pandas, in C) through COPY, into a temporary table first when
    conflicting keys are to be skipped."""
    raw = connection.connection.driver_connection  # type: ignore[attr-defined]
    names = ", ".join(frame.columns)
    text = frame.to_csv(index=False, header=False, na_rep="").encode()
    with raw.cursor() as cur:
        if conflict:
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS _bulk_{table} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            cur.execute(f"TRUNCATE _bulk_{table}")
        target = f"_bulk_{table}" if conflict else table
        with cur.copy(f"COPY {target} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
            for start in range(0, len(text), 1 << 20):
                copy.write(text[start : start + (1 << 20)])
        if conflict:
            cur.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM _bulk_{table} "
                f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
            )


def update(
    session: Session,
    table: str,
    frame: pd.DataFrame,
    *,
    keys: tuple[str, ...],
    datetimes: tuple[str, ...] = (),
) -> None:
    """Set the frame's other columns on the rows of `table` matching its `keys` columns: the frame goes into a
    temporary table and one UPDATE ... FROM joins it (one statement instead of one per row)."""
    if frame.empty:
        return
    temp = f"_set_{table}"
    cols = list(frame.columns)
    connection = session.connection()
    like = f"CREATE TEMP TABLE {temp} AS SELECT {', '.join(cols)} FROM {table} WHERE 1 = 0"
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {temp}")
    connection.exec_driver_sql(like)
    write(session, temp, frame, datetimes=datetimes, conflict=())
    sets = ", ".join(f"{c} = {temp}.{c}" for c in cols if c not in keys)
    match = " AND ".join(f"{table}.{k} = {temp}.{k}" for k in keys)
    connection.exec_driver_sql(f"UPDATE {table} SET {sets} FROM {temp} WHERE {match}")
    connection.exec_driver_sql(f"DROP TABLE {temp}")
