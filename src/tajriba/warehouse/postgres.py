"""The warehouse on PostgreSQL: several `tajriba serve`, `tajriba worker` and CLI processes share it at once.

Each thread has its own connection (autocommit outside `transaction()`), as on DuckDB. Batches are merged
within themselves by an in-memory DuckDB (the same SQL as the embedded engine, so both keep the same rows),
copied into a temporary table with COPY (`pg_copy.py`), then applied with one INSERT ... ON CONFLICT. Reads are
translated from DuckDB's dialect (`dialect.translate`); result frames are built through the same Arrow -> pandas
conversion DuckDB uses, so a page sees the same column types on both engines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pyarrow as pa

from tajriba.errors import TajribaError
from tajriba.warehouse import ledger
from tajriba.warehouse.dialect import translate
from tajriba.warehouse.pg_copy import copy_rows, pg_type
from tajriba.warehouse.schema import TABLES, TableSpec
from tajriba.warehouse.store import (
    Params,
    PerThread,
    Warehouse,
    conform,
    first_of_each_key,
    merge_aggregates,
    merge_sets,
    missing_columns,
    nested_transaction,
    spec_of,
    with_row_number,
)

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import psycopg

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# PostgreSQL type oids -> Arrow types, for result frames (anything else: inferred from the values)
_ARROW_OF_OID: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    700: pa.float32(),
    701: pa.float64(),
    1700: pa.float64(),  # numeric: money and sums of it, read as DuckDB's frames read DECIMAL
    25: pa.string(),
    1043: pa.string(),
    114: pa.string(),
    3802: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
    1009: pa.list_(pa.string()),
    1015: pa.list_(pa.string()),
    1007: pa.list_(pa.int32()),
    1016: pa.list_(pa.int64()),
    1022: pa.list_(pa.float64()),
}


class WarehouseUnreachable(TajribaError):
    status = 503
    code = "warehouse_unreachable"


def split_url(url: str) -> tuple[str, str]:
    """(libpq address, schema): `postgresql://host/db?schema=name` keeps the tables in that schema."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    schema = (query.pop("schema", ["public"]) or ["public"])[0]
    if not _SCHEMA_NAME.match(schema):
        raise TajribaError(f"warehouse schema {schema!r}: expected lower-case letters, digits and _")
    scheme = parts.scheme.split("+")[0]
    address = urlunsplit((scheme, parts.netloc, parts.path, urlencode(query, doseq=True), parts.fragment))
    return address, schema


