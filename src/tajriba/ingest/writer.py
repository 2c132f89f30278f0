"""Store a flush of tracking messages: resolve identities in bulk, then append events and update profiles."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from tajriba.customers import service as customer_service
from tajriba.ingest.mapping import match_touchpoints
from tajriba.ingest.profiles import identify_calls, profile_rows, trait_changes
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
    batch: pa.Table,
    rules: WorkspaceRules,
    source: str = "segment",
) -> dict[str, int]:
    """Resolve and store parsed messages (`segment.PARSED` rows) of one workspace; return counts. Idempotent
    on message ids."""
    if not batch.num_rows:
        return {"events": 0}
    # Resent batches are stored once: the events insert skips known message ids, and everything else a
    # flush writes (identities, profile traits, trait history keyed by message id) is idempotent.
    fresh = _first_of_each_id(batch)
    with warehouse.transaction():  # the whole flush is stored, or nothing
        # another process flushing this workspace waits here (PostgreSQL): identities are resolved on what
        # it stored, so two processes never make two profiles of one new customer
        warehouse.lock_workspace(workspace_id)
        idents = _identifiers(warehouse, workspace_id, fresh, rules.region)
        res = customer_service.resolve_identity_columns(
            warehouse,
            workspace_id=workspace_id,
            n=fresh.num_rows,
            row=idents.row,
            kind=idents.kind,
            value=idents.value,
            explicit=pc.equal(fresh["type"], "alias").to_numpy(zero_copy_only=False),
            policy=rules.policy,
        )
        now = datetime.now(UTC).replace(tzinfo=None)
        apply_resolution(
            warehouse,
            workspace_id=workspace_id,
            res=res,
            source=source,
            reason="identifiers shared in events",
            at=now,
            seen=_identity_times(fresh, idents, res.new_identities) if res.new_identities else None,
        )
        customers = pa.array(res.customer_ids, pa.string())
        events = _event_rows(workspace_id, fresh, customers, rules, source)
        stored = warehouse.append("events", events)
        identifies = identify_calls(fresh, customers)
        changes = trait_changes(warehouse, workspace_id, identifies, source)
        customer_service.store_profiles(
            warehouse, profile_rows(workspace_id, events, identifies, rules.region, now)
        )
        if changes:
            warehouse.append("trait_changes", pa.Table.from_pylist(changes))
        customer_service.record_consent(
            warehouse, workspace_id=workspace_id, observations=_consents(fresh, customers, source)
        )
    return {
        "events": stored,
        "customers_new": len(res.new_customers),
        "merges": len(res.merges),
        "decisions": len(res.decisions),
    }


def _first_of_each_id(batch: pa.Table) -> pa.Table:
    """The first message of each message id, in arrival order."""
    ids = batch["message_id"]
    if pc.count_distinct(ids).as_py() == batch.num_rows:
        return batch
    order = pa.table({"id": ids, "i": pa.array(np.arange(batch.num_rows))})
    first = order.group_by("id", use_threads=False).aggregate([("i", "min")])["i_min"]
    return batch.take(pc.sort_indices(first))


@dataclass
class _Identifiers:
    """The flush's identifiers as columns: identifier i is (`kind[i]`, `value[i]`) of message `row[i]`."""

    row: np.ndarray
    kind: pa.Array
    value: pa.Array


def _identifiers(warehouse: Warehouse, workspace_id: int, batch: pa.Table, region: str) -> _Identifiers:
    """Each message's identifiers in the order that names a new profile: user id, anonymous id, an alias's
    previous id, then an identify call's email and phone (normalised)."""
    n = batch.num_rows
    is_alias = pc.equal(batch["type"], "alias")
    previous = pc.if_else(
        pc.and_(is_alias, pc.fill_null(pc.not_equal(batch["previous_id"], batch["user_id"]), True)),
        batch["previous_id"],
        pa.scalar(None, pa.string()),
    )
    known = _known_user_ids(warehouse, workspace_id, batch, previous)
    previous_kind = pc.if_else(pc.is_in(previous, value_set=known), "user_id", "anonymous_id")
    slots = [
        (pa.array(["user_id"] * n, pa.string()), _flat(batch["user_id"])),
        (pa.array(["anonymous_id"] * n, pa.string()), _flat(batch["anonymous_id"])),
        (_flat(previous_kind), _flat(previous)),
        (pa.array(["email"] * n, pa.string()), _traits(batch["email"], customer_service.normalize_emails)),
        (
            pa.array(["phone"] * n, pa.string()),
            _traits(batch["phone"], lambda v: customer_service.normalize_phones(v, region=region)),
        ),
    ]
    kinds = pa.concat_arrays([k for k, _ in slots])
    values = pa.concat_arrays([v for _, v in slots])
    rows = np.tile(np.arange(n, dtype=np.int64), len(slots))
    keep = pc.is_valid(values)
    kinds, values = kinds.filter(keep), values.filter(keep)
    rows = rows[keep.to_numpy(zero_copy_only=False)]
    order = np.argsort(rows, kind="stable")  # by message, each message's identifiers in slot order
    return _Identifiers(rows[order], kinds.take(order), values.take(order))


