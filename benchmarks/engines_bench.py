"""Warehouse engines on the same Parquet files: journey discovery and NPS/CSAT/CES by touchpoint x month on
DuckDB and on Spark local mode (issue 19).

    .venv/bin/python benchmarks/engines_bench.py [--events 100000000] [--answers 10000000] [--cores 2]
        [--dir /tmp/engines_bench] [--spark-memory 12g] [--skip-duckdb-discovery]

Writes (once) an event log of `events` synthetic journeys (benchmarks/journey_bench.py's Markov chain, in
chunks of 10 M so that memory stays bounded) and `answers` survey answers (a third each NPS, CSAT, CES over
two years and 50 touchpoints) as Parquet files inside a Spark warehouse's lake. Then times, warm:
- discovery (`journeys.discovery.discover`: transitions, variants, start/end) over the event files, on DuckDB
  (`read_parquet`) and on Spark (a view over the same files, through the warehouse's Ibis backend);
- `metrics.service.metric_table` (what the metrics API and pages run) for each metric by touchpoint x month,
  on a DuckDB warehouse whose `survey_responses` is a view over the lake's files and on the Spark warehouse
  reading the lake itself.
Both engines must give the same variants, transitions and metric tables (checked, printed).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
CHUNK = 10_000_000


def write_events(folder: Path, events: int) -> list[str]:
    from journey_bench import synthesize  # type: ignore[import-not-found]

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, start in enumerate(range(0, events, CHUNK)):
        path = folder / f"part-{i:03d}.parquet"
        paths.append(str(path))
        if path.exists():
            continue
        t = time.perf_counter()
        log = synthesize(min(CHUNK, events - start), seed=42 + i)
        table = pa.table(
            {
                "case_id": pa.compute.binary_join_element_wise(f"p{i}-", log["case"], ""),
                "activity": log["activity"],
                "ts": log["ts"].cast(pa.timestamp("us")),
                "ord": pa.compute.add(log["idx"], start),
            }
        )
        pq.write_table(table, path, compression="zstd")
        print(f"events part {i}: {table.num_rows:,} rows in {time.perf_counter() - t:.0f} s", flush=True)
    return paths


def write_answers(lake: Path, answers: int, ws: int, touchpoints: list[int]) -> list[str]:
    import duckdb

    folder = lake / "data" / "survey_responses" / f"workspace_id={ws}"
    folder.mkdir(parents=True, exist_ok=True)
    rels = []
    lo, hi = min(touchpoints), max(touchpoints)
    con = duckdb.connect()
    for i, start in enumerate(range(0, answers, CHUNK)):
        path = folder / f"part-{i:03d}.parquet"
        rels.append(str(path.relative_to(lake)))
        if path.exists():
            continue
        n = min(CHUNK, answers - start)
        con.execute(
            f"""COPY (SELECT {ws}::INTEGER AS workspace_id, 'r' || i AS response_id,
              ({lo} + (i % {hi - lo + 1}))::INTEGER AS touchpoint_id,
              ['nps', 'csat', 'ces'][(i % 3) + 1] AS metric,
              (CASE i % 3 WHEN 0 THEN hash(i) % 11 WHEN 1 THEN 1 + hash(i) % 5 ELSE 1 + hash(i) % 7 END)::DOUBLE
                AS score,
              (CASE i % 3 WHEN 0 THEN 0 ELSE 1 END)::DOUBLE AS scale_min,
              (CASE i % 3 WHEN 0 THEN 10 WHEN 1 THEN 5 ELSE 7 END)::DOUBLE AS scale_max,
              TIMESTAMP '2024-12-01' + to_seconds((hash(i * 7) % 63072000)::BIGINT) AS submitted_at
            FROM range({start}, {start + n}) t(i)) TO '{path}' (FORMAT parquet, COMPRESSION zstd)"""
        )
    con.close()
    return rels


def close(a: object, b: object) -> bool:
    """Equal, floats to 9 significant digits (the engines sum in different orders)."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def timed(fn, runs: int, *, warm: bool = True):  # type: ignore[no-untyped-def]
    if warm:
        fn()
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), result


def conform_answers(paths: list[str]) -> None:
    """Give the answer files the warehouse's whole schema (missing columns as nulls), as the lake keeps them."""
    from tajriba.warehouse.store import conform, spec_of

    spec = spec_of("survey_responses")
    for path in paths:
        table = pq.read_table(path)
        if table.num_columns != len(spec.columns):
            pq.write_table(conform(spec, table), path, compression="zstd")


