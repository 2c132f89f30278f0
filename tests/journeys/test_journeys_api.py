"""Personas, journeys, stages, touchpoints and items through /api/v1: CRUD, reorder, history, import/export."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tajriba.accounts import service as accounts
from tests.conftest import make_workspace


@pytest.fixture
def api(app, db, client):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "shop")
    other = make_workspace(db, "other")
    keys = {
        "analyst": accounts.create_key(db, workspace=ws, kind="api", name="a", role="analyst")[1],
        "viewer": accounts.create_key(db, workspace=ws, kind="api", name="v", role="viewer")[1],
        "other": accounts.create_key(db, workspace=other, kind="api", name="o", role="admin")[1],
    }
    db.commit()

    def call(method: str, path: str, who: str = "analyst", **kw):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {keys[who]}", **kw.pop("headers", {})}
        return client.request(method, path, headers=headers, **kw)

    return call


JOURNEY = {
    "name": "Online shopping",
    "names": {"ar": "التسوق الإلكتروني"},
    "status": "current",
    "persona_keys": ["busy_parent"],
    "stages": [
        {"key": "awareness", "name": "Awareness"},
        {"key": "purchase", "name": "Purchase", "names": {"ar": "الشراء"}},
    ],
}
PERSONA = {
    "key": "busy_parent",
    "name": "Busy parent",
    "names": {"ar": "والد مشغول"},
    "goals": ["Save time"],
    "channels": ["app", "whatsapp"],
    "desired_experience": "Calm and in control",
    "segment_rule": {
        "all": [
            {"field": "city", "op": "eq", "value": "Riyadh"},
            {"field": "orders", "op": "gte", "value": 2},
        ]
    },
}


def _journey(api) -> dict:  # type: ignore[no-untyped-def]
    assert api("POST", "/api/v1/personas", json=PERSONA).status_code == 201
    r = api("POST", "/api/v1/journeys", json=JOURNEY)
    assert r.status_code == 201, r.text
    j = r.json()
    for key, stage, extra in [
        ("ads", "awareness", {"channel": "social", "direct": False, "business_purpose": "inspire"}),
        ("checkout", "purchase", {"channel": "web", "targets": {"csat": 4.3, "ces": {"min": 5.5}}}),
        ("payment", "purchase", {"channel": "web", "business_purpose": "receive_payment"}),
    ]:
        body = {"key": key, "name": key.title(), "stage_key": stage, **extra}
        r = api("POST", f"/api/v1/touchpoints?journey_id={j['id']}", json=body)
        assert r.status_code == 201, r.text
    return api("GET", f"/api/v1/journeys/{j['id']}").json()


def test_create_read_update_and_delete_a_journey_with_its_touchpoints(api) -> None:  # type: ignore[no-untyped-def]
    j = _journey(api)
    assert [s["key"] for s in j["stages"]] == ["awareness", "purchase"]
    assert [t["key"] for t in j["stages"][1]["touchpoints"]] == ["checkout", "payment"]
    assert j["persona_keys"] == ["busy_parent"]
    checkout = j["stages"][1]["touchpoints"][0]
    assert checkout["targets"] == {"csat": 4.3, "ces": {"min": 5.5}}
    r = api(
        "PATCH", f"/api/v1/touchpoints/{checkout['id']}", json={"owner_team": "Payments", "unnecessary": True}
    )
    assert r.status_code == 200 and r.json()["changed"] == ["owner_team", "unnecessary"]
    r = api("PATCH", f"/api/v1/touchpoints/{checkout['id']}", json={"owner_team": "Payments"})
    assert r.json()["changed"] == []
    item = api(
        "POST",
        f"/api/v1/touchpoints/{checkout['id']}/items",
        json={"kind": "pain_point", "text": "Card declined twice"},
    )
    assert item.status_code == 201 and item.json()["status"] == "open"
    assert (
        api("PATCH", f"/api/v1/touchpoint-items/{item.json()['id']}", json={"status": "in_progress"}).json()[
            "status"
        ]
        == "in_progress"
    )
    assert (
        api("GET", f"/api/v1/touchpoints/{checkout['id']}").json()["items"][0]["text"]
        == "Card declined twice"
    )
    listed = api("GET", f"/api/v1/touchpoints?journey_id={j['id']}").json()["touchpoints"]
    assert [t["key"] for t in listed] == ["ads", "checkout", "payment"]
    assert api("DELETE", f"/api/v1/touchpoints/{checkout['id']}").status_code == 204
    assert api("GET", f"/api/v1/touchpoints/{checkout['id']}").status_code == 404
    assert api("PATCH", f"/api/v1/journeys/{j['id']}", json={"status": "archived"}).json()["changed"] == [
        "status"
    ]
    assert api("DELETE", f"/api/v1/journeys/{j['id']}").status_code == 204
    assert api("GET", f"/api/v1/journeys/{j['id']}").status_code == 404


def test_drag_to_reorder_moves_touchpoints_between_stages_and_stages_within_the_journey(api) -> None:  # type: ignore[no-untyped-def]
    j = _journey(api)
    awareness, purchase = j["stages"]
    ads, checkout, payment = [t["id"] for s in j["stages"] for t in s["touchpoints"]]
    r = api(
        "PUT",
        f"/api/v1/journeys/{j['id']}/stages/{purchase['id']}/touchpoint-order",
        json={"ids": [payment, ads, checkout]},
    )
    assert r.status_code == 200, r.text
    stages = r.json()["stages"]
    assert [t["key"] for t in stages[1]["touchpoints"]] == ["payment", "ads", "checkout"]
    assert stages[0]["touchpoints"] == []
    r = api("PUT", f"/api/v1/journeys/{j['id']}/stage-order", json={"ids": [purchase["id"], awareness["id"]]})
    assert [s["key"] for s in r.json()["stages"]] == ["purchase", "awareness"]
    bad = api("PUT", f"/api/v1/journeys/{j['id']}/stage-order", json={"ids": [purchase["id"]]})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "ids"


def test_every_change_is_in_the_journey_history_with_old_and_new_values(api) -> None:  # type: ignore[no-untyped-def]
    j = _journey(api)
    checkout = j["stages"][1]["touchpoints"][0]
    api("PATCH", f"/api/v1/touchpoints/{checkout['id']}", json={"channel": "app"})
    history = api("GET", f"/api/v1/journeys/{j['id']}/history").json()["history"]
    assert history[0]["action"] == "touchpoint.update"
    assert history[0]["details"]["changes"] == {"channel": ["web", "app"]}
    assert history[0]["actor_key_id"] is not None
    assert [h["action"] for h in history][-1] == "journey.create"
    assert sum(h["action"] == "touchpoint.create" for h in history) == 3


def test_bad_input_names_the_field_and_writes_nothing(api) -> None:  # type: ignore[no-untyped-def]
    j = _journey(api)
    r = api(
        "POST",
        f"/api/v1/touchpoints?journey_id={j['id']}",
        json={"key": "x", "name": "X", "stage_key": "awareness", "channel": "pigeon"},
    )
    assert (
        r.status_code == 422
        and "channel" in r.json()["error"]["field"]
        and "pigeon" in r.json()["error"]["message"]
    )
    r = api(
        "POST",
        f"/api/v1/touchpoints?journey_id={j['id']}",
        json={"key": "y", "name": "Y", "stage_key": "awareness", "targets": {"happiness": 5}},
    )
    assert r.status_code == 422 and "happiness" in r.json()["error"]["message"]
    r = api(
        "POST",
        f"/api/v1/touchpoints?journey_id={j['id']}",
        json={"key": "ads", "name": "Again", "stage_key": "awareness"},
    )
    assert r.status_code == 409 and r.json()["error"]["field"] == "key"
    r = api(
        "POST",
        f"/api/v1/touchpoints?journey_id={j['id']}",
        json={"key": "z", "name": "Z", "stage_key": "nowhere"},
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "stage_key"
    purchase = j["stages"][1]
    r = api("DELETE", f"/api/v1/journeys/{j['id']}/stages/{purchase['id']}")
    assert r.status_code == 409
    r = api(
        "POST",
        "/api/v1/personas",
        json={**PERSONA, "key": "p2", "segment_rule": {"field": "shoe_size", "op": "eq", "value": 1}},
    )
    assert r.status_code == 422 and "shoe_size" in r.json()["error"]["message"]
    after = api("GET", f"/api/v1/journeys/{j['id']}").json()
    assert sum(len(s["touchpoints"]) for s in after["stages"]) == 3


def test_viewers_read_but_cannot_write_and_other_workspaces_see_nothing(api) -> None:  # type: ignore[no-untyped-def]
    j = _journey(api)
    assert api("GET", f"/api/v1/journeys/{j['id']}", who="viewer").status_code == 200
    assert api("PATCH", f"/api/v1/journeys/{j['id']}", who="viewer", json={"name": "x"}).status_code == 403
    assert api("POST", "/api/v1/personas", who="viewer", json={**PERSONA, "key": "v"}).status_code == 403
    assert api("GET", f"/api/v1/journeys/{j['id']}", who="other").status_code == 404
    tp = j["stages"][0]["touchpoints"][0]["id"]
    assert api("PATCH", f"/api/v1/touchpoints/{tp}", who="other", json={"name": "hijack"}).status_code == 404
    assert api("GET", "/api/v1/journeys", who="other").json()["journeys"] == []


def test_json_export_imports_into_another_workspace_unchanged(api) -> None:  # type: ignore[no-untyped-def]
    j = _journey(api)
    checkout = j["stages"][1]["touchpoints"][0]
    api(
        "POST",
        f"/api/v1/touchpoints/{checkout['id']}/items",
        json={"kind": "opportunity", "text": "Apple Pay"},
    )
    exported = api("GET", f"/api/v1/journeys/{j['id']}/export").content
    r = api(
        "POST",
        "/api/v1/journeys/import",
        who="other",
        content=exported,
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text
    again = api("GET", f"/api/v1/journeys/{r.json()['id']}/export", who="other").content
    assert again == exported
    # into the same workspace: keys in use get a suffix, reported
    r = api("POST", "/api/v1/journeys/import", content=exported, headers={"Content-Type": "application/json"})
    assert r.json()["renamed_keys"] == {"ads": "ads-2", "checkout": "checkout-2", "payment": "payment-2"}


def test_spreadsheet_round_trip_and_a_bad_row_names_sheet_row_and_column(api) -> None:  # type: ignore[no-untyped-def]
    j = _journey(api)
    xlsx = api("GET", f"/api/v1/journeys/{j['id']}/export?format=xlsx").content
    wb = load_workbook(io.BytesIO(xlsx))
    header = [c.value for c in wb["touchpoints"][1]]
    rows = [[c.value for c in r] for r in wb["touchpoints"].iter_rows(min_row=2)]
    assert [r[header.index("key")] for r in rows] == ["ads", "checkout", "payment"]
    assert rows[1][header.index("target_csat")] == 4.3 and rows[1][header.index("target_ces")] == "min 5.5"
    ct = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    r = api("POST", "/api/v1/journeys/import", who="other", content=xlsx, headers=ct)
    assert r.status_code == 201, r.text
    imported = r.json()
    assert [t["key"] for s in imported["stages"] for t in s["touchpoints"]] == ["ads", "checkout", "payment"]
    assert imported["stages"][1]["touchpoints"][0]["targets"] == {"csat": 4.3, "ces": {"min": 5.5}}
    assert imported["stages"][1]["names"] == {"ar": "الشراء"}

    wb["touchpoints"].cell(row=3, column=header.index("target_csat") + 1, value="very high")
    out = io.BytesIO()
    wb.save(out)
    before = api("GET", "/api/v1/journeys", who="other").json()["journeys"]
    r = api("POST", "/api/v1/journeys/import", who="other", content=out.getvalue(), headers=ct)
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("sheet 'touchpoints', row 3, column target_csat")
    assert api("GET", "/api/v1/journeys", who="other").json()["journeys"] == before


def test_stages_touchpoints_and_personas_get_keys_nobody_had_to_invent(client, db) -> None:  # type: ignore[no-untyped-def]
    import re

    from sqlalchemy import select

    from tajriba.models import Persona, Stage, Touchpoint
    from tests.conftest import csrf_from, login, make_user

    ws = make_workspace(db, "keys")
    login(client, make_user(db, workspace=ws, role="analyst", locale="ar"))
    token = csrf_from(client, "/w/keys/journeys")
    r = client.post("/w/keys/journeys", data={"csrf_token": token, "name": "رحلة الشراء"})
    journey_id = int(re.search(r"/journeys/(\d+)", r.headers["location"]).group(1))  # type: ignore[union-attr]
    for name in ("الاكتشاف", "الشراء"):
        r = client.post(f"/w/keys/journeys/{journey_id}/stages", data={"csrf_token": token, "name": name})
        assert r.status_code == 303, r.text[:300]
    stages = db.scalars(select(Stage).where(Stage.journey_id == journey_id).order_by(Stage.position)).all()
    assert [s.key for s in stages][-2:] == ["stage", "stage-2"]
    for name_en in ("Courier delivery", "Courier delivery", ""):
        r = client.post(
            f"/w/keys/journeys/{journey_id}/touchpoints/new",
            data={"csrf_token": token, "name": "التوصيل", "name_ar": "التوصيل", "name_en": name_en,
                  "stage_id": str(stages[-1].id), "channel": "delivery"},
        )  # fmt: skip
        assert r.status_code == 303, r.text[:500]
    db.rollback()  # a fresh read: the requests committed in their own sessions
    keys = sorted(db.scalars(select(Touchpoint.key).where(Touchpoint.workspace_id == ws.id)))
    assert keys == ["courier-delivery", "courier-delivery-2", "touchpoint"]
    r = client.post("/w/keys/personas/new", data={"csrf_token": token, "name": "Mona", "name_ar": "منى"})
    assert r.status_code == 303
    db.rollback()
    assert db.scalar(select(Persona.key).where(Persona.workspace_id == ws.id)) == "mona"
