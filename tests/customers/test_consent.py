"""Consents: recorded as changes from tracking context and imports, shown as current state with history."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from tajriba.accounts import service as accounts
from tajriba.customers import consent
from tajriba.customers.identity import IdentityPolicy
from tajriba.errors import Invalid
from tajriba.ingest.imports.mapping import load_mapping
from tajriba.ingest.imports.service import import_file
from tajriba.ingest.segment import parse_request
from tajriba.ingest.writer import WorkspaceRules, store
from tests.conftest import csrf_from, login, make_user, make_workspace


def send(wh, ws_id: int, batch: list[dict]) -> None:  # type: ignore[no-untyped-def]
    parsed, _ = parse_request(
        orjson.dumps({"batch": batch}), path_type=None, received_at=datetime(2026, 5, 1, tzinfo=UTC)
    )
    store(wh, workspace_id=ws_id, batch=parsed.table(), rules=WorkspaceRules(policy=IdentityPolicy()))


def page(mid: str, at: str, prefs: dict | None = None, managed: dict | None = None) -> dict:
    context: dict = {}
    if prefs is not None:
        context["consent"] = {"categoryPreferences": prefs}
    if managed is not None:
        context["consentManagement"] = managed
    return {"type": "page", "userId": "u-1", "messageId": mid, "timestamp": at, "context": context}


def test_purpose_names_and_both_client_forms() -> None:
    assert consent.purpose_key("Marketing Email") == "marketing_email"
    assert consent.purpose_key("  ") is None and consent.purpose_key(3) is None
    ctx = {
        "consent": {"categoryPreferences": {"Advertising": True, "Analytics": False, "bad": "yes"}},
        "consentManagement": {"allowedConsentIds": ["C0001"], "deniedConsentIds": ["C0004"]},
    }
    assert consent.from_context(ctx) == {
        "advertising": True,
        "analytics": False,
        "c0001": True,
        "c0004": False,
    }


def test_only_changes_are_stored_latest_by_event_time_wins_and_replays_add_nothing(app, db) -> None:
    ws = make_workspace(db, "c1")
    wh = app.state.warehouse
    batch = [
        page("p1", "2026-04-01T10:00:00Z", {"Advertising": True, "Analytics": True}),
        page("p2", "2026-04-02T10:00:00Z", {"Advertising": True, "Analytics": True}),  # same: nothing new
        page("p4", "2026-04-04T10:00:00Z", {"Advertising": False}),
        page("p3", "2026-04-03T10:00:00Z", managed={"deniedConsentIds": ["Analytics"]}),  # arrives late
        page("p5", "2026-04-05T10:00:00Z"),  # no consent in context
    ]
    send(wh, ws.id, batch)
    rows = wh.sql(
        "SELECT purpose, granted, message_id FROM consents WHERE workspace_id = ? ORDER BY recorded_at, purpose",
        [ws.id],
    )
    assert rows == [
        ("advertising", True, "p1"),
        ("analytics", True, "p1"),
        ("analytics", False, "p3"),
        ("advertising", False, "p4"),
    ]
    send(wh, ws.id, batch)  # a client resending the whole batch
    send(wh, ws.id, [page("p6", "2026-04-06T10:00:00Z", {"Advertising": False, "Analytics": False})])
    assert wh.sql("SELECT count(*) FROM consents WHERE workspace_id = ?", [ws.id])[0][0] == 4
    customer = wh.sql("SELECT customer_id FROM customer_identities WHERE value = 'u-1'")[0][0]
    state = consent.for_customer(wh, workspace_id=ws.id, customer_id=customer)
    assert [(c["purpose"], c["granted"], c["changes"]) for c in state] == [
        ("advertising", False, 2),
        ("analytics", False, 2),
    ]


def test_profile_api_and_page_show_consents_and_the_timeline_their_changes(app, client, db) -> None:
    ws = make_workspace(db, "c2")
    wh = app.state.warehouse
    send(
        wh,
        ws.id,
        [
            page("q1", "2026-04-01T10:00:00Z", {"email_marketing": True, "whatsapp": True}),
            page("q2", "2026-04-08T10:00:00Z", {"whatsapp": False}),
        ],
    )
    customer = wh.sql("SELECT customer_id FROM customer_identities WHERE value = 'u-1'")[0][0]
    key = accounts.create_key(db, workspace=ws, kind="api", name="k", role="analyst")[1]
    db.commit()
    headers = {"Authorization": f"Bearer {key}"}
    profile = client.get(f"/api/v1/customers/{customer}", headers=headers).json()
    assert {c["purpose"]: c["granted"] for c in profile["consents"]} == {
        "whatsapp": False,
        "email_marketing": True,
    }
    timeline = client.get(f"/api/v1/customers/{customer}/timeline", headers=headers).json()["items"]
    assert [(i["kind"], i["title"], i["score"]) for i in timeline if i["kind"] == "consent"] == [
        ("consent", "whatsapp", 0.0),
        ("consent", "email_marketing", 1.0),
        ("consent", "whatsapp", 1.0),
    ]
    user = make_user(db, workspace=ws, role="agent")
    login(client, user)
    token = csrf_from(client, "/account")
    client.post("/preferences", data={"locale": "ar", "csrf_token": token, "next": "/account"})
    html = client.get(f"/w/c2/customers/{customer}").text
    assert 'data-purpose="whatsapp"' in html and 'data-purpose="email_marketing"' in html
    assert "رسائل واتساب" in html and "مرفوض" in html


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_imports_record_consent_columns_reject_bad_values_and_reimport_is_a_no_op(app, db, tmp_path) -> None:
    ws = make_workspace(db, "c3")
    wh = app.state.warehouse
    header = ["Customer ID", "First Name", "Last Name", "Email", "Phone", "Default Address City"]
    header += ["Default Address Country Code", "Accepts Email Marketing", "Accepts SMS Marketing"]
    header += ["Total Spent", "Total Orders", "Tags"]
    path = write_csv(
        tmp_path / "customers.csv",
        [
            header,
            ["1", "Sara", "A", "sara@example.com", "", "Riyadh", "SA", "yes", "no", "10", "1", ""],
            ["2", "عمر", "B", "omar@example.com", "", "Jeddah", "SA", "نعم", "", "10", "1", ""],
            ["3", "Ali", "C", "ali@example.com", "", "Jeddah", "SA", "maybe", "no", "10", "1", ""],
        ],
    )
    mapping = load_mapping("shopify_customers")
    report = import_file(wh, workspace_id=ws.id, kind="customers", path=path, mapping=mapping)
    assert report.rejected == 1
    assert report.errors[0]["field"] == "consent:email_marketing" and report.errors[0]["value"] == "maybe"
    rows = wh.sql(
        "SELECT c.email, k.purpose, k.granted FROM consents k JOIN customers c USING (workspace_id, customer_id) "
        "WHERE k.workspace_id = ? ORDER BY 1, 2",
        [ws.id],
    )
    assert rows == [
        ("omar@example.com", "email_marketing", True),
        ("sara@example.com", "email_marketing", True),
        ("sara@example.com", "sms_marketing", False),
    ]
    import_file(wh, workspace_id=ws.id, kind="customers", path=path, mapping=mapping)
    assert wh.sql("SELECT count(*) FROM consents WHERE workspace_id = ?", [ws.id])[0][0] == 3


def test_a_mapping_with_a_malformed_purpose_is_refused(tmp_path) -> None:
    spec = tmp_path / "m.toml"
    spec.write_text('kind = "customers"\n[columns]\nemail = "Email"\n[consents]\n"Email Marketing" = "EM"\n')
    with pytest.raises(Invalid, match="email_marketing"):
        load_mapping(spec)


def test_erasing_and_merging_customers_carry_their_consents(app, db) -> None:
    ws = make_workspace(db, "c4")
    wh = app.state.warehouse
    send(wh, ws.id, [page("r1", "2026-04-01T10:00:00Z", {"surveys": True})])
    customer = wh.sql("SELECT customer_id FROM customer_identities WHERE value = 'u-1'")[0][0]
    counts = wh.delete_customer(ws.id, customer)
    assert counts["consents"] == 1
    assert wh.sql("SELECT count(*) FROM consents WHERE workspace_id = ?", [ws.id])[0][0] == 0
