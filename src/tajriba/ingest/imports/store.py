"""A checked batch stored: customers resolved from the row's identifiers (merging the profiles a row links),
profiles and consents written, then the rows appended (or upserted) to their warehouse table."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tajriba.customers import service as customer_service
from tajriba.ingest.imports import convert
from tajriba.ingest.imports.mapping import FIELDS, Mapping
from tajriba.ingest.writer import apply_resolution
from tajriba.warehouse import Warehouse


def _identifier_columns(table: pa.Table, kind: str) -> tuple[np.ndarray, pa.Array, pa.Array]:
    """Normalised identifiers of the rows as columns (row, kind, value), rows ascending and each row's
    identifiers in one order; the phones are E.164 already."""
    cols = {
        "external_id": "external_id" if kind == "customers" else "customer_external_id",
        "email": "email" if kind == "customers" else "customer_email",
        "phone": "phone" if kind == "customers" else "customer_phone",
        "user_id": "customer_user_id",
        "anonymous_id": "customer_anonymous_id",
    }
    rows, kinds, values = [], [], []
    for i, (ident_kind, col) in enumerate(cols.items()):
        if col not in table.column_names:
            continue
        arr = table.column(col)
        if ident_kind == "email":
            arr = customer_service.normalize_emails(arr)
        elif ident_kind != "phone":  # phones: store_batch made them E.164 for the identifiers and the profile
            arr = convert.clean(arr)
        present = pc.fill_null(pc.not_equal(arr, ""), False)
        rows.append(np.flatnonzero(present.to_numpy(zero_copy_only=False)))
        kinds.append(np.full(len(rows[-1]), i, np.int8))
        values.append(pc.filter(arr, present))
    if not rows:
        return np.zeros(0, np.int64), pa.array([], pa.string()), pa.array([], pa.string())
    row, which = np.concatenate(rows), np.concatenate(kinds)
    order = np.lexsort((which, row))
    names = pa.array(list(cols), pa.string())
    value = pa.chunked_array([v for v in values], pa.string()).combine_chunks()
    return row[order], names.take(pa.array(which[order])), value.take(pa.array(order))


def store_batch(
    warehouse: Warehouse,
    workspace_id: int,
    kind: str,
    table: pa.Table,
    mapping: Mapping,
    *,
    region: str,
    policy: customer_service.IdentityPolicy,
) -> int:
    """Resolve customers for the batch (merging profiles a row links), then append or upsert."""
    n = table.num_rows
    phone = "phone" if kind == "customers" else "customer_phone"
    if phone in table.column_names:  # made E.164 once, used by the identifiers and the profile
        phones = customer_service.normalize_phones(table.column(phone), region=region)
        table = table.set_column(table.column_names.index(phone), phone, phones)
    row, ident_kind, ident_value = _identifier_columns(table, kind)
    customer_ids: list[str | None] = [None] * n
    if len(row):
        res = customer_service.resolve_identity_columns(
            warehouse,
            workspace_id=workspace_id,
            n=n,
            row=row,
            kind=ident_kind,
            value=ident_value,
            policy=policy,
        )
        customer_ids = res.customer_ids
        apply_resolution(
            warehouse,
            workspace_id=workspace_id,
            res=res,
            source=f"import:{mapping.name}",
            reason=f"identifiers shared in an import row ({mapping.name})",
            at=datetime.now(UTC).replace(tzinfo=None),
        )
    cols = {c: table.column(c) for c in table.column_names}
    ws = pa.array([workspace_id] * n, pa.int32())
    cust = pa.array(customer_ids, pa.string())
    _profiles(warehouse, workspace_id, kind, cols, cust, n, region)
    _consents(warehouse, workspace_id, kind, cols, cust, mapping)
    if kind == "customers":
        return sum(1 for c in customer_ids if c)  # profiles created or updated
    table_name, data = _rows(kind, cols, cust, mapping, n)
    return warehouse.append(table_name, pa.table({"workspace_id": ws, "customer_id": cust, **data}))


def _rows(
    kind: str, cols: dict[str, Any], cust: pa.Array, mapping: Mapping, n: int
) -> tuple[str, dict[str, Any]]:
    """The warehouse table a kind of import goes to, and its columns (besides workspace and customer)."""
    extra = {"properties": cols["__extra"]} if "__extra" in cols else {}
    if kind == "orders":
        data = {k: cols[k] for k in FIELDS["orders"] if k in cols and not k.startswith("customer_")}
        data.setdefault("source", pa.array([f"import:{mapping.name}"] * n, pa.string()))
        return "orders", {**data, **extra}
    if kind == "tickets":
        data = {
            k: cols[k]
            for k in FIELDS["tickets"]
            if k in cols and not k.startswith("customer_") and k != "first_response_minutes"
        }
        if "first_response_minutes" in cols and "first_response_at" not in cols:
            minutes = pc.multiply(pc.fill_null(cols["first_response_minutes"], float("nan")), 60_000_000)
            offset = pc.cast(pc.if_else(pc.is_nan(minutes), None, minutes), pa.int64())
            data["first_response_at"] = pc.cast(
                pc.add(pc.cast(cols["created_at"], pa.int64()), offset), pa.timestamp("us")
            )
        return "tickets", {**data, **extra}
    if kind == "feedback":
        data = {k: cols[k] for k in FIELDS["feedback"] if k in cols and not k.startswith("customer_")}
        if "feedback_id" not in data:
            data["feedback_id"] = _hash_ids("fb", [cols["text"], cols["created_at"], cust])
        data.setdefault("source", pa.array(["review"] * n, pa.string()))
        return "feedback_texts", data
    data = {k: cols[k] for k in ("event", "timestamp", "channel", "page_path", "source") if k in cols}
    data["message_id"] = (
        cols["message_id"]
        if "message_id" in cols
        else _hash_ids("imp", [cols["event"], cols["timestamp"], cust])
    )
    data["type"] = pa.array(["track"] * n, pa.string())
    data.setdefault("source", pa.array([f"import:{mapping.name}"] * n, pa.string()))
    for src, dst in (("customer_user_id", "user_id"), ("customer_anonymous_id", "anonymous_id")):
        if src in cols:
            data[dst] = cols[src]
    return "events", {**data, **extra}


def _profiles(
    warehouse: Warehouse,
    workspace_id: int,
    kind: str,
    cols: dict[str, Any],
    cust: pa.Array,
    n: int,
    region: str,
) -> None:
    """Create or update the profiles the rows belong to (names, contacts, first/last seen)."""
    if pc.all(pc.is_null(cust)).as_py():
        return
    prefix = "" if kind == "customers" else "customer_"
    when = next((cols[c] for c in ("ordered_at", "created_at", "timestamp") if c in cols), None)
    name = cols.get(f"{prefix}name")
    if kind == "customers" and name is None and ("first_name" in cols or "last_name" in cols):
        first = cols.get("first_name", pa.nulls(n, pa.string()))
        last = cols.get("last_name", pa.nulls(n, pa.string()))
        name = pc.utf8_trim_whitespace(
            pc.binary_join_element_wise(pc.fill_null(first, ""), pc.fill_null(last, ""), " ")
        )
        name = pc.if_else(pc.equal(name, ""), pa.scalar(None, pa.string()), name)
    email = cols.get(f"{prefix}email")
    phone = cols.get(f"{prefix}phone")
    profile = {
        "workspace_id": pa.array([workspace_id] * n, pa.int32()),
        "customer_id": cust,
        "name": name if name is not None else pa.nulls(n, pa.string()),
        "email": customer_service.normalize_emails(email) if email is not None else pa.nulls(n, pa.string()),
        "phone": phone if phone is not None else pa.nulls(n, pa.string()),
        "first_seen_at": when if when is not None else pa.nulls(n, pa.timestamp("us")),
        "last_seen_at": when if when is not None else pa.nulls(n, pa.timestamp("us")),
    }
    if kind == "customers":
        for c in ("external_id", "country", "city", "language", "gender", "birth_year"):
            if c in cols:
                profile[c] = cols[c]
        if "__extra" in cols:
            profile["traits"] = cols["__extra"]
    customer_service.store_profiles(warehouse, pa.table(profile).filter(pc.is_valid(cust)))


def _consents(
    warehouse: Warehouse,
    workspace_id: int,
    kind: str,
    cols: dict[str, Any],
    cust: pa.Array,
    mapping: Mapping,
) -> None:
    """Record the yes/no consent columns a mapping names, as of the row's time (or now, for profile exports)."""
    purposes = [c.split(":", 1)[1] for c in cols if c.startswith("__consent:")]
    if not purposes:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    when_col = next((cols[c] for c in ("ordered_at", "created_at", "timestamp") if c in cols), None)
    times = when_col.to_pylist() if when_col is not None and kind != "customers" else None
    customers = cust.to_pylist()
    rows = cols["__row"].to_pylist()
    observations = []
    for purpose in purposes:
        for i, granted in enumerate(cols[f"__consent:{purpose}"].to_pylist()):
            if granted is None or customers[i] is None:
                continue
            at = times[i] if times is not None and times[i] is not None else now
            ref = f"import:{mapping.name}:{kind}:{rows[i]}:{customers[i]}"
            observations.append(
                customer_service.ConsentObservation(
                    customers[i],
                    purpose,
                    bool(granted),
                    at,
                    ref,
                    f"import:{mapping.name}",
                    channel="import",
                    actor=f"import:{mapping.name}",
                )  # fmt: skip
            )
    customer_service.record_consent(warehouse, workspace_id=workspace_id, observations=observations)


def _hash_ids(prefix: str, columns: list[Any]) -> pa.Array:
    values = [c.to_pylist() for c in columns]
    out = []
    for row in zip(*values, strict=True):
        digest = hashlib.sha256("\x1f".join("" if v is None else str(v) for v in row).encode()).hexdigest()[
            :24
        ]
        out.append(f"{prefix}-{digest}")
    return pa.array(out, pa.string())
