"""Batch earning from the warehouse's orders and events: rules by channel and category, caps, a Ramadan campaign
with its holdout, refunds reversed, replays awarding nothing; campaign lift against a hand computation."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tajriba.loyalty import earning, lift, points, service
from tajriba.loyalty.schemas import CampaignCreate
from tajriba.models import LoyaltyRule
from tests.loyalty.conftest import rows

NOW = datetime(2026, 4, 1, 12, tzinfo=UTC)


def _orders(ws_id: int) -> pd.DataFrame:
    # (order, customer, naive UTC time, channel, category, amount, status)
    spec = [
        ("A1", "a", "2026-02-01 10:00", "web", None, 200.0, "delivered"),
        ("A2", "a", "2026-02-20 10:00", "app", None, 300.0, "delivered"),  # Ramadan 1447 (Feb 18 - Mar 19)
        ("A3", "a", "2026-03-01 10:00", "web", "perfume", 100.0, "delivered"),  # Ramadan, perfume x3
        ("B1", "b", "2026-02-25 10:00", "web", None, 1000.0, "delivered"),  # Ramadan
        ("B2", "b", "2026-02-26 10:00", "web", None, 999.0, "cancelled"),
        ("C1", "c", "2026-03-05 10:00", "web", None, 50.0, "delivered"),  # Ramadan
    ]
    return pd.DataFrame(
        {
            "workspace_id": ws_id,
            "order_id": [s[0] for s in spec],
            "customer_id": [s[1] for s in spec],
            "ordered_at": pd.to_datetime([s[2] for s in spec]),
            "channel": [s[3] for s in spec],
            "properties": [json.dumps({"category": s[4]}) if s[4] else None for s in spec],
            "currency": "SAR",
            "amount": [s[5] for s in spec],
            "status": [s[6] for s in spec],
        }
    )


@pytest.fixture
def shop(app, db, ws, programme):  # type: ignore[no-untyped-def]
    wh = app.state.warehouse
    wh.append("orders", _orders(ws.id))
    db.add(LoyaltyRule(workspace_id=ws.id, name="App", trigger="order", channel="app", points_per_unit=2.0))
    db.add(
        LoyaltyRule(
            workspace_id=ws.id,
            name="Perfume",
            trigger="order",
            category="perfume",
            points_per_unit=3.0,
            cap_points=200,
        )
    )
    db.commit()
    return wh


def test_orders_earn_by_the_most_specific_rule_with_a_ramadan_campaign_and_its_holdout(
    db, ws, programme, shop
) -> None:  # type: ignore[no-untyped-def]
    campaign = service.create_campaign(
        db,
        workspace_id=ws.id,
        data=CampaignCreate(
            name="Double points in Ramadan", season="ramadan", year=1447, multiplier=2.0, holdout_share=0.5
        ),
    )
    held = {c: points.in_holdout(campaign.holdout_key, c, 0.5) for c in "abc"}
    done = service.earn_orders(db, shop, workspace=ws, programme=programme, now=NOW)
    assert done.orders == 6 and done.awarded == 5 and done.enrolled == 3
    got: dict[str, int] = {}
    for r in rows(db, ws.id):
        got[r.key] = got.get(r.key, 0) + r.points
    # web 1/SAR, app 2/SAR, perfume 3/SAR capped at 200 a month: A3 300 -> 200
    base = {"A1": 200, "A2": 600, "A3": 200, "B1": 1000, "C1": 50}
    in_ramadan = {"A2", "A3", "B1", "C1"}
    # b reaches silver with B1 (1,000 pts) only in a later order: B1 itself earns at blue's x1
    want = {o: p * (2 if o in in_ramadan and not held[o[0].lower()] else 1) for o, p in base.items()}
    assert got == {f"order:{o}": p for o, p in want.items()}
    assert "order:B2" not in got  # cancelled before it was awarded
    # a replay of the batch awards nothing more
    stored = len(rows(db, ws.id))
    again = service.earn_orders(
        db, shop, workspace=ws, programme=programme, now=NOW, since=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert again.awarded == 0 and len(rows(db, ws.id)) == stored
    assert sum(r.points for r in rows(db, ws.id)) == sum(want.values())


def test_a_rule_cap_limits_points_per_member_and_month(db, ws, programme, shop) -> None:  # type: ignore[no-untyped-def]
    extra = pd.DataFrame(
        {
            "workspace_id": ws.id,
            "order_id": ["A4", "A5"],
            "customer_id": "a",
            "ordered_at": pd.to_datetime(["2026-03-02 10:00", "2026-04-01 09:00"]),
            "channel": "web",
            "properties": json.dumps({"category": "perfume"}),
            "currency": "SAR",
            "amount": [50.0, 50.0],
            "status": "delivered",
        }
    )
    shop.append("orders", extra)
    service.earn_orders(db, shop, workspace=ws, programme=programme, now=NOW)
    by_key = {r.key: r.points for r in rows(db, ws.id) if r.kind == "earn"}
    # March (Riyadh): A3 300 points by the perfume rule capped at 200; A4 then 0 (cap reached: no award)
    assert by_key["order:A3"] == 200 and "order:A4" not in by_key
    # April is a new month: A5 earns its 150
    assert by_key["order:A5"] == 150


def test_refund_and_cancellation_events_reverse_the_points(db, ws, programme, shop) -> None:  # type: ignore[no-untyped-def]
    service.earn_orders(db, shop, workspace=ws, programme=programme, now=NOW)
    events = pd.DataFrame(
        {
            "workspace_id": ws.id,
            "message_id": ["m1", "m2"],
            "customer_id": ["b", "a"],
            "type": "track",
            "event": ["Order Refunded", "Order Cancelled"],
            "timestamp": pd.to_datetime(["2026-04-02 10:00", "2026-04-02 11:00"]),
            "properties": [json.dumps({"order_id": "B1", "total": 250}), json.dumps({"order_id": "A1"})],
        }
    )
    shop.append("events", events)
    later = NOW + timedelta(days=2)
    b_before = service.balance(db, workspace_id=ws.id, customer_id="b", as_of=later)
    a_before = service.balance(db, workspace_id=ws.id, customer_id="a", as_of=later)
    done = service.earn_orders(db, shop, workspace=ws, programme=programme, now=later)
    assert done.reversed == 2
    b1 = sum(r.points for r in rows(db, ws.id) if r.key == "order:B1")
    assert service.balance(db, workspace_id=ws.id, customer_id="b", as_of=later) == b_before - round(
        b1 * 0.25
    )
    assert service.balance(db, workspace_id=ws.id, customer_id="a", as_of=later) == a_before - 200
    assert service.earn_orders(db, shop, workspace=ws, programme=programme, now=later).reversed == 0


def test_campaign_lift_matches_a_hand_computation() -> None:
    bought = np.array([1, 1, 0, 1, 0, 1, 0], dtype=float)
    spend = np.array([100, 50, 0, 30, 0, 40, 0], dtype=float)
    holdout = np.array([False, False, False, False, True, True, True])
    out = lift.lift(bought=bought, spend=spend, holdout=holdout, cost=20.0)
    # purchase: 3/4 against 1/3; se = sqrt(.75 * .25 / 4 + (1/3)(2/3) / 3) = 0.347779
    p = out["purchase"]
    assert p["difference"] == pytest.approx(0.75 - 1 / 3)
    assert p["high"] - p["difference"] == pytest.approx(1.959964 * 0.347779, abs=1e-5)
    # spend: means 45 and 13.333; variances 1766.667 / 4 and 533.333 / 3; Welch df 4.7474
    s = out["spend"]
    assert s["difference"] == pytest.approx(45 - 40 / 3)
    se = math.sqrt(1766.6667 / 4 + 533.3333 / 3)
    df = (1766.6667 / 4 + 533.3333 / 3) ** 2 / ((1766.6667 / 4) ** 2 / 3 + (533.3333 / 3) ** 2 / 2)
    assert df == pytest.approx(4.7474, abs=1e-3)
    assert s["high"] - s["difference"] == pytest.approx(stats.t.ppf(0.975, df) * se, rel=1e-4)
    assert out["incremental_revenue"] == pytest.approx((45 - 40 / 3) * 4, abs=0.01)
    assert out["return_on_cost"] == pytest.approx(round((45 - 40 / 3) * 4, 2) / 20, abs=0.01)


def test_the_holdout_is_a_stable_random_share() -> None:
    ids = [f"c{i}" for i in range(20000)]
    held = [points.in_holdout(7, c, 0.1) for c in ids]
    assert abs(sum(held) / len(ids) - 0.1) < 0.01
    assert held == [points.in_holdout(7, c, 0.1) for c in ids]
    assert held != [points.in_holdout(8, c, 0.1) for c in ids]


def test_earning_reads_order_completed_events_from_the_tracking_api(db, ws, programme, app) -> None:  # type: ignore[no-untyped-def]
    events = pd.DataFrame(
        {
            "workspace_id": ws.id,
            "message_id": ["e1", "e2"],
            "customer_id": ["t", "t"],
            "type": "track",
            "event": ["Order Completed", "Order Completed"],
            "timestamp": pd.to_datetime(["2026-03-01 10:00", "2026-03-02 10:00"]),
            "properties": [
                json.dumps({"order_id": "W-1", "total": 120.5}),
                json.dumps({"order_id": "W-2", "revenue": "80"}),
            ],
        }
    )
    app.state.warehouse.append("events", events)
    done = earning.earn_orders(db, app.state.warehouse, workspace=ws, programme=programme, now=NOW)
    assert done.awarded == 2 and done.points == 200


def test_a_batch_raises_members_who_qualify_new_and_old(db, ws, programme, app) -> None:  # type: ignore[no-untyped-def]
    from tajriba.models import LoyaltyMember, LoyaltyTierChange

    wh = app.state.warehouse
    # "old" was a member before the batch with 1,900 points; "new" joins with this batch
    service.earn_order(
        db,
        workspace=ws,
        programme=programme,
        customer_id="old",
        order_id="X0",
        amount=1900,
        ordered_at=NOW - timedelta(days=30),
        now=NOW - timedelta(days=30),
    )
    spec = [("X1", "old", 150.0), ("X2", "new", 1200.0), ("X3", "new", 900.0), ("X4", "low", 100.0)]
    wh.append(
        "orders",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "order_id": [s[0] for s in spec],
                "customer_id": [s[1] for s in spec],
                "ordered_at": pd.Timestamp("2026-03-30 10:00"),
                "currency": "SAR",
                "amount": [s[2] for s in spec],
                "status": "delivered",
            }
        ),
    )
    done = service.earn_orders(
        db, wh, workspace=ws, programme=programme, now=NOW, since=datetime(2026, 3, 29, tzinfo=UTC)
    )
    # old: 1,900 + 150 = 2,050 qualifying points; new: 2,100 (both earned at x1 within the batch); low: 100
    assert done.upgraded == 2 and done.enrolled == 2
    db.expire_all()
    tiers = {m.customer_id: m.tier for m in db.query(LoyaltyMember).filter_by(workspace_id=ws.id)}
    assert tiers == {"old": "silver", "new": "silver", "low": "blue"}
    moves = {(c.customer_id, c.reason) for c in db.query(LoyaltyTierChange).filter_by(workspace_id=ws.id)}
    assert ("new", "upgrade") in moves and ("old", "upgrade") in moves and ("low", "upgrade") not in moves


@pytest.mark.postgres
def test_batch_earning_on_a_postgresql_application_database(tmp_path, pg_url) -> None:  # type: ignore[no-untyped-def]
    from tajriba.config import load_settings
    from tajriba.db import migrate
    from tajriba.db.session import make_engine, make_session_factory, transaction
    from tajriba.models import LoyaltyMember, Workspace
    from tajriba.warehouse import open_warehouse

    settings = load_settings(data_dir=tmp_path / "data", env="test", database_url=pg_url)
    (tmp_path / "data").mkdir()
    engine = make_engine(settings.db_url)
    migrate.upgrade(engine)
    wh = open_warehouse(settings.warehouse_address)
    wh.create_schema()
    factory = make_session_factory(engine)
    try:
        with transaction(factory) as s:
            ws = Workspace(slug="pg", name="PG")
            s.add(ws)
            s.flush()
            ws_id = ws.id
            service.start_programme(s, workspace_id=ws_id, name="Rewards")
        wh.append("orders", _orders(ws_id))
        for _ in range(2):  # the second run finds everything awarded
            with transaction(factory) as s:
                ws = s.get(Workspace, ws_id)
                done = service.earn_orders(
                    s, wh, workspace=ws, programme=service.programme_of(s, ws_id), now=NOW
                )
        assert done.awarded == 0
        with transaction(factory) as s:
            assert {m.customer_id for m in s.query(LoyaltyMember).filter_by(workspace_id=ws_id)} == {
                "a",
                "b",
                "c",
            }
            # the default rule only (1 point per riyal): a 200 + 300 + 100; b 1,000 (B2 was cancelled)
            assert service.balance(s, workspace_id=ws_id, customer_id="a", as_of=NOW) == 600
            assert service.balance(s, workspace_id=ws_id, customer_id="b", as_of=NOW) == 1000
    finally:
        wh.close()
        engine.dispose()


def test_bonuses_for_reviews_surveys_birthdays_and_referrals(app, db, ws, programme) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from tajriba.loyalty import bonuses
    from tajriba.models import LoyaltyTransfer

    wh = app.state.warehouse
    at = pd.Timestamp("2026-03-10 10:00")
    wh.append(
        "feedback_texts",
        pd.DataFrame(
            {"workspace_id": ws.id, "feedback_id": ["f1", "f2", "f3"], "customer_id": ["m", "m", "stranger"],
             "source": "review", "text": "ممتاز", "created_at": at}
        ),
    )  # fmt: skip
    wh.append(
        "survey_responses",
        pd.DataFrame(
            {"workspace_id": ws.id, "response_id": ["r1", "r2"], "customer_id": ["m", "m"], "metric": "nps",
             "score": 9.0, "submitted_at": at}
        ),
    )  # fmt: skip
    start = datetime(2026, 3, 1, tzinfo=UTC)
    member = service.enrol(db, programme=programme, customer_id="m", now=start, birthday=date(1990, 3, 10))
    friend = service.enrol(
        db, programme=programme, customer_id="f", now=start, referral_code=member.code.lower()
    )
    assert friend.referred_by == "m"
    day = datetime(2026, 3, 10, 12, tzinfo=UTC)
    new = bonuses.earn_bonuses(db, wh, workspace=ws, programme=programme, since=start, now=day)
    # the first review once (100), two survey answers (20 each), the birthday (200); not the stranger (no member)
    assert new == 4
    assert bonuses.earn_bonuses(db, wh, workspace=ws, programme=programme, since=start, now=day) == 0
    got = {r.key: r.points for r in db.query(LoyaltyTransfer).filter_by(customer_id="m")}
    assert sorted(got.values()) == [20, 20, 100, 200, 300]  # and the referral bonus
    assert service.balance(db, workspace_id=ws.id, customer_id="f", as_of=day) == 300
