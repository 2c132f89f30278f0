"""The retention call list: valuable customers slipping away, with name and phone; a call made is recorded
as an event, and a customer called in the last 30 days waits at the end of the list."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tajriba.warehouse import Warehouse

CALL_COLUMNS = [
    "customer_id",
    "segment",
    "orders",
    "total_spend",
    "days_since_last",
    "p_alive",
    "clv",
    "clv_low",
    "clv_high",
    "name",
    "phone",
    "called_at",
]


def calls_to_make(wh: Warehouse, workspace_id: int, values: pd.DataFrame, size: int) -> pd.DataFrame:
    """Customers to call first: valuable (high past spend) and slipping (high churn risk), with name and
    phone; those called in the last CALLED_DAYS days wait at the end of the list, marked."""
    calls = values[values["frequency"] > 0].assign(score=lambda f: (1 - f["p_alive"]) * f["total_spend"])
    called = last_called(wh, workspace_id, calls["customer_id"].tolist())
    calls = calls.assign(called_at=calls["customer_id"].map(called))
    calls = calls.assign(_called=calls["called_at"].notna()).sort_values(
        ["_called", "score"], ascending=[True, False]
    )
    calls = calls.head(size)
    contacts = _contacts(wh, workspace_id, calls["customer_id"].tolist())
    return calls.assign(
        name=calls["customer_id"].map(lambda c: contacts.get(c, (None, None))[0]),
        phone=calls["customer_id"].map(lambda c: contacts.get(c, (None, None))[1]),
    )


CALL_EVENT = "Retention Call"


CALLED_DAYS = 30


def _contacts(wh: Warehouse, workspace_id: int, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """Name and phone of each customer (for the call list)."""
    if not ids:
        return {}
    rows = wh.sql(
        "SELECT customer_id, name, phone FROM customers WHERE workspace_id = ? AND list_contains(?, customer_id)",
        [workspace_id, ids],
    )
    return {str(c): (n, p) for c, n, p in rows}


def last_called(
    wh: Warehouse, workspace_id: int, ids: list[str], *, days: int = CALLED_DAYS
) -> dict[str, Any]:
    """When each of these customers was last called from the call list, within `days` days."""
    if not ids:
        return {}
    rows = wh.sql(
        "SELECT customer_id, max(timestamp) FROM events WHERE workspace_id = ? AND event = ? "
        "AND list_contains(?, customer_id) AND timestamp >= now()::TIMESTAMP - to_days(?) GROUP BY 1",
        [workspace_id, CALL_EVENT, ids, days],
    )
    return {str(c): t for c, t in rows}


def mark_called(wh: Warehouse, workspace_id: int, customer_id: str, *, by_user: int | None) -> None:
    """Record that someone called the customer: an event on the customer's timeline, which also moves them to the
    end of the call list for CALLED_DAYS days."""
    import uuid
    from datetime import UTC, datetime

    import orjson
    import pyarrow as pa

    found = wh.sql(
        "SELECT 1 FROM customers WHERE workspace_id = ? AND customer_id = ?", [workspace_id, customer_id[:64]]
    )
    if not found:
        from tajriba.errors import NotFound

        raise NotFound("No such customer.", field="customer_id")
    now = datetime.now(UTC).replace(tzinfo=None)
    wh.append(
        "events",
        pa.Table.from_pylist(
            [
                {
                    "workspace_id": workspace_id,
                    "message_id": f"call-{uuid.uuid4().hex}",
                    "customer_id": customer_id,
                    "type": "track",
                    "event": CALL_EVENT,
                    "timestamp": now,
                    "received_at": now,
                    "channel": "call_centre",
                    "properties": orjson.dumps({"by_user": by_user}).decode(),
                    "source": "tajriba",
                }
            ]
        ),
    )
