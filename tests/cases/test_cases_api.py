"""The cases API and pages: who sees which case, the whole loop over HTTP, pages in Arabic and English."""

from __future__ import annotations

from sqlalchemy import func, select

from tajriba.accounts import service as accounts
from tajriba.models import Case, Team, TeamMember
from tests.conftest import csrf_from, login, make_user, make_workspace


def key(db, ws, role: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    secret = accounts.create_key(db, workspace=ws, kind="api", name=role, role=role)[1]
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_loop_over_the_api(client, db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    h = key(db, ws, "admin")
    made = client.post(
        "/api/v1/cases",
        headers=h,
        json={"subject": "طلبي تأخر", "customer_id": "c1", "team_id": shop["team"].id, "priority": "high"},
    )
    assert made.status_code == 201, made.text
    case = made.json()
    assert case["status"] == "new" and case["owner_id"] is not None and case["sla_state"] == "ok"
    cid = case["id"]
    r = client.post(
        f"/api/v1/cases/{cid}/notes", headers=h, json={"kind": "message", "body": "نعتذر", "channel": "chat"}
    )
    assert r.status_code == 201
    r = client.post(f"/api/v1/cases/{cid}/transitions", headers=h, json={"status": "waiting"})
    assert r.json()["status"] == "waiting" and r.json()["resolution_due_at"] is None
    r = client.post(f"/api/v1/cases/{cid}/transitions", headers=h, json={"status": "resolved"})
    assert r.status_code == 422 and "root cause" in r.json()["error"]["message"]
    causes = client.get("/api/v1/cases", headers=h)
    assert causes.json()["total"] == 1
    from tajriba.cases import root_causes

    cause = root_causes.root_causes(db, workspace_id=ws.id)[0]
    db.commit()
    r = client.post(
        f"/api/v1/cases/{cid}/transitions",
        headers=h,
        json={"status": "resolved", "root_cause_id": cause.id, "action_taken": "Refund"},
    )
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    detail = client.get(f"/api/v1/cases/{cid}", headers=h).json()
    assert [e["kind"] for e in detail["timeline"]][:2] == ["status", "sla"]
    assert {e["data"].get("event") for e in detail["timeline"] if e["kind"] == "sla"} >= {
        "started",
        "paused",
        "fulfilled",
    }
    r = client.post(f"/api/v1/cases/{cid}/transitions", headers=h, json={"status": "new"})
    assert r.status_code == 422 and "cannot become new" in r.json()["error"]["message"]
    assert client.get("/api/v1/cases/report", headers=h).json()["cases"] == 1


def test_agents_see_their_own_and_their_teams_cases_only(client, db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    outsider = make_user(db, "other-team@shop.example", workspace=ws, role="agent")
    other = Team(workspace_id=ws.id, name="Billing")
    db.add(other)
    db.flush()
    db.add(TeamMember(workspace_id=ws.id, team_id=other.id, user_id=outsider.id))
    theirs = Case(workspace_id=ws.id, subject="billing", source="manual", team_id=other.id)
    ours = Case(workspace_id=ws.id, subject="care", source="manual", team_id=shop["team"].id)
    db.add_all([theirs, ours])
    db.commit()
    login(client, shop["agents"][0])
    assert client.get(f"/w/{ws.slug}/cases/{ours.id}").status_code == 200
    assert client.get(f"/w/{ws.slug}/cases/{theirs.id}").status_code == 404
    page = client.get(f"/w/{ws.slug}/cases?view=team").text
    assert f'data-case="{ours.id}"' in page and f'data-case="{theirs.id}"' not in page
    token = csrf_from(client, f"/w/{ws.slug}/cases")
    r = client.post(
        f"/w/{ws.slug}/cases/{theirs.id}", data={"csrf_token": token, "action": "note", "body": "x"}
    )
    assert r.status_code == 404
    # an agent may not configure rules; an analyst may
    assert client.get(f"/w/{ws.slug}/cases-setup").status_code == 200
    r = client.post(f"/w/{ws.slug}/cases-setup", data={"csrf_token": token, "what": "rule", "name": "x"})
    assert r.status_code == 403


def test_another_workspaces_case_is_404(client, db, shop) -> None:  # type: ignore[no-untyped-def]
    elsewhere = make_workspace(db, "elsewhere")
    foreign = Case(workspace_id=elsewhere.id, subject="secret", source="manual")
    db.add(foreign)
    db.commit()
    h = key(db, shop["ws"], "admin")
    assert client.get(f"/api/v1/cases/{foreign.id}", headers=h).status_code == 404
    r = client.post(f"/api/v1/cases/{foreign.id}/notes", headers=h, json={"body": "x"})
    assert r.status_code == 404
    r = client.post(
        "/api/v1/cases/bulk-assign", headers=h, json={"case_ids": [foreign.id], "owner_id": shop["lead"].id}
    )
    assert r.status_code == 404
    assert db.get(Case, foreign.id).owner_id is None


def test_case_text_is_redacted_for_roles_without_pii(client, db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    db.add(Case(workspace_id=ws.id, subject="call me on 0501234567 or sara@example.com", source="manual"))
    db.commit()
    analyst = client.get("/api/v1/cases", headers=key(db, ws, "analyst")).json()["cases"][0]
    assert "0501234567" not in analyst["subject"] and "sara@example.com" not in analyst["subject"]
    admin = client.get("/api/v1/cases", headers=key(db, ws, "admin")).json()["cases"][0]
    assert "0501234567" in admin["subject"]


def test_pages_render_in_arabic_and_english(client, db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    case = Case(
        workspace_id=ws.id, subject="المندوب تأخر", source="survey", team_id=shop["team"].id, customer_id="c1"
    )
    db.add(case)
    db.commit()
    login(client, shop["lead"])
    for locale in ("ar", "en", "fa"):
        client.cookies.set("tajriba_locale", locale)
        for path in ("/cases", f"/cases/{case.id}", "/cases-setup", "/cases/report", "/notifications"):
            r = client.get(f"/w/{ws.slug}{path}")
            assert r.status_code == 200, (path, r.text[:300])
            assert f'<html lang="{locale}" dir="{"ltr" if locale == "en" else "rtl"}">' in r.text


def test_setup_forms_create_rules_policies_calendars_and_teams(client, db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    login(client, shop["lead"])
    token = csrf_from(client, f"/w/{ws.slug}/cases-setup")
    base = f"/w/{ws.slug}/cases-setup"
    forms = [
        {
            "what": "calendar",
            "name": "Cairo",
            "timezone": "Africa/Cairo",
            "week": "sun-thu 09:00-17:00",
            "country": "EG",
            "ramadan": "10:00-15:00",
            "eid_al_fitr": "1,3",
            "eid_al_adha": "9,4",
        },
        {
            "what": "policy",
            "name": "Urgent",
            "priorities": "urgent",
            "first_response_minutes": "30",
            "resolution_minutes": "240",
            "warn_at": "80",
        },
        {
            "what": "rule",
            "name": "Angry words",
            "signal": "text",
            "sentiments": "negative",
            "use_complaint_words": "on",
            "priority": "high",
            "dedupe_days": "7",
        },
        {
            "what": "rule",
            "name": "Late deliveries",
            "signal": "text",
            "intents": ["complaint", "request_refund"],
            "complained_topics": ["delivery"],
            "priority": "high",
        },
        {
            "what": "team",
            "name": "Tier 2",
            "routing": "least_loaded",
            "capacity": "5",
            "members": str(shop["agents"][0].id),
            f"languages_{shop['agents'][0].id}": "ar",
        },
        {"what": "root_cause", "key": "courier", "label_ar": "شركة الشحن", "label_en": "Courier"},
    ]
    for form in forms:
        r = client.post(base, data={"csrf_token": token, **form})
        assert r.status_code == 303 and "error=" not in r.headers["location"], (
            form["what"],
            r.headers["location"],
        )
    bad = client.post(
        base, data={"csrf_token": token, "what": "calendar", "name": "x", "week": "sun-thu 9am-5pm"}
    )
    assert "error=" in bad.headers["location"] and "HH%3AMM" in bad.headers["location"]
    api = key(db, ws, "analyst")
    assert [c["name"] for c in client.get("/api/v1/calendars", headers=api).json()["calendars"]] == [
        "Riyadh",
        "Cairo",
    ]
    rules = client.get("/api/v1/case-rules", headers=api).json()["rules"]
    rule = next(r for r in rules if r["name"] == "Angry words")
    assert rule["conditions"]["use_complaint_words"] is True and rule["conditions"]["sentiments"] == [
        "negative"
    ]
    late = next(r for r in rules if r["name"] == "Late deliveries")["conditions"]
    assert late["intents"] == ["complaint", "request_refund"] and late["aspects"] == ["delivery:negative"]
    page = client.get(base).text  # the rule reads back in words: its intents and the topic complained about
    assert "Late deliveries" in page and "يطلب استرداد المبلغ" in page and "التوصيل والشحن: " in page
    assert db.scalar(select(Team).where(Team.name == "Tier 2")).routing == "least_loaded"


def test_pending_complaint_on_the_metrics_page_opens_one_case(client, db, shop) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    import pandas as pd

    ws = shop["ws"]
    shop["wh"].append(
        "tickets",
        pd.DataFrame(
            {
                "workspace_id": [ws.id],
                "ticket_id": ["T-77"],
                "customer_id": ["c1"],
                "subject": ["الشحنة لم تصل"],
                "is_complaint": [True],
                "created_at": [datetime(2026, 11, 30, 8)],
                "channel": ["whatsapp"],
            }
        ),
    )
    login(client, shop["lead"])
    page = client.get(f"/w/{ws.slug}/metrics").text
    assert 'name="link_id" value="T-77"' in page
    token = csrf_from(client, f"/w/{ws.slug}/metrics")
    form = {
        "csrf_token": token,
        "subject": "الشحنة لم تصل",
        "customer_id": "c1",
        "source": "ticket",
        "priority": "high",
        "link_source": "ticket",
        "link_id": "T-77",
    }
    first = client.post(f"/w/{ws.slug}/cases", data=form)
    second = client.post(f"/w/{ws.slug}/cases", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]  # the second click finds the first case
    assert db.scalar(select(func.count()).select_from(Case)) == 1


def test_alert_rules_and_webhooks_are_managed_over_the_api(client, db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    analyst, admin = key(db, ws, "analyst"), key(db, ws, "admin")
    made = client.post(
        "/api/v1/alert-rules",
        headers=analyst,
        json={"name": "NPS drop", "kind": "score_drop", "metric": "csat", "channels": ["in_app", "email"]},
    )
    assert made.status_code == 201 and made.json()["settings"]["metric"] == "csat"
    rid = made.json()["id"]
    changed = client.put(
        f"/api/v1/alert-rules/{rid}",
        headers=analyst,
        json={"name": "NPS drop", "kind": "score_drop", "metric": "nps", "days": 14},
    )
    assert changed.json()["settings"]["days"] == 14 and changed.json()["channels"] == ["in_app"]
    bad = client.post("/api/v1/alert-rules", headers=analyst, json={"name": "x", "kind": "moon_phase"})
    assert bad.status_code == 422
    assert client.delete(f"/api/v1/alert-rules/{rid}", headers=analyst).status_code == 204
    assert client.get("/api/v1/alert-rules", headers=analyst).json()["alert_rules"] == []
    # webhooks are for admins; the secret is shown once, at creation
    assert (
        client.post(
            "/api/v1/webhooks", headers=analyst, json={"name": "x", "url": "https://example.com/h"}
        ).status_code
        == 403
    )
    hook = client.post(
        "/api/v1/webhooks", headers=admin, json={"name": "CRM", "url": "https://example.com/h"}
    ).json()
    assert hook["secret"].startswith("whsec_")
    assert "secret" not in client.get("/api/v1/webhooks", headers=admin).json()["webhooks"][0]
    bad = client.post(
        "/api/v1/webhooks", headers=admin, json={"name": "x", "url": "ftp://example.com", "events": []}
    )
    assert bad.status_code == 422
    bad = client.post(
        "/api/v1/webhooks",
        headers=admin,
        json={"name": "x", "url": "https://e.com/h", "events": ["case.exploded"]},
    )
    assert bad.status_code == 422 and "case.exploded" in bad.json()["error"]["message"]
    off = client.delete(f"/api/v1/webhooks/{hook['id']}", headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False


def test_patch_with_nulls_changes_only_what_may_be_empty(client, db, shop) -> None:  # type: ignore[no-untyped-def]
    h = key(db, shop["ws"], "admin")
    cid = client.post(
        "/api/v1/cases", headers=h, json={"subject": "x", "owner_id": shop["agents"][0].id}
    ).json()["id"]
    r = client.patch(
        f"/api/v1/cases/{cid}",
        headers=h,
        json={"owner_id": None, "touchpoint_id": None, "priority": "high", "tags": None, "subject": None},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["subject"], r.json()["tags"], r.json()["priority"], r.json()["owner_id"]) == (
        "x",
        [],
        "high",
        None,
    )
