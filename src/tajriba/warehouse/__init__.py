"""The warehouse of experience data (DuckDB through Ibis by default)."""

from tajriba.warehouse.store import Warehouse

__all__ = ["Warehouse"]
