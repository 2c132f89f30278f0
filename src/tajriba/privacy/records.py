"""Records of processing (PDPL Art 31 with IR Art 33, GDPR Art 30): the purposes the workspace registers, each
with its lawful basis, data and people categories, recipients, transfers abroad and retention, exported as
one document with the controller's contact and the retention rules in force. A retired purpose stays in the
records for five years after it stopped, then leaves them.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.customers import service as customers
from tajriba.errors import Conflict, Invalid, NotFound
from tajriba.i18n import _
from tajriba.models import Workspace
from tajriba.models.base import utcnow
from tajriba.models.privacy import Purpose
from tajriba.privacy import retention
from tajriba.privacy.deadlines import add_months, utc

KEEP_RETIRED_YEARS = 5
LAWFUL_BASES = customers.LAWFUL_BASES
COLUMNS = ("key", "name", "description", "lawful_basis", "explicit_consent", "data_categories", "subject_categories",
           "recipients", "transfers_abroad", "retention", "since", "retired")  # fmt: skip
FIELDS = ("name", "description", "lawful_basis", "explicit", "data_categories", "subject_categories", "recipients",
          "transfers", "retention")  # fmt: skip


def _check(data: dict[str, Any]) -> None:
    basis = data.get("lawful_basis")
    if basis is not None and basis not in LAWFUL_BASES:
        raise Invalid(
            _("unknown lawful basis {basis}; expected one of {known}").format(
                basis=repr(basis), known=", ".join(LAWFUL_BASES)
            ),
            field="lawful_basis",
        )
    if basis == "legitimate_interest" and data.get("explicit"):
        # PDPL IR Art 16: no legitimate interest for sensitive data, which needs explicit consent
        raise Invalid(
            _("a purpose that needs explicit consent cannot rest on legitimate interest"),
            field="lawful_basis",
        )


def register(db: Session, *, workspace_id: int, data: dict[str, Any], actor: Auditor) -> Purpose:
    _check(data)
    key = str(data["key"])
    if db.scalar(select(Purpose).where(Purpose.workspace_id == workspace_id, Purpose.key == key)) is not None:
        raise Conflict(_("a purpose with the key {key} exists already").format(key=key))
    purpose = Purpose(workspace_id=workspace_id, key=key, **{k: data[k] for k in FIELDS if k in data})
    db.add(purpose)
    db.flush()
    actor.audit(db, "privacy.purpose.register", target_type="purpose", target_id=key)
    return purpose


def get_purpose(db: Session, *, workspace_id: int, purpose_id: int) -> Purpose:
    purpose = db.get(Purpose, purpose_id)
    if purpose is None or purpose.workspace_id != workspace_id:
        raise NotFound(_("no such purpose"))
    return purpose


def update(db: Session, *, purpose: Purpose, data: dict[str, Any], actor: Auditor) -> Purpose:
    """Change what a purpose says; `retired: true` records that the processing stopped (kept five years)."""
    _check({**{k: getattr(purpose, k) for k in ("lawful_basis", "explicit")}, **data})
    for key in FIELDS:
        if key in data and data[key] is not None:
            setattr(purpose, key, data[key])
    if data.get("retired") and purpose.retired_at is None:
        purpose.retired_at = utcnow()
    elif data.get("retired") is False:
        purpose.retired_at = None
    db.flush()
    actor.audit(db, "privacy.purpose.update", target_type="purpose", target_id=purpose.key,
                details={"retired": purpose.retired_at is not None})  # fmt: skip
    return purpose


def purposes(db: Session, *, workspace_id: int, now: datetime | None = None) -> list[Purpose]:
    """Purposes in use, and retired ones within five years of retiring (older ones leave the records)."""
    moment = utc(now) if now else utcnow()
    cutoff = add_months(moment, -12 * KEEP_RETIRED_YEARS)
    rows = db.scalars(select(Purpose).where(Purpose.workspace_id == workspace_id).order_by(Purpose.key))
    return [p for p in rows if p.retired_at is None or utc(p.retired_at) >= cutoff]


def document(db: Session, *, workspace_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The records of processing as one document (JSON), ready for the authority or an auditor."""
    workspace = db.get(Workspace, workspace_id)
    assert workspace is not None
    privacy = (workspace.settings or {}).get("privacy", {})
    return {
        "controller": {"name": workspace.name, "contact": privacy.get("dpo_contact")},
        "generated_at": (utc(now) if now else utcnow()).isoformat(),
        "retention_months": retention.rules(db, workspace_id=workspace_id),
        "purposes": [_row(p) for p in purposes(db, workspace_id=workspace_id, now=now)],
    }


def _row(p: Purpose) -> dict[str, Any]:
    return {
        "key": p.key,
        "name": p.name,
        "description": p.description,
        "lawful_basis": p.lawful_basis,
        "explicit_consent": p.explicit,
        "data_categories": p.data_categories or [],
        "subject_categories": p.subject_categories or [],
        "recipients": p.recipients or [],
        "transfers_abroad": p.transfers or [],
        "retention": p.retention,
        "since": utc(p.created_at).isoformat(),
        "retired": utc(p.retired_at).isoformat() if p.retired_at else None,
    }


def as_csv(doc: dict[str, Any]) -> bytes:
    """One row per purpose (lists joined by "; "), UTF-8 with a byte-order mark for spreadsheets."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in doc["purposes"]:
        writer.writerow({k: "; ".join(v) if isinstance(v, list) else v for k, v in row.items()})
    return ("\ufeff" + out.getvalue()).encode()
