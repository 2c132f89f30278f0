"""`/api/v1/loyalty`: transactions by role, idempotency keys, clear errors, workspaces kept apart, and concurrent
redemptions against a live server that never overdraw a balance."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tajriba.accounts import service as accounts
from tajriba.loyalty import service
from tests.conftest import make_workspace
from tests.live import serving, stores
from tests.loyalty.conftest import T0


def _keys(db, ws):  # type: ignore[no-untyped-def]
    out = {
        role: accounts.create_key(db, workspace=ws, kind="api", name=role, role=role)[1]
        for role in ("agent", "viewer", "analyst")
    }
    db.commit()
    return {role: {"Authorization": f"Bearer {key}"} for role, key in out.items()}


def test_transactions_by_role_with_keys_and_clear_errors(client, db, ws, programme) -> None:  # type: ignore[no-untyped-def]
    h = _keys(db, ws)
    earn = {
        "kind": "earn",
        "customer_id": "c-1",
        "order_id": "ORD-1",
        "amount": "420.50",
        "channel": "app",
        "occurred_at": "2026-03-01T10:00:00+03:00",
    }
    assert client.post("/api/v1/loyalty/transactions", json=earn, headers=h["viewer"]).status_code == 403
    r = client.post("/api/v1/loyalty/transactions", json=earn, headers=h["agent"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["points"] == 420 and body["key"] == "order:ORD-1" and not body["replay"]
    assert body["legs"][0]["debit"] == "programme" and body["legs"][0]["credit"] == "member"
    again = client.post("/api/v1/loyalty/transactions", json=earn, headers=h["agent"]).json()
    assert again["replay"] and again["points"] == 420 and again["balance"] == 420
    stolen = client.post(
        "/api/v1/loyalty/transactions", json={**earn, "customer_id": "c-2"}, headers=h["agent"]
    )
    assert stolen.status_code == 409 and stolen.json()["error"]["code"] == "key_reused"
    too_much = {"kind": "redeem", "customer_id": "c-1", "points": 500, "key": "pos-77"}
    r = client.post("/api/v1/loyalty/transactions", json=too_much, headers=h["agent"])
    assert r.status_code == 409 and "420" in r.json()["error"]["message"]
    r = client.post("/api/v1/loyalty/transactions", json={**too_much, "points": 120}, headers=h["agent"])
    assert r.json()["balance"] == 300
    bad = client.post(
        "/api/v1/loyalty/transactions",
        json={"kind": "redeem", "customer_id": "c-1", "key": "x"},
        headers=h["agent"],
    )
    assert bad.status_code == 422 and "points" in bad.text
    naive = client.post(
        "/api/v1/loyalty/transactions",
        json={**earn, "order_id": "ORD-2", "occurred_at": "2026-03-01T10:00:00"},
        headers=h["agent"],
    )
    assert naive.status_code == 422 and "zone" in naive.text
    huge = {
        **earn,
        "order_id": "ORD-big",
        "amount": "10000000000",
        "channel": "web",
    }  # 10 billion: 64-bit points
    assert (
        client.post("/api/v1/loyalty/transactions", json=huge, headers=h["agent"]).json()["points"] == 10**10
    )
    refund = {"kind": "adjust", "customer_id": "c-1", "points": -(10**7), "key": "fix-big"}
    assert client.post("/api/v1/loyalty/transactions", json=refund, headers=h["agent"]).status_code == 200
    too_big = client.post("/api/v1/loyalty/transactions", json={**huge, "amount": "1e11"}, headers=h["agent"])
    assert too_big.status_code == 422 and "amount" in too_big.text
    member = client.get("/api/v1/loyalty/members/c-1", headers=h["agent"]).json()
    assert member["balance"] == 300 + 10**10 - 10**7 and member["tier"]["key"] == "platinum"
    assert member["history"][0]["points"] == -(10**7)
    assert client.get("/api/v1/loyalty/members/c-1", headers=h["viewer"]).status_code == 403


def test_another_workspaces_member_is_404(client, db, ws, programme) -> None:  # type: ignore[no-untyped-def]
    other = make_workspace(db, "other")
    service.start_programme(db, workspace_id=other.id, name="Other")
    db.commit()
    h, ho = _keys(db, ws), _keys(db, other)
    earn = {"kind": "earn", "customer_id": "c-1", "order_id": "O1", "amount": 100}
    assert client.post("/api/v1/loyalty/transactions", json=earn, headers=h["agent"]).status_code == 200
    assert client.get("/api/v1/loyalty/members/c-1", headers=ho["agent"]).status_code == 404
    redeem = {"kind": "redeem", "customer_id": "c-1", "points": 10, "key": "r1"}
    assert client.post("/api/v1/loyalty/transactions", json=redeem, headers=ho["agent"]).status_code == 404
    # the same order id is a different order in another workspace
    assert (
        client.post("/api/v1/loyalty/transactions", json=earn, headers=ho["agent"]).json()["replay"] is False
    )


def test_rewards_stock_limits_and_vouchers(client, db, ws, programme) -> None:  # type: ignore[no-untyped-def]
    h = _keys(db, ws)
    reward = {"name": "Free delivery", "points": 100, "stock": 2, "per_member": 1, "valid_days": 30}
    assert client.post("/api/v1/loyalty/rewards", json=reward, headers=h["agent"]).status_code == 403
    rid = client.post("/api/v1/loyalty/rewards", json=reward, headers=h["analyst"]).json()["id"]
    for c in ("a", "b", "c"):
        earn = {"kind": "earn", "customer_id": c, "order_id": f"O-{c}", "amount": 500}
        client.post("/api/v1/loyalty/transactions", json=earn, headers=h["agent"])
    url = f"/api/v1/loyalty/rewards/{rid}/redemptions"
    first = client.post(url, json={"customer_id": "a", "key": "ra"}, headers=h["agent"])
    assert first.status_code == 201 and first.json()["balance"] == 400
    assert (
        client.post(url, json={"customer_id": "a", "key": "ra"}, headers=h["agent"]).json()["code"]
        == first.json()["code"]
    )
    assert (
        client.post(url, json={"customer_id": "a", "key": "ra2"}, headers=h["agent"]).json()["error"]["code"]
        == "limit_reached"
    )
    assert client.post(url, json={"customer_id": "b", "key": "rb"}, headers=h["agent"]).status_code == 201
    assert (
        client.post(url, json={"customer_id": "c", "key": "rc"}, headers=h["agent"]).json()["error"]["code"]
        == "out_of_stock"
    )
    assert client.get("/api/v1/loyalty/rewards", headers=h["viewer"]).json()[0]["stock_left"] == 0
    code = first.json()["code"]
    assert client.post(f"/api/v1/loyalty/vouchers/{code}/use", headers=h["agent"]).status_code == 200
    assert (
        client.post(f"/api/v1/loyalty/vouchers/{code}/use", headers=h["agent"]).json()["error"]["code"]
        == "voucher_used"
    )


def test_concurrent_redemptions_against_a_live_server_never_overdraw(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _concurrent_redemptions(tmp_path / "data", None)


@pytest.mark.postgres
def test_concurrent_redemptions_never_overdraw_on_postgres(tmp_path, pg_url) -> None:  # type: ignore[no-untyped-def]
    _concurrent_redemptions(tmp_path / "data", pg_url)


def _concurrent_redemptions(data, database_url) -> None:  # type: ignore[no-untyped-def]
    with stores(data, database_url) as s:
        ws = accounts.create_workspace(s, slug="shop", name="Shop")
        service.start_programme(s, workspace_id=ws.id, name="Rewards")
        key = accounts.create_key(s, workspace=ws, kind="api", name="pos", role="agent")[1]
    headers = {"Authorization": f"Bearer {key}"}
    env = {"TAJRIBA_DATABASE_URL": database_url} if database_url else None
    with serving(data, env=env) as live, httpx.Client(base_url=live.url, headers=headers, timeout=60) as http:

        def earn(i: int) -> int:  # the first orders of a new member, at once: one enrolment, three awards
            with httpx.Client(base_url=live.url, headers=headers, timeout=60) as c:
                body = {"kind": "earn", "customer_id": "c", "order_id": f"O{i % 3}", "amount": 100}
                return c.post("/api/v1/loyalty/transactions", json=body).status_code

        with ThreadPoolExecutor(6) as pool:
            assert set(pool.map(earn, range(9))) == {200}

        def redeem(i: int) -> int:
            with httpx.Client(base_url=live.url, headers=headers, timeout=60) as c:
                body = {"kind": "redeem", "customer_id": "c", "points": 70, "key": f"r{i % 6}"}
                return c.post("/api/v1/loyalty/transactions", json=body).status_code

        with ThreadPoolExecutor(12) as pool:
            codes = list(pool.map(redeem, range(24)))
        assert set(codes) <= {200, 409}, codes
        member = http.get("/api/v1/loyalty/members/c").json()
        # six distinct keys of 70 against 300 points: exactly four fit, replays of them answer 200 again
        assert member["balance"] == 300 - 4 * 70
        assert sum(1 for item in member["history"] if item["kind"] == "redeem") == 4


def test_the_loyalty_page_and_the_customer_panel_by_role(app, client, db, ws, programme) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    from tests.conftest import csrf_from, login, make_user

    app.state.warehouse.append("customers", pd.DataFrame({"workspace_id": [ws.id], "customer_id": ["c-9"]}))
    service.earn_order(
        db,
        workspace=ws,
        programme=programme,
        customer_id="c-9",
        order_id="O9",
        amount=250,
        ordered_at=T0,
        now=T0,
    )
    db.commit()
    analyst = make_user(db, workspace=ws, role="analyst", locale="ar")
    login(client, analyst)
    page = client.get(f"/w/{ws.slug}/loyalty")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    token = csrf_from(client, f"/w/{ws.slug}/loyalty")
    form = {
        "name": "Eid",
        "season": "eid_al_fitr",
        "year": "1447",
        "multiplier": "3",
        "holdout_percent": "20",
    }
    r = client.post(f"/w/{ws.slug}/loyalty/campaigns", data={"csrf_token": token, **form})
    assert r.status_code == 303 and "error" not in r.headers["location"]
    bad = client.post(
        f"/w/{ws.slug}/loyalty/campaigns", data={"csrf_token": token, "name": "x", "multiplier": "1"}
    )
    assert "error=" in bad.headers["location"]
    (eid,) = service.campaigns(db, workspace_id=ws.id)
    assert (eid.name, str(eid.starts_on), str(eid.ends_on), eid.multiplier) == (
        "Eid",
        "2026-03-20",
        "2026-03-22",
        3.0,
    )
    assert 'id="campaign-' in client.get(f"/w/{ws.slug}/loyalty").text
    panel = client.get(f"/w/{ws.slug}/customers/c-9")
    assert panel.status_code == 200 and 'id="loyalty"' in panel.text
    viewer_client = client
    client.cookies.clear()
    viewer = make_user(db, workspace=ws, role="viewer")
    login(viewer_client, viewer)
    assert viewer_client.get(f"/w/{ws.slug}/loyalty").status_code == 200
    token = csrf_from(viewer_client, f"/w/{ws.slug}/loyalty")
    assert viewer_client.post(f"/w/{ws.slug}/loyalty/run", data={"csrf_token": token}).status_code == 403


def test_an_erasure_removes_the_members_rows_and_an_export_holds_them(db, ws, programme) -> None:  # type: ignore[no-untyped-def]
    from tests.loyalty.conftest import T0

    service.earn_order(
        db,
        workspace=ws,
        programme=programme,
        customer_id="gone",
        order_id="G1",
        amount=100,
        ordered_at=T0,
        now=T0,
    )
    service.enrol(
        db,
        programme=programme,
        customer_id="friend",
        now=T0,
        referral_code=service.get_member(db, workspace_id=ws.id, customer_id="gone").code,
    )
    rows = service.customer_rows(db, workspace_id=ws.id, customer_id="gone")
    assert (
        len(rows["loyalty_members"]) == 1 and len(rows["loyalty_transfers"]) == 2
    )  # the order and the referral
    counts = service.erase_customers(db, workspace_id=ws.id, customer_ids=["gone"])
    assert counts["loyalty_members"] == 1 and counts["loyalty_transfers"] == 2
    assert service.customer_rows(db, workspace_id=ws.id, customer_id="gone") == {}
    assert service.get_member(db, workspace_id=ws.id, customer_id="friend").referred_by is None
