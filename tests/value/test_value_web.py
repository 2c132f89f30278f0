"""Value through the API and the pages: compute, overview, customers, cohorts, drivers, customer page."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from tajriba.accounts import service as accounts
from tests.conftest import login, make_user, make_workspace


def _fill(wh, ws_id: int, n: int = 120, seed: int = 3) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    orders, responses = [], []
    start = datetime(2025, 1, 1)
    for i in range(n):
        first = start + timedelta(days=int(rng.integers(0, 200)))
        life = int(rng.integers(10, 400))
        k = 1 + int(rng.poisson(3))
        days = sorted({0, *rng.integers(1, life, k - 1).tolist()}) if k > 1 else [0]
        for j, d in enumerate(days):
            when = first + timedelta(days=d)
            if when > datetime(2025, 12, 31):
                continue
            late = bool(rng.random() < 0.3)
            orders.append(
                {
                    "workspace_id": ws_id,
                    "order_id": f"o{i}-{j}",
                    "customer_id": f"c{i}",
                    "ordered_at": when,
                    "currency": "SAR",
                    "amount": float(rng.gamma(3, 40)),
                    "items": 1 + int(rng.poisson(1)),
                    "promised_delivery_at": when + timedelta(days=3),
                    "delivered_at": when + timedelta(days=5 if late else 2),
                    "status": "delivered",
                }
            )
        csat_a, csat_b = rng.integers(1, 6), rng.integers(1, 6)
        nps = int(np.clip(round(2 * csat_a + 0.2 * csat_b + rng.normal(0, 1)), 0, 10))
        for metric, tp, score, lo, hi in (
            ("nps", None, nps, 0, 10),
            ("csat", 1, csat_a, 1, 5),
            ("csat", 2, csat_b, 1, 5),
        ):
            responses.append(
                {
                    "workspace_id": ws_id,
                    "response_id": f"r{i}-{metric}-{tp}",
                    "customer_id": f"c{i}",
                    "metric": metric,
                    "score": float(score),
                    "scale_min": lo,
                    "scale_max": hi,
                    "touchpoint_id": tp,
                    "submitted_at": first + timedelta(days=1),
                }
            )
    wh.append("orders", pd.DataFrame(orders))
    wh.append(
        "customers",
        pd.DataFrame(
            {"workspace_id": ws_id, "customer_id": [f"c{i}" for i in range(n)], "first_seen_at": start}
        ),
    )
    wh.append("survey_responses", pd.DataFrame(responses))


@pytest.fixture
def shop(app, db, client):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "shop")
    keys = {
        "analyst": accounts.create_key(db, workspace=ws, kind="api", name="a", role="analyst")[1],
        "viewer": accounts.create_key(db, workspace=ws, kind="api", name="v", role="viewer")[1],
    }
    db.commit()
    _fill(app.state.warehouse, ws.id)

    def call(method: str, path: str, who: str = "analyst", **kw):  # type: ignore[no-untyped-def]
        return client.request(method, path, headers={"Authorization": f"Bearer {keys[who]}"}, **kw)

    return ws, call


def test_compute_stores_values_and_the_api_reads_them(shop) -> None:  # type: ignore[no-untyped-def]
    ws, call = shop
    assert call("GET", "/api/v1/value/overview").json() == {"computed": False}
    assert call("POST", "/api/v1/value/compute", who="viewer", json={}).status_code == 403
    run = call("POST", "/api/v1/value/compute", json={"horizon_months": 6, "discount_rate": 0.02})
    assert run.status_code == 200, run.text
    body = run.json()
    assert body["customers"] == 120 and body["horizon_months"] == 6
    assert {p["parameter"] for p in body["transaction_model"]} == {"r", "alpha", "a", "b"}
    overview = call("GET", "/api/v1/value/overview", who="viewer").json()
    assert overview["computed"] and overview["customers"] == 120
    assert overview["clv_mean"]["low"] < overview["clv_mean"]["value"] < overview["clv_mean"]["high"]
    assert sum(s["customers"] for s in overview["segments"]) == 120
    assert overview["order_value"][0]["repeat_rate"]["n"] == 120
    listed = call("GET", "/api/v1/value/customers?sort=clv&limit=5").json()
    assert listed["total"] == 120 and len(listed["customers"]) == 5
    clvs = [c["clv"] for c in listed["customers"]]
    assert clvs == sorted(clvs, reverse=True)
    one = call("GET", f"/api/v1/value/customers/{listed['customers'][0]['customer_id']}").json()
    assert 0 <= one["p_alive"] <= 1 and one["clv_low"] <= one["clv"] <= one["clv_high"]
    assert call("GET", "/api/v1/value/customers/nobody").status_code == 404
    by_segment = call("GET", "/api/v1/value/order-value?by=segment").json()["groups"]
    assert sum(g["customers"] for g in by_segment) == 120
    assert all(
        g["aov"]["low"] <= g["aov"]["value"] <= g["aov"]["high"] for g in by_segment if g["aov"]["n"] > 1
    )
    assert call("GET", "/api/v1/value/order-value?by=colour").status_code == 422
    bad = call("GET", "/api/v1/value/customers?segment=vip")
    assert bad.status_code == 422 and "unknown segment" in bad.text


def test_cohorts_movement_experience_and_drivers_endpoints(shop) -> None:  # type: ignore[no-untyped-def]
    _ws, call = shop
    call("POST", "/api/v1/value/compute", json={})
    cohorts = call("GET", "/api/v1/value/cohorts?calendar=hijri").json()
    assert cohorts["calendar"] == "hijri" and cohorts["cohorts"][0]["cohort"].startswith("14")
    assert all(r["retention"] == 1.0 for r in cohorts["cohorts"] if r["period"] == 0)
    assert call("GET", "/api/v1/value/cohorts?calendar=mayan").status_code == 422
    movement = call("GET", "/api/v1/value/movement?days=60").json()
    assert sum(map(sum, movement["matrix"])) >= 100
    experience = call("GET", "/api/v1/value/experience").json()
    assert [r["group"] for r in experience["by_nps"] if r["outcome"] == "clv"] == [
        "promoter",
        "passive",
        "detractor",
    ]
    assert {r["group"] for r in experience["delivery"]} == {"on_time", "late"}
    drivers = call("GET", "/api/v1/value/drivers?bootstrap=50").json()
    ranked = sorted(drivers["drivers"], key=lambda d: -d["importance"])
    # NPS was generated mostly from touchpoint 1's CSAT
    assert ranked[0]["touchpoint_id"] == 1 and ranked[0]["importance"] > 5 * ranked[1]["importance"]


def test_value_page_and_customer_page_show_values_in_arabic(app, db, client, shop) -> None:  # type: ignore[no-untyped-def]
    ws, call = shop
    analyst = make_user(db, workspace=ws, role="analyst", locale="ar")
    token = login(client, analyst)
    page = client.get("/w/shop/value")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    assert "value/compute" in page.text  # the analyst may recompute
    done = client.post(
        "/w/shop/value/compute", data={"csrf_token": token, "horizon_months": "12", "discount_rate": "1"}
    )
    assert done.status_code == 303
    page = client.get("/w/shop/value")
    assert "BG/NBD" in page.text or "bgnbd" in page.text
    assert "/w/shop/customers/c" in page.text  # the call list links to profiles
    bad = client.post("/w/shop/value/compute", data={"csrf_token": token, "horizon_months": "0"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text and "horizon_months" in bad.text
    profile = client.get("/w/shop/customers/c1")
    assert profile.status_code == 200 and 'id="value"' in profile.text


def test_viewers_see_the_page_without_the_recompute_form(app, db, client, shop) -> None:  # type: ignore[no-untyped-def]
    ws, call = shop
    call("POST", "/api/v1/value/compute", json={})
    viewer = make_user(db, workspace=ws, role="viewer")
    token = login(client, viewer)
    page = client.get("/w/shop/value")
    assert page.status_code == 200 and "value/compute" not in page.text
    assert client.post("/w/shop/value/compute", data={"csrf_token": token}).status_code == 403


def test_call_list_shows_names_and_phones_by_role_exports_and_marks_calls(app, db, client, shop) -> None:  # type: ignore[no-untyped-def]
    import io

    import pyarrow as pa

    ws, call = shop
    call("POST", "/api/v1/value/compute", json={})
    wh = app.state.warehouse
    new = pa.Table.from_pylist(
        [
            {"workspace_id": ws.id, "customer_id": f"c{i}", "name": f"عميل {i}", "phone": f"+9665512{i:05d}"}
            for i in range(120)
        ]
    )
    if wh.append("customers", new) == 0:  # the profiles exist already: give them a name and a phone
        for i in range(120):
            wh.sql(
                "UPDATE customers SET name = ?, phone = ? WHERE workspace_id = ? AND customer_id = ?",
                [f"عميل {i}", f"+9665512{i:05d}", ws.id, f"c{i}"],
            )
    analyst = make_user(db, workspace=ws, role="analyst", locale="ar")
    login(client, analyst)
    page = client.get("/w/shop/value").text
    first = page.split('data-customer="', 1)[1].split('"', 1)[0]
    i = int(first[1:])
    assert f"عميل {i}" in page and f"+9665512{i:05d}" not in page and "+966•••" in page  # masked for analysts
    table = pd.read_csv(io.StringIO(client.get("/w/shop/value/call-list.csv").content.decode("utf-8-sig")))
    assert len(table) == 20 and table.iloc[0, 1] == f"عميل {i}" and "•••" in str(table.iloc[0, 2])
    client.cookies.clear()
    admin = make_user(db, workspace=ws, role="admin", locale="ar")
    token = login(client, admin)
    assert f"+9665512{i:05d}" in client.get("/w/shop/value").text  # admins read personal data
    done = client.post("/w/shop/value/called", data={"csrf_token": token, "customer_id": first})
    assert done.status_code == 303
    after = client.get("/w/shop/value").text
    assert after.split('data-customer="', 1)[1].split('"', 1)[0] != first  # called: to the end of the list
    events = wh.sql(
        "SELECT event, channel FROM events WHERE workspace_id = ? AND customer_id = ?", [ws.id, first]
    )
    assert events == [("Retention Call", "call_centre")]
    missing = client.post("/w/shop/value/called", data={"csrf_token": token, "customer_id": "nobody"})
    assert missing.status_code == 404
