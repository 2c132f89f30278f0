"""Customer profiles: merges and their undo."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.customers import consent, consent_policy, identifiers, identity, segments
from tajriba.customers.identity import Identifier as Identifier
from tajriba.customers.identity import IdentityPolicy as IdentityPolicy
from tajriba.customers.identity import Merge as Merge
from tajriba.customers.identity import Resolution as Resolution
from tajriba.errors import Conflict, NotFound, TajribaError
from tajriba.warehouse import Warehouse
from tajriba.warehouse.store import ROW_KEYS

# what other domains use of this package's modules, reached through this service only (docs/architecture.md)

resolve_identities = identity.resolve
resolve_identity_columns = identity.resolve_columns
normalize_identifier = identifiers.normalize
normalize_emails = identifiers.normalize_emails
normalize_phones = identifiers.normalize_phones
ConsentObservation = consent.Observation
consent_from_context = consent.from_context
consent_context = consent.how_given
consent_purpose = consent.purpose_key
record_consent = consent.record
consent_history = consent.history
consent_blocked = consent_policy.blocked
record_consent_given = consent_policy.record_given
CONSENT_CHANNELS = consent_policy.CHANNELS
LAWFUL_BASES = consent_policy.LAWFUL_BASES
SEGMENT_ROWS = segments.ROWS
check_segment = segments.check
count_segment = segments.count
segment_from_rows = segments.from_rows
segment_to_rows = segments.to_rows
segment_members = segments.matching


def store_profiles(warehouse: Warehouse, rows: pa.Table | pd.DataFrame) -> int:
    """The one write path of customer profiles (tracking flushes and file imports): one row per customer,
    merged into the stored profile: first seen the earliest, last seen the latest, traits merged key by key
    (the newer value wins), any other non-null value replaces the stored one (warehouse/schema.py)."""
    return warehouse.upsert("customers", rows)


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
        # the JSON list holds the id as a JSON string: its quotes delimit it
        query += " AND (into_customer_id = ? OR contains(CAST(merged_customer_ids AS VARCHAR), ?))"
        params += [customer_id, orjson.dumps(customer_id).decode()]
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


def undo_merge(
    session: Session, warehouse: Warehouse, *, workspace_id: int, merge_id: str, actor: Auditor
) -> dict[str, int]:
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
        | {c for table in ROW_KEYS for c, _key in snapshot.get(table, [])}
    )
    with warehouse.transaction():
        for customer, kind, value in snapshot["identities"]:
            warehouse.run(
                "UPDATE customer_identities SET customer_id = ? WHERE workspace_id = ? AND kind = ? "
                "AND value = ?",
                [customer, workspace_id, kind, value],
            )
        counts["customer_identities"] = len(snapshot["identities"])
        for table, key in ROW_KEYS.items():
            moved = snapshot.get(table, [])
            for customer, key_value in moved:
                warehouse.run(
                    f"UPDATE {table} SET customer_id = ? WHERE workspace_id = ? AND {key} = ?",
                    [customer, workspace_id, key_value],
                )
            counts[table] = len(moved)
        counts["events"] = warehouse.run(
            "UPDATE events e SET customer_id = i.customer_id FROM customer_identities i "
            "WHERE e.workspace_id = ? AND i.workspace_id = ? AND e.customer_id = ? AND i.customer_id <> ? "
            "AND ((i.kind = 'user_id' AND i.value = e.user_id) OR "
            "     (i.kind = 'anonymous_id' AND i.value = e.anonymous_id AND e.user_id IS NULL))",
            [workspace_id, workspace_id, into, into],
        )
        warehouse.run(
            "UPDATE customers SET merged_into = NULL WHERE workspace_id = ? AND list_contains(?, customer_id)",
            [workspace_id, merged],
        )
        warehouse.run(
            "UPDATE identity_merges SET undone_at = ?, undone_by = ? WHERE workspace_id = ? AND merge_id = ?",
            [datetime.now(UTC).replace(tzinfo=None), actor.actor, workspace_id, merge_id],
        )
    actor.audit(session, "identity.undo_merge", target_type="merge", target_id=merge_id, details=counts)
    return counts


# -- profiles, search and the timeline ------------------------------------------------------------

PROFILE_COLUMNS = [
    "customer_id",
    "external_id",
    "name",
    "email",
    "phone",
    "country",
    "city",
    "language",
    "gender",
    "birth_year",
    "persona_key",
    "acquisition_channel",
    "traits",
    "merged_into",
    "first_seen_at",
    "last_seen_at",
]
_ARABIC_FOLD_FROM = "أإآٱىةؤئ"
_ARABIC_FOLD_TO = "اااايهوي"
_DIACRITICS = "[\u064b-\u0652\u0640\u0670]"


def fold_arabic(text: str) -> str:
    """Fold spelling variants for search: alef forms, yaa/alef maqsura, taa marbuta, hamza seats, diacritics."""
    import re

    from tajriba.i18n import to_latin_digits

    text = re.sub(_DIACRITICS, "", to_latin_digits(text))
    return text.translate(str.maketrans(_ARABIC_FOLD_FROM, _ARABIC_FOLD_TO)).casefold().strip()


def _fold_sql(column: str) -> str:
    return (
        f"lower(translate(regexp_replace(coalesce({column}, ''), '{_DIACRITICS}', '', 'g'), "
        f"'{_ARABIC_FOLD_FROM}', '{_ARABIC_FOLD_TO}'))"
    )


def search_customers(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    query: str | None = None,
    page: int = 1,
    per_page: int = 50,
    region: str = "SA",
) -> tuple[list[dict[str, Any]], int]:
    """Customers matching a name (Arabic spelling variants folded), email, phone in any format, or identifier."""
    from tajriba.customers.identifiers import normalize_phone

    where = "c.workspace_id = ? AND c.merged_into IS NULL"
    params: list[Any] = [workspace_id]
    if query and query.strip():
        folded = fold_arabic(query)
        phone = normalize_phone(query, region=region)
        where += (
            f" AND ({_fold_sql('c.name')} LIKE ? OR lower(c.email) LIKE ? OR c.customer_id = ? "
            "OR c.external_id = ? OR c.phone = ? OR c.customer_id IN (SELECT customer_id FROM customer_identities "
            "WHERE workspace_id = ? AND (value = ? OR value = ?)))"
        )
        params += [
            f"%{folded}%",
            f"%{query.strip().casefold()}%",
            query.strip(),
            query.strip(),
            phone,
            workspace_id,
            query.strip(),
            (phone or query.strip().casefold()),
        ]
    total = int(warehouse.sql(f"SELECT count(*) FROM customers c WHERE {where}", params)[0][0])
    cols = ", ".join(f"c.{c}" for c in PROFILE_COLUMNS)
    rows = warehouse.sql(
        f"SELECT {cols} FROM customers c WHERE {where} ORDER BY c.last_seen_at DESC NULLS LAST, c.customer_id "
        "LIMIT ? OFFSET ?",
        [*params, per_page, (page - 1) * per_page],
    )
    return [dict(zip(PROFILE_COLUMNS, r, strict=True)) for r in rows], total


def profile_with_contact(warehouse: Warehouse, *, workspace_id: int, contact: str | None) -> str | None:
    """The customer whose e-mail or phone (any format) is `contact`, when exactly one is."""
    if not contact:
        return None
    try:
        rows, total = search_customers(
            warehouse, workspace_id=workspace_id, query=contact, page=1, per_page=2
        )
    except TajribaError:
        return None
    return str(rows[0]["customer_id"]) if total == 1 else None


def get_profile(warehouse: Warehouse, *, workspace_id: int, customer_id: str) -> dict[str, Any]:
    """A customer's profile with identities and merges; a merged-away id leads to the surviving profile."""
    cols = ", ".join(PROFILE_COLUMNS)
    for _ in range(10):  # follow merged_into links
        rows = warehouse.sql(
            f"SELECT {cols} FROM customers WHERE workspace_id = ? AND customer_id = ?",
            [workspace_id, customer_id],
        )
        if not rows:
            raise NotFound(f"no customer {customer_id!r} in this workspace", field="customer_id")
        profile = dict(zip(PROFILE_COLUMNS, rows[0], strict=True))
        if not profile["merged_into"]:
            break
        customer_id = profile["merged_into"]
    profile["traits"] = orjson.loads(profile["traits"]) if profile["traits"] else {}
    profile["identities"] = [
        {"kind": k, "value": v, "source": s, "first_seen_at": f, "last_seen_at": la}
        for k, v, s, f, la in warehouse.sql(
            "SELECT kind, value, source, first_seen_at, last_seen_at FROM customer_identities "
            "WHERE workspace_id = ? AND customer_id = ? ORDER BY kind, value",
            [workspace_id, customer_id],
        )
    ]
    profile["merges"] = list_merges(warehouse, workspace_id=workspace_id, customer_id=customer_id)
    profile["consents"] = consent.for_customer(warehouse, workspace_id=workspace_id, customer_id=customer_id)
    counts = warehouse.sql(
        "SELECT (SELECT count(*) FROM events WHERE workspace_id = ? AND customer_id = ?), "
        "(SELECT count(*) FROM orders WHERE workspace_id = ? AND customer_id = ?), "
        "(SELECT coalesce(sum(amount), 0) FROM orders WHERE workspace_id = ? AND customer_id = ?), "
        "(SELECT count(*) FROM survey_responses WHERE workspace_id = ? AND customer_id = ?), "
        "(SELECT count(*) FROM tickets WHERE workspace_id = ? AND customer_id = ?)",
        [workspace_id, customer_id] * 5,
    )[0]
    profile["summary"] = {
        "events": counts[0],
        "orders": counts[1],
        "revenue": counts[2],
        "responses": counts[3],
        "tickets": counts[4],
    }
    return profile


