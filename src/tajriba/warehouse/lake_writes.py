"""Writes to the lake: appends, upserts and DML statements, computed by an in-process DuckDB over the Parquet
files of one snapshot, with the embedded engine's own SQL (so every engine keeps the same rows).

Each write changes only the workspace partitions it touches, and within them only the files that hold a key it
merges; it writes new files and records the change in the transaction's snapshot (`lake.Snapshot`), which the
Spark warehouse commits at the end of the transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlglot
import sqlglot.expressions as exp

from tajriba.warehouse.dialect import Unportable
from tajriba.warehouse.lake import Files, Lake, Snapshot
from tajriba.warehouse.schema import TABLES, TableSpec
from tajriba.warehouse.store import Params, conform, first_of_each_key, merge_aggregates, merge_sets, spec_of

if TYPE_CHECKING:
    import duckdb

# a partition with more files than this is rewritten as one after a write (many small files slow every read)
COMPACT_AFTER = 24


class LakeWrites:
    """The writes of one transaction: `snap` is its working snapshot, `created` the files it wrote."""

    def __init__(
        self, lake: Lake, snap: Snapshot, duck: duckdb.DuckDBPyConnection, created: list[str]
    ) -> None:
        self.lake = lake
        self.snap = snap
        self.duck = duck
        self.created = created

    # -- sources and files ----------------------------------------------------------------------

    def source(self, table: str, files: Files) -> str:
        """SQL for the rows of `files` of a table (an empty relation of the table's shape when there are none)."""
        if not files:
            return f"(SELECT * FROM empty.{table})"
        # files written before a column was added to the table lack it: by name, under the table's shape
        return (
            f"(SELECT * FROM empty.{table} UNION ALL BY NAME "
            f"SELECT * FROM read_parquet([{self._paths(files)}], union_by_name = true))"
        )

    def _paths(self, files: Files) -> str:
        """The files' absolute paths as SQL string literals."""
        return ", ".join("'" + self.lake.path(f).replace("'", "''") + "'" for f in files)

    def write(self, spec: TableSpec, workspace_id: int, data: pa.Table) -> str | None:
        """Write rows of one workspace as a new file; return its relative path (None when there are no rows)."""
        if data.num_rows == 0:
            return None
        rel = self.lake.new_file(spec.name, workspace_id)
        self.created.append(rel)
        pq.write_table(conform(spec, data), self.lake.path(rel), compression="zstd")
        return rel

    def _rows(self, query: str, params: Params = None) -> pa.Table:
        return self.duck.sql(query, params=params or None).to_arrow_table()

    # -- appends and upserts --------------------------------------------------------------------

    def append(self, spec: TableSpec, data: pa.Table) -> int:
        """Store the first row of each key that no file of its workspace holds yet."""
        stored = 0
        with _registered(self.duck, "__batch", _numbered(data)):
            first = self._rows(first_of_each_key(spec))
        for ws in _workspaces(first):
            part = first.filter(pc.equal(first["workspace_id"], ws))
            files = self.snap.files(spec.name, ws)
            if files:
                with _registered(self.duck, "__part", part):
                    part = self._rows(
                        f"SELECT p.* FROM __part p WHERE NOT EXISTS (SELECT 1 FROM "
                        f"{self.source(spec.name, files)} t WHERE {_join(spec)})"
                    )
            rel = self.write(spec, ws, part)
            if rel is not None:
                self.snap.replace(spec.name, ws, (*files, rel))
                stored += part.num_rows
                self._compact(spec, ws)
        return stored

    def upsert(self, spec: TableSpec, data: pa.Table) -> int:
        """Merge rows into their keys' stored rows by the table's rules (rewriting only the files that hold one
        of the keys), and store rows of new keys in a new file."""
        keys = ", ".join(spec.key)
        with _registered(self.duck, "__batch", _numbered(data)):
            merged = self._rows(
                f"SELECT {keys}, {', '.join(merge_aggregates(spec))} FROM __batch GROUP BY {keys}"
            )
        sets = merge_sets(
            spec, new="m", old="t", json=lambda c: f"json_merge_patch(coalesce(t.{c}, '{{}}'), m.{c})"
        )
        for ws in _workspaces(merged):
            part = merged.filter(pc.equal(merged["workspace_id"], ws))
            files = self.snap.files(spec.name, ws)
            kept, added = list(files), []
            with _registered(self.duck, "m", part):
                touched = self._touched(spec, files)
                fresh = self._rows(
                    f"SELECT m.* FROM m WHERE NOT EXISTS (SELECT 1 FROM {self.source(spec.name, files)} t "
                    f"WHERE {_join(spec, 't', 'm')})"
                )
                if touched:
                    self.duck.execute(
                        f"CREATE OR REPLACE TEMP TABLE __part AS SELECT * FROM {self.source(spec.name, touched)}"
                    )
                    try:
                        if sets:
                            self.duck.execute(
                                f"UPDATE __part AS t SET {', '.join(sets)} FROM m WHERE {_join(spec, 't', 'm')}"
                            )
                        rewritten = self._rows(f"SELECT {', '.join(spec.column_names)} FROM __part")
                    finally:
                        self.duck.execute("DROP TABLE IF EXISTS __part")
                    kept = [f for f in files if f not in touched]
                    added.append(self.write(spec, ws, rewritten))
            added.append(self.write(spec, ws, fresh))
            self.snap.replace(spec.name, ws, tuple(kept) + tuple(f for f in added if f))
            self._compact(spec, ws)
        return merged.num_rows

    def _touched(self, spec: TableSpec, files: Files) -> Files:
        """The files of a partition that hold one of the keys in `m`."""
        if not files:
            return ()
        rows = self.duck.execute(
            f"SELECT DISTINCT t.filename FROM read_parquet([{self._paths(files)}], filename = true) t "
            f"JOIN m ON {_join(spec, 't', 'm')}"
        ).fetchall()
        names = {str(r[0]) for r in rows}
        return tuple(f for f in files if self.lake.path(f) in names)

    def _compact(self, spec: TableSpec, ws: int) -> None:
        files = self.snap.files(spec.name, ws)
        if len(files) > COMPACT_AFTER:
            self.compact(spec, ws)

    def compact(self, spec: TableSpec, ws: int) -> None:
        """Rewrite one partition's files as one."""
        files = self.snap.files(spec.name, ws)
        if len(files) < 2:
            return
        rows = self._rows(f"SELECT {', '.join(spec.column_names)} FROM {self.source(spec.name, files)}")
        rel = self.write(spec, ws, rows)
        self.snap.replace(spec.name, ws, (rel,) if rel else ())

    # -- statements -----------------------------------------------------------------------------

    def run(self, query: str, params: Params) -> int:
        """One INSERT, UPDATE or DELETE in DuckDB's dialect, applied to the partitions it can change."""
        try:
            tree = sqlglot.parse_one(query, read="duckdb")
        except sqlglot.errors.ParseError as exc:
            raise Unportable(f"cannot read warehouse SQL: {exc}") from None
        if not isinstance(tree, exp.Insert | exp.Update | exp.Delete):
            raise Unportable("Warehouse.run takes one INSERT, UPDATE or DELETE")
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        spec = spec_of(target.name)
        others = {t.name for t in tree.find_all(exp.Table) if t.name in TABLES} - {spec.name}
        with self._views(others):
            if isinstance(tree, exp.Insert):
                return self._insert(spec, query, params)
            ws = _workspace_of(tree, params)
            parts = [ws] if ws is not None else self.snap.workspaces(spec.name)
            return sum(self._change(spec, w, query, params) for w in parts)

    def _insert(self, spec: TableSpec, query: str, params: Params) -> int:
        self.duck.execute(f"CREATE TEMP TABLE {spec.name} AS SELECT * FROM empty.{spec.name} LIMIT 0")
        try:
            self.duck.execute(query, params or [])
            rows = self._rows(f"SELECT {', '.join(spec.column_names)} FROM temp.{spec.name}")
        finally:
            self.duck.execute(f"DROP TABLE temp.{spec.name}")
        return self.append(spec, rows)

    def _change(self, spec: TableSpec, ws: int, query: str, params: Params) -> int:
        files = self.snap.files(spec.name, ws)
        if not files:
            return 0
        self.duck.execute(f"CREATE TEMP TABLE {spec.name} AS SELECT * FROM {self.source(spec.name, files)}")
        try:
            row = self.duck.execute(query, params or []).fetchone()
            changed = int(row[0]) if row else 0
            if changed:
                rows = self._rows(f"SELECT {', '.join(spec.column_names)} FROM temp.{spec.name}")
                rel = self.write(spec, ws, rows)
                self.snap.replace(spec.name, ws, (rel,) if rel else ())
        finally:
            self.duck.execute(f"DROP TABLE temp.{spec.name}")
        return changed

    def _views(self, tables: set[str]) -> _Views:
        return _Views(self, tables)


class _Views:
    """Temporary views of other tables a statement reads, over the transaction's snapshot."""

    def __init__(self, writes: LakeWrites, tables: set[str]) -> None:
        self.writes, self.tables = writes, sorted(tables)

    def __enter__(self) -> None:
        for name in self.tables:
            source = self.writes.source(name, self.writes.snap.files(name))
            self.writes.duck.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {source}")

    def __exit__(self, *exc: object) -> None:
        for name in self.tables:
            self.writes.duck.execute(f"DROP VIEW IF EXISTS temp.{name}")


def create_empty_tables(duck: duckdb.DuckDBPyConnection) -> None:
    """The `empty` schema: every table with no rows, the shape of a partition that has no file."""
    duck.execute("CREATE SCHEMA IF NOT EXISTS empty")
    for spec in TABLES.values():
        duck.execute(spec.ddl().replace(f"EXISTS {spec.name}", f"EXISTS empty.{spec.name}", 1))


class _registered:  # noqa: N801 - a context manager used like a function
    def __init__(self, duck: duckdb.DuckDBPyConnection, name: str, data: pa.Table) -> None:
        self.duck, self.name, self.data = duck, name, data

    def __enter__(self) -> None:
        self.duck.register(self.name, self.data)

    def __exit__(self, *exc: object) -> None:
        self.duck.unregister(self.name)


def _numbered(data: pa.Table) -> pa.Table:
    return data.append_column("__row", pa.array(range(data.num_rows), pa.int64()))


def _workspaces(data: pa.Table) -> list[int]:
    return sorted(pc.unique(data["workspace_id"]).to_pylist())


def _join(spec: TableSpec, old: str = "t", new: str = "p") -> str:
    return " AND ".join(f"{old}.{k} = {new}.{k}" for k in spec.key)


def _workspace_of(tree: exp.Expression, params: Params) -> int | None:
    """The workspace a statement is limited to by a top-level `workspace_id = value` condition, if any."""
    where = tree.args.get("where")
    if where is None:
        return None
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    names = {"", target.name, target.alias}
    placeholders = list(tree.find_all(exp.Placeholder, bfs=False))
    for cond in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
        if not isinstance(cond, exp.EQ):
            continue
        for col, value in ((cond.this, cond.expression), (cond.expression, cond.this)):
            if isinstance(col, exp.Column) and col.name == "workspace_id" and col.table in names:
                found = _value(value, placeholders, params)
                if found is not None:
                    return found
    return None


def _value(node: exp.Expression, placeholders: list[exp.Placeholder], params: Params) -> int | None:
    raw: Any = None
    if isinstance(node, exp.Literal) and not node.is_string:
        raw = node.this
    elif isinstance(node, exp.Placeholder):
        if isinstance(params, dict) and node.name in params:
            raw = params[node.name]
        elif isinstance(params, list) and len(placeholders) == len(params) and not node.name:
            raw = params[next(i for i, p in enumerate(placeholders) if p is node)]
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
