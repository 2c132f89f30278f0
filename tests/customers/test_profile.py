"""Customer profile API and page: search in Arabic or Latin script, timeline, masking, merged profiles."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tajriba.accounts import service as accounts
from tajriba.customers.identity import IdentityPolicy
from tajriba.customers.service import fold_arabic
from tajriba.ingest.segment import parse_request
from tajriba.ingest.writer import WorkspaceRules, store
from tests.conftest import login, make_user, make_workspace

T = datetime(2026, 3, 1, 10, 0)


@pytest.fixture
def shop(app, db):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "shop")
    wh = app.state.warehouse
    body = {
        "batch": [
            {
                "type": "identify",
                "userId": "u-ahmad",
                "anonymousId": "anon-1",
                "messageId": "m1",
                "timestamp": "2026-03-01T09:00:00+03:00",
                "traits": {
                    "name": "أحمد الغامدي",
                    "email": "Ahmad@Example.com",
                    "phone": "0501234567",
                    "plan": "gold",
                },
            },
            {
                "type": "track",
                "anonymousId": "anon-1",
                "event": "Product Viewed",
                "messageId": "m2",
                "timestamp": "2026-03-01T08:00:00+03:00",
                "properties": {"name": "عطر"},
            },
            {
                "type": "identify",
                "userId": "u-sara",
                "messageId": "m3",
                "timestamp": "2026-03-02T09:00:00+03:00",
                "traits": {"name": "سارا احمدی", "email": "sara@example.com"},
            },
        ]
    }
    parsed, _ = parse_request(
        orjson.dumps(body), path_type=None, received_at=datetime(2026, 3, 3, tzinfo=UTC)
    )
    store(wh, workspace_id=ws.id, batch=parsed.table(), rules=WorkspaceRules(policy=IdentityPolicy()))
    ahmad = wh.sql("SELECT customer_id FROM customer_identities WHERE value = 'u-ahmad'")[0][0]
    wh.append(
        "orders",
        pd.DataFrame(
            {
                "workspace_id": [ws.id],
                "order_id": ["o-1"],
                "customer_id": [ahmad],
                "currency": ["SAR"],
                "amount": [250.0],
                "ordered_at": [T],
                "status": ["delivered"],
            }
        ),
    )
    wh.append(
        "survey_responses",
        pd.DataFrame(
            {
                "workspace_id": [ws.id],
                "response_id": ["r-1"],
                "customer_id": [ahmad],
                "metric": ["csat"],
                "score": [2.0],
                "submitted_at": [T.replace(hour=12)],
                "comment": ["التوصيل تأخر"],
            }
        ),
    )
    wh.append(
        "tickets",
        pd.DataFrame(
            {
                "workspace_id": [ws.id],
                "ticket_id": ["t-1"],
                "customer_id": [ahmad],
                "created_at": [T.replace(hour=13)],
                "subject": ["تأخر التوصيل"],
                "is_complaint": [True],
            }
        ),
    )
    keys = {}
    for role in ("admin", "analyst"):
        keys[role] = accounts.create_key(db, workspace=ws, kind="api", name=role, role=role)[1]
    db.commit()
    return {"ws": ws, "ahmad": ahmad, "keys": keys}


def api(client: TestClient, key: str, path: str) -> dict:
    response = client.get(path, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_arabic_spelling_variants_fold_together() -> None:
    assert fold_arabic("أحمد") == fold_arabic("احمد") == fold_arabic("أَحْمَد")
    assert fold_arabic("مدرسة") == fold_arabic("مدرسه")
    assert fold_arabic("علي") == fold_arabic("على")


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("احمد", True),
        ("أحمد الغامدي", True),
        ("AHMAD@example.com", True),
        ("٠٥٠١٢٣٤٥٦٧", True),
        ("+966 50 123 4567", True),
        ("anon-1", True),
        ("u-ahmad", True),
        ("سارا", False),
        ("nobody", False),
    ],
)
def test_search_finds_a_customer_by_any_name_spelling_email_phone_or_identifier(
    client, shop, query, found
) -> None:
    result = api(client, shop["keys"]["admin"], f"/api/v1/customers?search={query}")
    ids = [c["customer_id"] for c in result["customers"]]
    assert (shop["ahmad"] in ids) is found


def test_profile_has_traits_identities_and_a_timeline_newest_first(client, shop) -> None:
    profile = api(client, shop["keys"]["admin"], f"/api/v1/customers/{shop['ahmad']}")
    assert profile["name"] == "أحمد الغامدي" and profile["email"] == "ahmad@example.com"
    assert profile["phone"] == "+966501234567" and profile["traits"]["plan"] == "gold"
    kinds = {(i["kind"], i["value"]) for i in profile["identities"]}
    assert {
        ("user_id", "u-ahmad"),
        ("anonymous_id", "anon-1"),
        ("email", "ahmad@example.com"),
        ("phone", "+966501234567"),
    } <= kinds
    assert profile["summary"]["orders"] == 1 and profile["summary"]["events"] == 2
    tl = api(client, shop["keys"]["admin"], f"/api/v1/customers/{shop['ahmad']}/timeline?per_page=3")
    assert [i["kind"] for i in tl["items"]] == ["ticket", "response", "order"] and tl["more"] is True
    rest = api(client, shop["keys"]["admin"], f"/api/v1/customers/{shop['ahmad']}/timeline?per_page=3&page=2")
    assert [i["kind"] for i in rest["items"]] == ["event", "event"] and rest["more"] is False
    assert [i["title"] for i in rest["items"]] == ["identify", "Product Viewed"]


def test_roles_without_pii_read_see_masked_contact_details(client, shop) -> None:
    profile = api(client, shop["keys"]["analyst"], f"/api/v1/customers/{shop['ahmad']}")
    assert profile["email"] == "a•••@example.com" and profile["phone"] == "+966•••567"
    assert "ahmad@example.com" not in orjson.dumps(profile).decode()
    listed = api(client, shop["keys"]["analyst"], "/api/v1/customers")
    assert all("•••" in (c["email"] or "•••") for c in listed["customers"])


def test_unknown_customers_are_404(client, shop) -> None:
    response = client.get(
        "/api/v1/customers/nope", headers={"Authorization": f"Bearer {shop['keys']['admin']}"}
    )
    assert response.status_code == 404 and response.json()["error"]["field"] == "customer_id"


def test_customer_page_shows_the_timeline_and_admins_can_undo_a_merge(app, client, db, shop) -> None:
    from tests.conftest import csrf_from

    wh, ws_id = app.state.warehouse, shop["ws"].id
    for batch in (
        [{"type": "track", "anonymousId": "tablet-9", "event": "Cart Viewed", "messageId": "m9"}],
        [{"type": "identify", "userId": "u-ahmad", "anonymousId": "tablet-9", "messageId": "m10"}],
    ):
        parsed, _ = parse_request(
            orjson.dumps({"batch": batch}), path_type=None, received_at=datetime(2026, 3, 4, tzinfo=UTC)
        )
        store(wh, workspace_id=ws_id, batch=parsed.table(), rules=WorkspaceRules(policy=IdentityPolicy()))
    user = make_user(db, workspace=shop["ws"], role="admin")
    login(client, user)
    page = client.get(f"/w/shop/customers/{shop['ahmad']}")
    assert page.status_code == 200
    assert "أحمد الغامدي" in page.text and "التوصيل تأخر" in page.text and 'data-kind="ticket"' in page.text
    assert "tablet-9" in page.text and "/undo" in page.text
    assert shop["ahmad"] in client.get("/w/shop/customers?q=احمد").text
    merge_id = wh.sql("SELECT merge_id FROM identity_merges")[0][0]
    token = csrf_from(client, f"/w/shop/customers/{shop['ahmad']}")
    assert (
        client.post(f"/w/shop/customers/merges/{merge_id}/undo", data={"csrf_token": token}).status_code
        == 303
    )
    owner = wh.sql("SELECT customer_id FROM customer_identities WHERE value = 'tablet-9'")[0][0]
    assert owner != shop["ahmad"]
    assert client.get(f"/w/shop/customers/{owner}").status_code == 200
    viewer = make_user(db, workspace=shop["ws"], role="analyst")
    client.cookies.clear()
    login(client, viewer)
    assert "/undo" not in client.get(f"/w/shop/customers/{shop['ahmad']}").text
