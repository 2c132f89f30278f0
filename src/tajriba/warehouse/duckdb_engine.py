"""The embedded warehouse engine: one DuckDB file, a handle per thread (reads run in parallel, writes take
turns through DuckDB's own lock), reopened when the file is replaced."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tajriba.warehouse import ledger
from tajriba.warehouse.schema import TABLES, TableSpec
from tajriba.warehouse.store import (
    Params,
    PerThread,
    Warehouse,
    WarehouseBusy,
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


class DuckDBWarehouse(Warehouse):
    """One DuckDB database shared by every thread of the process.

    Each thread reads and writes through its own connection to the database (a DuckDB cursor), so a
    statement of one request never finds the connection busy with another's, and a failed statement only
    affects its own transaction. Writes of the shared handle are serialised by `lock` (DuckDB would fail one
    of two conflicting writers); reads take no lock. `cursor()` gives long work (a file import) a handle of its
    own whose transaction does not hold `lock`.
    """

    engine = "duckdb"

    def __init__(self, path: str) -> None:
        self._start(path, _open(path), pinned=False)

    def _start(self, path: str, root: duckdb.DuckDBPyConnection, *, pinned: bool) -> None:
        self.path = path
        self._root = root
        self.lock = threading.RLock()
        self._handles: PerThread[_Handle] = PerThread()
        self._closed = False
        self._pinned: _Handle | None = _Handle(root) if pinned else None

    def close(self) -> None:
        """Close every thread's connection, then the database (a handle from `cursor()` closes only its own).

        A closed warehouse opens the database again on its next use (an app whose lifespan restarts)."""
        with self.lock:
            if self._pinned is not None:
                self._pinned.close()
                return
            self._closed = True
            self._handles.close_all()
            self._root.close()

    def _reopen(self) -> None:
        with self.lock:
            if self._closed:
                self._root = _open(self.path)
                self._closed = False

    def cursor(self) -> DuckDBWarehouse:
        """A second handle on the same database with its own connection, lock and transactions.

        Long work (a file import) runs on one so that its transaction does not hold the lock the tracking
        API's flushes use; DuckDB isolates concurrent transactions (a write conflict fails one of them,
        which is then retried; nothing is half-written).
        """
        self._reopen()
        other = DuckDBWarehouse.__new__(DuckDBWarehouse)
        other._start(self.path, self._root, pinned=True)
        return other

    def _handle(self) -> _Handle:
        if self._pinned is not None:
            if self._pinned.broken:
                self._pinned = _Handle(self._root)
            return self._pinned

        def make() -> _Handle:
            self._reopen()
            return _Handle(self._root)

        return self._handles.get(make)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """This thread's connection to the database."""
        return self._handle().con

    @property
    def ibis(self) -> Any:
        """This thread's Ibis backend (over its own connection)."""
        return self._handle().backend()

    # -- schema -------------------------------------------------------------------------------

    def create_schema(self) -> None:
        with self.lock:
            for spec in TABLES.values():
                self.con.execute(spec.ddl())
            have = self.con.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
            ).fetchall()
            for spec, column in missing_columns(set(have)):
                self.con.execute(spec.add_column(column))

    # -- writes -------------------------------------------------------------------------------

    def append(self, table: str, batch: pa.Table | pd.DataFrame) -> int:
        spec = spec_of(table)
        data = conform(spec, batch)
        if data.num_rows == 0:
            return 0
        if _one_row_per_key(spec, data):
            return self._write(
                f"INSERT INTO {spec.name} BY NAME SELECT * FROM __batch ON CONFLICT DO NOTHING", data
            )
        sql = f"INSERT INTO {spec.name} BY NAME {first_of_each_key(spec)} ON CONFLICT DO NOTHING"
        return self._write(sql, with_row_number(data))

    def upsert(self, table: str, batch: pa.Table | pd.DataFrame) -> int:
        spec = spec_of(table)
        data = conform(spec, batch)
        if data.num_rows == 0:
            return 0
        data = with_row_number(data)
        with self.lock, self.transaction():
            if data.num_rows <= INDEXED_UPSERT_ROWS:
                return _upsert_by_index(self.con, spec, data)
            return _upsert_by_join(self.con, spec, data)

    def _write(self, sql: str, data: pa.Table) -> int:
        with self.lock, self.transaction():
            row = _on_batch(self.con, sql, data).fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock, nested_transaction(self._handle()):
            yield

    def run(self, query: str, params: Params = None) -> int:
        ledger.check(query)
        with self.lock:
            row = self.con.execute(query, params or []).fetchone()
        return int(row[0]) if row else 0

    def sql(self, query: str, params: Params = None) -> list[tuple[Any, ...]]:
        return self.con.execute(query, params or []).fetchall()

    def frame(self, query: str, params: Params = None) -> pd.DataFrame:
        return self.con.execute(query, params or []).df()

    def arrow(self, query: str, params: Params = None) -> pa.Table:
        return self.con.sql(query, params=params or None).to_arrow_table()

    @contextmanager
    def register(self, name: str, data: pa.Table | pd.DataFrame) -> Iterator[None]:
        handle = self._handle()
        con = handle.con
        if handle.depth == 0:
            con.register(name, data)
            try:
                yield
            finally:
                con.unregister(name)
            return
        # inside a transaction a registered table lives until the commit (an import's probes piled up):
        # a temporary copy that DuckDB holds instead, dropped at the end
        _on_batch(con, f'CREATE OR REPLACE TEMP TABLE "{name}" AS SELECT * FROM __batch', data)
        try:
            yield
        finally:
            con.execute(f'DROP TABLE IF EXISTS "{name}"')

    def read_batches(
        self, table: str, *, workspace_id: int | None = None, rows: int = 100_000
    ) -> Iterator[pa.Table]:
        spec = spec_of(table)
        where, params = ("WHERE workspace_id = ?", [workspace_id]) if workspace_id is not None else ("", [])
        con = self.con.cursor()  # its own connection: the reader streams while the caller works
        try:
            reader: pa.RecordBatchReader = con.sql(
                f"SELECT {', '.join(spec.column_names)} FROM {spec.name} {where}", params=params or None
            ).to_arrow_reader(rows)
            for batch in reader:
                yield pa.Table.from_batches([batch]).cast(spec.arrow_schema())
        finally:
            con.close()

    def checkpoint(self) -> None:
        self.sql("CHECKPOINT")

    def reclaim(self, tables: Iterable[str]) -> str:
        """DuckDB keeps a deleted row's bytes in its block until the block is rewritten, so the whole file is
        copied without them (`rewrite`). That needs the file to itself: it is marked here and rewritten the
        next time it is opened (`tajriba privacy erase` reopens it at once; a server at its next start)."""
        if self.path in ("", ":memory:"):
            return "done"  # no file to leave anything in
        self.checkpoint()
        Path(self.path + REWRITE_MARK).touch()
        return "next_open"


