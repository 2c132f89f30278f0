"""The access archive of one person (PDPL Art 4 "a copy in a readable and clear format", GDPR Arts 15 and 20):
everything both stores hold about them, as JSON and CSV in one ZIP, with a summary in their language.

`collect` reads every warehouse table that names the customer (events also by the identifiers they used before
they were known, text enrichments by the texts they wrote, merges that name them) and the application
database's cases with their conversation and the person's privacy requests. `archive` writes:

    data.json        {"format": "tajriba.privacy.export", "version": 1, ..., "tables": {name: [row, ...]}}
    csv/<table>.csv  one per table with rows (UTF-8 with a byte-order mark, so that spreadsheets read Arabic)
    summary.txt      what each part holds and how many items, in Arabic, Persian or English

The JSON follows docs/schemas/privacy-export.schema.json.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor, subject_token
from tajriba.errors import Invalid, NotFound
from tajriba.i18n import N_, _, speaking
from tajriba.loyalty import service as loyalty
from tajriba.models import Case, CaseEvent, DataSubjectRequest, Workspace
from tajriba.warehouse import Warehouse
from tajriba.warehouse.schema import TABLES

FORMAT, VERSION = "tajriba.privacy.export", 1
# warehouse tables whose rows carry the customer's id
BY_CUSTOMER = (
    "customers",
    "customer_identities",
    "trait_changes",
    "orders",
    "survey_responses",
    "feedback_texts",
    "tickets",
    "consents",
    "customer_values",
    "case_signals",
)
LABELS = {
    "customers": N_("Profile"),
    "customer_identities": N_("Identifiers (e-mail, phone, ids) linked to the profile"),
    "trait_changes": N_("Changes of profile details, with their history"),
    "events": N_("Events (pages, purchases, app actions)"),
    "orders": N_("Orders"),
    "survey_responses": N_("Survey answers"),
    "feedback_texts": N_("Feedback you wrote"),
    "text_enrichments": N_("What our text analysis derived from your words"),
    "tickets": N_("Support tickets"),
    "consents": N_("Consents you gave or withdrew"),
    "identity_merges": N_("Profiles joined into yours"),
    "customer_values": N_("Estimated customer value"),
    "case_signals": N_("Signals that opened follow-up cases"),
    "cases": N_("Follow-up cases"),
    "case_events": N_("Messages and notes of those cases"),
    "privacy_requests": N_("Your requests about your data"),
}


def collect(
    db: Session, wh: Warehouse, *, workspace_id: int, customer_id: str
) -> dict[str, list[dict[str, Any]]]:
    """Every item held about one customer, by table (the same names as the warehouse and the database)."""
    where, params = "workspace_id = ? AND customer_id = ?", [workspace_id, customer_id]
    tables = {name: _rows(wh, name, f"SELECT * FROM {name} WHERE {where}", params) for name in BY_CUSTOMER}
    if not tables["customers"]:
        raise NotFound(_("no customer {customer} in this workspace").format(customer=repr(customer_id)))
    ids = tables["customer_identities"]
    anon = [i["value"] for i in ids if i["kind"] == "anonymous_id"]
    users = [i["value"] for i in ids if i["kind"] == "user_id"]
    tables["events"] = _rows(
        wh,
        "events",
        "SELECT * FROM events WHERE workspace_id = ? AND (customer_id = ? OR list_contains(?, anonymous_id) "
        "OR list_contains(?, user_id)) ORDER BY timestamp",
        [workspace_id, customer_id, anon, users],
    )
    tables["text_enrichments"] = _rows(
        wh,
        "text_enrichments",
        "SELECT * FROM text_enrichments WHERE workspace_id = ? AND ("
        "(source = 'feedback' AND list_contains(?, source_id)) OR (source = 'response' AND list_contains(?, "
        "source_id)) OR (source = 'ticket' AND list_contains(?, source_id)))",
        [
            workspace_id,
            [r["feedback_id"] for r in tables["feedback_texts"]],
            [r["response_id"] for r in tables["survey_responses"]],
            [r["ticket_id"] for r in tables["tickets"]],
        ],
    )
    merges = _rows(
        wh, "identity_merges", "SELECT * FROM identity_merges WHERE workspace_id = ?", [workspace_id]
    )
    tables["identity_merges"] = [
        m
        for m in merges
        if m["into_customer_id"] == customer_id or customer_id in (m["merged_customer_ids"] or [])
    ]
    tables.update(_application(db, workspace_id, customer_id))
    return tables


def _application(db: Session, workspace_id: int, customer_id: str) -> dict[str, list[dict[str, Any]]]:
    cases = list(
        db.scalars(select(Case).where(Case.workspace_id == workspace_id, Case.customer_id == customer_id))
    )
    events = list(
        db.scalars(
            select(CaseEvent).where(CaseEvent.case_id.in_([c.id for c in cases])).order_by(CaseEvent.at)
        )
    )
    requests = list(
        db.scalars(
            select(DataSubjectRequest).where(
                DataSubjectRequest.workspace_id == workspace_id, DataSubjectRequest.customer_id == customer_id
            )
        )
    )
    return {
        "cases": [_columns(c) for c in cases],
        "case_events": [_columns(e) for e in events],
        "privacy_requests": [_columns(r) for r in requests],
        **loyalty.customer_rows(db, workspace_id=workspace_id, customer_id=customer_id),
    }


def document(tables: dict[str, list[dict[str, Any]]], *, workspace: str, customer_id: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "workspace": workspace,
        "customer_id": customer_id,
        "generated_at": datetime.now(UTC).isoformat(),
        "tables": {name: [_plain(row) for row in rows] for name, rows in sorted(tables.items())},
    }


def export_customer(
    db: Session,
    wh: Warehouse,
    *,
    workspace: Workspace,
    customer_id: str,
    out: Path | BinaryIO,
    language: str,
    actor: Auditor,
) -> dict[str, int]:
    """Collect, write the archive and record the export in the audit log (by token, with the counts)."""
    tables = collect(db, wh, workspace_id=workspace.id, customer_id=customer_id)
    counts = archive(
        document(tables, workspace=workspace.slug, customer_id=customer_id), out, language=language
    )
    actor.audit(
        db,
        "privacy.export",
        target_type="subject",
        target_id=subject_token(workspace.id, customer_id),
        details={"items": counts},
    )
    return counts


def request_archive(db: Session, wh: Warehouse, *, request: DataSubjectRequest, actor: Auditor) -> bytes:
    """The archive answering an access (or portability) request, in the language the person asked in."""
    if request.kind not in ("access", "portability"):
        raise Invalid(_("only access and portability requests are answered with an archive"), field="kind")
    if not request.customer_id:
        raise Invalid(_("link the request to the customer's profile first"), field="customer_id")
    workspace = db.get(Workspace, request.workspace_id)
    assert workspace is not None
    buffer = io.BytesIO()
    export_customer(
        db,
        wh,
        workspace=workspace,
        customer_id=request.customer_id,
        out=buffer,
        language=request.language,
        actor=actor,
    )
    return buffer.getvalue()


def archive(doc: dict[str, Any], out: Path | BinaryIO, *, language: str) -> dict[str, int]:
    """Write the ZIP; return the number of items per table."""
    counts = {name: len(rows) for name, rows in doc["tables"].items()}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("data.json", orjson.dumps(doc, option=orjson.OPT_INDENT_2))
        for name, rows in doc["tables"].items():
            if rows:
                z.writestr(f"csv/{name}.csv", _csv(rows))
        z.writestr("summary.txt", summary(doc, counts, language=language))
    return counts


def summary(doc: dict[str, Any], counts: dict[str, int], *, language: str) -> str:
    with speaking(language):
        lines = [
            _("A copy of the data we hold about you"),
            "",
            _("Customer: {customer}").format(customer=doc["customer_id"]),
            _("Prepared on {date} (UTC).").format(date=doc["generated_at"][:10]),
            "",
        ]
        for name in LABELS:
            lines.append(f"- {_(LABELS[name])}: {counts.get(name, 0)}")
        lines += [
            "",
            _("data.json holds every item; the csv folder holds one table per kind of item."),
        ]
    return "\n".join(lines) + "\n"


def _rows(wh: Warehouse, table: str, query: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows as plain values, JSON columns as the objects they hold."""
    frame = wh.frame(query, params)
    json_columns = [c.name for c in TABLES[table].columns if c.sql == "JSON"]
    rows = [_plain(r) for r in frame.to_dict("records")]
    for row in rows:
        for name in json_columns:
            if isinstance(row.get(name), str):
                row[name] = orjson.loads(row[name])
    return rows


def _columns(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {str(k): _value(v) for k, v in row.items()}


def _value(v: Any) -> Any:  # noqa: PLR0911 - one branch per kind of value a store hands out
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, datetime | date):
        return v.isoformat()
    if hasattr(v, "isoformat"):  # pandas Timestamp
        return None if str(v) == "NaT" else v.isoformat()
    if isinstance(v, dict):
        return _plain(v)
    if hasattr(v, "tolist"):  # numpy scalars and arrays
        return _value(v.tolist())
    if isinstance(v, list | tuple):
        return [_value(x) for x in v]
    return str(v)


def _csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    columns = list(rows[0])
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: orjson.dumps(v).decode() if isinstance(v, dict | list) else v for k, v in row.items()}
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
