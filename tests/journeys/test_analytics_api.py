"""Journey analytics on a workspace's events, through the API: touchpoint names, filters, breakdowns."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from tajriba.accounts import service as accounts
from tajriba.models.journeys import Journey, Stage, Touchpoint
from tests.conftest import make_workspace

T0 = datetime(2026, 3, 1, 9, 0)


@pytest.fixture
def shop(app, db):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "flow")
    journey = Journey(workspace_id=ws.id, name="Buying", names={"ar": "الشراء"})
    db.add(journey)
    db.flush()
    stage = Stage(workspace_id=ws.id, journey_id=journey.id, key="buy", name="Buy", position=0)
    db.add(stage)
    db.flush()
    ids = {}
    for i, (key, en, ar) in enumerate(
        [("home", "Home page", "الصفحة الرئيسية"), ("cart", "Cart", "السلة"), ("pay", "Payment", "الدفع")]
    ):
        tp = Touchpoint(
            workspace_id=ws.id,
            journey_id=journey.id,
            stage_id=stage.id,
            key=key,
            name=en,
            names={"en": en, "ar": ar},
            position=i,
            channel="web",
        )
        db.add(tp)
        db.flush()
        ids[key] = tp.id
    key = accounts.create_key(db, workspace=ws, kind="api", name="a", role="analyst")[1]
    db.commit()
    rows = []
    # (customer, touchpoint, minutes, channel); c1 and c2 buy, c3 leaves at the cart, c4 only browses
    for n, (c, tp, minutes, channel) in enumerate(
        [
            ("c1", "home", 0, "web"),
            ("c1", "cart", 5, "web"),
            ("c1", "pay", 8, "web"),
            ("c2", "home", 0, "app"),
            ("c2", "cart", 2, "app"),
            ("c2", "pay", 3, "app"),
            ("c3", "home", 0, "app"),
            ("c3", "cart", 60 * 24 * 10, "app"),
            ("c4", "home", 0, "web"),
        ]
    ):
        rows.append(
            {
                "workspace_id": ws.id,
                "message_id": f"m{n:03d}",
                "customer_id": c,
                "type": "track",
                "event": f"{tp} viewed",
                "timestamp": T0 + timedelta(minutes=minutes),
                "touchpoint_id": ids[tp],
                "channel": channel,
            }
        )
    rows.append({**rows[0], "message_id": "untracked", "touchpoint_id": None, "event": "Scrolled"})
    wh = app.state.warehouse
    wh.append("events", pd.DataFrame(rows))
    wh.append(
        "customers",
        pd.DataFrame(
            {
                "workspace_id": [ws.id] * 4,
                "customer_id": ["c1", "c2", "c3", "c4"],
                "persona_key": ["saver", "busy", "busy", "saver"],
            }
        ),
    )
    return {"ids": ids, "headers": {"Authorization": f"Bearer {key}"}}


def get(client, shop, path: str, status: int = 200) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/journey-analytics/{path}", headers=shop["headers"])
    assert response.status_code == status, response.text
    return response.json()


def test_discovery_names_touchpoints_and_shows_the_flow(client, shop) -> None:
    ids = shop["ids"]
    result = get(client, shop, "discovery")
    assert result["cases"] == 4
    edges = {(e["source_name"], e["target_name"]): e["count"] for e in result["dfg"]}
    assert edges == {("Home page", "Cart"): 3, ("Cart", "Payment"): 2}
    assert result["start"] == {str(ids["home"]): 4}
    assert result["end"] == {str(ids["pay"]): 2, str(ids["cart"]): 1, str(ids["home"]): 1}
    assert [v["count"] for v in result["variants"]] == [2, 1, 1]
    sink = {(link["source"], link["target"]): link["count"] for link in result["flow"]["links"]}
    assert sink[(f"0:{ids['home']}", f"1:{ids['cart']}")] == 3
    assert sink[(f"2:{ids['pay']}", "3:end")] == 2 and sink[(f"0:{ids['home']}", "1:end")] == 1
    # the event names instead of touchpoints include the untracked scroll
    by_event = get(client, shop, "discovery?activity=event")
    assert ("home viewed", "Scrolled") in {(e["source"], e["target"]) for e in by_event["dfg"]}


def test_discovery_filters_by_period_channel_and_persona(client, shop) -> None:
    assert get(client, shop, "discovery?channel=web")["cases"] == 2
    assert get(client, shop, "discovery?persona=busy")["cases"] == 2
    later = get(client, shop, "discovery?start=2026-03-02T00:00:00%2B03:00")
    assert later["cases"] == 1 and later["dfg"] == []  # only c3's cart, ten days later
    get(client, shop, "discovery?start=2026-03-05T00:00:00&end=2026-03-01T00:00:00", status=422)
    get(client, shop, "discovery?case=household", status=422)


def test_funnel_with_window_and_breakdown(client, shop) -> None:
    ids = shop["ids"]
    steps = f"steps={ids['home']}&steps={ids['cart']}&steps={ids['pay']}"
    result = get(client, shop, f"funnel?{steps}")
    assert [s["entered"] for s in result["steps"]] == [4, 3, 2]
    assert [s["name"] for s in result["steps"]] == ["Home page", "Cart", "Payment"]
    week = get(client, shop, f"funnel?{steps}&window_days=7")
    assert [s["entered"] for s in week["steps"]] == [4, 2, 2]  # c3's cart came after ten days
    groups = {
        g["group"]: [s["entered"] for s in g["steps"]]
        for g in get(client, shop, f"funnel?{steps}&by=persona")["groups"]
    }
    assert groups == {"busy": [2, 2, 1], "saver": [2, 1, 1]}
    get(client, shop, f"funnel?{steps}&by=weather", status=422)
    get(client, shop, "funnel?steps=home&steps=cart", status=422)


def test_repeated_steps_in_a_row_collapse_into_one(app, client, shop) -> None:  # type: ignore[no-untyped-def]
    ids = shop["ids"]
    wh = app.state.warehouse
    ws_id = wh.sql("SELECT workspace_id FROM events LIMIT 1")[0][0]
    # c5: home, home, cart, cart, home -> collapsed: home, cart, home
    rows = [
        {"workspace_id": ws_id, "message_id": f"r{n}", "customer_id": "c5", "type": "track", "event": "x",
         "timestamp": T0 + timedelta(days=1, minutes=n), "touchpoint_id": ids[tp], "channel": "web"}
        for n, tp in enumerate(["home", "home", "cart", "cart", "home"])
    ]  # fmt: skip
    wh.append("events", pd.DataFrame(rows))
    plain = get(client, shop, "discovery")
    collapsed = get(client, shop, "discovery?collapse=true")
    home, cart = str(ids["home"]), str(ids["cart"])

    def variant(result: dict) -> list[str]:
        return next(
            v["activities"]
            for v in result["variants"]
            if v["activities"][-1] == home and len(v["activities"]) > 1
        )

    assert variant(plain) == [home, home, cart, cart, home]
    assert variant(collapsed) == [home, cart, home]
    loops = {(e["source"], e["target"]) for e in plain["dfg"]}
    assert (home, home) in loops and (home, home) not in {
        (e["source"], e["target"]) for e in collapsed["dfg"]
    }
    # the other customers' paths had no repeats: unchanged
    assert collapsed["cases"] == plain["cases"] == 5