REWRITE_MARK = ".rewrite"


def rewrite(path: str) -> None:
    """Copy the database into a fresh file and put it in the old one's place (deleted rows' bytes stay behind
    in the old file, which is then gone). The caller has the file to itself."""
    import duckdb

    fresh = path + ".fresh"
    Path(fresh).unlink(missing_ok=True)
    con = duckdb.connect(path)
    try:
        con.execute("CHECKPOINT")
        name = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        con.execute("ATTACH ? AS fresh", [fresh])
        con.execute(f'COPY FROM DATABASE "{name}" TO fresh')
        con.execute("DETACH fresh")
    finally:
        con.close()
    os.replace(fresh, path)
    Path(path + ".wal").unlink(missing_ok=True)
    Path(path + REWRITE_MARK).unlink(missing_ok=True)


# Rows of one key within a batch merge as a sequence of single upserts would (one row per key), then:
# - a small batch (a tracking flush) goes through INSERT ... ON CONFLICT DO UPDATE, which finds stored keys
#   through the primary-key index: its cost follows the batch, not the table (1 row into 3 M rows: 3.6 ms,
#   where a join read the whole table: 23 ms);
# - a large batch (an import's 100,000 rows) is merged by one UPDATE ... FROM and one INSERT ... ANTI JOIN:
#   reading the table once per batch is cheaper there than ON CONFLICT, which slowed to seconds a batch
#   on rows inserted earlier in the import's own transaction (docs/benchmarks.md, DuckDB 2.0.1).
INDEXED_UPSERT_ROWS = 20_000