class PostgresWarehouse(Warehouse):
    """The experience tables in one PostgreSQL schema, shared by every process pointed at it."""

    engine = "postgres"

    def __init__(self, url: str) -> None:
        self.url = url
        self.address, self.schema = split_url(url)
        self._handles: PerThread[_Handle] = PerThread()
        self._pinned: _Handle | None = None

    # -- connections ------------------------------------------------------------------------------

    def _handle(self) -> _Handle:
        if self._pinned is not None:
            if self._pinned.broken:
                self._pinned = _Handle(self)
            return self._pinned
        return self._handles.get(lambda: _Handle(self))

    def cursor(self) -> PostgresWarehouse:
        other = PostgresWarehouse(self.url)
        other._pinned = _Handle(other)
        return other

    def close(self) -> None:
        if self._pinned is not None:
            self._pinned.close()
            self._pinned = None
            return
        self._handles.close_all()

    @property
    def ibis(self) -> Any:
        return self._handle().backend()

    # -- schema and writes ------------------------------------------------------------------------

    def create_schema(self) -> None:
        with self.transaction():
            con = self._handle().con
            # one process creates the tables; the others wait for it, then find them there
            con.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"tajriba-schema:{self.schema}"])
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            for spec in TABLES.values():
                con.execute(spec.ddl("postgres"))
            have = con.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s",
                [self.schema],
            ).fetchall()
            for spec, column in missing_columns({(str(t), str(c)) for t, c in have}):
                con.execute(spec.add_column(column, "postgres"))
            for table in ledger.LEDGERS:
                for statement in ledger.POSTGRES_TRIGGER:
                    con.execute(statement.replace("{table}", table))

    def append(self, table: str, batch: pa.Table | pd.DataFrame) -> int:
        spec = spec_of(table)
        data = conform(spec, batch)
        if data.num_rows == 0:
            return 0
        # the first row of each key in the batch, as the embedded engine keeps it
        first = self._local_duck().execute(first_of_each_key(spec), [], batch=with_row_number(data))
        cols = ", ".join(spec.column_names)
        with self.transaction():
            self._copy_in("__append", spec, first)
            stored = self._rowcount(
                f"INSERT INTO {spec.name} ({cols}) SELECT {cols} FROM __append ON CONFLICT DO NOTHING"
            )
            self._rowcount("DROP TABLE __append")
        return stored

    def upsert(self, table: str, batch: pa.Table | pd.DataFrame) -> int:
        spec = spec_of(table)
        data = conform(spec, batch)
        if data.num_rows == 0:
            return 0
        keys = ", ".join(spec.key)
        # a top-level merge patch for JSON: later keys win, a null removes the key
        sets = merge_sets(
            spec,
            new="EXCLUDED",
            old="t",
            json=lambda c: (
                f"jsonb_strip_nulls(coalesce(t.{c}::jsonb, '{{}}'::jsonb) || EXCLUDED.{c}::jsonb)::json"
            ),
        )
        # the rows of each key merged within the batch by the embedded engine's own rules
        merged = self._local_duck().execute(
            f"SELECT {keys}, {', '.join(merge_aggregates(spec))} FROM __batch GROUP BY {keys}",
            [],
            batch=with_row_number(data),
        )
        cols = ", ".join(spec.column_names)
        update = f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING"
        with self.transaction():
            self._copy_in("__upsert", spec, merged)
            self._rowcount(
                f"INSERT INTO {spec.name} AS t ({cols}) SELECT {cols} FROM __upsert "
                f"ON CONFLICT ({keys}) {update}"
            )
            self._rowcount("DROP TABLE __upsert")
        return merged.num_rows

    def _copy_in(self, name: str, spec: TableSpec, data: pa.Table) -> None:
        """Copy a conformed batch into a temporary table shaped like `spec`'s (dropped at commit)."""
        con = self._handle().con
        con.execute(f"CREATE TEMP TABLE {name} (LIKE {spec.name}) ON COMMIT DROP")
        copy_rows(con, name, spec.column_names, data.select(spec.column_names))

    def _rowcount(self, query: str, params: Params = None) -> int:
        with self._handle().con.cursor() as cur:
            cur.execute(query, params)
            return max(cur.rowcount, 0)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with nested_transaction(self._handle()):
            yield

    def read_batches(
        self, table: str, *, workspace_id: int | None = None, rows: int = 100_000
    ) -> Iterator[pa.Table]:
        spec = spec_of(table)
        where, params = ("WHERE workspace_id = %s", [workspace_id]) if workspace_id is not None else ("", [])
        reader = PostgresWarehouse(self.url)  # its own connection: the reader streams while the caller works
        try:
            con = reader._handle().con
            with con.transaction(), con.cursor(name="tajriba_read") as cur:
                cur.execute(f"SELECT {', '.join(spec.column_names)} FROM {spec.name} {where}", params)
                while chunk := cur.fetchmany(rows):
                    columns = list(zip(*chunk, strict=True))
                    yield pa.table(
                        [pa.array(list(v), c.arrow) for v, c in zip(columns, spec.columns, strict=True)],
                        schema=spec.arrow_schema(),
                    )
        finally:
            reader.close()

    def checkpoint(self) -> None:
        """Refresh the planner's statistics of every table (after a bulk load PostgreSQL's estimates say
        "one row" until autovacuum comes by, and plans nested loops that take seconds instead of milliseconds)."""
        for name in TABLES:
            self._rowcount(f"ANALYZE {name}")

    def reclaim(self, tables: Iterable[str]) -> str:
        """VACUUM FULL rewrites each table without its dead rows (it locks the table while it runs)."""
        for name in tables:
            self._rowcount(f"VACUUM FULL {spec_of(name).name}")
        return "done"

    def lock_workspace(self, workspace_id: int) -> None:
        self._handle().con.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7419, workspace_id])

    # -- reads ------------------------------------------------------------------------------------

    def run(self, query: str, params: Params = None) -> int:
        ledger.check(query)
        if ledger.is_erasing() and ledger.touches(query):
            with self.transaction():  # the database's own trigger lets an erasure's delete through
                self._handle().con.execute("SELECT set_config('tajriba.erasing', 'on', true)")
                return self._rowcount(translate(query, "postgres"), _params(params))
        return self._rowcount(translate(query, "postgres"), _params(params))

    def sql(self, query: str, params: Params = None) -> list[tuple[Any, ...]]:
        with self._handle().con.cursor() as cur:
            cur.execute(translate(query, "postgres"), _params(params))
            return cur.fetchall() if cur.description else []

    def frame(self, query: str, params: Params = None) -> pd.DataFrame:
        return self._handle().duck().from_arrow(self.arrow(query, params)).df()

    def arrow(self, query: str, params: Params = None) -> pa.Table:
        with self._handle().con.cursor() as cur:
            cur.execute(translate(query, "postgres"), _params(params))
            rows = cur.fetchall()
            described = [(d.name, d.type_code) for d in cur.description or []]
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in described]
        arrays = {}
        for (name, oid), values in zip(described, columns, strict=True):
            arrays[name] = _array(list(values), _ARROW_OF_OID.get(oid))
        return pa.table(arrays) if arrays else pa.table({})

    @contextmanager
    def register(self, name: str, data: pa.Table | pd.DataFrame) -> Iterator[None]:
        if not isinstance(data, pa.Table):
            data = pa.Table.from_pandas(data, preserve_index=False)
        con = self._handle().con
        cols = ", ".join(f'"{f.name}" {pg_type(f.type)}' for f in data.schema)
        con.execute(f'CREATE TEMP TABLE "{name}" ({cols})')
        try:
            copy_rows(con, name, data.column_names, data)
            yield
        finally:
            from psycopg.pq import TransactionStatus

            # in a failed transaction the rollback takes the table with it
            if con.info.transaction_status != TransactionStatus.INERROR:
                con.execute(f'DROP TABLE IF EXISTS "{name}"')

    def _local_duck(self) -> _Duck:
        return _Duck(self._handle().duck())


