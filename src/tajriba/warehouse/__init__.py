"""The warehouse of experience data: an embedded DuckDB file by default, PostgreSQL shared by processes, or a
Parquet lake read by Spark."""

from tajriba.warehouse.duckdb_engine import DuckDBWarehouse
from tajriba.warehouse.store import Warehouse

__all__ = ["DuckDBWarehouse", "Warehouse", "open_warehouse"]

SCHEMES = ("duckdb://", "postgresql://", "postgres://", "postgresql+psycopg://", "spark+local://", "spark://")


def open_warehouse(url: str) -> Warehouse:
    """The warehouse at `url`: duckdb:///PATH (or duckdb://:memory:), postgresql://... (?schema=NAME), or
    spark+local://N?lake=DIR / spark://HOST:PORT?lake=DIR."""
    if url.startswith("duckdb://"):
        return DuckDBWarehouse(url.removeprefix("duckdb:///").removeprefix("duckdb://"))
    if url.startswith(SCHEMES[4:]):
        from tajriba.warehouse.spark import SparkWarehouse

        return SparkWarehouse(url)
    if url.startswith(SCHEMES[1:4]):
        from tajriba.warehouse.postgres import PostgresWarehouse

        return PostgresWarehouse(url)
    raise ValueError(f"unknown warehouse address {url!r}: expected one of {', '.join(SCHEMES)}")
