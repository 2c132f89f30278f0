"""Consent per customer and purpose: recorded as changes, so the profile shows the state and its history.

Consent arrives from tracking calls (Segment Consent Management's `context.consent.categoryPreferences`,
RudderStack's `context.consentManagement` allowed/denied ids) and from imports (a mapping's `[consents]`
section, e.g. Shopify's "Accepts Email Marketing"). Only changes are stored: a page view carrying the same
preferences as the last one adds nothing. The latest change by event time is the current state.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tajriba.i18n import N_

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse

# Purposes with a translated label; any other purpose name is kept as given (normalised).
PURPOSE_LABELS = {
    "email_marketing": N_("Marketing email"),
    "sms_marketing": N_("Marketing SMS"),
    "whatsapp": N_("WhatsApp messages"),
    "phone_calls": N_("Phone calls"),
    "surveys": N_("Surveys"),
    "analytics": N_("Analytics"),
    "advertising": N_("Advertising"),
    "personalization": N_("Personalisation"),
    "functional": N_("Functional"),
}


@dataclass(frozen=True)
class Observation:
    customer_id: str
    purpose: str
    granted: bool
    at: datetime  # naive UTC
    message_id: str
    source: str


def purpose_key(name: object) -> str | None:
    """`Marketing Email` -> `marketing_email`; empty or non-text names give None."""
    if not isinstance(name, str):
        return None
    key = re.sub(r"[^\w]+", "_", name.strip().casefold()).strip("_")
    return key[:64] or None


def from_context(context: Mapping[str, Any]) -> dict[str, bool]:
    """Purposes and decisions a tracking call's context carries (Segment and RudderStack forms)."""
    out: dict[str, bool] = {}
    consent = context.get("consent")
    if isinstance(consent, dict):
        prefs = consent.get("categoryPreferences")
        if isinstance(prefs, dict):
            for name, value in prefs.items():
                key = purpose_key(name)
                if key and isinstance(value, bool):
                    out[key] = value
    managed = context.get("consentManagement")
    if isinstance(managed, dict):
        for field, granted in (("allowedConsentIds", True), ("deniedConsentIds", False)):
            ids = managed.get(field)
            if isinstance(ids, list):
                for name in ids:
                    key = purpose_key(name)
                    if key:
                        out[key] = granted
    return out


def changes(
    current: Mapping[tuple[str, str], bool], observations: Iterable[Observation], *, workspace_id: int
) -> pa.Table:
    """Rows for the observations that change a customer's decision for a purpose, in event-time order."""
    state = dict(current)
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "consent_id",
            "customer_id",
            "purpose",
            "granted",
            "recorded_at",
            "source",
            "message_id",
        )
    }
    for obs in sorted(observations, key=lambda o: (o.at, o.message_id, o.purpose)):
        key = (obs.customer_id, obs.purpose)
        if state.get(key) is obs.granted:
            continue
        state[key] = obs.granted
        digest = hashlib.sha256(f"{obs.message_id}\x00{obs.purpose}".encode()).hexdigest()[:32]
        for name, value in (
            ("consent_id", digest),
            ("customer_id", obs.customer_id),
            ("purpose", obs.purpose),
            ("granted", obs.granted),
            ("recorded_at", obs.at),
            ("source", obs.source),
            ("message_id", obs.message_id),
        ):
            rows[name].append(value)
    n = len(rows["consent_id"])
    return pa.table(
        {
            "workspace_id": pa.array([workspace_id] * n, pa.int32()),
            **{k: pa.array(v, pa.bool_() if k == "granted" else None) for k, v in rows.items()},
        }
    )


def current_state(
    warehouse: Warehouse, *, workspace_id: int, customer_ids: Iterable[str]
) -> dict[tuple[str, str], bool]:
    """The latest decision per (customer, purpose) among the given customers."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    rows = warehouse.sql(
        "SELECT customer_id, purpose, arg_max(granted, (recorded_at, consent_id)) FROM consents "
        "WHERE workspace_id = ? AND list_contains(?, customer_id) GROUP BY 1, 2",
        [workspace_id, ids],
    )
    return {(c, p): bool(g) for c, p, g in rows}


def record(warehouse: Warehouse, *, workspace_id: int, observations: list[Observation]) -> int:
    """Store the changes among the observations; return how many were stored (replays store nothing)."""
    if not observations:
        return 0
    current = current_state(
        warehouse, workspace_id=workspace_id, customer_ids=(o.customer_id for o in observations)
    )
    table = changes(current, observations, workspace_id=workspace_id)
    return warehouse.append("consents", table) if table.num_rows else 0


def for_customer(warehouse: Warehouse, *, workspace_id: int, customer_id: str) -> list[dict[str, Any]]:
    """Current decision per purpose (newest first), each with how many changes led there."""
    rows = warehouse.sql(
        "SELECT purpose, arg_max(granted, (recorded_at, consent_id)), max(recorded_at), "
        "arg_max(source, (recorded_at, consent_id)), count(*) FROM consents "
        "WHERE workspace_id = ? AND customer_id = ? GROUP BY 1 ORDER BY 3 DESC, 1",
        [workspace_id, customer_id],
    )
    return [
        {"purpose": p, "granted": bool(g), "recorded_at": at, "source": s, "changes": int(n)}
        for p, g, at, s, n in rows
    ]
