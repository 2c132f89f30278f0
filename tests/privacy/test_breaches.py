"""The breach register: the 72-hour clock from awareness, the warning to owners and admins 24 hours before (once),
the facts a notice needs and which are missing, drafts to the authority and the people affected in Arabic and
English, and who may see the register."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tajriba.accounts import service as accounts
from tajriba.i18n import speaking
from tajriba.models import Notification
from tajriba.privacy import breaches
from tests.conftest import make_user, make_workspace


def _keys(db, ws) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    keys = {
        r: accounts.create_key(db, workspace=ws, kind="api", name=r, role=r)[1] for r in ("admin", "analyst")
    }
    db.commit()
    return {r: {"Authorization": f"Bearer {k}"} for r, k in keys.items()}


def test_the_clock_the_warning_and_the_drafts(app, client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "shop", name="متجر الورد")
    owner = make_user(db, workspace=ws, role="owner")
    admin = make_user(db, workspace=ws, role="admin")
    analyst = make_user(db, workspace=ws, role="analyst")
    keys = _keys(db, ws)
    aware = datetime.now(UTC) - timedelta(hours=50)
    body = {"title": "تسريب ملف العملاء", "description": "ملف تصدير العملاء أُرسل إلى عنوان بريد خاطئ",
            "aware_at": aware.isoformat(), "categories": ["names", "phones"], "subjects_count": 1200}  # fmt: skip
    assert client.post("/api/v1/privacy/breaches", json=body, headers=keys["analyst"]).status_code == 403
    made = client.post("/api/v1/privacy/breaches", json=body, headers=keys["admin"])
    assert made.status_code == 201, made.text
    breach = made.json()
    assert datetime.fromisoformat(breach["due_at"]) == aware + timedelta(hours=72)
    assert breach["clock"] == "at_risk" and 21.9 < breach["hours_left"] < 22.1
    assert breach["missing"] == ["consequences", "measures", "contact"]
    future = client.post("/api/v1/privacy/breaches", headers=keys["admin"],
                         json={**body, "aware_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()})  # fmt: skip
    assert future.status_code == 422 and "aware_at" in future.text
    fresh = client.post(
        "/api/v1/privacy/breaches", json={**body, "aware_at": None}, headers=keys["admin"]
    ).json()
    assert fresh["clock"] == "on_time"

    assert breaches.escalate(db) == 1  # the one under 24 hours; the fresh one waits
    db.commit()
    told = db.scalars(select(Notification).where(Notification.kind == "breach_due")).all()
    assert sorted(n.user_id for n in told) == sorted([owner.id, admin.id]) and analyst.id not in {
        n.user_id for n in told
    }
    assert all(n.urgent and "تسريب ملف العملاء" in n.text for n in told)
    assert breaches.escalate(db) == 0  # once
    assert breaches.escalate(db, now=datetime.now(UTC) + timedelta(hours=49)) == 1  # the fresh one's turn
    db.commit()

    draft = client.get(f"/api/v1/privacy/breaches/{breach['id']}/draft?audience=authority&language=en",
                       headers=keys["admin"]).json()  # fmt: skip
    assert "Saudi Data & AI Authority" in draft["subject"] + draft["body"]
    assert "1200" in draft["body"] and "names، phones" in draft["body"]
    assert "[to be completed: Likely consequences]" in draft["body"]
    filled = {"consequences": "قد يتلقى العملاء رسائل احتيال", "measures": "أبلغنا المستلم بحذف الملف",
              "contact": "dpo@example.sa", "authority_notified_at": datetime.now(UTC).isoformat()}  # fmt: skip
    answer = client.patch(f"/api/v1/privacy/breaches/{breach['id']}", json=filled, headers=keys["admin"])
    assert answer.status_code == 200, answer.text
    updated = answer.json()
    assert updated["missing"] == [] and updated["status"] == "notified" and updated["clock"] == "notified"
    arabic = client.get(f"/api/v1/privacy/breaches/{breach['id']}/draft?audience=subjects&language=ar",
                        headers=keys["admin"]).json()  # fmt: skip
    with speaking("ar"):
        from tajriba.i18n import _

        assert _("What we have done") != "What we have done"  # translated
        assert _("What we have done") in arabic["body"]
    assert "أبلغنا المستلم بحذف الملف" in arabic["body"] and "متجر الورد" in arabic["body"]
    assert "to be completed" not in arabic["body"]
    listed = client.get("/api/v1/privacy/breaches", headers=keys["admin"]).json()
    assert [b["id"] for b in listed] == [fresh["id"], breach["id"]]  # the open one first, then the notified