class _Duck:
    """An in-memory DuckDB of this thread, to merge a batch within itself as the embedded engine does."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def execute(self, query: str, params: list[Any], *, batch: pa.Table) -> pa.Table:
        self.con.register("__batch", batch)
        try:
            return self.con.sql(query, params=params or None).to_arrow_table()
        finally:
            self.con.unregister("__batch")


class _Handle:
    """One connection to PostgreSQL, its transaction depth, its Ibis backend and an in-memory DuckDB."""

    def __init__(self, owner: PostgresWarehouse) -> None:
        import psycopg
        from psycopg.types.string import TextLoader

        try:
            self.con: psycopg.Connection[Any] = psycopg.connect(
                owner.address,
                autocommit=True,
                options=f"-c TimeZone=UTC -c search_path={owner.schema}",
            )
        except psycopg.OperationalError as exc:
            raise WarehouseUnreachable(f"cannot reach the PostgreSQL warehouse: {exc}".strip()) from None
        # JSON values are text, as DuckDB returns them
        for name in ("json", "jsonb"):
            self.con.adapters.register_loader(name, TextLoader)
        self.depth = 0
        self.broken = False
        self._backend: Any = None
        self._duck: duckdb.DuckDBPyConnection | None = None

    def backend(self) -> Any:
        if self._backend is None:
            import ibis

            self._backend = ibis.postgres.from_connection(self.con)
        return self._backend

    def duck(self) -> duckdb.DuckDBPyConnection:
        if self._duck is None:
            import duckdb

            self._duck = duckdb.connect()
            self._duck.execute("SET TimeZone = 'UTC'")
        return self._duck

    def rollback(self) -> None:
        try:
            self.con.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - a connection that cannot roll back is retired
            self.close()

    def close(self) -> None:
        self.broken = True
        with suppress(Exception):
            self.con.close()
        if self._duck is not None:
            with suppress(Exception):
                self._duck.close()


def _params(params: Params) -> Any:
    if params is None:
        return None
    if isinstance(params, dict):
        return params
    return list(params)


def _array(values: list[Any], kind: pa.DataType | None) -> pa.Array:
    if kind is not None:
        if pa.types.is_floating(kind):
            values = [None if v is None else float(v) for v in values]
        try:
            return pa.array(values, kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return pa.array(values)
