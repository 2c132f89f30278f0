"""The value domain's data as frames: a workspace's orders, its stored customer values, and their plain JSON
forms (records, a CLV histogram)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from tajriba.warehouse import Warehouse
from tajriba.warehouse.schema import TABLES

VALUE_COLUMNS = ", ".join(c for c in TABLES["customer_values"].column_names if c != "workspace_id")


def load_orders(wh: Warehouse, workspace_id: int, *, until: dt.datetime | None = None) -> pd.DataFrame:
    """customer_id, ordered_at, amount, items, channel, currency, late of the workspace's purchases."""
    query = (
        "SELECT customer_id, ordered_at, CAST(amount AS DOUBLE) AS amount, items, channel, currency, "
        "(delivered_at IS NOT NULL AND promised_delivery_at IS NOT NULL AND delivered_at > promised_delivery_at) AS late, "
        "(delivered_at IS NOT NULL AND promised_delivery_at IS NOT NULL) AS delivered "
        "FROM orders WHERE workspace_id = ? AND customer_id IS NOT NULL AND cancelled_at IS NULL "
        "AND coalesce(status, '') <> 'cancelled'"
    )
    params: list[Any] = [workspace_id]
    if until is not None:
        query += " AND ordered_at <= ?"
        params.append(until)
    return wh.frame(query + " ORDER BY ordered_at, order_id", params)


def observation_end_of(orders: pd.DataFrame, observation_end: dt.date | None) -> dt.date:
    if observation_end is not None:
        return observation_end
    return pd.Timestamp(orders["ordered_at"].max()).date()


def values_frame(wh: Warehouse, workspace_id: int) -> pd.DataFrame:
    return wh.frame("SELECT * FROM customer_values WHERE workspace_id = ?", [workspace_id])


def plain(v: Any) -> Any:
    if v is pd.NaT or (isinstance(v, float) and not math.isfinite(v)):
        return None
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def histogram(values: np.ndarray, bins: int = 12) -> list[dict[str, float]]:
    if values.size == 0:
        return []
    top = float(np.quantile(values, 0.99)) or float(values.max()) or 1.0
    edges = np.linspace(0, top, bins + 1)
    counts, _ = np.histogram(np.clip(values, 0, top), bins=edges)
    return [
        {"low": float(a), "high": float(b), "customers": int(c)}
        for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)
    ]
