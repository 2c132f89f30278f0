"""Correction propagates (DSR-4): a corrected phone and e-mail replace the old ones on the profile, in the
identifiers search and identity resolution use, in the person's own words and in the application database;
searching by the old value finds no one."""

from __future__ import annotations

import pandas as pd
from fastapi.testclient import TestClient

from tajriba.accounts import service as accounts
from tajriba.customers import service as customers
from tajriba.models import Case, CaseEvent
from tests.conftest import make_workspace


def test_a_corrected_phone_and_email_replace_the_old_ones_everywhere(app, client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "shop")
    keys = {
        r: accounts.create_key(db, workspace=ws, kind="api", name=r, role=r)[1] for r in ("admin", "analyst")
    }
    case = Case(workspace_id=ws.id, customer_id="c-5", subject="تأخر", source="manual")
    db.add(case)
    db.flush()
    db.add(CaseEvent(workspace_id=ws.id, case_id=case.id, kind="note", body="اتصلت على 055 111 2233 ولم ترد"))
    db.commit()
    wh = app.state.warehouse
    wh.upsert("customers", pd.DataFrame({"workspace_id": [ws.id], "customer_id": ["c-5"], "name": ["نورة"],
                                         "email": ["noura.old@example.sa"], "phone": ["+966551112233"]}))  # fmt: skip
    wh.append("customer_identities", pd.DataFrame({"workspace_id": [ws.id] * 2, "kind": ["email", "phone"],
                                                   "value": ["noura.old@example.sa", "+966551112233"],
                                                   "customer_id": ["c-5"] * 2}))  # fmt: skip
    wh.append("survey_responses", pd.DataFrame({"workspace_id": [ws.id], "response_id": ["r1"], "customer_id": ["c-5"],
                                                "metric": ["nps"], "score": [4.0],
                                                "comment": ["اتصلوا على جوالي ٠٥٥١١١٢٢٣٣"],
                                                "submitted_at": [pd.Timestamp("2026-11-01")]}))  # fmt: skip
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    asked = client.post("/api/v1/privacy/requests", headers=admin,
                        json={"kind": "correction", "customer_id": "c-5", "details": "رقمي تغيّر"}).json()  # fmt: skip
    url = f"/api/v1/privacy/requests/{asked['id']}/correction"
    body = {"changes": {"phone": "055 765 4321", "email": "noura@example.sa"}}
    assert (
        client.post(url, json=body, headers={"Authorization": f"Bearer {keys['analyst']}"}).status_code == 403
    )
    assert client.post(url, json={"changes": {"phone": "12"}}, headers=admin).status_code == 422
    done = client.post(url, json=body, headers=admin)
    assert done.status_code == 200, done.text
    assert done.json()["counts"] == {
        "customers": 2,
        "customer_identities": 2,
        "survey_responses": 1,
        "case_events": 1,
    }

    def found(query: str) -> int:
        return customers.search_customers(wh, workspace_id=ws.id, query=query)[1]

    assert found("0551112233") == 0 and found("noura.old@example.sa") == 0
    assert found("+966 55 765 4321") == 1 and found("noura@example.sa") == 1
    assert sorted(r[0] for r in wh.sql("SELECT value FROM customer_identities")) == [
        "+966557654321",
        "noura@example.sa",
    ]
    assert wh.sql("SELECT comment FROM survey_responses")[0][0] == "اتصلوا على جوالي +966557654321"
    db.expire_all()
    db.rollback()
    assert "+966557654321" in db.get(CaseEvent, 1).body and "111 2233" not in db.get(CaseEvent, 1).body
    closed = client.get(f"/api/v1/privacy/requests/{asked['id']}", headers=admin).json()
    assert closed["status"] == "done"
