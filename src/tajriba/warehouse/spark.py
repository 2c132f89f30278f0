"""The warehouse on Apache Spark: the tables are Parquet files in a lake directory, read by Spark SQL.

Addresses: `spark+local://N?lake=/path` (Spark in this process with N cores), `spark://host:7077?lake=/path`
(a standalone cluster's master; every node mounts the lake at the same path). Optional: `memory=4g` (the
driver's), `partitions=8` (shuffle partitions; default 2 per local core, else Spark's adaptive default).

Reads are the one dialect translated to Spark SQL (`dialect.translate(sql, "spark")`), run by a Spark session
of the calling thread whose temporary views name the files of the lake's current snapshot (or, inside a
transaction, the transaction's own). Writes are computed by an in-process DuckDB over the same files
(`lake_writes.py`) and committed as a new snapshot (`lake.py`): readers see a commit whole or not at all.
docs/decisions/016-spark-warehouse.md says why.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa

from tajriba.errors import TajribaError
from tajriba.warehouse import ledger
from tajriba.warehouse.dialect import Unportable, translate
from tajriba.warehouse.lake import Lake, Snapshot, lake_at
from tajriba.warehouse.lake_writes import LakeWrites, create_empty_tables
from tajriba.warehouse.schema import TABLES, TableSpec
from tajriba.warehouse.store import Params, PerThread, Warehouse, conform, spec_of

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

_SPARK_TYPES = {"INTEGER": "INT", "VARCHAR": "STRING", "JSON": "STRING", "TIMESTAMP": "TIMESTAMP"}
_DML = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_SESSION_LOCK = threading.Lock()
_ROOT: dict[str, SparkSession] = {}


class SparkUnavailable(TajribaError):
    status = 503
    code = "spark_unavailable"


def split_url(url: str) -> tuple[str, str, dict[str, str]]:
    """(Spark master, lake directory, options) of a `spark+local://N` or `spark://host:port` address."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    lake = query.pop("lake", "")
    if not lake:
        raise TajribaError(
            f"Spark warehouse {url!r}: add ?lake=/path/to/lake (the directory of its Parquet files)"
        )
    if parts.scheme == "spark+local":
        cores = parts.netloc or "*"
        if not re.fullmatch(r"\d{1,3}|\*", cores):
            raise TajribaError(f"Spark warehouse {url!r}: spark+local://N wants a number of cores (or *)")
        return f"local[{cores}]", lake, query
    if parts.scheme == "spark":
        return f"spark://{parts.netloc}", lake, query
    raise TajribaError(f"Spark warehouse {url!r}: expected spark+local://N or spark://host:port")


def spark_session(master: str, options: dict[str, str]) -> SparkSession:
    """The process's Spark session (one per process: Spark allows one context)."""
    with _SESSION_LOCK:
        if master in _ROOT:
            return _ROOT[master]
        if _ROOT:
            raise TajribaError(f"this process already runs Spark on {next(iter(_ROOT))}, not {master}")
        # pyspark 4 warns that pandas 3 is not fully supported; the paths used here are tested on it
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)  # errors are raised, not logged
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise SparkUnavailable(
                "the Spark warehouse needs pyspark: pip install 'tajriba[spark]'"
            ) from None
        cores = master[6:-1] if master.startswith("local[") else ""
        partitions = options.get("partitions") or (str(2 * int(cores)) if cores.isdigit() else "")
        builder = (
            SparkSession.builder.master(master)
            .appName("tajriba")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.ansi.enabled", "false")  # as DuckDB: x / 0 is NULL, a bad cast NULL
            .config("spark.driver.memory", options.get("memory", "2g"))
            .config("spark.sql.parquet.inferTimestampNTZ.enabled", "false")
        )
        if partitions:
            builder = builder.config("spark.sql.shuffle.partitions", partitions)
        if master.startswith("local["):
            builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config(
                "spark.driver.host", "127.0.0.1"
            )
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("FATAL")
        _ROOT[master] = session
        return session


@lru_cache(maxsize=4096)
def tables_in(sql: str) -> frozenset[str]:
    """The warehouse tables a statement names."""
    import sqlglot
    import sqlglot.expressions as exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    return frozenset(t.name for t in tree.find_all(exp.Table) if t.name in TABLES)


def spark_schema(spec: TableSpec) -> str:
    return ", ".join(f"`{c.name}` {_SPARK_TYPES.get(c.sql, c.sql)}" for c in spec.columns)


