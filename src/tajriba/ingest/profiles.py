"""Profiles from tracking calls: first and last seen per customer, identify traits (the latest call wins each
trait, even out of order) and the history of trait changes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from tajriba.customers import service as customer_service
from tajriba.warehouse import Warehouse


@dataclass(frozen=True)
class Identify:
    """An identify call with traits, of a resolved customer."""

    message_id: str
    at: datetime  # naive UTC
    customer: str
    traits: dict[str, Any]
    traits_json: str


def identify_calls(batch: pa.Table, customers: pa.Array) -> list[Identify]:
    """The batch's identify calls that carry traits (`segment.PARSED` rows), in event-time order."""
    mask = pc.and_(pc.is_valid(batch["traits"]), pc.is_valid(customers))
    if not pc.any(mask).as_py():
        return []
    rows = batch.filter(mask).select(["message_id", "timestamp", "traits"]).to_pylist()
    calls = [
        Identify(r["message_id"], r["timestamp"], c, orjson.loads(r["traits"]), r["traits"])
        for r, c in zip(rows, customers.filter(mask).to_pylist(), strict=True)
    ]
    return sorted(calls, key=lambda call: call.at)


def _obj(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _scalar(value: Any) -> str | None:
    return None if value is None or isinstance(value, (dict, list)) else str(value)


PROFILE_COLUMNS = (
    "customer_id",
    "external_id",
    "name",
    "email",
    "phone",
    "country",
    "city",
    "language",
    "gender",
    "traits",
    "first_seen_at",
    "last_seen_at",
    "created_at",
    "updated_at",
)


def _identified(call: Identify, region: str) -> dict[str, Any]:
    """The profile fields an identify call's traits give (Segment's spec names; address.country/city too)."""
    traits = call.traits
    name = traits.get("name") or " ".join(str(traits[k]) for k in ("firstName", "lastName") if traits.get(k))
    address = _obj(traits, "address")
    return {
        "customer_id": call.customer,
        "name": str(name) if name else None,
        "email": customer_service.normalize_identifier("email", traits.get("email"), region=region),
        "phone": customer_service.normalize_identifier("phone", traits.get("phone"), region=region),
        "country": _scalar(traits.get("country") or address.get("country")),
        "city": _scalar(traits.get("city") or address.get("city")),
        "language": _scalar(traits.get("language")),
        "gender": _scalar(traits.get("gender")),
        "traits": call.traits_json,
    }


def profile_rows(
    workspace_id: int,
    events: pa.Table,
    identifies: Sequence[Identify],
    region: str,
    now: datetime,
) -> pa.Table:
    """One row per customer touched: first/last seen, and identify traits (last write wins per trait).

    `events` is the flush's events table (`customer_id`, `timestamp`, `user_id`, in arrival order)."""
    # First and last seen per customer (not per event) and the last user id sent, grouped by Arrow in
    # arrival order; then one row per identify call in event-time order, so the latest identify wins each
    # trait even when calls arrive out of order.
    seen = events.select(["customer_id", "timestamp", "user_id"]).filter(pc.is_valid(events["customer_id"]))
    span = seen.group_by("customer_id", use_threads=False).aggregate(
        [
            ("timestamp", "min"),
            ("timestamp", "max"),
            ("user_id", "last", pc.ScalarAggregateOptions(skip_nulls=True)),
        ]
    )
    n = span.num_rows
    ts = pa.timestamp("us")
    schema = pa.schema(
        [("workspace_id", pa.int32())]
        + [(c, ts if c.endswith("_at") else pa.string()) for c in PROFILE_COLUMNS]
    )
    spans = {
        "workspace_id": pa.array([workspace_id] * n, pa.int32()),
        "customer_id": span["customer_id"],
        "external_id": span["user_id_last"],
        "first_seen_at": span["timestamp_min"],
        "last_seen_at": span["timestamp_max"],
        "created_at": pa.array([now] * n, ts),
        "updated_at": pa.array([now] * n, ts),
    }
    rows = [{"workspace_id": workspace_id, **_identified(call, region)} for call in identifies]
    return pa.concat_tables(
        [
            pa.table({f.name: spans.get(f.name, pa.nulls(n, f.type)) for f in schema}, schema=schema),
            pa.Table.from_pylist(rows, schema=schema),
        ]
    )


def trait_changes(
    warehouse: Warehouse, workspace_id: int, identifies: Sequence[Identify], source: str
) -> list[dict[str, Any]]:
    """One row per trait whose value an identify call changes, in the order the calls were made."""
    if not identifies:
        return []
    ids = sorted({call.customer for call in identifies})
    current = dict(
        warehouse.sql(
            "SELECT customer_id, traits FROM customers WHERE workspace_id = ? AND list_contains(?, customer_id)",
            [workspace_id, ids],
        )
    )
    state: dict[str, dict[str, Any]] = {c: orjson.loads(current[c]) if current.get(c) else {} for c in ids}
    out = []
    for call in identifies:
        before = state[call.customer]
        for trait, value in call.traits.items():
            old = before.get(trait)
            if old == value:
                continue
            key = f"{call.message_id}\x00{trait}"
            out.append(
                {
                    "workspace_id": workspace_id,
                    "change_id": hashlib.sha256(key.encode()).hexdigest()[:32],
                    "customer_id": call.customer,
                    "trait": trait,
                    "old_value": None if old is None else orjson.dumps(old).decode(),
                    "new_value": orjson.dumps(value).decode(),
                    "changed_at": call.at,
                    "message_id": call.message_id,
                    "source": source,
                }
            )
            if value is None:
                before.pop(trait, None)
            else:
                before[trait] = value
    return out
