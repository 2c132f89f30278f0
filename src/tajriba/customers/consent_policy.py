"""Consent as the law reads it: the decisions people give staff (by phone, at a branch) go into the ledger
with everything a regulator asks of a consent record, and one rule says who may be processed for a purpose.

The rule (PDPL Art 5-6 with IR Art 11-12, GDPR Art 6-7 and 9): for a purpose the workspace registered in its
records of processing,
- resting on consent: only people whose latest decision for it is a grant;
- needing explicit consent (sensitive data, credit, automated decisions): only people whose latest grant was
  express; implied consent and legitimate interest are not enough;
- resting on anything else (contract, legal obligation, legitimate interest): everyone but those who withdrew
  or objected.
A purpose not in the records keeps the old rule: everyone but those who withdrew.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor, subject_token
from tajriba.customers.consent import PURPOSE_LABELS, Observation, current_decisions, purpose_key, record
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models import Workspace
from tajriba.models.base import utcnow
from tajriba.models.privacy import Purpose

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse

LAWFUL_BASES = (
    "consent",
    "contract",
    "legal_obligation",
    "vital_interest",
    "public_interest",
    "legitimate_interest",
)
# how a person told us (the ledger's `channel`); the tracking API and imports add web, app and import
CHANNELS = ("phone", "in_person", "email", "sms", "whatsapp", "letter", "web", "app", "api")
LANGUAGES = ("ar", "fa", "en")


def registered(db: Session, workspace_id: int, purposes: Iterable[str]) -> dict[str, Purpose]:
    """The purposes among `purposes` the workspace's records of processing hold and has not retired."""
    wanted = sorted(set(purposes))
    if not wanted:
        return {}
    rows = db.scalars(
        select(Purpose).where(
            Purpose.workspace_id == workspace_id, Purpose.key.in_(wanted), Purpose.retired_at.is_(None)
        )
    )
    return {p.key: p for p in rows}


def blocked(
    db: Session,
    warehouse: Warehouse,
    *,
    workspace_id: int,
    purposes: Iterable[str],
    customer_ids: Iterable[str],
) -> dict[str, str]:
    """The customers among `customer_ids` who may not be processed for every one of `purposes`, each with the
    reason: "withdrawn" (withdrew or objected), "no_consent" (gave none), "not_explicit" (gave no express one)."""
    ids, wanted = sorted(set(customer_ids)), sorted(set(purposes))
    if not ids or not wanted:
        return {}
    rules = registered(db, workspace_id, wanted)
    decisions = current_decisions(warehouse, workspace_id=workspace_id, customer_ids=ids)
    out: dict[str, str] = {}
    for cid in ids:
        for purpose in wanted:
            reason = _reason(rules.get(purpose), decisions.get((cid, purpose)))
            if reason:
                out[cid] = reason
                break
    return out


def _reason(rule: Purpose | None, decision: tuple[bool, bool] | None) -> str | None:
    granted, explicit = decision if decision is not None else (None, False)
    if granted is False:
        return "withdrawn"
    if rule is None or rule.lawful_basis != "consent" and not rule.explicit:
        return None
    if not granted:
        return "no_consent"
    if rule.explicit and not explicit:
        return "not_explicit"
    return None


def record_given(
    db: Session,
    warehouse: Warehouse,
    *,
    workspace_id: int,
    customer_id: str,
    change: dict[str, Any],
    actor: Auditor,
) -> dict[str, Any]:
    """A decision a person gave a member of staff: checked, written to the ledger, audited. Withdrawing takes
    the same one step as granting (CON-3). Returns the stored decision."""
    from tajriba.accounts import service as accounts
    from tajriba.customers.service import get_profile  # the service re-exports this module

    profile_id = get_profile(warehouse, workspace_id=workspace_id, customer_id=customer_id)["customer_id"]
    purpose, granted, explicit = _checked(db, workspace_id, change)
    notice = accounts.notice_version(db.get(Workspace, workspace_id))
    obs = Observation(
        profile_id, purpose, granted, utcnow().replace(tzinfo=None), f"staff:{uuid.uuid4().hex}", "agent",
        lawful_basis=str(change.get("lawful_basis") or "consent"), explicit=explicit, channel=change["channel"],
        notice_version=notice, language=change.get("language"), tz=change.get("tz"), actor=actor.actor,
    )  # fmt: skip
    stored = record(warehouse, workspace_id=workspace_id, observations=[obs])
    actor.audit(db, "consent.record", target_type="subject", target_id=subject_token(workspace_id, profile_id),
                details={"purpose": purpose, "granted": granted, "explicit": explicit, "channel": obs.channel,
                         "changed": bool(stored)})  # fmt: skip
    return {"customer_id": profile_id, "purpose": purpose, "granted": granted, "explicit": explicit,
            "channel": obs.channel, "changed": bool(stored), "recorded_at": obs.at}  # fmt: skip


def _checked(db: Session, workspace_id: int, change: dict[str, Any]) -> tuple[str, bool, bool]:
    purpose = purpose_key(change.get("purpose"))
    if not purpose or purpose != change.get("purpose"):
        raise Invalid(_("purpose: lower-case letters, digits and _ (e.g. {example})").format(
            example=purpose or "email_marketing"), field="purpose")  # fmt: skip
    for name, allowed in (("channel", CHANNELS), ("language", LANGUAGES), ("lawful_basis", LAWFUL_BASES)):
        value = change.get(name)
        if (value is not None or name == "channel") and value not in allowed:
            raise Invalid(_("{field}: expected one of {known}").format(field=name, known=", ".join(allowed)),
                          field=name)  # fmt: skip
    granted, explicit = bool(change.get("granted")), bool(change.get("explicit"))
    rule = registered(db, workspace_id, [purpose]).get(purpose)
    if granted and rule is not None and rule.explicit and not explicit:
        label = _(PURPOSE_LABELS[purpose]) if purpose in PURPOSE_LABELS else rule.name
        raise Invalid(
            _(
                "{purpose} needs explicit consent: record it only when the person agreed expressly, and say so"
            ).format(purpose=label),
            field="explicit",
        )
    return purpose, granted, explicit and granted