class SparkWarehouse(Warehouse):
    """The experience tables as a Parquet lake, read by Spark, written through snapshots."""

    engine = "spark"

    def __init__(self, url: str) -> None:
        self.url = url
        self.master, lake, self.options = split_url(url)
        self.lake: Lake = lake_at(lake)
        self._handles: PerThread[_Handle] = PerThread()
        self._pinned: _Handle | None = None

    @property
    def session(self) -> SparkSession:
        return spark_session(self.master, self.options)

    def _handle(self) -> _Handle:
        if self._pinned is not None:
            return self._pinned
        return self._handles.get(lambda: _Handle(self))

    def cursor(self) -> SparkWarehouse:
        other = SparkWarehouse(self.url)
        other._pinned = _Handle(other)
        return other

    def close(self) -> None:
        if self._pinned is not None:
            self._pinned.close()
            return
        self._handles.close_all()

    @property
    def ibis(self) -> Any:
        return self._handle().backend()

    # -- schema, transactions and writes -----------------------------------------------------------

    def create_schema(self) -> None:
        with self.lake.writing():
            if not (self.lake.root / "CURRENT").exists():
                self.lake.commit(Snapshot())

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes of the block land together: the lake's writer lock is held, the changes go into a working
        snapshot, committed at the end (or dropped with the files they wrote)."""
        handle = self._handle()
        if handle.working is not None:
            yield
            return
        with self.lake.writing():
            base = self.lake.current()
            handle.working, handle.created = base.copy(), []
            try:
                yield
                self.lake.commit(handle.working, base)
            except BaseException:
                for rel in handle.created:
                    Path(self.lake.path(rel)).unlink(missing_ok=True)
                raise
            finally:
                handle.working, handle.created = None, []

    def _writes(self) -> LakeWrites:
        handle = self._handle()
        assert handle.working is not None
        return LakeWrites(self.lake, handle.working, handle.duck(), handle.created)

    def append(self, table: str, batch: pa.Table | pd.DataFrame) -> int:
        spec = spec_of(table)
        data = conform(spec, batch)
        if data.num_rows == 0:
            return 0
        with self.transaction():
            return self._writes().append(spec, data)

    def upsert(self, table: str, batch: pa.Table | pd.DataFrame) -> int:
        spec = spec_of(table)
        data = conform(spec, batch)
        if data.num_rows == 0:
            return 0
        with self.transaction():
            return self._writes().upsert(spec, data)

    def run(self, query: str, params: Params = None) -> int:
        ledger.check(query)
        with self.transaction():
            return self._writes().run(query, params)

    def checkpoint(self) -> None:
        """Rewrite partitions of many small files as one, then remove files no recent snapshot names."""
        with self.transaction():
            writes = self._writes()
            for name, spec in TABLES.items():
                for ws in writes.snap.workspaces(name):
                    if len(writes.snap.files(name, ws)) > 4:
                        writes.compact(spec, ws)
        self.lake.vacuum()

    def reclaim(self, tables: Iterable[str]) -> str:
        """The files the erasure replaced are removed now, without the grace a reader may need (a query
        running at this moment over one of them fails and is asked again)."""
        self.lake.vacuum(grace_seconds=0)
        return "done"

    # -- reads ------------------------------------------------------------------------------------

    def ping(self) -> None:
        """The lake's current snapshot is readable and the Spark driver answers, without a Spark job (a job
        would wait its turn behind every running read)."""
        self.lake.current()
        if self.session.sparkContext._jsc.sc().isStopped():  # noqa: SLF001 - pyspark has no public probe
            raise SparkUnavailable("the Spark context has stopped")

    def _frame(self, query: str, params: Params) -> DataFrame:
        if _DML.match(query):
            raise Unportable("Warehouse.sql/frame read; INSERT, UPDATE and DELETE go through Warehouse.run")
        handle = self._handle()
        handle.refresh(tables_in(query))
        args: Any = params if isinstance(params, dict) else (list(params) if params else None)
        return handle.session.sql(translate(query, "spark"), args=args)

    def sql(self, query: str, params: Params = None) -> list[tuple[Any, ...]]:
        if _DML.match(query):  # as on the other engines: one row, how many rows the statement changed
            return [(self.run(query, params),)]
        table = _naive(self._frame(query, params).toArrow())
        return list(zip(*(c.to_pylist() for c in table.columns), strict=True)) if table.num_columns else []

    def frame(self, query: str, params: Params = None) -> pd.DataFrame:
        return self._handle().duck().from_arrow(self.arrow(query, params)).df()

    def arrow(self, query: str, params: Params = None) -> pa.Table:
        return _naive(self._frame(query, params).toArrow())

    @contextmanager
    def register(self, name: str, data: pa.Table | pd.DataFrame) -> Iterator[None]:
        if not isinstance(data, pa.Table):
            data = pa.Table.from_pandas(data, preserve_index=False)
        session = self._handle().session
        session.createDataFrame(data).createOrReplaceTempView(name)
        try:
            yield
        finally:
            session.catalog.dropTempView(name)

    def table(self, name: str, *, workspace_id: int) -> Any:
        self._handle().refresh(frozenset({spec_of(name).name}))
        return super().table(name, workspace_id=workspace_id)

    def count(self, table: str, workspace_id: int | None = None) -> int:
        """Rows of one table, from the row counts the snapshot's Parquet files keep (no Spark job)."""
        import pyarrow.parquet as pq

        files = self.lake.current().files(spec_of(table).name, workspace_id)
        return sum(pq.ParquetFile(self.lake.path(f)).metadata.num_rows for f in files)

    def read_batches(
        self, table: str, *, workspace_id: int | None = None, rows: int = 100_000
    ) -> Iterator[pa.Table]:
        """The rows of one table, read from the snapshot's files (by DuckDB: no Spark job to stream them)."""
        spec = spec_of(table)
        snap = self.lake.current()
        files = snap.files(spec.name, workspace_id)
        if not files:
            return
        import duckdb

        con = duckdb.connect()
        try:
            paths = [self.lake.path(f) for f in files]
            con.execute(spec.ddl())  # empty, the table's shape: older files lack the columns added since
            reader = con.sql(
                f"SELECT {', '.join(spec.column_names)} FROM (SELECT * FROM {spec.name} UNION ALL BY NAME "
                "SELECT * FROM read_parquet(?, union_by_name = true))",
                params=[paths],
            ).to_arrow_reader(rows)
            for batch in reader:
                yield pa.Table.from_batches([batch]).cast(spec.arrow_schema())
        finally:
            con.close()


