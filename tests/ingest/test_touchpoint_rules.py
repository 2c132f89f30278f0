"""Touchpoint rules: first match wins on ingest, the same mapping when re-applied to history."""

from __future__ import annotations

import base64
from datetime import datetime

import pandas as pd
import pytest

from tajriba.accounts import service as accounts
from tajriba.audit import Operator
from tajriba.errors import Invalid, NotFound
from tajriba.ingest import mapping
from tajriba.models import Journey, Stage, Touchpoint
from tests.conftest import make_workspace


@pytest.fixture
def shop(db):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "shop")
    journey = Journey(workspace_id=ws.id, name="J")
    db.add(journey)
    db.flush()
    stage = Stage(workspace_id=ws.id, journey_id=journey.id, key="s", name="S", position=0)
    db.add(stage)
    db.flush()
    tps = {}
    for i, key in enumerate(("checkout", "product", "whatsapp", "other")):
        tp = Touchpoint(
            workspace_id=ws.id,
            journey_id=journey.id,
            stage_id=stage.id,
            key=key,
            name=key,
            position=i,
            channel="web",
        )
        db.add(tp)
        db.flush()
        tps[key] = tp.id
    _k, write = accounts.create_key(db, workspace=ws, kind="write", name="w")
    _k, api = accounts.create_key(db, workspace=ws, kind="api", name="a", role="analyst")
    db.commit()
    return {"ws": ws, "tps": tps, "write": write, "api": api}


def send(client, key: str, batch: list[dict]) -> None:  # type: ignore[no-untyped-def]
    auth = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    assert client.post("/v1/batch", json={"batch": batch}, headers=auth).status_code == 200


def mapped(app) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    return {
        r[0]: (r[1], r[2])
        for r in app.state.warehouse.sql("SELECT message_id, touchpoint_id, channel FROM events")
    }


def test_a_rule_needs_a_condition_and_a_touchpoint_of_the_workspace(db, shop) -> None:
    admin = Operator(shop["ws"].id)
    with pytest.raises(Invalid):
        mapping.create_rule(db, workspace=shop["ws"], touchpoint_id=shop["tps"]["checkout"], actor=admin)
    other = make_workspace(db, "other")
    with pytest.raises(NotFound):
        mapping.create_rule(
            db,
            workspace=other,
            touchpoint_id=shop["tps"]["checkout"],
            event_name="x",
            actor=Operator(other.id),
        )
    with pytest.raises(Invalid):
        mapping.create_rule(
            db,
            workspace=shop["ws"],
            touchpoint_id=shop["tps"]["checkout"],
            event_type="purchase",
            actor=admin,
        )


def test_events_are_mapped_on_ingest_first_rule_wins(client, app, db, shop) -> None:
    headers = {"Authorization": f"Bearer {shop['api']}"}
    tps = shop["tps"]
    for body in (
        {
            "touchpoint_id": tps["whatsapp"],
            "property_name": "via",
            "property_value": "whatsapp",
            "channel": "whatsapp",
        },
        {"touchpoint_id": tps["checkout"], "page_path": "/checkout*"},
        {"touchpoint_id": tps["product"], "event_type": "track", "event_name": "Product *"},
        {"touchpoint_id": tps["other"], "event_type": "track", "event_name": "*"},
    ):
        assert client.post("/api/v1/touchpoint-rules", json=body, headers=headers).status_code == 201
    send(
        client,
        shop["write"],
        [
            {
                "type": "page",
                "userId": "u",
                "messageId": "p1",
                "properties": {"path": "/checkout/pay"},
                "context": {"channel": "web"},
            },
            {"type": "track", "userId": "u", "messageId": "t1", "event": "Product Viewed"},
            {
                "type": "track",
                "userId": "u",
                "messageId": "t2",
                "event": "Product Viewed",
                "properties": {"via": "whatsapp"},
            },
            {"type": "track", "userId": "u", "messageId": "t3", "event": "Signed Up"},
            {"type": "identify", "userId": "u", "messageId": "i1", "traits": {"name": "x"}},
        ],
    )
    got = mapped(app)
    assert got["p1"] == (tps["checkout"], "web")
    assert got["t1"][0] == tps["product"]
    assert got["t2"] == (tps["whatsapp"], "whatsapp")
    assert got["t3"][0] == tps["other"]
    assert got["i1"][0] is None
    listed = client.get("/api/v1/touchpoint-rules", headers=headers).json()["rules"]
    assert [r["touchpoint_id"] for r in listed] == [
        tps["whatsapp"],
        tps["checkout"],
        tps["product"],
        tps["other"],
    ]


