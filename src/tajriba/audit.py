"""The audit log: append-only and hash-chained, so altering a past entry is detectable."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.models import AuditEntry
from tajriba.models.base import utcnow

GENESIS = "0" * 64


def subject_token(workspace_id: int, customer_id: str) -> str:
    """How audit entries and erased records name a person: a digest of their id, never the id (SEC-2)."""
    return hashlib.sha256(f"{workspace_id}:{customer_id}".encode()).hexdigest()[:20]


class Auditor(Protocol):
    """Who acts, as services see them: anything that appends an audit entry (web.deps.Context does, for a
    person or an API key; `Operator` for the command line)."""

    @property
    def actor(self) -> str:
        """Who acts, for records kept outside the audit log (an email, `key:<id>`, `cli:<name>`)."""
        ...

    def audit(
        self,
        db: Session,
        action: str,
        *,
        target_type: str | None = None,
        target_id: str | None = None,
        details: dict | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class System:
    """What rules, the worker and the demo's set-up do: not people's actions, so not in the audit log (their
    changes are recorded where they happen, e.g. on a case's timeline with the rule behind them)."""

    reason: str
    user = None

    @property
    def actor(self) -> str:
        return f"system:{self.reason}"

    def audit(self, db: Session, action: str, **details: object) -> None:
        """Nothing to add to the audit log."""


@dataclass(frozen=True)
class Operator:
    """Someone acting from the command line (or a script): audited in the workspace with no user or key,
    under the name given."""

    workspace_id: int | None
    name: str = "operator"

    @property
    def actor(self) -> str:
        return f"cli:{self.name}"

    def audit(
        self,
        db: Session,
        action: str,
        *,
        target_type: str | None = None,
        target_id: str | None = None,
        details: dict | None = None,
    ) -> None:
        record(
            db,
            action=action,
            workspace_id=self.workspace_id,
            target_type=target_type,
            target_id=target_id,
            details={**(details or {}), "by": self.actor},
        )


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    body = orjson.dumps(
        {
            "workspace_id": entry.workspace_id,
            "actor_user_id": entry.actor_user_id,
            "actor_key_id": entry.actor_key_id,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "details": entry.details,
            "ip": entry.ip,
            "created_at": entry.created_at.isoformat(),
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


def record(
    session: Session,
    *,
    action: str,
    workspace_id: int | None = None,
    actor_user_id: int | None = None,
    actor_key_id: int | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    details: dict | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit log (chained to the previous entry's hash)."""
    last = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    entry = AuditEntry(
        workspace_id=workspace_id,
        actor_user_id=actor_user_id,
        actor_key_id=actor_key_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details or {},
        ip=ip,
        created_at=utcnow().replace(microsecond=0),
    )
    entry.prev_hash = last or GENESIS
    entry.hash = _digest(entry.prev_hash, entry)
    session.add(entry)
    session.flush()
    return entry


def verify_chain(session: Session) -> int | None:
    """Return the id of the first entry that breaks the chain, or None if the log is intact."""
    prev = GENESIS
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        if entry.prev_hash != prev or _digest(prev, entry) != entry.hash:
            return entry.id
        prev = entry.hash
    return None


def list_entries(session: Session, *, workspace_id: int, limit: int = 200) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.workspace_id == workspace_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )
