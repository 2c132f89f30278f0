"""Erasure (PDPL Art 4 and 18, GDPR Art 17): one person removed from everything the product keeps.

`erase_customer`:
1. defers when a legal hold is active (the request records the hold's reason; the purge erases them once the
   hold is released);
2. reads who they are (`person.identify`: profiles merged into theirs, identifiers, traits, personal data in
   their own words) before anything goes;
3. application database: deletes their cases (with messages, notes, links, notifications), survey
   invitations and the answers in progress; keeps their privacy requests with a token for the person; then
   replaces every remaining mention of them in any text or JSON column of the workspace (job payloads,
   webhook deliveries, other cases' notes) with "[erased]". The audit log is left as it is: it never holds
   personal data (entries name people by token) and its hash chain proves nobody edited it;
4. warehouse: every row of theirs in every table (`Warehouse.delete_customer`, one transaction);
5. files: lines naming them in uploaded files waiting for import and in rejected-row reports are removed (a
   spreadsheet or Parquet upload that names them is removed whole);
6. after the commit, the stores' files are rewritten so that no deleted value stays in free space
   (`reclaim`): SQLite zeroes deleted rows and truncates its log, PostgreSQL runs VACUUM FULL, the Spark lake
   removes the replaced files, DuckDB rewrites its file the next time it is opened.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, Text, and_, cast, delete, false, func, or_, select, update
from sqlalchemy.orm import Session

from tajriba.audit import Auditor, subject_token
from tajriba.db.session import after_commit, reclaim
from tajriba.errors import Invalid, NotFound
from tajriba.i18n import _
from tajriba.loyalty import service as loyalty
from tajriba.models import Case, DataSubjectRequest, SurveyInvitation, SurveyProgress
from tajriba.models.base import Base, utcnow
from tajriba.privacy import holds
from tajriba.privacy.person import ERASED, PHONE_DIGITS, Person, identify
from tajriba.warehouse import Warehouse

log = logging.getLogger("tajriba.privacy")

# tables of people who use Tajriba (not customers) and the tamper-evident audit log: never rewritten here
NOT_SCRUBBED = {"users", "memberships", "api_keys", "user_sessions", "workspaces", "audit_log"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json"}


@dataclass
class Outcome:
    status: str  # erased | deferred
    token: str
    counts: dict[str, int] = field(default_factory=dict)
    hold: str | None = None
    reclaimed: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "token": self.token,
            "counts": self.counts,
            "hold": self.hold,
            "reclaimed": self.reclaimed,
        }


def erase_customer(
    db: Session,
    wh: Warehouse,
    *,
    workspace_id: int,
    customer_id: str,
    actor: Auditor,
    uploads: Path | None = None,
    reason: str | None = None,
) -> Outcome:
    """Erase one person everywhere (or defer while a legal hold is active); the caller commits `db`."""
    token = subject_token(workspace_id, customer_id)
    hold = holds.active_hold(db, workspace_id=workspace_id, customer_id=customer_id)
    if hold is not None:
        actor.audit(
            db, "privacy.erase.defer", target_type="subject", target_id=token, details={"hold": hold.id}
        )
        return Outcome("deferred", token, hold=hold.reason)
    person = identify(wh, workspace_id=workspace_id, customer_id=customer_id)
    counts, requests = _application(db, person, token)
    if not wh.sql(
        "SELECT 1 FROM customers WHERE workspace_id = ? AND customer_id = ?", [workspace_id, customer_id]
    ) and not any(counts.values()):
        raise NotFound(_("no customer {customer} in this workspace").format(customer=repr(customer_id)))
    counts.update(_warehouse(wh, person))
    if uploads is not None:
        counts["uploaded_files"] = _files(uploads / str(workspace_id), person)
    outcome = Outcome("erased", token, {k: v for k, v in counts.items() if v})
    for request in requests:  # their open erasure requests are answered by this
        if request.kind == "erasure" and request.closed_at is None:
            erased_request(request, outcome)
    actor.audit(
        db,
        "privacy.erase",
        target_type="subject",
        target_id=token,
        details={"counts": outcome.counts, **({"reason": reason} if reason else {})},
    )
    engine = db.get_bind()
    touched = [t for t in outcome.counts if t in Base.metadata.tables]
    warehouse_tables = [t for t in outcome.counts if t not in Base.metadata.tables and t != "uploaded_files"]
    after_commit(db, lambda: outcome.reclaimed.update(database=reclaim(engine, touched)))  # type: ignore[arg-type]
    after_commit(db, lambda: outcome.reclaimed.update(warehouse=wh.reclaim(warehouse_tables)))
    return outcome


def _warehouse(wh: Warehouse, person: Person) -> dict[str, int]:
    counts: dict[str, int] = {}
    with wh.transaction():
        for cid in person.customer_ids:
            for table, n in wh.delete_customer(person.workspace_id, cid).items():
                counts[table] = counts.get(table, 0) + n
    return counts


def _application(db: Session, person: Person, token: str) -> tuple[dict[str, int], list[DataSubjectRequest]]:
    ws, ids = person.workspace_id, list(person.customer_ids)
    counts: dict[str, int] = {}
    # cases go with their messages, notes, links and notifications (ON DELETE CASCADE)
    counts["cases"] = _delete(db, Case, and_(Case.workspace_id == ws, Case.customer_id.in_(ids)))
    counts.update(loyalty.erase_customers(db, workspace_id=ws, customer_ids=ids))
    invited = or_(SurveyInvitation.customer_id.in_(ids), _mentions(SurveyInvitation.address, person))
    counts["survey_invitations"] = _delete(
        db, SurveyInvitation, and_(SurveyInvitation.workspace_id == ws, invited)
    )
    progress = or_(_mentions(SurveyProgress.hidden, person), _mentions(SurveyProgress.answers, person))
    counts["survey_progress"] = _delete(db, SurveyProgress, and_(SurveyProgress.workspace_id == ws, progress))
    requests = db.scalars(
        select(DataSubjectRequest).where(
            DataSubjectRequest.workspace_id == ws,
            or_(DataSubjectRequest.customer_id.in_(ids), _mentions(DataSubjectRequest.contact, person)),
        )
    ).all()
    for request in requests:  # kept to show the request was answered, without who asked
        request.customer_id, request.contact, request.subject_token = None, None, token
        request.details = person.scrub(request.details) if request.details else None
    counts["privacy_requests"] = len(requests)
    db.flush()
    for name, n in scrub_application(db, person).items():
        counts[name] = counts.get(name, 0) + n
    return counts, list(requests)


def _delete(db: Session, model: Any, where: Any) -> int:
    ids = list(db.scalars(select(model.id).where(where)))
    if ids:
        db.execute(delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False))
    return len(ids)


def _patterns(person: Person) -> list[str]:
    """What a stored mention must contain (a cheap filter before the exact check in Python): each value, and
    the last four digits of each phone in each digit script (a phone may be written with spaces)."""
    out = {v.lower() for v in person.values if len(v) >= 5}
    for phone in person.phones:
        tail = phone[-4:]
        out |= {tail, tail.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))}
        out.add(tail.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    return sorted(out)


def _mentions(column: Any, person: Person) -> Any:
    patterns = _patterns(person)
    if not patterns:
        return false()
    text = func.lower(cast(column, String))
    return or_(*[text.contains(p, autoescape=True) for p in patterns])


def scrub_application(db: Session, person: Person, replacement: str = ERASED) -> dict[str, int]:
    """Every text and JSON column of every table of the workspace: mentions of the person become [erased] (or,
    for a correction, the corrected value)."""
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_SCRUBBED or "workspace_id" not in table.c or not table.primary_key.columns:
            continue
        keys = list(table.primary_key.columns)
        for column in table.c:
            if not isinstance(column.type, String | Text | JSON) or column in keys:
                continue
            rows = db.execute(
                select(*keys, column).where(
                    table.c.workspace_id == person.workspace_id, _mentions(column, person)
                )
            ).all()
            for *key, value in rows:
                new = person.scrub_json(value, replacement)
                if new != value:
                    match = and_(*[k == v for k, v in zip(keys, key, strict=True)])
                    db.execute(update(table).where(match).values({column.name: new}))
                    name = str(table.name)  # a plain str (the JSON of audit details wants one)
                    counts[name] = counts.get(name, 0) + 1
    return counts


def _files(folder: Path, person: Person) -> int:
    """Uploaded files and rejected-row reports: lines naming the person removed; other files naming them
    removed whole. Returns how many files changed."""
    if not folder.is_dir():
        return 0
    changed = 0
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.suffix.lower() in TEXT_SUFFIXES:
            raw = path.read_bytes()
            text = raw.decode("utf-8-sig", errors="replace")
            if not person.mentioned(text):
                continue
            kept = [line for line in text.splitlines(keepends=True) if not person.mentioned(line)]
            _write_over(path, "".join(kept).encode())
            changed += 1
        elif _binary_mentions(path, person):
            _write_over(path, b"")
            path.unlink(missing_ok=True)
            changed += 1
    return changed


def _write_over(path: Path, data: bytes) -> None:
    """Overwrite the file's bytes in place (not a new file beside the old blocks), then cut it to `data`."""
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.write(b"\0" * size)
        fh.flush()
        fh.seek(0)
        fh.write(data)
        fh.truncate(len(data))


