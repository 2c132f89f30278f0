"""The public request form with its code by e-mail (a real SMTP server), the agent's page for oral requests and
the privacy team's page, in Arabic (right to left) and English; who may open which."""

from __future__ import annotations

import re

import pandas as pd
from fastapi.testclient import TestClient
from sqlalchemy import select

from tajriba.models import DataSubjectRequest
from tests.conftest import csrf_from, login, make_user, make_workspace


def test_a_person_asks_through_the_public_form_and_confirms_with_the_code(
    app, client: TestClient, db, smtp
) -> None:  # type: ignore[no-untyped-def]
    port, inbox = smtp
    settings = app.state.settings
    settings.smtp_host, settings.smtp_port, settings.smtp_security = "127.0.0.1", port, "none"
    ws = make_workspace(db, "shop", name="متجر الورد")
    app.state.warehouse.upsert("customers", pd.DataFrame({"workspace_id": [ws.id], "customer_id": ["c-77"],
                                                          "email": ["layla@example.sa"]}))  # fmt: skip
    page = client.get("/privacy/shop/request?lang=ar")
    assert page.status_code == 200 and 'dir="rtl"' in page.text and "متجر الورد" in page.text
    assert 'dir="ltr"' in client.get("/privacy/shop/request?lang=en").text
    assert client.get("/privacy/nowhere/request").status_code == 404
    bad = client.post(
        "/privacy/shop/request", data={"kind": "erasure", "contact": "not a contact", "lang": "en"}
    )
    assert bad.status_code == 422 and "e-mail address or a mobile number" in bad.text
    sent = client.post("/privacy/shop/request", data={"kind": "erasure", "contact": "layla@example.sa",
                                                      "details": "أرجو حذف بياناتي", "lang": "ar"})  # fmt: skip
    assert sent.status_code == 303, sent.text[:300]
    link = sent.headers["location"]
    (message,) = inbox.messages
    assert message["X-Rcpt"] == "layla@example.sa" and message["Content-Language"] == "ar"
    code = re.search(r"\b(\d{6})\b", message.get_payload(decode=True).decode()).group(1)  # type: ignore[union-attr]
    request = db.scalars(select(DataSubjectRequest)).one()
    assert request.status == "unverified" and request.channel == "web" and request.customer_id is None
    assert code not in str(request.code_hash) and link.split("/")[-1].split("?")[0] not in str(
        request.ticket_hash
    )

    wrong = client.post(link.split("?")[0], data={"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422 and "4" in wrong.text
    right = client.post(link.split("?")[0], data={"code": code, "lang": "ar"})
    assert right.status_code == 200 and 'id="verified"' in right.text
    db.rollback()  # end the test's read snapshot
    request = db.scalars(select(DataSubjectRequest)).one()
    assert request.status == "verified" and request.verified_at and request.customer_id == "c-77"
    assert client.get("/privacy/shop/request/not-a-ticket").status_code == 404


def test_the_agent_notes_an_oral_request_and_the_team_sees_the_queue(app, client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "shop")
    agent = make_user(db, workspace=ws, role="agent")
    admin = make_user(db, workspace=ws, role="admin")
    login(client, agent)
    token = csrf_from(client, "/w/shop/privacy/new")
    assert client.get("/w/shop/privacy").status_code == 403  # the queue is the privacy team's
    noted = client.post("/w/shop/privacy/requests", data={"csrf_token": token, "kind": "access", "channel": "agent",
                                                          "contact": "+966 55 123 4567", "language": "ar"})  # fmt: skip
    assert noted.status_code == 303 and "done=" in noted.headers["location"]
    refused = client.post("/w/shop/privacy/requests", data={"csrf_token": token, "kind": "forget-me"})
    assert "error=" in refused.headers["location"]
    client.cookies.clear()
    login(client, admin)
    page = client.get("/w/shop/privacy")
    assert page.status_code == 200
    assert len(re.findall(r'data-request="\d+"', page.text)) == 1
    token = csrf_from(client, "/w/shop/privacy")
    held = client.post("/w/shop/privacy/holds", data={"csrf_token": token, "customer_id": "c-1",
                                                      "reason": "court case 9/2026 pending"})  # fmt: skip
    assert "done=hold" in held.headers["location"]
    breach = client.post("/w/shop/privacy/breaches", data={"csrf_token": token, "title": "Lost laptop",
                                                           "description": "A laptop with exports was stolen"})  # fmt: skip
    assert "done=breach" in breach.headers["location"]
    kept = client.post("/w/shop/privacy/retention", data={"csrf_token": token, "events": "36", "tickets": ""})
    assert "done=retention" in kept.headers["location"]
    page = client.get("/w/shop/privacy").text
    assert 'data-clock="on_time"' in page and "court case 9/2026 pending" in page and 'value="36"' in page
