"""The consent ledger (CON-1..3): every source records a consent with all a regulator asks of it; the ledger is
append-only on every engine (and a PostgreSQL trigger refuses other writers); staff record grants and
withdrawals in one step, by the API and on the profile, and many agents may do so at once."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import select

from tajriba.accounts import service as accounts
from tajriba.models import AuditEntry
from tajriba.warehouse import Warehouse, ledger
from tajriba.warehouse.ledger import AppendOnly
from tests.conftest import csrf_from, login, make_user, make_workspace
from tests.customers.test_consent import page, send
from tests.live import serving, stores

T0 = datetime(2026, 3, 1, 9, 0)


class Actor:
    actor = "cli:test"

    def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
        pass


def _ledger(wh: Warehouse, ws: int) -> list[dict]:
    cols = ("purpose", "granted", "source", "lawful_basis", "explicit", "channel", "notice_version", "language",
            "tz", "actor")  # fmt: skip
    rows = wh.sql(f"SELECT {', '.join(cols)} FROM consents WHERE workspace_id = ? ORDER BY recorded_at", [ws])
    return [dict(zip(cols, r, strict=True)) for r in rows]


def test_a_tracked_consent_and_a_withdrawal_told_to_an_agent_keep_every_field(app, client, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "ledger1")
    accounts.publish_notice(db, workspace=ws, version="2026-02", texts={"ar": "إشعار", "en": "Notice"},
                            contact=None, actor=Actor())  # fmt: skip
    key = accounts.create_key(db, workspace=ws, kind="api", name="crm", role="agent")[1]
    db.commit()
    wh = app.state.warehouse
    consented = page("m1", "2026-04-01T10:00:00+03:00", {"email_marketing": True})
    consented["context"].update(locale="ar-SA", library={"name": "analytics.js"})
    consented["context"]["consent"]["noticeVersion"] = "2026-01"
    send(wh, ws.id, [consented])
    customer = wh.sql("SELECT customer_id FROM customer_identities WHERE value = 'u-1'")[0][0]
    # the person phones to withdraw: one call, the same shape as granting
    answer = client.post(
        f"/api/v1/customers/{customer}/consents",
        json={"purpose": "email_marketing", "granted": False, "channel": "phone", "language": "ar"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["changed"] is True
    assert _ledger(wh, ws.id) == [
        {"purpose": "email_marketing", "granted": True, "source": "segment", "lawful_basis": "consent",
         "explicit": False, "channel": "web", "notice_version": "2026-01", "language": "ar", "tz": "+03:00",
         "actor": "subject"},
        {"purpose": "email_marketing", "granted": False, "source": "agent", "lawful_basis": "consent",
         "explicit": False, "channel": "phone", "notice_version": "2026-02", "language": "ar", "tz": None,
         "actor": _key_actor(db)},
    ]  # fmt: skip
    # telling us the same again stores nothing; the history lists both rows, newest first
    again = client.post(f"/api/v1/customers/{customer}/consents", headers={"Authorization": f"Bearer {key}"},
                        json={"purpose": "email_marketing", "granted": False, "channel": "phone"})  # fmt: skip
    assert again.status_code == 201 and again.json()["changed"] is False
    history = client.get(f"/api/v1/customers/{customer}/consents", headers={"Authorization": f"Bearer {key}"})
    assert [(r["granted"], r["channel"]) for r in history.json()["records"]] == [
        (False, "phone"),
        (True, "web"),
    ]
    db.rollback()
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "consent.record")).all()
    assert len(audit) == 2 and customer not in str([a.target_id for a in audit])  # a token, not the id


def test_a_page_views_implied_consent_never_downgrades_an_express_one(app, client, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "ledger4")
    key = accounts.create_key(db, workspace=ws, kind="api", name="crm", role="agent")[1]
    db.commit()
    wh = app.state.warehouse
    send(wh, ws.id, [page("v1", "2026-04-01T10:00:00Z", {"sms_marketing": True})])  # implied, by the banner
    customer = wh.sql("SELECT customer_id FROM customer_identities WHERE value = 'u-1'")[0][0]
    express = {"purpose": "sms_marketing", "granted": True, "explicit": True, "channel": "in_person"}
    made = client.post(
        f"/api/v1/customers/{customer}/consents", json=express, headers={"Authorization": f"Bearer {key}"}
    )
    assert made.json()["changed"] is True  # implied made express: a change
    send(wh, ws.id, [page("v2", "2099-01-01T10:00:00Z", {"sms_marketing": True})])  # the banner again, later
    rows = wh.sql("SELECT explicit FROM consents WHERE workspace_id = ? ORDER BY recorded_at", [ws.id])
    assert rows == [(False,), (True,)]  # nothing new: the express grant stands
    send(wh, ws.id, [page("v3", "2099-02-01T10:00:00Z", {"sms_marketing": False})])
    assert len(wh.sql("SELECT 1 FROM consents WHERE workspace_id = ?", [ws.id])) == 3  # a withdrawal is news


def _key_actor(db) -> str:  # type: ignore[no-untyped-def]
    from tajriba.models import ApiKey

    return f"key:{db.scalars(select(ApiKey.id)).one()}"


def test_bad_consent_calls_name_the_field(app, client, db) -> None:  # type: ignore[no-untyped-def]
    from tajriba.privacy import records

    ws = make_workspace(db, "ledger2")
    key = accounts.create_key(db, workspace=ws, kind="api", name="crm", role="agent")[1]
    viewer = accounts.create_key(db, workspace=ws, kind="api", name="bi", role="viewer")[1]
    records.register(db, workspace_id=ws.id, actor=Actor(), data={
        "key": "sms_marketing", "name": "SMS offers", "lawful_basis": "consent", "explicit": True})  # fmt: skip
    db.commit()
    app.state.warehouse.append("customers", pd.DataFrame({"workspace_id": [ws.id], "customer_id": ["c1"]}))
    auth = {"Authorization": f"Bearer {key}"}

    def post(body: dict, headers: dict = auth) -> httpx.Response:
        return client.post("/api/v1/customers/c1/consents", json=body, headers=headers)

    assert (
        post({"purpose": "Marketing SMS", "granted": True, "channel": "phone"}).json()["error"]["field"]
        == "purpose"
    )
    assert post({"purpose": "sms_marketing", "granted": True, "channel": "fax"}).status_code == 422
    refused = post(
        {"purpose": "sms_marketing", "granted": True, "channel": "phone"}
    )  # implied, explicit needed
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "explicit"
    assert (
        post({"purpose": "sms_marketing", "granted": True, "channel": "phone", "explicit": True}).status_code
        == 201
    )
    assert client.post("/api/v1/customers/nobody/consents", headers=auth,
                       json={"purpose": "surveys", "granted": True, "channel": "phone"}).status_code == 404  # fmt: skip
    forbidden = post(
        {"purpose": "surveys", "granted": True, "channel": "phone"}, {"Authorization": f"Bearer {viewer}"}
    )
    assert forbidden.status_code == 403


def test_the_profile_page_records_a_decision_in_one_step(app, client, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "ledger3")
    agent = make_user(db, workspace=ws, role="agent")
    app.state.warehouse.append("customers", pd.DataFrame({"workspace_id": [ws.id], "customer_id": ["c1"]}))
    login(client, agent)
    token = csrf_from(client, "/w/ledger3/customers/c1")
    form = {"csrf_token": token, "purpose": "whatsapp", "granted": "yes", "explicit": "yes", "channel": "in_person",
            "language": "fa"}  # fmt: skip
    done = client.post("/w/ledger3/customers/c1/consents", data=form)
    assert done.status_code == 303 and "consent_done=1" in done.headers["location"]
    html = client.get(done.headers["location"]).text
    assert 'data-purpose="whatsapp"' in html and 'role="status"' in html
    row = app.state.warehouse.sql("SELECT granted, explicit, channel, language, actor FROM consents")
    assert row == [(True, True, "in_person", "fa", agent.email)]
    missing = client.post("/w/ledger3/customers/c1/consents", data={**form, "granted": ""})
    assert "consent_error" in missing.headers["location"]
    assert 'role="alert"' in client.get(missing.headers["location"]).text


def test_the_ledger_is_append_only_on_every_engine(any_wh: Warehouse) -> None:
    wh = any_wh
    wh.append("consents", pd.DataFrame({"workspace_id": [1], "consent_id": ["k1"], "customer_id": ["c1"],
                                        "purpose": ["surveys"], "granted": [True], "recorded_at": [T0]}))  # fmt: skip
    with pytest.raises(AppendOnly, match="append-only"):
        wh.run("UPDATE consents SET granted = false WHERE workspace_id = 1")
    with pytest.raises(AppendOnly, match="customer_id, granted"):
        wh.run("UPDATE consents SET granted = false, customer_id = 'c2' WHERE workspace_id = 1")
    with pytest.raises(AppendOnly):
        wh.run("delete from consents where workspace_id = 1")
    assert wh.sql("SELECT customer_id, granted FROM consents") == [("c1", True)]
    # an identity merge re-points the row; an erasure deletes it
    assert wh.run("UPDATE consents SET customer_id = 'c2' WHERE workspace_id = 1 AND customer_id = 'c1'") == 1
    assert wh.delete_customer(1, "c2")["consents"] == 1
    with ledger.erasing():
        assert wh.run("DELETE FROM consents WHERE workspace_id = 1") == 0


def test_postgresql_refuses_other_writers_too() -> None:
    """A BI tool or psql on the warehouse database cannot rewrite or delete a consent either (the trigger)."""
    import psycopg

    from tajriba.warehouse.postgres import PostgresWarehouse
    from tests.conftest import engine_warehouse

    with engine_warehouse("postgres", Path("/nonexistent")) as wh:
        assert isinstance(wh, PostgresWarehouse)
        wh.append("consents", pd.DataFrame({"workspace_id": [1], "consent_id": ["k1"], "customer_id": ["c1"],
                                            "purpose": ["surveys"], "granted": [True], "recorded_at": [T0]}))  # fmt: skip
        with psycopg.connect(wh.address, autocommit=True) as con:
            con.execute(f'SET search_path = "{wh.schema}"')
            for statement in (
                "UPDATE consents SET granted = false",
                "DELETE FROM consents",
                "TRUNCATE consents",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                    con.execute(statement)
            assert con.execute("UPDATE consents SET customer_id = 'c2'").rowcount == 1
            with con.transaction():
                con.execute("SELECT set_config('tajriba.erasing', 'on', true)")
                assert con.execute("DELETE FROM consents").rowcount == 1


def test_many_agents_record_decisions_at_once_on_a_live_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with stores(data) as s:
        ws = make_workspace(s, "busy")
        keys = [
            accounts.create_key(s, workspace=ws, kind="api", name=f"desk {n}", role="agent")[1]
            for n in range(6)
        ]
    from tajriba.config import load_settings
    from tajriba.warehouse import open_warehouse

    wh = open_warehouse(load_settings(data_dir=data, env="test").warehouse_address)
    wh.append("customers", pd.DataFrame({"workspace_id": ws.id, "customer_id": [f"c{n}" for n in range(6)]}))
    wh.close()
    errors: list[str] = []
    rounds = 8

    def desk(n: int) -> None:  # each desk answers its own customer, alternating grant and withdrawal
        with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {keys[n]}"}, timeout=60) as c:
            for r in range(rounds):
                body = {"purpose": "email_marketing", "granted": r % 2 == 0, "channel": "phone"}
                answer = c.post(f"/api/v1/customers/c{n}/consents", json=body)
                if answer.status_code != 201 or not answer.json()["changed"]:
                    errors.append(f"desk {n} round {r}: {answer.status_code} {answer.text[:200]}")
                if c.get(f"/api/v1/customers/c{(n + 1) % 6}/consents").status_code != 200:
                    errors.append(f"desk {n}: reading a neighbour's ledger failed")

    with serving(data) as live:
        desks = [threading.Thread(target=desk, args=(n,)) for n in range(6)]
        for t in desks:
            t.start()
        for t in desks:
            t.join(timeout=300)
        assert not errors, errors
        with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {keys[0]}"}) as c:
            for n in range(6):
                records = c.get(f"/api/v1/customers/c{n}/consents").json()["records"]
                assert len(records) == rounds and records[0]["granted"] is (rounds % 2 == 1)
                assert records[-1]["recorded_at"] <= records[0]["recorded_at"]
