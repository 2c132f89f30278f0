"""Profiles from tracking calls: first and last seen per customer, identify traits (the latest call wins each
trait, even out of order) and the history of trait changes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

from tajriba.customers import service as customer_service
from tajriba.ingest.segment import Message
from tajriba.warehouse import Warehouse


def naive(dt: datetime | None) -> datetime | None:
    return dt.astimezone(UTC).replace(tzinfo=None) if dt is not None else None


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


def _identified(m: Message, customer: str, region: str) -> dict[str, Any]:
    """The profile fields an identify call's traits give (Segment's spec names; address.country/city too)."""
    traits = m.traits
    name = traits.get("name") or " ".join(str(traits[k]) for k in ("firstName", "lastName") if traits.get(k))
    address = _obj(traits, "address")
    return {
        "customer_id": customer,
        "name": str(name) if name else None,
        "email": customer_service.normalize_identifier("email", traits.get("email"), region=region),
        "phone": customer_service.normalize_identifier("phone", traits.get("phone"), region=region),
        "country": _scalar(traits.get("country") or address.get("country")),
        "city": _scalar(traits.get("city") or address.get("city")),
        "language": _scalar(traits.get("language")),
        "gender": _scalar(traits.get("gender")),
        "traits": m.stored_json.decode(),
    }


def profile_rows(
    workspace_id: int,
    messages: Sequence[Message],
    customers: Sequence[str | None],
    region: str,
    now: datetime,
) -> pa.Table:
    """One row per customer touched: first/last seen, and identify traits (last write wins per trait)."""
    # First and last seen per customer (not per event), then one row per identify call in event-time order,
    # so the latest identify wins each trait even when calls arrive out of order.
    span: dict[str, tuple[datetime, datetime, str | None]] = {}
    for m, customer in zip(messages, customers, strict=True):
        if customer is None:
            continue
        t = m.timestamp
        old = span.get(customer)
        if old is None:
            span[customer] = (t, t, m.user_id)
        else:
            span[customer] = (min(old[0], t), max(old[1], t), m.user_id or old[2])
    rows: list[dict[str, Any]] = [
        {
            "customer_id": c,
            "first_seen_at": naive(lo),
            "last_seen_at": naive(hi),
            "created_at": now,
            "updated_at": now,
            "external_id": user,
        }
        for c, (lo, hi, user) in span.items()
    ]
    identifies = sorted(
        (
            (m, c)
            for m, c in zip(messages, customers, strict=True)
            if c is not None and m.type == "identify" and m.traits
        ),
        key=lambda p: p[0].timestamp,
    )
    rows += [_identified(m, customer, region) for m, customer in identifies]
    data = {c: [r.get(c) for r in rows] for c in PROFILE_COLUMNS}
    ts = pa.timestamp("us")
    return pa.table(
        {
            "workspace_id": pa.array([workspace_id] * len(rows), pa.int32()),
            **{c: pa.array(v, ts if c.endswith("_at") else pa.string()) for c, v in data.items()},
        }
    )


def trait_changes(
    warehouse: Warehouse,
    workspace_id: int,
    messages: Sequence[Message],
    customers: Sequence[str | None],
    source: str,
) -> list[dict[str, Any]]:
    """One row per trait whose value an identify call changes, in the order the calls were made."""
    pairs = [
        (m, c) for m, c in zip(messages, customers, strict=True) if m.type == "identify" and m.traits and c
    ]
    if not pairs:
        return []
    ids = sorted({c for _, c in pairs})
    current = dict(
        warehouse.sql(
            "SELECT customer_id, traits FROM customers WHERE workspace_id = ? AND list_contains(?, customer_id)",
            [workspace_id, ids],
        )
    )
    state: dict[str, dict[str, Any]] = {c: orjson.loads(current[c]) if current.get(c) else {} for c in ids}
    out = []
    for m, customer in sorted(pairs, key=lambda p: p[0].timestamp):
        before = state[customer]
        for trait, value in m.traits.items():
            old = before.get(trait)
            if old == value:
                continue
            key = f"{m.message_id}\x00{trait}"
            out.append(
                {
                    "workspace_id": workspace_id,
                    "change_id": hashlib.sha256(key.encode()).hexdigest()[:32],
                    "customer_id": customer,
                    "trait": trait,
                    "old_value": None if old is None else orjson.dumps(old).decode(),
                    "new_value": orjson.dumps(value).decode(),
                    "changed_at": naive(m.timestamp),
                    "message_id": m.message_id,
                    "source": source,
                }
            )
            if value is None:
                before.pop(trait, None)
            else:
                before[trait] = value
    return out
