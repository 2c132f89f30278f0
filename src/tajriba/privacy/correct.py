"""Correction (PDPL Art 4, GDPR Art 16): a customer's name, e-mail or phone corrected on the profile, in the
identifiers that find them (search, identity resolution), in their own words where they wrote the old value
(a survey comment, feedback, a ticket) and in the application database (their cases, invitations, requests).
The old value is then nowhere: searching by it finds no one; the audit entry names the fields, not the values."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tajriba.audit import Auditor, subject_token
from tajriba.customers import service as customers
from tajriba.errors import Invalid, NotFound
from tajriba.i18n import _
from tajriba.privacy.erase import scrub_application
from tajriba.privacy.person import PHONE_DIGITS, Person, digits
from tajriba.warehouse import Warehouse

FIELDS = ("name", "email", "phone")
OWN_TEXTS = {"survey_responses": ("response_id", "comment"), "feedback_texts": ("feedback_id", "text"),
             "tickets": ("ticket_id", "subject")}  # fmt: skip


def correct_customer(
    db: Session, wh: Warehouse, *, workspace_id: int, customer_id: str, changes: dict[str, str], actor: Auditor,
    region: str = "SA",
) -> dict[str, int]:  # fmt: skip
    """Replace each old value by the new one everywhere it is kept; returns the rows changed per table."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown or not changes:
        raise Invalid(_("correct one of: {fields}").format(fields=", ".join(FIELDS)), field="changes")
    rows = wh.sql(
        "SELECT name, email, phone FROM customers WHERE workspace_id = ? AND customer_id = ?",
        [workspace_id, customer_id],
    )
    if not rows:
        raise NotFound(_("no customer {customer} in this workspace").format(customer=repr(customer_id)))
    old = dict(zip(FIELDS, rows[0], strict=True))
    counts: dict[str, int] = {}
    for field, raw in changes.items():
        new = _normalised(field, raw, region)
        if not old[field] or old[field] == new:
            wh.run(f"UPDATE customers SET {field} = ? WHERE workspace_id = ? AND customer_id = ?",
                   [new, workspace_id, customer_id])  # fmt: skip
            continue
        person = _person_of(workspace_id, customer_id, field, old[field])
        for table, n in _everywhere(db, wh, person, field, old[field], new).items():
            counts[table] = counts.get(table, 0) + n
    actor.audit(db, "privacy.correct", target_type="subject", target_id=subject_token(workspace_id, customer_id),
                details={"fields": sorted(changes), "counts": counts})  # fmt: skip
    return counts


def _normalised(field: str, raw: str, region: str) -> str:
    value = raw.strip()
    if field == "name":
        if not value:
            raise Invalid(_("the corrected name is empty"), field="name")
        return value
    normal = customers.normalize_identifier(field, value, region=region)
    if not normal:
        raise Invalid(_("the corrected {field} is not valid").format(field=field), field=field)
    return normal


def _person_of(workspace_id: int, customer_id: str, field: str, value: str) -> Person:
    """A Person whose only identifying value is the old one (so scrubbing replaces just that)."""
    if field == "phone":
        return Person(workspace_id, customer_id, (customer_id,), (), (digits(value)[-PHONE_DIGITS:],))
    return Person(workspace_id, customer_id, (customer_id,), (value,), ())


def _everywhere(db: Session, wh: Warehouse, person: Person, field: str, old: str, new: str) -> dict[str, int]:
    ws, cid = person.workspace_id, person.customer_id
    counts: dict[str, int] = {}
    with wh.transaction():
        counts["customers"] = wh.run(
            f"UPDATE customers SET {field} = ? WHERE workspace_id = ? AND customer_id = ?", [new, ws, cid]
        )
        if field in ("email", "phone"):
            counts["customer_identities"] = wh.run(
                "UPDATE customer_identities SET value = ? WHERE workspace_id = ? AND customer_id = ? AND kind = ? "
                "AND value = ?",
                [new, ws, cid, field, old],
            )
        for table, (key, column) in OWN_TEXTS.items():
            counts[table] = _own_words(wh, person, table, key, column, new)
    for table, n in scrub_application(db, person, replacement=new).items():
        counts[table] = counts.get(table, 0) + n
    return {k: v for k, v in counts.items() if v}


def _own_words(wh: Warehouse, person: Person, table: str, key: str, column: str, new: str) -> int:
    changed = 0
    rows: list[Any] = wh.sql(
        f"SELECT {key}, {column} FROM {table} WHERE workspace_id = ? AND customer_id = ? AND {column} IS NOT NULL",
        [person.workspace_id, person.customer_id],
    )
    for row_key, text in rows:
        fixed = person.scrub(text, replacement=new)
        if fixed != text:
            wh.run(f"UPDATE {table} SET {column} = ? WHERE workspace_id = ? AND {key} = ?",
                   [fixed, person.workspace_id, row_key])  # fmt: skip
            changed += 1
    return changed
