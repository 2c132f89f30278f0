"""The warehouse of experience data: an embedded DuckDB file by default, or PostgreSQL shared by processes."""

from tajriba.warehouse.duckdb_engine import DuckDBWarehouse
from tajriba.warehouse.store import Warehouse

__all__ = ["DuckDBWarehouse", "Warehouse", "open_warehouse"]

SCHEMES = ("duckdb://", "postgresql://", "postgres://", "postgresql+psycopg://")


def open_warehouse(url: str) -> Warehouse:
    """The warehouse at `url`: duckdb:///PATH (or duckdb://:memory:), or postgresql://... (?schema=NAME)."""
    if url.startswith("duckdb://"):
        return DuckDBWarehouse(url.removeprefix("duckdb:///").removeprefix("duckdb://"))
    if url.startswith(SCHEMES[1:]):
        from tajriba.warehouse.postgres import PostgresWarehouse

        return PostgresWarehouse(url)
    raise ValueError(f"unknown warehouse address {url!r}: expected one of {', '.join(SCHEMES)}")