TIMELINE_KINDS = ("event", "order", "response", "feedback", "ticket", "consent")


def timeline(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    customer_id: str,
    page: int = 1,
    per_page: int = 50,
    kinds: tuple[str, ...] = TIMELINE_KINDS,
) -> tuple[list[dict[str, Any]], bool]:
    """Everything the customer did or met, across channels, newest first; returns the page and whether more follow."""
    parts = {
        "event": "SELECT 'event' AS kind, timestamp AS happened_at, coalesce(event, type) AS title, channel, touchpoint_id, "
        "message_id AS ref, NULL::DOUBLE AS score, properties::VARCHAR AS detail FROM events "
        "WHERE workspace_id = ? AND customer_id = ?",
        "order": "SELECT 'order', ordered_at, order_id, channel, touchpoint_id, order_id, amount::DOUBLE, "
        "json_object('status', status, 'currency', currency, 'items', items)::VARCHAR FROM orders "
        "WHERE workspace_id = ? AND customer_id = ?",
        "response": "SELECT 'response', submitted_at, metric, channel, touchpoint_id, response_id, score, comment "
        "FROM survey_responses WHERE workspace_id = ? AND customer_id = ?",
        "feedback": "SELECT 'feedback', created_at, source, channel, touchpoint_id, feedback_id, rating, text "
        "FROM feedback_texts WHERE workspace_id = ? AND customer_id = ?",
        "ticket": "SELECT 'ticket', created_at, coalesce(subject, category), channel, touchpoint_id, ticket_id, "
        "NULL::DOUBLE, json_object('status', status, 'category', category, 'complaint', is_complaint)::VARCHAR "
        "FROM tickets WHERE workspace_id = ? AND customer_id = ?",
        "consent": "SELECT 'consent', recorded_at, purpose, NULL, NULL::INTEGER, consent_id, "
        "CASE WHEN granted THEN 1.0 ELSE 0.0 END, source FROM consents WHERE workspace_id = ? AND customer_id = ?",
    }
    chosen = [k for k in TIMELINE_KINDS if k in kinds]
    sql = " UNION ALL ".join(parts[k] for k in chosen)
    rows = warehouse.sql(
        f"SELECT * FROM ({sql}) ORDER BY happened_at DESC, kind, ref LIMIT ? OFFSET ?",
        [*([workspace_id, customer_id] * len(chosen)), per_page + 1, (page - 1) * per_page],
    )
    cols = ["kind", "at", "title", "channel", "touchpoint_id", "ref", "score", "detail"]
    items = [dict(zip(cols, r, strict=True)) for r in rows[:per_page]]
    return items, len(rows) > per_page