def test_reapplying_changed_rules_remaps_history_but_not_imported_rows(client, app, db, shop) -> None:
    tps = shop["tps"]
    send(
        client,
        shop["write"],
        [
            {"type": "track", "userId": "u", "messageId": f"m{i}", "event": name}
            for i, name in enumerate(["Order Completed", "Product Viewed"])
        ],
    )
    app.state.warehouse.append(
        "events",
        pd.DataFrame(
            {
                "workspace_id": [shop["ws"].id],
                "message_id": ["imported"],
                "type": ["track"],
                "event": ["Order Completed"],
                "timestamp": [datetime(2026, 1, 1)],
                "touchpoint_id": [tps["other"]],
                "channel": ["store"],
            }
        ),
    )
    assert mapped(app)["m0"] == (None, None)
    headers = {"Authorization": f"Bearer {shop['api']}"}
    created = client.post(
        "/api/v1/touchpoint-rules",
        json={"touchpoint_id": tps["checkout"], "event_name": "Order Completed", "channel": "app"},
        headers=headers,
    ).json()
    assert client.post("/api/v1/touchpoint-rules/reapply", headers=headers).json() == {"events": 2}
    got = mapped(app)
    assert got["m0"] == (tps["checkout"], "app") and got["m1"] == (None, None)
    assert got["imported"] == (tps["other"], "store")
    assert client.delete(f"/api/v1/touchpoint-rules/{created['id']}", headers=headers).status_code == 204
    client.post("/api/v1/touchpoint-rules/reapply", headers=headers)
    assert mapped(app)["m0"] == (None, None)
    # changes through the API are audited like those made on the page, under the key that made them
    from sqlalchemy import select

    from tajriba.models import AuditEntry

    with app.state.session_factory() as session:
        entries = session.execute(
            select(AuditEntry.action, AuditEntry.actor_key_id, AuditEntry.target_id)
            .where(AuditEntry.action.like("tracking.%"))
            .order_by(AuditEntry.id)
        ).all()
    assert [e.action for e in entries] == [
        "tracking.rule_create",
        "tracking.rules_reapply",
        "tracking.rule_delete",
        "tracking.rules_reapply",
    ]
    assert all(e.actor_key_id is not None for e in entries) and entries[0].target_id == str(created["id"])


def test_viewers_cannot_change_rules(client, db, shop) -> None:
    _k, viewer = accounts.create_key(db, workspace=shop["ws"], kind="api", name="v", role="viewer")
    db.commit()
    response = client.post(
        "/api/v1/touchpoint-rules",
        json={"touchpoint_id": shop["tps"]["other"], "event_name": "x"},
        headers={"Authorization": f"Bearer {viewer}"},
    )
    assert response.status_code == 403


def test_ingest_maps_as_reapply_does_on_random_events(client, app, db, shop) -> None:
    """The flush matches rules with Arrow over columns, `reapply` with SQL over stored rows: the same answers."""
    import random

    headers = {"Authorization": f"Bearer {shop['api']}"}
    tps = shop["tps"]
    for body in (
        {"touchpoint_id": tps["whatsapp"], "property_name": "via", "property_value": "5", "channel": "wa"},
        {"touchpoint_id": tps["whatsapp"], "property_name": "via", "property_value": "true"},
        {"touchpoint_id": tps["checkout"], "event_type": "page", "page_path": "/ar/[!p]*"},
        {"touchpoint_id": tps["product"], "event_name": "منتج ?"},
        {"touchpoint_id": tps["product"], "event_name": "Product [VA]*", "channel": "app"},
        {"touchpoint_id": tps["other"], "event_type": "screen"},
    ):
        assert client.post("/api/v1/touchpoint-rules", json=body, headers=headers).status_code == 201
    rng = random.Random(7)
    batch = []
    for i in range(300):
        kind = rng.choice(["track", "track", "page", "screen", "identify"])
        message: dict = {"type": kind, "userId": f"u{i % 9}", "messageId": f"r{i}"}
        name = rng.choice(
            ["Product Viewed", "Product Added", "Product Removed", "منتج ا", "منتج اب", "Other"]
        )
        if kind == "track":
            message["event"] = name
        elif kind in ("page", "screen"):
            message["name"] = name
        via = rng.choice([None, "5", 5, True, False, "whatsapp", 5.5])
        path = rng.choice([None, "/ar/cart", "/ar/p/1", "/en/x", "/ar/"])
        message["properties"] = {k: v for k, v in (("via", via), ("path", path)) if v is not None}
        message["context"] = {"channel": rng.choice(["web", "app"])}
        batch.append(message)
    send(client, shop["write"], batch)
    on_ingest = mapped(app)
    assert len(on_ingest) == 300 and any(v[0] for v in on_ingest.values())
    assert (
        len({v[0] for v in on_ingest.values()}) == 5
    )  # every touchpoint matched something, and some nothing
    assert client.post("/api/v1/touchpoint-rules/reapply", headers=headers).status_code == 200
    assert mapped(app) == on_ingest


def test_a_property_name_with_quotes_is_refused(db, shop) -> None:
    """Reapply writes the name into its statement as a JSON path; quotes would read differently per engine."""
    for name in ("it's", 'say "hi"', "back\\slash"):
        with pytest.raises(Invalid) as caught:
            mapping.create_rule(
                db,
                workspace=shop["ws"],
                touchpoint_id=shop["tps"]["other"],
                property_name=name,
                property_value="x",
                actor=Operator(shop["ws"].id),
            )
        assert caught.value.field == "property_name"