def _traits(values: pa.ChunkedArray, normalize: Callable[[pa.ChunkedArray], pa.Array]) -> pa.Array:
    """An identify trait's identifiers normalised (most flushes have none: then no Arrow work at all)."""
    if values.null_count == len(values):
        return pa.nulls(len(values), pa.string())
    return _flat(normalize(values))


def _flat(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _known_user_ids(warehouse: Warehouse, workspace_id: int, batch: pa.Table, previous: pa.Array) -> pa.Array:
    """Which aliases' previousIds are user ids (known, or used as userId in this flush) rather than anonymous
    ids."""
    wanted = pc.unique(pc.drop_null(previous))
    if not len(wanted):
        return pa.array([], pa.string())
    rows = warehouse.sql(
        "SELECT value FROM customer_identities WHERE workspace_id = ? AND kind = 'user_id' "
        "AND list_contains(?, value)",
        [workspace_id, sorted(wanted.to_pylist())],
    )
    in_batch = pc.filter(wanted, pc.is_in(wanted, value_set=pc.drop_null(batch["user_id"])))
    return pa.concat_arrays([pa.array([r[0] for r in rows], pa.string()), in_batch])


def _identity_times(
    batch: pa.Table, idents: _Identifiers, wanted: dict[customer_service.Identifier, str]
) -> dict[customer_service.Identifier, tuple[datetime | None, datetime | None]]:
    """First and last time each new identifier was seen in this flush."""
    seen = pa.table(
        {"kind": idents.kind, "value": idents.value, "at": batch["timestamp"].take(pa.array(idents.row))}
    )
    spans = seen.group_by(["kind", "value"], use_threads=False).aggregate([("at", "min"), ("at", "max")])
    return {
        (k, v): (lo, hi)
        for k, v, lo, hi in zip(
            spans["kind"].to_pylist(),
            spans["value"].to_pylist(),
            spans["at_min"].to_pylist(),
            spans["at_max"].to_pylist(),
            strict=True,
        )
        if (k, v) in wanted
    }


def _consents(batch: pa.Table, customers: pa.Array, source: str) -> list[customer_service.ConsentObservation]:
    """What the contexts that carry consent say, one observation per purpose."""
    carries = pc.and_(batch["consent"], pc.is_valid(customers))
    given = batch.filter(carries)
    if not given.num_rows:
        return []
    whose = customers.filter(carries).to_pylist()
    out = []
    for row, customer in zip(
        given.select(["context", "timestamp", "message_id", "tz"]).to_pylist(), whose, strict=True
    ):
        context = orjson.loads(row["context"])
        how = customer_service.consent_context(context)
        for purpose, granted in customer_service.consent_from_context(context).items():
            out.append(
                customer_service.ConsentObservation(
                    customer,
                    purpose,
                    granted,
                    row["timestamp"],
                    row["message_id"],
                    source,
                    tz=row["tz"],
                    **how,
                )
            )
    return out


EVENT_COLUMNS = (
    "message_id", "anonymous_id", "user_id", "type", "event", "timestamp", "original_timestamp", "sent_at",
    "received_at", "tz", "language", "session_id", "page_path", "properties", "context",
)  # fmt: skip


def _event_rows(
    workspace_id: int, batch: pa.Table, customers: pa.Array, rules: WorkspaceRules, source: str
) -> pa.Table:
    n = batch.num_rows
    touchpoint, channel = match_touchpoints(rules.touchpoints, batch)
    return pa.table(
        {
            "workspace_id": pa.array([workspace_id] * n, pa.int32()),
            "customer_id": customers,
            **{c: batch[c] for c in EVENT_COLUMNS},
            "touchpoint_id": touchpoint,
            "channel": pc.coalesce(channel, batch["channel"]),
            "source": pc.coalesce(batch["library"], pa.scalar(source, pa.string())),
        }
    )


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
