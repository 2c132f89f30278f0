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
    """One decision as it reached us. The ledger keeps what the regulators ask for (PDPL IR Art 11-12, GDPR Art
    7(1): the controller proves the consent): on what basis, how explicit, by which channel, under which notice,
    in which language, the zone of the moment, and who recorded it."""

    customer_id: str
    purpose: str
    granted: bool
    at: datetime  # naive UTC
    message_id: str
    source: str
    lawful_basis: str = "consent"
    explicit: bool = False
    channel: str | None = None
    notice_version: str | None = None
    language: str | None = None
    tz: str | None = None
    actor: str = "subject"


LEDGER_FIELDS = ("source", "lawful_basis", "explicit", "channel", "notice_version", "language", "tz", "actor")


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


def how_given(context: Mapping[str, Any]) -> dict[str, Any]:
    """What a tracking call says about how its consent was given: the page or app's channel and language, and,
    from a consent manager that sends them, the notice version and whether the choice was express
    (`context.consent.noticeVersion` / `policyVersion`, `context.consent.explicit`)."""
    found = context.get("consent")
    consent: Mapping[str, Any] = found if isinstance(found, dict) else {}
    channel, locale = context.get("channel"), context.get("locale")
    if not isinstance(channel, str):
        library = isinstance(context.get("library"), dict)
        channel = "app" if isinstance(context.get("app"), dict) else "web" if library else None
    notice = consent.get("noticeVersion") or consent.get("policyVersion")
    return {
        "channel": channel[:32] if isinstance(channel, str) else None,
        "language": locale.split("-")[0].lower()[:8] if isinstance(locale, str) and locale else None,
        "notice_version": str(notice)[:64] if isinstance(notice, (str, int)) else None,
        "explicit": consent.get("explicit") is True,
    }


def changes(
    current: Mapping[tuple[str, str], tuple[bool, bool]],
    observations: Iterable[Observation],
    *,
    workspace_id: int,
) -> pa.Table:
    """Rows for the observations that change a customer's decision for a purpose (a grant, a withdrawal, or an
    implied grant made express), in event-time order: a page view carrying the same preferences as before adds
    nothing."""
    state = dict(current)
    rows: list[Observation] = []
    for obs in sorted(observations, key=lambda o: (o.at, o.message_id, o.purpose)):
        key = (obs.customer_id, obs.purpose)
        was_granted, was_explicit = state.get(key, (None, False))
        if obs.granted:
            # a grant is news when nothing was granted, or when it makes an implied grant express; an implied
            # grant (a page view's banner state) never downgrades an express one
            if was_granted and (was_explicit or not obs.explicit):
                continue
            state[key] = (True, obs.explicit)
        else:
            if was_granted is False:
                continue
            state[key] = (False, False)
        rows.append(obs)
    n = len(rows)
    return pa.table(
        {
            "workspace_id": pa.array([workspace_id] * n, pa.int32()),
            "consent_id": pa.array(
                [hashlib.sha256(f"{o.message_id}\x00{o.purpose}".encode()).hexdigest()[:32] for o in rows],
                pa.string(),
            ),
            "customer_id": pa.array([o.customer_id for o in rows], pa.string()),
            "purpose": pa.array([o.purpose for o in rows], pa.string()),
            "granted": pa.array([o.granted for o in rows], pa.bool_()),
            "recorded_at": pa.array([o.at for o in rows], pa.timestamp("us")),
            "message_id": pa.array([o.message_id for o in rows], pa.string()),
            **{
                name: pa.array(
                    [getattr(o, name) for o in rows], pa.bool_() if name == "explicit" else pa.string()
                )
                for name in LEDGER_FIELDS
            },
        }
    )


def current_decisions(
    warehouse: Warehouse, *, workspace_id: int, customer_ids: Iterable[str]
) -> dict[tuple[str, str], tuple[bool, bool]]:
    """(granted, explicitly) per (customer, purpose) among the given customers, as of their latest change."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    rows = warehouse.sql(
        "SELECT customer_id, purpose, arg_max(granted, (recorded_at, consent_id)), "
        "arg_max(coalesce(explicit, false), (recorded_at, consent_id)) FROM consents "
        "WHERE workspace_id = ? AND list_contains(?, customer_id) GROUP BY 1, 2",
        [workspace_id, ids],
    )
    return {(c, p): (bool(g), bool(g) and bool(e)) for c, p, g, e in rows}


def record(warehouse: Warehouse, *, workspace_id: int, observations: list[Observation]) -> int:
    """Store the changes among the observations; return how many were stored (replays store nothing)."""
    if not observations:
        return 0
    current = current_decisions(
        warehouse, workspace_id=workspace_id, customer_ids=(o.customer_id for o in observations)
    )
    table = changes(current, observations, workspace_id=workspace_id)
    return warehouse.append("consents", table) if table.num_rows else 0


def for_customer(warehouse: Warehouse, *, workspace_id: int, customer_id: str) -> list[dict[str, Any]]:
    """Current decision per purpose (newest first), each with how it was given and how many changes led there."""
    last = "(recorded_at, consent_id)"
    rows = warehouse.sql(
        f"SELECT purpose, arg_max(granted, {last}), max(recorded_at), arg_max(source, {last}), count(*), "
        f"arg_max(coalesce(explicit, false), {last}), arg_max(lawful_basis, {last}), arg_max(channel, {last}) "
        "FROM consents WHERE workspace_id = ? AND customer_id = ? GROUP BY 1 ORDER BY 3 DESC, 1",
        [workspace_id, customer_id],
    )
    return [
        {
            "purpose": p,
            "granted": bool(g),
            "recorded_at": at,
            "source": s,
            "changes": int(n),
            "explicit": bool(g) and bool(e),
            "lawful_basis": basis,
            "channel": ch,
        }  # fmt: skip
        for p, g, at, s, n, e, basis, ch in rows
    ]


def history(warehouse: Warehouse, *, workspace_id: int, customer_id: str) -> list[dict[str, Any]]:
    """Every change of the person's decisions, newest first: the ledger's rows as stored."""
    cols = ("consent_id", "purpose", "granted", "recorded_at", "message_id", *LEDGER_FIELDS)
    rows = warehouse.sql(
        f"SELECT {', '.join(cols)} FROM consents WHERE workspace_id = ? AND customer_id = ? "
        "ORDER BY recorded_at DESC, consent_id DESC",
        [workspace_id, customer_id],
    )
    return [dict(zip(cols, row, strict=True)) for row in rows]