class _Handle:
    """One thread's Spark session (its own temporary views), its in-memory DuckDB for writes, its transaction."""

    def __init__(self, owner: SparkWarehouse) -> None:
        self.owner = owner
        self._session: SparkSession | None = None
        self.views: dict[str, tuple[str, ...]] = {}
        self.working: Snapshot | None = None
        self.created: list[str] = []
        self.broken = False
        self._duck: duckdb.DuckDBPyConnection | None = None
        self._backend: Any = None

    @property
    def session(self) -> SparkSession:
        """This thread's Spark session (started on the first read: a process that only writes needs no JVM)."""
        if self._session is None:
            self._session = self.owner.session.newSession()
        return self._session

    def refresh(self, tables: frozenset[str]) -> None:
        """Point the session's views of `tables` at the files of the snapshot this thread sees."""
        snap = self.working if self.working is not None else self.owner.lake.current()
        for name in tables:
            files = snap.files(name)
            if self.views.get(name) == files:
                continue
            self._view(name, files).createOrReplaceTempView(name)
            self.views[name] = files

    def _view(self, name: str, files: tuple[str, ...]) -> DataFrame:
        schema = spark_schema(TABLES[name])
        if not files:
            return self.session.createDataFrame([], schema=schema)
        return self.session.read.schema(schema).parquet(*(self.owner.lake.path(f) for f in files))

    def duck(self) -> duckdb.DuckDBPyConnection:
        if self._duck is None:
            import duckdb

            self._duck = duckdb.connect()
            self._duck.execute("SET TimeZone = 'UTC'")
            create_empty_tables(self._duck)
        return self._duck

    def backend(self) -> Any:
        if self._backend is None:
            import ibis

            backend = ibis.pyspark.connect(self.session)
            create_cached = backend._create_cached_table

            def cached(name: str, expr: Any) -> Any:
                # Ibis 12's PySpark backend caches an expression without registering its in-memory tables
                backend._run_pre_execute_hooks(expr)
                return create_cached(name, expr)

            backend._create_cached_table = cached
            self._backend = backend
        return self._backend

    def close(self) -> None:
        self.broken = True
        if self._duck is not None:
            with suppress(Exception):
                self._duck.close()


def _naive(table: pa.Table) -> pa.Table:
    """Spark's timestamps come in UTC with a zone: the warehouse's are UTC without one."""
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            column = column.cast(pa.timestamp(column.type.unit, tz="UTC")).cast(
                pa.timestamp(column.type.unit)
            )
        columns.append(column)
    return pa.table(columns, names=table.column_names)
