"""Store a flush of tracking messages: resolve identities in bulk, then append events and update profiles."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

from tajriba.customers import service as customer_service
from tajriba.ingest.profiles import naive, profile_rows, trait_changes
from tajriba.ingest.segment import Message
from tajriba.warehouse import Warehouse
from tajriba.warehouse.store import CUSTOMER_TABLES, ROW_KEYS

log = logging.getLogger("tajriba.identity")


@dataclass
class WorkspaceRules:
    """Per-workspace ingestion settings: identity policy, default phone region, touchpoint rules."""

    policy: customer_service.IdentityPolicy
    region: str = "SA"
    touchpoints: Sequence[Any] = ()


def store(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    messages: Sequence[Message],
    rules: WorkspaceRules,
    source: str = "segment",
) -> dict[str, int]:
    """Resolve and store messages of one workspace; return counts. Idempotent on message ids."""
    if not messages:
        return {"events": 0}
    # Resent batches are stored once: the events insert skips known message ids, and everything else a
    # flush writes (identities, profile traits, trait history keyed by message id) is idempotent.
    fresh: list[Message] = []
    seen: set[str] = set()
    for m in messages:  # the first of each message id, in arrival order
        if m.message_id not in seen:
            seen.add(m.message_id)
            fresh.append(m)
    with warehouse.transaction():  # the whole flush is stored, or nothing
        # another process flushing this workspace waits here (PostgreSQL): identities are resolved on what
        # it stored, so two processes never make two profiles of one new customer
        warehouse.lock_workspace(workspace_id)
        known_users = _known_user_ids(warehouse, workspace_id, fresh)
        groups, explicit = [], []
        for m in fresh:
            groups.append(_identifiers(m, rules.region, known_users))
            explicit.append(m.type == "alias")
        res = customer_service.resolve_identities(
            warehouse, workspace_id=workspace_id, groups=groups, explicit=explicit, policy=rules.policy
        )
        now = datetime.now(UTC).replace(tzinfo=None)
        apply_resolution(
            warehouse,
            workspace_id=workspace_id,
            res=res,
            source=source,
            reason="identifiers shared in events",
            at=now,
            seen=_identity_times(fresh, groups, res.new_identities) if res.new_identities else None,
        )
        stored = warehouse.append("events", _event_rows(workspace_id, fresh, res.customer_ids, rules, source))
        changes = trait_changes(warehouse, workspace_id, fresh, res.customer_ids, source)
        customer_service.store_profiles(
            warehouse, profile_rows(workspace_id, fresh, res.customer_ids, rules.region, now)
        )
        if changes:
            warehouse.append("trait_changes", pa.Table.from_pylist(changes))
        customer_service.record_consent(
            warehouse,
            workspace_id=workspace_id,
            observations=_consents(fresh, res.customer_ids, source),
        )
    return {
        "events": stored,
        "customers_new": len(res.new_customers),
        "merges": len(res.merges),
        "decisions": len(res.decisions),
    }


def _known_user_ids(warehouse: Warehouse, workspace_id: int, messages: Sequence[Message]) -> set[str]:
    """Which alias previousIds are user ids (known, or used as userId in this flush) rather than anonymous ids."""
    previous = sorted({m.previous_id for m in messages if m.type == "alias" and m.previous_id})
    if not previous:
        return set()
    batch_users = {m.user_id for m in messages if m.user_id}
    rows = warehouse.sql(
        "SELECT value FROM customer_identities WHERE workspace_id = ? AND kind = 'user_id' "
        "AND list_contains(?, value)",
        [workspace_id, previous],
    )
    return {r[0] for r in rows} | (batch_users & set(previous))


def _identifiers(
    m: Message, region: str, known_users: set[str] | frozenset[str] = frozenset()
) -> list[customer_service.Identifier]:
    out: list[customer_service.Identifier] = []
    if m.user_id:
        out.append(("user_id", m.user_id))
    if m.anonymous_id:
        out.append(("anonymous_id", m.anonymous_id))
    if m.type == "alias" and m.previous_id and m.previous_id != m.user_id:
        out.append(("user_id" if m.previous_id in known_users else "anonymous_id", m.previous_id))
    if m.type == "identify":
        for kind in ("email", "phone"):
            value = customer_service.normalize_identifier(kind, m.traits.get(kind), region=region)
            if value:
                out.append((kind, value))
    return out


def _consents(
    messages: Sequence[Message], customers: Sequence[str | None], source: str
) -> list[customer_service.ConsentObservation]:
    out = []
    for m, customer in zip(messages, customers, strict=True):
        if customer is None or ("consent" not in m.context and "consentManagement" not in m.context):
            continue
        at = naive(m.timestamp)
        assert at is not None
        how = customer_service.consent_context(m.context)
        for purpose, granted in customer_service.consent_from_context(m.context).items():
            out.append(
                customer_service.ConsentObservation(
                    customer, purpose, granted, at, m.message_id, source, tz=m.tz, **how
                )
            )
    return out


def _event_rows(
    workspace_id: int,
    messages: Sequence[Message],
    customers: Sequence[str | None],
    rules: WorkspaceRules,
    source: str,
) -> pa.Table:
    n = len(messages)
    event, touchpoint, channel, language, session, path_col, src = [], [], [], [], [], [], []
    for m in messages:
        ctx = m.context
        page = ctx.get("page")
        path = m.properties.get("path") or (page.get("path") if isinstance(page, dict) else None)
        locale = ctx.get("locale")
        library = ctx.get("library")
        lib_name = library.get("name") if isinstance(library, dict) else None
        tp, ch = _match_touchpoint(rules.touchpoints, m, path) if rules.touchpoints else (None, None)
        ctx_channel = ctx.get("channel")
        event.append(m.event if m.type == "track" else m.name)
        touchpoint.append(tp)
        channel.append(ch or (ctx_channel if isinstance(ctx_channel, str) else None))
        language.append(locale.split("-")[0].lower()[:8] if isinstance(locale, str) and locale else None)
        sid = ctx.get("sessionId") or m.properties.get("session_id")
        session.append(None if sid is None or isinstance(sid, (dict, list)) else str(sid))
        path_col.append(path if isinstance(path, str) else None)
        src.append(lib_name if isinstance(lib_name, str) else source)
    utc = pa.timestamp("us", tz="UTC")
    naive = pa.timestamp("us")
    return pa.table(
        {
            "workspace_id": pa.array([workspace_id] * n, pa.int32()),
            "message_id": [m.message_id for m in messages],
            "customer_id": pa.array(customers, pa.string()),
            "anonymous_id": [m.anonymous_id for m in messages],
            "user_id": [m.user_id for m in messages],
            "type": [m.type for m in messages],
            "event": pa.array(event, pa.string()),
            "timestamp": pa.array([m.timestamp for m in messages], utc).cast(naive),
            "original_timestamp": pa.array([m.original_timestamp for m in messages], utc).cast(naive),
            "sent_at": pa.array([m.sent_at for m in messages], utc).cast(naive),
            "received_at": pa.array([m.received_at for m in messages], utc).cast(naive),
            "tz": pa.array([m.tz for m in messages], pa.string()),
            "touchpoint_id": pa.array(touchpoint, pa.int32()),
            "channel": pa.array(channel, pa.string()),
            "language": pa.array(language, pa.string()),
            "session_id": pa.array(session, pa.string()),
            "page_path": pa.array(path_col, pa.string()),
            "properties": pa.array([m.stored_json for m in messages], pa.binary()).cast(pa.string()),
            "context": pa.array([m.context_json for m in messages], pa.binary()).cast(pa.string()),
            "source": src,
        }
    )


def _match_touchpoint(rules: Sequence[Any], m: Message, path: Any) -> tuple[int | None, str | None]:
    for rule in rules:
        if rule.matches(m, path):
            return rule.touchpoint_id, rule.channel
    return None, None


def _identity_times(
    messages: Sequence[Message],
    groups: Sequence[list[customer_service.Identifier]],
    wanted: dict[customer_service.Identifier, str],
) -> dict[customer_service.Identifier, tuple[datetime | None, datetime | None]]:
    """First and last time each new identifier was seen in this flush."""
    out: dict[customer_service.Identifier, tuple[datetime, datetime]] = {}
    for m, group in zip(messages, groups, strict=True):
        t = m.timestamp
        for ident in group:
            if ident in wanted:
                lo, hi = out.get(ident, (t, t))
                out[ident] = (min(lo, t), max(hi, t))
    return {i: (naive(lo), naive(hi)) for i, (lo, hi) in out.items()}


def apply_resolution(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    res: customer_service.Resolution,
    source: str,
    reason: str,
    at: datetime,
    seen: dict[customer_service.Identifier, tuple[datetime | None, datetime | None]] | None = None,
) -> None:
    """Store what identity resolution decided: log the guards' decisions, merge profiles, add identifiers.

    `seen` gives first and last time per new identifier (tracking); without it they are first seen `at`.
    Call inside the caller's warehouse transaction, before rows are written for the resolved customers.
    """
    for decision in res.decisions[:100]:  # guard decisions go to the log (blocklisted ids, refused merges)
        log.info("identity workspace=%s %s", workspace_id, orjson.dumps(decision).decode())
    for merge in res.merges:
        apply_merge(warehouse, workspace_id=workspace_id, merge=merge, reason=reason, at=at)
    new = res.new_identities
    if not new:
        return
    times = seen or {}
    warehouse.upsert(
        "customer_identities",
        pa.table(
            {
                "workspace_id": pa.array([workspace_id] * len(new), pa.int32()),
                "kind": [k for k, _ in new],
                "value": [v for _, v in new],
                "customer_id": list(new.values()),
                "source": [source] * len(new),
                "first_seen_at": pa.array([times.get(i, (at, None))[0] for i in new], pa.timestamp("us")),
                "last_seen_at": pa.array([times.get(i, (at, None))[1] for i in new], pa.timestamp("us")),
            }
        ),
    )


def apply_merge(
    warehouse: Warehouse, *, workspace_id: int, merge: customer_service.Merge, reason: str, at: datetime
) -> str:
    """Move everything of the merged profiles onto one, recording what moved so an admin can undo it."""
    merged = merge.merged
    snapshot: dict[str, Any] = {}
    with warehouse.transaction():
        rows = warehouse.sql(
            "SELECT customer_id, kind, value FROM customer_identities WHERE workspace_id = ? "
            "AND list_contains(?, customer_id)",
            [workspace_id, merged],
        )
        snapshot["identities"] = [list(r) for r in rows]
        for table, key in ROW_KEYS.items():
            moved = warehouse.sql(
                f"SELECT customer_id, {key} FROM {table} WHERE workspace_id = ? "
                "AND list_contains(?, customer_id)",
                [workspace_id, merged],
            )
            snapshot[table] = [list(r) for r in moved]
        for table in (*CUSTOMER_TABLES, "customer_identities"):
            warehouse.run(
                f"UPDATE {table} SET customer_id = ? WHERE workspace_id = ? AND list_contains(?, customer_id)",
                [merge.into, workspace_id, merged],
            )
        # derived values of the merged profiles are stale: the next value run recomputes the survivor
        warehouse.run(
            "DELETE FROM customer_values WHERE workspace_id = ? AND list_contains(?, customer_id)",
            [workspace_id, [*merged, merge.into]],
        )
        warehouse.run(
            "UPDATE customers SET merged_into = ?, updated_at = ? WHERE workspace_id = ? "
            "AND list_contains(?, customer_id)",
            [merge.into, at, workspace_id, merged],
        )
        merge_id = hashlib.sha256(
            f"{workspace_id}:{merge.into}:{','.join(merged)}:{at.isoformat()}".encode()
        ).hexdigest()[:24]
        warehouse.run(
            "INSERT INTO identity_merges (workspace_id, merge_id, into_customer_id, merged_customer_ids, via, reason, "
            "snapshot, merged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                workspace_id,
                merge_id,
                merge.into,
                orjson.dumps(merged).decode(),
                orjson.dumps([list(v) for v in merge.via]).decode(),
                reason,
                orjson.dumps(snapshot).decode(),
                at,
            ],
        )
    return merge_id
