"""Next-best offers: recommendations and their rules, actions in priority order, consent per channel, offer batches
with a holdout, and the offline metrics on a hand-made case."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from tajriba.customers import service as customers
from tajriba.loyalty import actions, evaluate, recommend
from tajriba.loyalty import service as loyalty
from tajriba.models import Case, Offer

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _frame(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """(customer, product, days before NOW)."""
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "product_id": [r[1] for r in rows],
            "category": None,
            "ordered_at": [pd.Timestamp(NOW.replace(tzinfo=None) - timedelta(days=r[2])) for r in rows],
        }
    )


HISTORY = _frame(
    [
        ("a", "dates", 100),
        ("a", "coffee", 100),
        ("b", "dates", 90),
        ("b", "coffee", 90),
        ("b", "cups", 90),
        ("c", "dates", 5),
        ("d", "oud", 80),
        ("d", "incense", 80),
        ("e", "oud", 70),
        ("e", "incense", 70),
        ("f", "dates", 60),
        ("f", "coffee", 60),
        ("f", "cups", 60),
    ]
)


def test_recommendations_follow_what_was_bought_together_and_skip_what_was_bought() -> None:
    model = recommend.fit(HISTORY)
    recs = recommend.recommend(model, ["a", "c", "d", "stranger"], n=2)
    # a bought dates and coffee; b and f bought those with cups: cups first, then the most bought left (oud)
    assert recs["a"] == ["cups", "oud"]
    # c bought dates: coffee (with dates 3 times) before cups (twice); never dates again
    assert recs["c"] == ["coffee", "cups"]
    # d bought oud and incense, which no one bought with anything else: the most bought products
    assert recs["d"] == ["dates", "coffee"]
    assert recs["stranger"] == ["dates", "coffee"]
    assert recommend.recommend(model, ["a"], n=2, allowed={"cups", "dates"})["a"] == ["cups"]


def test_metrics_on_a_hand_made_case() -> None:
    recs = {"x": ["p1", "p2"], "y": ["p3", "p1"], "z": []}
    truth = {"x": {"p2", "p9"}, "y": {"p4"}, "z": {"p1"}}
    s = evaluate.scores(recs, truth, k=2, catalogue=10, method="m")
    # precision: x 1/2, y 0, z 0 -> 1/6; recall: x 1/2, y 0, z 0 -> 1/6; coverage {p1, p2, p3} / 10
    assert (
        s.precision == pytest.approx(1 / 6)
        and s.recall == pytest.approx(1 / 6)
        and s.coverage == pytest.approx(0.3)
    )


def test_evaluation_beats_random_on_a_repeating_pattern() -> None:
    rows = []
    for i in range(300):  # two baskets; the first 200 customers bought all of theirs before the cut, the rest
        group = ["dates", "coffee", "cups"] if i % 2 else ["oud", "incense", "burner"]  # the third after it
        rows += [(f"c{i}", group[0], 60), (f"c{i}", group[1], 50), (f"c{i}", group[2], 40 if i < 200 else 10)]
    rows += [(f"p{i}", f"other{i % 20}", 45) for i in range(400)]  # a wider catalogue for random to miss in
    frame = _frame(rows)
    out = {s.method: s for s in evaluate.evaluate(frame, cut=NOW - timedelta(days=20), k=1)}
    assert out["item_to_item"].precision == pytest.approx(1.0) and out["item_to_item"].customers == 100
    assert out["random"].precision < 0.5 and out["popularity"].precision <= 0.5


def _orders_with_products(ws_id: int) -> pd.DataFrame:
    frame = HISTORY.copy()
    return pd.DataFrame(
        {
            "workspace_id": ws_id,
            "order_id": [f"O{i}" for i in range(len(frame))],
            "customer_id": frame["customer_id"],
            "ordered_at": frame["ordered_at"],
            "currency": "SAR",
            "amount": 100.0,
            "status": "delivered",
            "properties": [
                json.dumps({"products": [{"product_id": p, "price": 100}]}) for p in frame["product_id"]
            ],
        }
    )


def test_actions_put_problems_first_and_consent_blocks_an_offer(app, db, ws, programme) -> None:  # type: ignore[no-untyped-def]
    wh = app.state.warehouse
    wh.append("orders", _orders_with_products(ws.id))
    answers = pd.DataFrame(
        {
            "workspace_id": ws.id,
            "response_id": ["r1", "r2"],
            "customer_id": ["b", "d"],
            "metric": "nps",
            "score": [3.0, 10.0],
            "scale_min": 0,
            "scale_max": 10,
            "submitted_at": [pd.Timestamp(NOW.replace(tzinfo=None) - timedelta(days=3))] * 2,
        }
    )
    wh.append("survey_responses", answers)
    db.add(Case(workspace_id=ws.id, subject="Broken cups", source="manual", customer_id="e", status="open"))
    customers.record_consent(
        wh,
        workspace_id=ws.id,
        observations=[
            customers.ConsentObservation(
                "f", "email_marketing", False, NOW.replace(tzinfo=None), "m1", "test"
            ),
            customers.ConsentObservation(
                "a", "personalization", False, NOW.replace(tzinfo=None), "m2", "test"
            ),
        ],
    )
    db.commit()
    got = {
        a["customer_id"]: a
        for a in actions.next_best_actions(
            db, wh, workspace=ws, customer_ids=list("abcdef"), channel="email", now=NOW
        )
    }
    assert got["b"]["action"] == "fix_first" and got["b"]["items"] == []  # detractor three days ago
    assert got["e"]["action"] == "fix_first"  # open case
    assert got["d"]["action"] == "thank"
    assert got["c"]["action"] == "offer" and got["c"]["items"]
    assert got["f"]["blocked"] == "withdrawn"
    # a refused personalisation: the most bought products, not their own history's neighbours
    assert (
        got["a"]["items"]
        == recommend.recommend(recommend.fit(HISTORY), ["a"], n=5, personal=np.array([False]))["a"]
    )
    # sms is another purpose: f withdrew e-mail only
    sms = actions.next_best_actions(db, wh, workspace=ws, customer_ids=["f"], channel="sms", now=NOW)
    assert sms[0]["blocked"] is None
    batch = actions.create_batch(
        db,
        wh,
        workspace=ws,
        name="June",
        channel="email",
        now=NOW,
        holdout_share=0.5,
        customer_ids=list("abcdef"),
    )
    offered = {o.customer_id for o in db.query(Offer).filter_by(batch_id=batch.id)}
    assert "f" not in offered and offered == set("abcde")


def test_offer_batches_through_the_api(app, client, db, ws, programme) -> None:  # type: ignore[no-untyped-def]
    from tajriba.accounts import service as accounts
    from tests.conftest import make_workspace

    app.state.warehouse.append("orders", _orders_with_products(ws.id))
    loyalty.earn_orders(db, app.state.warehouse, workspace=ws, programme=programme, now=NOW)
    db.commit()
    keys = {
        r: accounts.create_key(db, workspace=ws, kind="api", name=r, role=r)[1]
        for r in ("analyst", "agent", "viewer")
    }
    db.commit()
    h = {r: {"Authorization": f"Bearer {k}"} for r, k in keys.items()}
    body = {"name": "June", "channel": "sms", "holdout_share": 0.5}
    assert client.post("/api/v1/loyalty/offer-batches", json=body, headers=h["agent"]).status_code == 403
    r = client.post("/api/v1/loyalty/offer-batches", json=body, headers=h["analyst"])
    assert r.status_code == 201, r.text
    made = r.json()
    assert sum(made["actions"].values()) == 6  # every member (a-f) has an action
    assert all(not o["holdout"] for o in made["offers"]) and made["total"] == len(made["offers"]) < 6
    page = client.get(f"/api/v1/loyalty/offer-batches/{made['id']}?limit=2", headers=h["agent"]).json()
    assert len(page["offers"]) == min(2, made["total"]) and page["total"] == made["total"]
    assert client.get(f"/api/v1/loyalty/offer-batches/{made['id']}", headers=h["viewer"]).status_code == 403
    bad = client.post("/api/v1/loyalty/offer-batches", json={**body, "channel": "fax"}, headers=h["analyst"])
    assert bad.status_code == 422 and "channel" in bad.text
    other = make_workspace(db, "other")
    other_key = accounts.create_key(db, workspace=other, kind="api", name="o", role="agent")[1]
    db.commit()
    far = client.get(
        f"/api/v1/loyalty/offer-batches/{made['id']}", headers={"Authorization": f"Bearer {other_key}"}
    )
    assert far.status_code == 404
