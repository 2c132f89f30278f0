"""Customer profiles: merges and their undo."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from tajriba.errors import Conflict, NotFound
from tajriba.warehouse import Warehouse

KEYS = {
    "orders": "order_id",
    "survey_responses": "response_id",
    "feedback_texts": "feedback_id",
    "tickets": "ticket_id",
    "trait_changes": "change_id",
}


def list_merges(
    warehouse: Warehouse, *, workspace_id: int, customer_id: str | None = None
) -> list[dict[str, Any]]:
    """Merge records, newest first (optionally those involving one customer)."""
    query = (
        "SELECT merge_id, into_customer_id, merged_customer_ids, via, reason, merged_at, undone_at, undone_by "
        "FROM identity_merges WHERE workspace_id = ?"
    )
    params: list[Any] = [workspace_id]
    if customer_id:
        query += " AND (into_customer_id = ? OR list_contains(CAST(merged_customer_ids AS VARCHAR[]), ?))"
        params += [customer_id, customer_id]
    rows = warehouse.sql(query + " ORDER BY merged_at DESC, merge_id", params)
    cols = [
        "merge_id",
        "into_customer_id",
        "merged_customer_ids",
        "via",
        "reason",
        "merged_at",
        "undone_at",
        "undone_by",
    ]
    out = []
    for row in rows:
        rec = dict(zip(cols, row, strict=True))
        rec["merged_customer_ids"] = orjson.loads(rec["merged_customer_ids"])
        rec["via"] = orjson.loads(rec["via"])
        out.append(rec)
    return out


def undo_merge(warehouse: Warehouse, *, workspace_id: int, merge_id: str, actor: str) -> dict[str, int]:
    """Give the merged profiles back their identifiers and data; events follow their identifiers."""
    rows = warehouse.sql(
        "SELECT into_customer_id, snapshot, undone_at FROM identity_merges "
        "WHERE workspace_id = ? AND merge_id = ?",
        [workspace_id, merge_id],
    )
    if not rows:
        raise NotFound(f"no merge {merge_id!r} in this workspace", field="merge_id")
    into, snapshot_json, undone_at = rows[0]
    if undone_at is not None:
        raise Conflict(f"merge {merge_id} was already undone at {undone_at:%Y-%m-%d %H:%M}", field="merge_id")
    snapshot = orjson.loads(snapshot_json)
    counts: dict[str, int] = {}
    merged = sorted(
        {c for c, _k, _v in snapshot["identities"]}
        | {c for table in KEYS for c, _key in snapshot.get(table, [])}
    )
    with warehouse.transaction() as con:
        for customer, kind, value in snapshot["identities"]:
            con.execute(
                "UPDATE customer_identities SET customer_id = ? WHERE workspace_id = ? AND kind = ? "
                "AND value = ?",
                [customer, workspace_id, kind, value],
            )
        counts["customer_identities"] = len(snapshot["identities"])
        for table, key in KEYS.items():
            moved = snapshot.get(table, [])
            for customer, key_value in moved:
                con.execute(
                    f"UPDATE {table} SET customer_id = ? WHERE workspace_id = ? AND {key} = ?",
                    [customer, workspace_id, key_value],
                )
            counts[table] = len(moved)
        row = con.execute(
            "UPDATE events e SET customer_id = i.customer_id FROM customer_identities i "
            "WHERE e.workspace_id = ? AND i.workspace_id = ? AND e.customer_id = ? AND i.customer_id <> ? "
            "AND ((i.kind = 'user_id' AND i.value = e.user_id) OR "
            "     (i.kind = 'anonymous_id' AND i.value = e.anonymous_id AND e.user_id IS NULL))",
            [workspace_id, workspace_id, into, into],
        ).fetchone()
        counts["events"] = int(row[0]) if row else 0
        con.execute(
            "UPDATE customers SET merged_into = NULL WHERE workspace_id = ? AND list_contains(?, customer_id)",
            [workspace_id, merged],
        )
        con.execute(
            "UPDATE identity_merges SET undone_at = ?, undone_by = ? WHERE workspace_id = ? AND merge_id = ?",
            [datetime.now(UTC).replace(tzinfo=None), actor, workspace_id, merge_id],
        )
    return counts