def mask(value: str | None, kind: str) -> str | None:
    """Show enough of an email or phone to recognise it, not to use it (for roles without pii:read)."""
    if not value:
        return value
    if kind == "email" and "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}•••@{domain}"
    if kind == "phone":
        return f"{value[:4]}•••{value[-3:]}" if len(value) > 7 else "•••"
    return "•••"


def hide(kind: str, value: Any) -> Any:
    """An identifier as a role without pii:read sees it: emails and phones masked, personal data in any other
    identifier (a user id that is an email) redacted."""
    if kind in ("email", "phone"):
        return mask(value, kind)
    return redact(value)


def redact(value: Any) -> Any:
    """Free text (or a JSON detail) with the personal data it holds replaced by its kind, e.g. "[EMAIL]"."""
    if not isinstance(value, str) or not value:
        return value
    from tajriba.text import service as text

    return text.redact(value)


def masked_timeline(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Timeline items for a role without pii:read: titles and details redacted."""
    return [{**i, "title": redact(i.get("title")), "detail": redact(i.get("detail"))} for i in items]


def masked_row(row: dict[str, Any]) -> dict[str, Any]:
    """A search result for a role without pii:read."""
    return {
        **row,
        "email": mask(row.get("email"), "email"),
        "phone": mask(row.get("phone"), "phone"),
        "external_id": redact(row.get("external_id")),
    }


def masked_profile(profile: dict[str, Any]) -> dict[str, Any]:
    out = masked_row(profile)
    out["traits"] = {
        k: ("•••" if k in ("email", "phone", "address", "national_id", "iban") else v)
        for k, v in (profile.get("traits") or {}).items()
    }
    out["identities"] = [{**i, "value": hide(i["kind"], i["value"])} for i in profile.get("identities", [])]
    out["merges"] = [
        {**m, "via": [[kind, hide(kind, value)] for kind, value in (m.get("via") or [])]}
        for m in profile.get("merges", [])
    ]
    return out


def contacts(
    warehouse: Warehouse, *, workspace_id: int, customer_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """E-mail, phone and language of each given customer who has a profile (raw: for sending, not for showing)."""
    if not customer_ids:
        return {}
    rows = warehouse.sql(
        "SELECT customer_id, email, phone, language FROM customers WHERE workspace_id = ? "
        "AND list_contains(?, customer_id)",
        [workspace_id, customer_ids],
    )
    return {c: {"email": e, "phone": p, "language": lang} for c, e, p, lang in rows}
