"""Customer summary from transactions: frequency, recency, T and monetary value (the "CBS" of the literature).

Conventions (Fader, Hardie & Lee 2005, "Counting your customers the easy way"; docs/value.md):
- purchases on the same calendar day collapse into one transaction whose value is the day's total;
- ``frequency`` = number of *repeat* purchase days (all purchase days minus the first one);
- ``recency`` = time from the first to the last purchase (0 for one-time buyers). It is NOT the time since
  the last purchase; that is ``T - recency`` and is returned as ``since_last``;
- ``T`` = time from the first purchase to the observation end (inclusive day);
- ``monetary_value`` = mean value of the repeat purchase days (0 when frequency is 0), the ``zbar`` of the
  Gamma-Gamma spend model: the first purchase is left out because it is not a repeat transaction;
  ``mean_spend`` is the mean over all purchase days (for RFM and order value) and ``total_spend`` their sum;
- times are day differences divided by the unit length: day 1, week 7, month 365.25 / 12.
Purchases after the observation end are ignored; customers whose first purchase is after it are absent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from tajriba.errors import Invalid

UNITS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}


def unit_days(unit: str) -> float:
    """Days in one time unit (day, week, month)."""
    if unit not in UNITS:
        raise Invalid(f"unit must be one of {', '.join(UNITS)}, not {unit!r}", field="unit")
    return UNITS[unit]


def _day_expr(column: str, temporal: bool = False) -> str:
    """A DATE from a date/timestamp column, or from ISO text or compact YYYYMMDD values (text or numbers)."""
    if temporal:
        return f"CAST({column} AS DATE)"
    text = f"CAST({column} AS VARCHAR)"
    return (
        f"coalesce(TRY_CAST({text} AS DATE), CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE), "
        f"CAST(try_strptime({text}, '%Y%m%d') AS DATE))"
    )


def _type_of(con: duckdb.DuckDBPyConnection, source: str, column: str) -> str:
    col = '"' + column.replace('"', '""') + '"'
    row = con.execute(f"SELECT typeof({col}) FROM {source} LIMIT 1").fetchone()
    return str(row[0] if row else "").upper()


def _is_temporal(kind: str) -> bool:
    return kind.startswith(("DATE", "TIMESTAMP"))


def _first_bad_row(
    con: duckdb.DuckDBPyConnection, source: str, condition: str, raw: str
) -> tuple[int, str] | None:
    """Row number (1-based, file order) and raw value of the first row meeting ``condition``; a cheap count first."""
    if not con.execute(f"SELECT count(*) FROM {source} WHERE {condition}").fetchone()[0]:  # type: ignore[index]
        return None
    row = con.execute(
        f"SELECT n, r FROM (SELECT row_number() OVER () AS n, CAST({raw} AS VARCHAR) AS r, {condition} AS bad "
        f"FROM {source}) WHERE bad LIMIT 1"
    ).fetchone()
    return (int(row[0]), row[1]) if row else None


def _check_dates(con: duckdb.DuckDBPyConnection, source: str, *, when: str) -> bool:
    """Fail on the first value that is not a date; return whether the column is already temporal."""
    col = '"' + when.replace('"', '""') + '"'
    if _is_temporal(_type_of(con, source, when)):
        return True
    bad = _first_bad_row(con, source, f"({_day_expr(col)} IS NULL AND {col} IS NOT NULL)", col)
    if bad is not None:
        raise Invalid(
            f"row {bad[0]}: {when!r} must be a date (YYYY-MM-DD, an ISO timestamp or YYYYMMDD), got {bad[1]!r}",
            field="datetime",
        )
    return False


def _query(
    source: str, *, customer: str, when: str, amount: str | None, end: dt.date, unit: float, temporal: bool
) -> str:
    q = '"' + customer.replace('"', '""') + '"'
    w = _day_expr('"' + when.replace('"', '""') + '"', temporal)
    # sums in fixed point (4 decimals, as the warehouse keeps money): a parallel floating-point sum depends on
    # the order threads finish, and the same orders must give the same summary (and fits) every time
    value = ("CAST(" + '"' + amount.replace('"', '""') + '"' + " AS DECIMAL(18,4))") if amount else "0.0"
    end_s = end.isoformat()
    return f"""
    WITH days AS (
        SELECT {q} AS customer_id, {w} AS day, SUM({value}) AS value
        FROM {source}
        WHERE {q} IS NOT NULL AND {w} IS NOT NULL AND {w} <= DATE '{end_s}'
        GROUP BY 1, 2
    ), per AS (
        SELECT customer_id, COUNT(*) - 1 AS frequency, MIN(day) AS first_day, MAX(day) AS last_day,
               SUM(value) AS total, arg_min(value, day) AS first_value
        FROM days GROUP BY 1
    )
    SELECT CAST(customer_id AS VARCHAR) AS customer_id, frequency,
           date_diff('day', first_day, last_day) / {unit} AS recency,
           date_diff('day', first_day, DATE '{end_s}') / {unit} AS "T",
           CASE WHEN frequency > 0 THEN CAST(total - first_value AS DOUBLE) / frequency ELSE 0.0 END
               AS monetary_value,
           date_diff('day', last_day, DATE '{end_s}') / {unit} AS since_last,
           CAST(total AS DOUBLE) / (frequency + 1) AS mean_spend,
           CAST(total AS DOUBLE) AS total_spend,
           first_day AS first_purchase
    FROM per ORDER BY per.customer_id
    """


def _check_columns(names: list[str], *, customer: str, when: str, amount: str | None) -> None:
    for role, col in (("customer", customer), ("datetime", when), ("amount", amount)):
        if col is not None and col not in names:
            raise Invalid(
                f"the {role} column {col!r} is not in the data; columns are: {', '.join(names)}", field=role
            )


def _check_amounts(con: duckdb.DuckDBPyConnection, source: str, *, amount: str | None) -> None:
    if amount is None:
        return
    col = '"' + amount.replace('"', '""') + '"'
    value = f"TRY_CAST({col} AS DOUBLE)"
    bad = _first_bad_row(con, source, f"(({value} IS NULL AND {col} IS NOT NULL) OR {value} < 0)", col)
    if bad is not None:
        raise Invalid(
            f"row {bad[0]}: amount must be a number >= 0 (refunds belong in returns, not negative spend), got {bad[1]!r}",
            field="amount",
        )


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    return con


def _summarize_view(
    con: duckdb.DuckDBPyConnection,
    *,
    customer: str,
    datetime: str,
    amount: str | None,
    end: dt.date,
    unit: str,
) -> pd.DataFrame:
    """Check the `transactions` view's amounts and dates, then summarise it."""
    _check_amounts(con, "transactions", amount=amount)
    temporal = _check_dates(con, "transactions", when=datetime)
    query = _query(
        "transactions",
        customer=customer,
        when=datetime,
        amount=amount,
        end=end,
        unit=unit_days(unit),
        temporal=temporal,
    )
    try:
        return con.execute(query).df()
    except duckdb.ConversionException as exc:
        raise Invalid(
            f"the datetime column {datetime!r} holds values that are not dates: {exc}", field="datetime"
        ) from exc


