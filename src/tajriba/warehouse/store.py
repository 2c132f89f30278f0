"""The warehouse: creates the experience tables, appends and upserts Arrow batches, deletes, reads.

`Warehouse` is what every domain uses; `DuckDBWarehouse` (duckdb_engine.py) and `PostgresWarehouse` (postgres.py) are its
engines. Reads are SQL in DuckDB's dialect, translated per engine by `dialect.translate`, or Ibis expressions
(docs/decisions/013-one-sql-dialect.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from tajriba.errors import Invalid, TajribaError
from tajriba.warehouse import ledger
from tajriba.warehouse.schema import TABLES, Column, TableSpec

Params = list[Any] | dict[str, Any] | None

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd


class WarehouseBusy(TajribaError):
    status = 503
    code = "warehouse_busy"


CUSTOMER_TABLES = (
    "events",
    "orders",
    "survey_responses",
    "feedback_texts",
    "tickets",
    "trait_changes",
    "consents",
)
# the id column of each customer table except events (events follow their identifiers on a merge undo)
ROW_KEYS = {name: TABLES[name].key[-1] for name in CUSTOMER_TABLES[1:]}


class Warehouse:
    """The experience tables of every workspace, on one engine (`engine` names it).

    Writes: `append`, `upsert`, `run` (a DML statement), inside `transaction()` when several must land together.
    Reads: `sql` (rows), `frame` (a DataFrame), `table` (an Ibis expression), `register` (a batch of the
    caller's as a temporary relation to join). SQL is written in DuckDB's dialect (`dialect.translate`).
    """

    engine = ""  # "duckdb", "postgres": the target of `dialect.translate`

    # -- what each engine implements -----------------------------------------------------------

    def create_schema(self) -> None:
        raise NotImplementedError

    def append(self, table: str, batch: pa.Table | pd.DataFrame) -> int:
        """Insert rows whose natural key is new; return how many were stored (same batch twice stores once)."""
        raise NotImplementedError

    def upsert(self, table: str, batch: pa.Table | pd.DataFrame) -> int:
        """Insert rows or merge them into existing ones by natural key (non-null new values win)."""
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[None]:
        """One transaction; nested uses join the outermost, which commits or rolls back everything."""
        raise NotImplementedError

    def run(self, query: str, params: Params = None) -> int:
        """Run one INSERT, UPDATE or DELETE; return how many rows it changed."""
        raise NotImplementedError

    def sql(self, query: str, params: Params = None) -> list[tuple[Any, ...]]:
        """Run one query and return its rows (JSON values as text, money as Decimal)."""
        raise NotImplementedError

    def frame(self, query: str, params: Params = None) -> pd.DataFrame:
        """Run one query and return a DataFrame (the same column types on every engine)."""
        raise NotImplementedError

    def arrow(self, query: str, params: Params = None) -> pa.Table:
        """Run one query and return an Arrow table (the same column types on every engine; no pandas on the
        way, for hot paths)."""
        raise NotImplementedError

    def register(self, name: str, data: pa.Table | pd.DataFrame) -> AbstractContextManager[None]:
        """`data` as a temporary relation `name` of this thread's connection, for the reads inside the block."""
        raise NotImplementedError

    def read_batches(
        self, table: str, *, workspace_id: int | None = None, rows: int = 100_000
    ) -> Iterator[pa.Table]:
        """The rows of one table (of one workspace, or all), as Arrow batches in the table's schema."""
        raise NotImplementedError

    def ping(self) -> None:
        """Raise unless the warehouse answers (the health check's probe: cheap, queues behind no one's reads)."""
        self.sql("SELECT 1")

    def lock_workspace(self, workspace_id: int) -> None:
        """Inside a transaction: hold off other processes' writers of the workspace until it ends."""

    def checkpoint(self) -> None:
        """After bulk writes and from the maintenance job: fold DuckDB's write-ahead log into the file, refresh
        PostgreSQL's planner statistics."""

    def reclaim(self, tables: Iterable[str]) -> str:
        """After an erasure: leave none of the deleted rows of `tables` readable in the warehouse's files.
        Returns "done", or "next_open" when it happens the next time the warehouse is opened."""
        raise NotImplementedError

    @property
    def ibis(self) -> Any:
        """This thread's Ibis backend."""
        raise NotImplementedError

    def cursor(self) -> Warehouse:
        """A second handle with its own connection and transactions, for long work (a file import)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- the same on every engine ----------------------------------------------------------------

    def delete_customer(self, workspace_id: int, customer_id: str) -> dict[str, int]:
        """Erase every row of one customer in every table, in one transaction; return counts per table."""
        import orjson

        counts: dict[str, int] = {}
        params = [workspace_id, customer_id]
        with self.transaction(), ledger.erasing():
            ids = self.sql(
                "SELECT kind, value FROM customer_identities WHERE workspace_id = ? AND customer_id = ?",
                params,
            )
            anon = [v for k, v in ids if k == "anonymous_id"]
            users = [v for k, v in ids if k == "user_id"]
            counts["events"] = self.run(
                "DELETE FROM events WHERE workspace_id = ? AND (customer_id = ? "
                "OR list_contains(?, anonymous_id) OR list_contains(?, user_id))",
                [workspace_id, customer_id, anon, users],
            )
            # what text analytics kept of their words goes with the texts
            counts["text_enrichments"] = self.run(
                "DELETE FROM text_enrichments WHERE workspace_id = ? AND ("
                "(source = 'feedback' AND source_id IN (SELECT feedback_id FROM feedback_texts "
                "WHERE workspace_id = ? AND customer_id = ?)) OR "
                "(source = 'response' AND source_id IN (SELECT response_id FROM survey_responses "
                "WHERE workspace_id = ? AND customer_id = ?)) OR "
                "(source = 'ticket' AND source_id IN (SELECT ticket_id FROM tickets "
                "WHERE workspace_id = ? AND customer_id = ?)))",
                [workspace_id, *params, *params, *params],
            )
            for name in CUSTOMER_TABLES[1:] + (
                "customer_identities",
                "customers",
                "customer_values",
                "case_signals",
            ):
                counts[name] = self.run(
                    f"DELETE FROM {name} WHERE workspace_id = ? AND customer_id = ?", params
                )
            # merge records name the customer (and hold a snapshot of their identifiers)
            merges = self.sql(
                "SELECT merge_id, into_customer_id, merged_customer_ids FROM identity_merges WHERE workspace_id = ?",
                [workspace_id],
            )
            gone = [
                m for m, into, merged in merges if into == customer_id or customer_id in orjson.loads(merged)
            ]
            counts["identity_merges"] = (
                self.run(
                    "DELETE FROM identity_merges WHERE workspace_id = ? AND list_contains(?, merge_id)",
                    [workspace_id, gone],
                )
                if gone
                else 0
            )
        return counts

    def delete_workspace(self, workspace_id: int) -> dict[str, int]:
        """Remove every row of one workspace from every table."""
        counts = {}
        with self.transaction(), ledger.erasing():
            for name in TABLES:
                counts[name] = self.run(f"DELETE FROM {name} WHERE workspace_id = ?", [workspace_id])
        return counts

    def table(self, name: str, *, workspace_id: int) -> ir.Table:
        """Return an Ibis expression over one table, already scoped to one workspace."""
        spec_of(name)
        t = self.ibis.table(name)
        return t.filter(t.workspace_id == workspace_id)

    def execute(self, expr: ir.Expr, **kwargs: Any) -> Any:
        """Run an Ibis expression (on this thread's connection, where `table()` made it)."""
        return expr.execute(**kwargs)

    def to_pyarrow(self, expr: ir.Expr) -> pa.Table:
        return expr.to_pyarrow()

    def count(self, table: str, workspace_id: int | None = None) -> int:
        """Rows of one table, optionally of one workspace."""
        name = spec_of(table).name
        if workspace_id is None:
            return int(self.sql(f"SELECT count(*) FROM {name}")[0][0])
        return int(self.sql(f"SELECT count(*) FROM {name} WHERE workspace_id = ?", [workspace_id])[0][0])

    def counts(self, workspace_id: int | None = None) -> dict[str, int]:
        """Row counts of every table, optionally for one workspace."""
        return {name: self.count(name, workspace_id) for name in TABLES}


class _Closable(Protocol):
    broken: bool

    def close(self) -> None: ...


H = TypeVar("H", bound=_Closable)


class PerThread(Generic[H]):
    """One connection handle per thread. Threads of the server's pool come and go: when a thread makes its
    handle, the handles of threads that ended are closed."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[tuple[threading.Thread, H]] = []
        self._lock = threading.Lock()

    def get(self, make: Callable[[], H]) -> H:
        handle: H | None = getattr(self._local, "handle", None)
        if handle is None or handle.broken:
            handle = make()
            self._local.handle = handle
            with self._lock:
                alive = []
                for thread, other in self._all:
                    if thread.is_alive():
                        alive.append((thread, other))
                    else:
                        other.close()
                alive.append((threading.current_thread(), handle))
                self._all = alive
        return handle

    def close_all(self) -> None:
        with self._lock:
            handles, self._all = self._all, []
        for _thread, handle in handles:
            handle.close()
        self._local = threading.local()


def missing_columns(have: set[tuple[str, str]]) -> list[tuple[TableSpec, Column]]:
    """The columns of the specs an older warehouse's tables lack, given its (table, column) pairs."""
    return [
        (spec, column)
        for spec in TABLES.values()
        for column in spec.columns
        if (spec.name, column.name) not in have
    ]


def spec_of(table: str) -> TableSpec:
    try:
        return TABLES[table]
    except KeyError:
        raise Invalid(f"unknown warehouse table {table!r}; expected one of {', '.join(TABLES)}") from None


def conform(spec: TableSpec, batch: pa.Table | pd.DataFrame) -> pa.Table:
    """Cast a batch to the table's Arrow schema, naming the column and row of the first problem."""
    if not isinstance(batch, pa.Table):
        batch = pa.Table.from_pandas(batch, preserve_index=False)
    unknown = [n for n in batch.column_names if n not in spec.column_names]
    if unknown:
        raise Invalid(f"{spec.name}: unknown column(s) {', '.join(unknown)}", field=unknown[0])
    arrays = []
    for col in spec.columns:
        if col.name not in batch.column_names:
            if col.required:
                raise Invalid(f"{spec.name}: required column {col.name} is missing", field=col.name)
            arrays.append(pa.nulls(batch.num_rows, col.arrow))
            continue
        arr = batch.column(col.name)
        try:
            arr = _cast(arr, col.arrow)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise Invalid(
                f"{spec.name}.{col.name}: cannot read values as {col.sql} ({exc})", field=col.name
            ) from None
        if col.required and arr.null_count:
            first = pc.index(pc.is_null(arr), True).as_py()
            raise Invalid(f"{spec.name}: row {first}: {col.name} is required but empty", field=col.name)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=spec.arrow_schema())


def _cast(arr: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    if arr.type == target:
        return arr
    if pa.types.is_timestamp(target) and pa.types.is_timestamp(arr.type) and arr.type.tz is not None:
        # aware -> UTC wall time without a zone
        arr = arr.cast(pa.timestamp(arr.type.unit, tz="UTC")).cast(pa.timestamp(arr.type.unit))
    if pa.types.is_decimal(target) and pa.types.is_floating(arr.type):
        arr = pc.round(arr, 4)
        return arr.cast(target, safe=False)
    return arr.cast(target)


class _Transactional(Protocol):
    depth: int
    con: Any

    def rollback(self) -> None: ...


@contextmanager
def nested_transaction(handle: _Transactional) -> Iterator[None]:
    """BEGIN ... COMMIT on the handle's connection; nested uses join the outermost, which commits or rolls
    back everything (the handle rolls back, or retires a connection that cannot)."""
    outer = handle.depth == 0
    if outer:
        handle.con.execute("BEGIN TRANSACTION")
    handle.depth += 1
    try:
        yield
    except BaseException:
        handle.depth -= 1
        if outer:
            handle.rollback()
        raise
    handle.depth -= 1
    if outer:
        try:
            handle.con.execute("COMMIT")
        except BaseException:
            handle.rollback()
            raise


def merge_aggregates(spec: TableSpec) -> list[str]:
    """DuckDB aggregates that merge the rows of one key within a batch (`__row`: their order) as a sequence of
    single upserts would: each engine applies the merged rows to what it stores."""
    aggs = []
    for col in spec.column_names:
        if col in spec.key:
            continue
        rule = spec.merge.get(col, "new")
        if rule == "least":
            aggs.append(f"min({col}) AS {col}")
        elif rule == "greatest":
            aggs.append(f"max({col}) AS {col}")
        elif rule == "json":
            aggs.append(
                f"list_reduce(list({col} ORDER BY __row) FILTER (WHERE {col} IS NOT NULL), "
                f"lambda a, b: json_merge_patch(a, b)) AS {col}"
            )
        else:
            aggs.append(f"arg_max({col}, __row) FILTER (WHERE {col} IS NOT NULL) AS {col}")
    return aggs


def merge_sets(spec: TableSpec, *, new: str, old: str, json: Callable[[str], str]) -> list[str]:
    """SET clauses that merge a stored row (`old`) with a merged batch row (`new`) by each column's rule; `json`
    writes the engine's merge patch of one JSON column."""
    sets = []
    for col in spec.column_names:
        if col in spec.key:
            continue
        rule = spec.merge.get(col, "new")
        if rule in ("least", "greatest"):
            sets.append(f"{col} = {rule}({old}.{col}, {new}.{col})")
        elif rule == "json":
            sets.append(f"{col} = CASE WHEN {new}.{col} IS NULL THEN {old}.{col} ELSE {json(col)} END")
        else:
            sets.append(f"{col} = coalesce({new}.{col}, {old}.{col})")
    return sets


def first_of_each_key(spec: TableSpec) -> str:
    """DuckDB: the first row of each natural key in `__batch` (what an append keeps)."""
    keys = ", ".join(spec.key)
    return (
        f"SELECT * EXCLUDE (__row) FROM (SELECT DISTINCT ON ({keys}) * FROM __batch ORDER BY {keys}, __row)"
    )


def with_row_number(data: pa.Table) -> pa.Table:
    return data.append_column("__row", pa.array(range(data.num_rows), pa.int64()))