def _one_row_per_key(spec: TableSpec, data: pa.Table) -> bool:
    """Whether no two rows of `data` share a key (a tracking flush, deduplicated already): an append can then
    skip keeping the first row of each key, which sorts the batch (a 4,000-event insert 31 -> 22 ms)."""
    keys = data.select(list(spec.key))
    return keys.group_by(list(spec.key), use_threads=False).aggregate([]).num_rows == data.num_rows


def _on_batch(con: duckdb.DuckDBPyConnection, sql: str, __batch: pa.Table) -> duckdb.DuckDBPyConnection:
    """Run `sql`, which reads the Arrow table `__batch` through DuckDB's scan of this frame's variables. Not
    `register`: a registered table stays alive until the transaction ends, so an import's batches (one
    transaction for the whole file) all stayed in memory (25 MB a 75,000-row batch, measured)."""
    return con.execute(sql)


def _upsert_by_index(con: duckdb.DuckDBPyConnection, spec: TableSpec, data: pa.Table) -> int:
    keys = ", ".join(spec.key)
    sets = merge_sets(
        spec,
        new="EXCLUDED",
        old=spec.name,
        json=lambda c: f"json_merge_patch(coalesce({spec.name}.{c}, '{{}}'), EXCLUDED.{c})",
    )
    sql = (
        f"INSERT INTO {spec.name} BY NAME SELECT {keys}, {', '.join(merge_aggregates(spec))} FROM __batch "
        f"GROUP BY {keys} ON CONFLICT ({keys}) DO UPDATE SET {', '.join(sets)}"
    )
    row = _on_batch(con, sql, data).fetchone()
    return int(row[0]) if row else 0


def _upsert_by_join(con: duckdb.DuckDBPyConnection, spec: TableSpec, data: pa.Table) -> int:
    keys = ", ".join(spec.key)
    sets = merge_sets(
        spec, new="m", old="t", json=lambda c: f"json_merge_patch(coalesce(t.{c}, '{{}}'), m.{c})"
    )
    join = " AND ".join(f"t.{k} = m.{k}" for k in spec.key)
    merged = f"SELECT {keys}, {', '.join(merge_aggregates(spec))} FROM __batch GROUP BY {keys}"
    _on_batch(con, f"CREATE OR REPLACE TEMP TABLE __merged AS {merged}", data)
    con.execute(f"UPDATE {spec.name} AS t SET {', '.join(sets)} FROM __merged m WHERE {join}")
    con.execute(
        f"INSERT INTO {spec.name} BY NAME SELECT m.* FROM __merged m ANTI JOIN {spec.name} t ON {join}"
    )
    (merged,) = con.execute("SELECT count(*) FROM __merged").fetchone() or (0,)
    con.execute("DROP TABLE __merged")
    return int(merged)


def _open(path: str) -> duckdb.DuckDBPyConnection:
    import duckdb

    if Path(path + REWRITE_MARK).exists():
        try:
            rewrite(path)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
    try:
        root = duckdb.connect(path)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        raise WarehouseBusy(
            f"The warehouse {path} is open in another Tajriba process (serve or worker). Stop that process, "
            "or ask the running server instead (GET /api/v1/stats)."
        ) from None
    root.execute("SET TimeZone = 'UTC'")
    return root


class _Handle:
    """One connection to the database, its transaction depth and (made on first use) its Ibis backend."""

    def __init__(self, root: duckdb.DuckDBPyConnection) -> None:
        self.con = root.cursor()
        self.con.execute("SET TimeZone = 'UTC'")
        self.depth = 0
        self.broken = False
        self._backend: Any = None

    def backend(self) -> Any:
        if self._backend is None:
            import ibis

            self._backend = ibis.duckdb.from_connection(self.con)
            # Ibis turns off DuckDB's scan of Python variables on the connection it wraps; the warehouse's
            # writes give DuckDB their batches that way (_on_batch), so it is turned back on (a name that is no
            # table still fails, after looking at the calling frame)
            self.con.execute("SET python_enable_replacements = true")
        return self._backend

    def rollback(self) -> None:
        """Roll back; a connection that cannot is retired (the thread gets a new one on its next use)."""
        try:
            self.con.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - DuckDB may have rolled back already (a failed COMMIT)
            try:
                self.con.execute("SELECT 1").fetchall()
            except Exception:  # noqa: BLE001 - unusable: retire it
                self.close()

    def close(self) -> None:
        self.broken = True
        with suppress(Exception):
            self.con.close()