def summarize(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    datetime: str = "datetime",
    amount: str | None = None,
    observation_end: dt.date | str,
    unit: str = "week",
) -> pd.DataFrame:
    """Summarise a transaction log (one row per purchase) into one row per customer."""
    end = _date(observation_end)
    _check_columns(list(map(str, transactions.columns)), customer=customer, when=datetime, amount=amount)
    con = _connect()
    try:
        con.register("transactions", transactions)
        return _summarize_view(con, customer=customer, datetime=datetime, amount=amount, end=end, unit=unit)
    finally:
        con.close()


def summarize_file(
    path: Path,
    *,
    customer: str,
    datetime: str,
    amount: str | None = None,
    observation_end: dt.date | str,
    unit: str = "week",
) -> pd.DataFrame:
    """The same summary straight from a CSV/TSV/Parquet file (read by DuckDB, never whole into pandas)."""
    if not path.exists():
        raise Invalid(f"file not found: {path}", field="file")
    end = _date(observation_end)
    con = _connect()
    try:
        if path.suffix.lower() == ".parquet":
            source = f"read_parquet('{_sql_path(path)}')"
        else:
            source = f"read_csv('{_sql_path(path)}', header = true, all_varchar = false)"
        names = [d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description]
        _check_columns(names, customer=customer, when=datetime, amount=amount)
        con.execute(f"CREATE TEMP VIEW transactions AS SELECT * FROM {source}")
        return _summarize_view(con, customer=customer, datetime=datetime, amount=amount, end=end, unit=unit)
    except duckdb.InvalidInputException as exc:
        first = str(exc).splitlines()[0]
        raise Invalid(
            f"{path.name} could not be read as CSV/TSV with a header row: {first}", field="file"
        ) from exc
    finally:
        con.close()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise Invalid(
            f"observation end must be a date like 1997-09-30, not {value!r}", field="observation_end"
        ) from exc
