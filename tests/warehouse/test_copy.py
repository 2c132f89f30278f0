"""`tajriba warehouse copy` moves the demo workspace DuckDB -> PostgreSQL -> DuckDB without changing a row or
a number: every table's rows round-trip exactly, and NPS/CSAT by touchpoint and month read the same on both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
from sqlalchemy import select

from tajriba.db import migrate
from tajriba.db.session import make_engine, make_session_factory
from tajriba.demo import build_demo
from tajriba.metrics import service as metrics
from tajriba.models import Workspace
from tajriba.warehouse import Warehouse, open_warehouse
from tajriba.warehouse.schema import TABLES
from tests.conftest import pg_warehouse_url, spark_url


def _rows(wh: Warehouse, table: str) -> pa.Table:
    batches = list(wh.read_batches(table, rows=5_000))
    data = pa.concat_tables(batches) if batches else TABLES[table].arrow_schema().empty_table()
    return data.sort_by([(k, "ascending") for k in TABLES[table].key])


def _copy(data: Path, source: str, target: str) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tajriba.cli",
            "warehouse",
            "copy",
            "--from",
            source,
            "--to",
            target,
            "--json",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TAJRIBA_DATA_DIR": str(data)},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(orjson.loads(done.stdout))


def _demo(tmp_path: Path) -> tuple[Path, Any, Any, str]:
    """A small demo workspace: its data folder, application database (engine, sessions) and DuckDB warehouse."""
    data = tmp_path / "data"
    data.mkdir()
    engine = make_engine(f"sqlite:///{data / 'tajriba.db'}")
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    first = f"duckdb:///{tmp_path / 'first.duckdb'}"
    wh = open_warehouse(first)
    wh.create_schema()
    build_demo(factory, wh, scale=0.02, seed=5)
    wh.close()
    return data, engine, factory, first


def test_the_demo_round_trips_through_postgres_with_the_same_rows_and_numbers(tmp_path: Path) -> None:
    data, engine, factory, first = _demo(tmp_path)

    with pg_warehouse_url() as pg:
        report = _copy(data, first, pg)
        assert report["complete"] and report["tables"]["events"]["stored"] > 10_000
        back = f"duckdb:///{tmp_path / 'back.duckdb'}"
        _copy(data, pg, back)
        again = _copy(data, first, pg)  # a second copy stores nothing twice
        assert all(t["stored"] == 0 for t in again["tables"].values())

        engines = [open_warehouse(u) for u in (first, pg, back)]
        try:
            for table in TABLES:
                original = _rows(engines[0], table)
                assert original.equals(_rows(engines[1], table)), table
                assert original.equals(_rows(engines[2], table)), table
            with factory() as session:
                ws = session.scalar(select(Workspace))
                assert ws is not None
                # months and Monday weeks are bucketed in SQL, Saturday weeks from the days, no period by key
                # alone (metrics.query.bucket)
                for metric, period, start in (
                    ("nps", "month", "monday"),
                    ("csat", "week", "monday"),
                    ("ces", "week", "saturday"),
                    ("csat", None, "monday"),
                ):
                    q = metrics.Query(metric=metric, by="touchpoint", period=period, week_start=start)
                    duck, postgres = (metrics.metric_table(session, w, ws, q) for w in engines[:2])
                    assert duck["rows"] and duck == postgres
        finally:
            for w in engines:
                w.close()
    engine.dispose()


def test_the_demo_copies_to_a_spark_lake_with_the_same_rows_and_numbers(tmp_path: Path) -> None:
    data, engine, factory, first = _demo(tmp_path)
    lake = spark_url(tmp_path)
    report = _copy(data, first, lake)
    assert report["complete"] and report["tables"]["events"]["stored"] > 10_000
    engines = [open_warehouse(u) for u in (first, lake)]
    try:
        for table in TABLES:
            assert _rows(engines[0], table).equals(_rows(engines[1], table)), table
        with factory() as session:
            ws = session.scalar(select(Workspace))
            assert ws is not None
            for metric, period in (("nps", "month"), ("csat", "week"), ("ces", None)):
                q = metrics.Query(metric=metric, by="touchpoint", period=period)
                duck, spark = (metrics.metric_table(session, w, ws, q) for w in engines)
                assert duck["rows"] and duck == spark
    finally:
        for w in engines:
            w.close()
    engine.dispose()
