"""Data-subject requests through the API of a live server: agents log them, the privacy team's queue orders
them by due date, one extension before the due date; many agents at once lose none."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pyarrow as pa
import pytest
from sqlalchemy import select

from tajriba.accounts import service as accounts
from tajriba.config import load_settings
from tajriba.db.session import make_engine, make_session_factory
from tajriba.models import AuditEntry
from tajriba.warehouse import open_warehouse
from tests.live import serving, stores


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data = tmp_path_factory.mktemp("privacy") / "data"
    with stores(data) as s:
        ws = accounts.create_workspace(s, slug="shop", name="Shop")
        other = accounts.create_workspace(s, slug="other", name="Other")
        keys = {
            role: accounts.create_key(s, workspace=ws, kind="api", name=role, role=role)[1]
            for role in ("admin", "analyst", "agent", "viewer")
        }
        keys["other-admin"] = accounts.create_key(s, workspace=other, kind="api", name="o", role="admin")[1]
        ws_id = ws.id
    wh = open_warehouse(load_settings(data_dir=data, env="test").warehouse_address)
    wh.upsert("customers", pa.table({"workspace_id": [ws_id] * 2, "customer_id": ["sara", "hana"],
                                     "name": ["سارة", "هناء المطيري"], "email": [None, "hana.m@example.sa"]}))  # fmt: skip
    wh.close()
    with serving(data) as live:
        yield live.url, {role: {"Authorization": f"Bearer {k}"} for role, k in keys.items()}, data


def _log(url: str, key: dict, **body) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.post(f"{url}/api/v1/privacy/requests", json=body, headers=key, timeout=30)


def test_an_agent_logs_an_oral_request_with_its_due_date_and_the_audit_names_no_one(site) -> None:  # type: ignore[no-untyped-def]
    url, keys, data = site
    received = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
    answer = _log(
        url,
        keys["agent"],
        kind="access",
        channel="agent",
        jurisdiction="gdpr",
        contact="+966 55 123 4567",
        language="ar",
        details="طلب نسخة من بياناتي عبر الهاتف",
        received_at=received.isoformat(),
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["due_at"].startswith("2026-02-28T09:30")  # one calendar month, the month's last day
    assert body["current_due_at"] == body["due_at"] and body["extended_due_at"] is None
    assert "contact" not in body  # the queue does not spread the person's number
    engine = make_engine(f"sqlite:///{data / 'tajriba.db'}")  # the application database, beside the server
    with make_session_factory(engine)() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.request.log"))
        assert entry is not None and "123" not in str(entry.details)
    engine.dispose()


def test_roles_and_workspaces(site) -> None:  # type: ignore[no-untyped-def]
    url, keys, _data = site
    assert _log(url, keys["viewer"], kind="erasure").status_code == 403
    assert _log(url, keys["analyst"], kind="erasure").status_code == 201
    assert httpx.get(f"{url}/api/v1/privacy/requests", headers=keys["agent"]).status_code == 403
    assert httpx.get(f"{url}/api/v1/privacy/requests", headers=keys["analyst"]).status_code == 403
    mine = _log(url, keys["admin"], kind="correction").json()["id"]
    other = httpx.get(f"{url}/api/v1/privacy/requests/{mine}", headers=keys["other-admin"])
    assert other.status_code == 404
    bad = _log(url, keys["admin"], kind="forget-me-maybe")
    assert bad.status_code == 422 and "kind" in bad.text


def test_one_extension_with_a_reason_before_the_due_date(site) -> None:  # type: ignore[no-untyped-def]
    url, keys, _data = site
    admin = keys["admin"]
    fresh = _log(url, admin, kind="access", jurisdiction="pdpl").json()
    late = _log(
        url, admin, kind="access", received_at=(datetime.now(UTC) - timedelta(days=31)).isoformat()
    ).json()
    extend = f"{url}/api/v1/privacy/requests/{{}}/extension"
    short = httpx.post(extend.format(fresh["id"]), json={"reason": "busy"}, headers=admin)
    assert short.status_code == 422 and "reason" in short.text
    reason = "several requests from you arrived at once; we need more time to gather everything"
    done = httpx.post(extend.format(fresh["id"]), json={"reason": reason}, headers=admin)
    assert done.status_code == 200, done.text
    first = datetime.fromisoformat(fresh["due_at"])
    assert datetime.fromisoformat(done.json()["current_due_at"]) == first + timedelta(days=30)
    again = httpx.post(extend.format(fresh["id"]), json={"reason": reason}, headers=admin)
    assert again.status_code == 422 and "one extension" in again.text
    refused = httpx.post(extend.format(late["id"]), json={"reason": reason}, headers=admin)
    assert refused.status_code == 422 and "passed" in refused.text


def test_many_agents_at_once_lose_no_request_and_the_queue_is_by_due_date(site) -> None:  # type: ignore[no-untyped-def]
    url, keys, _data = site
    start = datetime(2026, 6, 1, tzinfo=UTC)

    def one(i: int) -> int:
        received = start + timedelta(hours=(i * 7) % 40)
        answer = _log(url, keys["agent"], kind="erasure", channel="agent", received_at=received.isoformat())
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    with ThreadPoolExecutor(16) as pool:
        ids = set(pool.map(one, range(64)))
    assert len(ids) == 64
    queue = httpx.get(f"{url}/api/v1/privacy/requests", headers=keys["admin"], timeout=30).json()
    assert ids <= {r["id"] for r in queue}
    dues = [r["current_due_at"] for r in queue]
    assert dues == sorted(dues)


def test_an_access_request_is_answered_with_the_archive_and_the_audit_keeps_a_token(site) -> None:  # type: ignore[no-untyped-def]
    import io
    import json
    import zipfile

    url, keys, data = site
    asked = _log(url, keys["agent"], kind="access", customer_id="sara", language="en").json()
    archive = f"{url}/api/v1/privacy/requests/{asked['id']}/archive"
    assert httpx.get(archive, headers=keys["agent"]).status_code == 403
    answer = httpx.get(archive, headers=keys["admin"], timeout=60)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as z:
        doc = json.loads(z.read("data.json"))
        assert doc["tables"]["customers"][0]["name"] == "سارة"
        assert "A copy of the data we hold about you" in z.read("summary.txt").decode()
    erase = _log(url, keys["admin"], kind="erasure", customer_id="sara").json()
    wrong = httpx.get(f"{url}/api/v1/privacy/requests/{erase['id']}/archive", headers=keys["admin"])
    assert wrong.status_code == 422 and "access" in wrong.text
    unlinked = _log(url, keys["admin"], kind="access").json()
    missing = httpx.get(f"{url}/api/v1/privacy/requests/{unlinked['id']}/archive", headers=keys["admin"])
    assert missing.status_code == 422 and "profile" in missing.text
    engine = make_engine(f"sqlite:///{data / 'tajriba.db'}")
    with make_session_factory(engine)() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.export"))
        assert entry is not None and entry.target_id != "sara" and "sara" not in str(entry.details)
    engine.dispose()


def test_a_legal_hold_defers_an_erasure_until_it_is_released(site) -> None:  # type: ignore[no-untyped-def]
    url, keys, data = site
    admin = keys["admin"]
    asked = _log(url, keys["agent"], kind="erasure", customer_id="hana", contact="hana.m@example.sa").json()
    hold = {
        "customer_id": "hana",
        "reason": "court case 2026/114 at the commercial court",
        "reference": "2026/114",
    }
    assert httpx.post(f"{url}/api/v1/privacy/holds", json=hold, headers=keys["agent"]).status_code == 403
    placed = httpx.post(f"{url}/api/v1/privacy/holds", json=hold, headers=admin)
    assert placed.status_code == 201, placed.text
    assert httpx.post(f"{url}/api/v1/privacy/holds", json=hold, headers=admin).status_code == 409
    short = httpx.post(
        f"{url}/api/v1/privacy/holds", json={**hold, "customer_id": "x", "reason": "law"}, headers=admin
    )
    assert short.status_code == 422 and "reason" in short.text

    erase = f"{url}/api/v1/privacy/requests/{asked['id']}/erasure"
    assert httpx.post(erase, headers=keys["agent"]).status_code == 403
    deferred = httpx.post(erase, headers=admin, timeout=60)
    assert deferred.status_code == 200, deferred.text
    assert deferred.json()["status"] == "deferred" and "2026/114" in deferred.json()["hold"]
    profile = httpx.get(f"{url}/api/v1/customers/hana", headers=admin)
    assert profile.status_code == 200  # kept while the hold lasts
    request = httpx.get(f"{url}/api/v1/privacy/requests/{asked['id']}", headers=admin).json()
    assert request["status"] == "deferred"

    released = httpx.post(f"{url}/api/v1/privacy/holds/{placed.json()['id']}/release", headers=admin)
    assert released.status_code == 200 and released.json()["released_at"]
    done = httpx.post(erase, headers=admin, timeout=60)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "erased" and body["counts"]["customers"] == 1
    assert body["reclaimed"]["warehouse"] == "next_open"  # the DuckDB file is rewritten at the next start
    assert httpx.get(f"{url}/api/v1/customers/hana", headers=admin).status_code == 404
    closed = httpx.get(f"{url}/api/v1/privacy/requests/{asked['id']}", headers=admin).json()
    assert closed["status"] == "done" and closed["customer_id"] is None
    engine = make_engine(f"sqlite:///{data / 'tajriba.db'}")
    with make_session_factory(engine)() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action.like("privacy.%"))))
        assert {"privacy.hold.place", "privacy.erase.defer", "privacy.hold.release", "privacy.erase"} <= {
            e.action for e in entries
        }
        assert not any("hana" in f"{e.target_id} {e.details}" for e in entries)
    engine.dispose()