def main() -> None:  # noqa: PLR0915 - one benchmark, read top to bottom
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000_000)
    ap.add_argument("--answers", type=int, default=10_000_000)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/engines_bench"))
    ap.add_argument("--spark-memory", default="12g")
    ap.add_argument("--duckdb-memory", default="10GB", help="DuckDB's memory limit for discovery (it spills)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-duckdb-discovery", action="store_true")
    args = ap.parse_args()
    print(
        f"{platform.node()} {platform.machine()} {os.cpu_count()} cores; {args.events:,} events, "
        f"{args.answers:,} answers",
        flush=True,
    )

    import ibis
    from metrics_bench import bench_workspace  # type: ignore[import-not-found]

    from tajriba.app import create_app
    from tajriba.config import load_settings
    from tajriba.journeys import service as journeys
    from tajriba.journeys.discovery import discover
    from tajriba.metrics import service
    from tajriba.warehouse.lake import Snapshot, lake_at
    from tajriba.warehouse.spark import SparkWarehouse

    args.dir.mkdir(parents=True, exist_ok=True)
    event_files = write_events(args.dir / "events", args.events)

    settings = load_settings(data_dir=args.dir / "app")
    app = create_app(settings, start_worker=False)
    factory, duck = app.state.session_factory, app.state.warehouse
    lake_dir = args.dir / "lake"
    with factory() as db:
        ws = bench_workspace(db, 50)
        tps = [tp.id for tp in journeys.list_touchpoints(db, workspace_id=ws.id)]
        rels = write_answers(lake_dir, args.answers, ws.id, tps)
        conform_answers([str(lake_dir / r) for r in rels])
        lake = lake_at(lake_dir)
        with lake.writing():
            snap = Snapshot(0, {"survey_responses": {ws.id: tuple(rels)}})
            if lake.current().files("survey_responses", ws.id) != tuple(rels):
                lake.commit(snap)
        # DuckDB: the same files, as a view in place of its table
        paths = ", ".join(f"'{lake_dir / r}'" for r in rels)
        cur = duck.cursor()
        kind = cur.sql(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'survey_responses'"
        )
        if kind and kind[0][0] == "BASE TABLE":
            cur.sql("DROP TABLE survey_responses")
        cur.sql(f"CREATE OR REPLACE VIEW survey_responses AS SELECT * FROM read_parquet([{paths}])")
        cur.close()

        spark = SparkWarehouse(f"spark+local://{args.cores}?lake={lake_dir}&memory={args.spark_memory}")
        t = time.perf_counter()
        spark.sql("SELECT 1")
        print(f"Spark local[{args.cores}] session started in {time.perf_counter() - t:.1f} s", flush=True)

        results = {}
        for metric in ("nps", "csat", "ces"):
            q = service.Query(metric=metric, by="touchpoint", period="month", min_n=1)
            for name, wh in (("duckdb", duck), ("spark", spark)):
                best, median, result = timed(
                    lambda wh=wh, q=q: service.metric_table(db, wh, ws, q), args.runs
                )
                results[(name, metric)] = result
                print(
                    f"{metric} by touchpoint x month on {name}: {len(result['rows'])} rows, "
                    f"best {best * 1000:.0f} ms, median {median * 1000:.0f} ms",
                    flush=True,
                )
            same = close(results[("duckdb", metric)]["rows"], results[("spark", metric)]["rows"])
            print(f"{metric}: the same table on both engines: {same}", flush=True)

    # discovery over the event files
    found = {}
    if not args.skip_duckdb_discovery:
        con = ibis.duckdb.connect()
        con.raw_sql(f"SET memory_limit = '{args.duckdb_memory}'")
        events = con.read_parquet(event_files)
        best, median, found["duckdb"] = timed(lambda: discover(events, max_variants=100), 1, warm=False)
        print(
            f"discovery on DuckDB: {best:.1f} s (one run); {found['duckdb']['variants_total']:,} variants",
            flush=True,
        )
        con.disconnect()
    handle = spark._handle()
    handle.session.read.parquet(*event_files).createOrReplaceTempView("bench_log")
    events = handle.backend().table("bench_log")
    best, median, found["spark"] = timed(lambda: discover(events, max_variants=100), 1, warm=False)
    print(
        f"discovery on Spark local[{args.cores}]: {best:.1f} s (one run); "
        f"{found['spark']['variants_total']:,} variants",
        flush=True,
    )
    if "duckdb" in found:
        same = close(found["duckdb"], found["spark"])
        print(f"discovery: the same variants and transitions on both engines: {same}", flush=True)
    spark.close()
    app.state.warehouse.close()


if __name__ == "__main__":
    main()
