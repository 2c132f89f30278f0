"""Records of processing: generated from the purposes the workspace registered and its retention rules,
exportable as JSON and CSV; a retired purpose stays five years; explicit consent cannot rest on legitimate
interest; only the privacy team reads them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tajriba.accounts import service as accounts
from tajriba.privacy import records
from tests.conftest import make_workspace


def test_the_records_follow_the_registered_purposes(app, client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "shop", name="متجر الورد")
    ws.settings = {**(ws.settings or {}), "privacy": {"dpo_contact": "dpo@example.sa"}}
    keys = {
        r: accounts.create_key(db, workspace=ws, kind="api", name=r, role=r)[1] for r in ("admin", "analyst")
    }
    db.commit()
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    surveys = {"key": "surveys", "name": "استبيانات رضا العملاء", "lawful_basis": "consent",
               "data_categories": ["contact", "answers"], "subject_categories": ["customers"],
               "recipients": ["support team"], "retention": "24 months"}  # fmt: skip
    made = client.post("/api/v1/privacy/purposes", json=surveys, headers=admin)
    assert made.status_code == 201, made.text
    assert client.post("/api/v1/privacy/purposes", json=surveys, headers=admin).status_code == 409
    health = {
        "key": "health",
        "name": "Health notes",
        "lawful_basis": "legitimate_interest",
        "explicit": True,
    }
    refused = client.post("/api/v1/privacy/purposes", json=health, headers=admin)
    assert refused.status_code == 422 and "legitimate interest" in refused.text
    fraud = {"key": "fraud", "name": "Fraud checks", "lawful_basis": "legitimate_interest",
             "transfers": ["AE: SDAIA standard contractual clauses"]}  # fmt: skip
    fraud_id = client.post("/api/v1/privacy/purposes", json=fraud, headers=admin).json()["id"]
    client.put("/api/v1/privacy/retention", json={"months": {"feedback_text": 24}}, headers=admin)
    retired = client.patch(
        f"/api/v1/privacy/purposes/{fraud_id}", json={"retired": True}, headers=admin
    ).json()
    assert retired["retired_at"] is not None

    doc = client.get("/api/v1/privacy/records", headers=admin).json()
    assert doc["controller"] == {"name": "متجر الورد", "contact": "dpo@example.sa"}
    assert doc["retention_months"] == {"feedback_text": 24}
    assert [p["key"] for p in doc["purposes"]] == ["fraud", "surveys"]  # the retired one is still there
    assert doc["purposes"][0]["retired"] and doc["purposes"][0]["transfers_abroad"] == fraud["transfers"]
    table = client.get("/api/v1/privacy/records.csv", headers=admin)
    assert table.status_code == 200 and table.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert rows[1]["name"] == "استبيانات رضا العملاء" and rows[1]["data_categories"] == "contact; answers"
    later = records.document(db, workspace_id=ws.id, now=datetime.now(UTC) + timedelta(days=5 * 366))
    assert [p["key"] for p in later["purposes"]] == ["surveys"]  # five years after retiring it leaves
    analyst = {"Authorization": f"Bearer {keys['analyst']}"}
    assert client.get("/api/v1/privacy/records", headers=analyst).status_code == 403
