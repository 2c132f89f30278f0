"""Spike for the Spark engine (issue 19, not built yet): does the one SQL dialect run on Spark here, and how fast?

    .venv/bin/pip install '.[spark]'   # pyspark (about 430 MB; Java 17 from Debian)
    .venv/bin/python benchmarks/spark_spike.py [--dir /tmp/metrics_bench]

Reads the 10 M answers that `benchmarks/metrics_bench.py` built into its DuckDB file, writes them as Parquet
(the lake a Spark warehouse would keep), and times the metrics module's daily CSAT aggregate, written once in
DuckDB's dialect, transpiled to Spark SQL by sqlglot with positional parameters, on Spark local[2] and on DuckDB.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

QUERY = """SELECT r.touchpoint_id AS key, CAST(r.submitted_at + INTERVAL 10800 SECOND AS DATE) AS day,
COALESCE(r.scale_min, 1) AS smin, COALESCE(r.scale_max, 5) AS smax, count(*) AS n, sum(r.score) AS total,
sum(r.score * r.score) AS total_sq, count(*) FILTER (WHERE r.score >= COALESCE(r.scale_max, 5) - 1) AS high,
count(*) FILTER (WHERE r.score <= COALESCE(r.scale_min, 1) + 1) AS low
FROM survey_responses r WHERE r.workspace_id = ? AND r.metric = ? AND r.score IS NOT NULL GROUP BY ALL"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", type=Path, default=Path("/tmp/metrics_bench"))
    args = ap.parse_args()
    import duckdb
    import sqlglot
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("tajriba-spike")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "6g")
        .getOrCreate()
    )
    print(f"Spark {spark.version} local[2] session: {time.perf_counter() - started:.1f} s")
    con = duckdb.connect(str(args.dir / "warehouse.duckdb"), read_only=True)
    lake = args.dir / "lake_survey_responses"
    if not lake.exists():
        t = time.perf_counter()
        con.execute(
            f"COPY (SELECT * FROM survey_responses) TO '{lake}' (FORMAT parquet, PER_THREAD_OUTPUT true)"
        )
        print(f"Parquet written in {time.perf_counter() - t:.1f} s")
    spark.read.parquet(str(lake)).createOrReplaceTempView("survey_responses")
    spark_sql = sqlglot.transpile(QUERY, read="duckdb", write="spark")[0]
    for run in range(3):
        t = time.perf_counter()
        groups = len(spark.sql(spark_sql, args=[1, "csat"]).toPandas())
        print(f"Spark run {run + 1}: {groups:,} groups in {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    groups = len(con.execute(QUERY, [1, "csat"]).df())
    print(f"DuckDB: {groups:,} groups in {time.perf_counter() - t:.3f} s")
    spark.stop()


if __name__ == "__main__":
    main()