def _binary_mentions(path: Path, person: Person) -> bool:
    """Whether a spreadsheet or Parquet upload holds the person (read cell by cell)."""
    cells: list[str] = []
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    cells += [str(v) for v in row if v is not None]
            book.close()
        elif path.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            for column in pq.read_table(path).columns:
                cells += [str(v) for v in column.to_pylist() if v is not None]
        else:
            return False
    except Exception:  # noqa: BLE001 - a file that cannot be read cannot be checked: removed to be safe
        log.warning("an upload that could not be read is removed by an erasure: %s", path.name)
        return True
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return person.mentioned(buffer.getvalue())


def erase_for_request(
    db: Session, wh: Warehouse, *, request: DataSubjectRequest, actor: Auditor, uploads: Path | None
) -> Outcome:
    """Answer an erasure request: erase the profile it is linked to (or defer it while a hold is active)."""
    if request.kind != "erasure":
        raise Invalid(_("only erasure requests erase data"), field="kind")
    if not request.customer_id:
        raise Invalid(_("link the request to the customer's profile first"), field="customer_id")
    outcome = erase_customer(
        db,
        wh,
        workspace_id=request.workspace_id,
        customer_id=request.customer_id,
        actor=actor,
        uploads=uploads,
        reason=f"privacy request {request.id}",
    )
    erased_request(request, outcome)
    return outcome


def erased_request(request: DataSubjectRequest, outcome: Outcome) -> None:
    """Record on an erasure request what answering it did."""
    request.outcome = outcome.as_dict()
    if outcome.status == "erased":
        request.status, request.closed_at = "done", utcnow()
    else:
        request.status = "deferred"


__all__ = ["PHONE_DIGITS", "Outcome", "erase_customer", "erase_for_request", "erased_request"]
