"""Privacy work with many people at once, against a live server: a dozen people ask through the public form
at the same moment and confirm with the code mailed to them (a real SMTP server), while the privacy team reads
the queue and a website keeps sending events; then the team erases half of them at once, while the events keep
coming. Nobody's request is lost or mixed up, no call fails, the erased are gone and every acknowledged event of
the others is stored."""

from __future__ import annotations

import base64
import re
import threading
import time
from pathlib import Path

import httpx
import orjson
import pandas as pd

from tajriba.accounts import service as accounts
from tajriba.config import load_settings
from tajriba.warehouse import open_warehouse
from tests.conftest import make_workspace
from tests.live import serving, stores

PEOPLE = 12


def _code(inbox, address: str, timeout: float = 60) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(inbox.messages):
            if message["X-Rcpt"] == address:
                body = message.get_payload(decode=True).decode()
                return re.search(r"\b(\d{6})\b", body).group(1)  # type: ignore[union-attr]
        time.sleep(0.2)
    raise AssertionError(f"no code reached {address}")


class Site:
    def __init__(self, url: str, admin: str, write: str) -> None:
        self.url, self.admin, self.write = url, admin, write
        self.errors: list[str] = []
        self.acked: list[str] = []
        self.lock = threading.Lock()

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def _person(site: Site, inbox, n: int) -> None:  # type: ignore[no-untyped-def]
    address = f"p{n}@example.com"
    with httpx.Client(base_url=site.url, timeout=60) as client:
        sent = client.post(
            "/privacy/shop/request", data={"kind": "erasure", "contact": address, "lang": "ar"}
        )
        if sent.status_code != 303:
            site.error(f"{address} asked: {sent.status_code} {sent.text[:200]}")
            return
        confirmed = client.post(sent.headers["location"].split("?")[0], data={"code": _code(inbox, address)})
        if confirmed.status_code != 200 or 'id="verified"' not in confirmed.text:
            site.error(f"{address} confirmed: {confirmed.status_code} {confirmed.text[:200]}")


def _website(site: Site, stop: threading.Event, n: int) -> None:
    auth = {"Authorization": "Basic " + base64.b64encode(f"{site.write}:".encode()).decode()}
    with httpx.Client(base_url=site.url, headers=auth, timeout=60) as client:
        i = 0
        while not stop.is_set():
            ids = [f"w{n}-{i}-{j}" for j in range(10)]
            i += 1
            batch = [{"type": "track", "event": "Product Viewed", "userId": f"visitor-{n}", "messageId": m,
                      "timestamp": "2026-11-01T10:00:00Z"} for m in ids]  # fmt: skip
            answer = client.post("/v1/batch", content=orjson.dumps({"batch": batch}))
            if answer.status_code == 200:
                with site.lock:
                    site.acked.extend(ids)
            else:
                site.error(f"website {answer.status_code}: {answer.text[:200]}")


def _team(site: Site, stop: threading.Event) -> None:
    with httpx.Client(base_url=site.url, headers={"Authorization": f"Bearer {site.admin}"}, timeout=60) as c:
        while not stop.is_set():
            for path in ("/api/v1/privacy/requests", "/api/v1/privacy/retention/preview"):
                answer = c.get(path)
                if answer.status_code != 200:
                    site.error(f"team {path}: {answer.status_code} {answer.text[:200]}")


def _all_at_once(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a client hung"


def test_many_people_ask_confirm_and_are_erased_at_once_on_a_live_server(tmp_path: Path, smtp) -> None:  # type: ignore[no-untyped-def]
    port, inbox = smtp
    data = tmp_path / "data"
    with stores(data) as s:
        ws = make_workspace(s, "shop")
        admin = accounts.create_key(s, workspace=ws, kind="api", name="dpo", role="admin")[1]
        write = accounts.create_key(s, workspace=ws, kind="write", name="site")[1]
    wh = open_warehouse(load_settings(data_dir=data, env="test").warehouse_address)
    wh.upsert("customers", pd.DataFrame({"workspace_id": ws.id, "customer_id": [f"c{n}" for n in range(PEOPLE)],
                                         "email": [f"p{n}@example.com" for n in range(PEOPLE)]}))  # fmt: skip
    wh.close()
    env = {"TAJRIBA_SMTP_HOST": "127.0.0.1", "TAJRIBA_SMTP_PORT": str(port), "TAJRIBA_SMTP_SECURITY": "none",
           "TAJRIBA_PRIVACY_RATE_PER_MINUTE": "100000"}  # every person comes from 127.0.0.1 here  # fmt: skip
    with serving(data, env=env) as live:
        site = Site(live.url, admin, write)
        stop = threading.Event()
        background = [threading.Thread(target=_website, args=(site, stop, n)) for n in range(3)]
        background.append(threading.Thread(target=_team, args=(site, stop)))
        for t in background:
            t.start()
        _all_at_once([threading.Thread(target=_person, args=(site, inbox, n)) for n in range(PEOPLE)])
        with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {admin}"}, timeout=120) as c:
            queue = c.get("/api/v1/privacy/requests").json()
            linked = {r["customer_id"]: r for r in queue if r["status"] == "verified"}
            assert sorted(linked) == sorted(f"c{n}" for n in range(PEOPLE)), queue  # each to its own profile

            def erase(cid: str) -> None:
                answer = c.post(f"/api/v1/privacy/requests/{linked[cid]['id']}/erasure")
                if answer.status_code != 200 or answer.json()["status"] != "erased":
                    site.error(f"erasing {cid}: {answer.status_code} {answer.text[:300]}")

            erased = [f"c{n}" for n in range(0, PEOPLE, 2)]
            _all_at_once([threading.Thread(target=erase, args=(cid,)) for cid in erased])
            stop.set()
            for t in background:
                t.join(timeout=120)
            assert not site.errors, site.errors[:5]
            for n in range(PEOPLE):
                assert c.get(f"/api/v1/customers/c{n}").status_code == (404 if f"c{n}" in erased else 200)
            assert c.get("/api/v1/stats").json()["tables"]["events"] == len(site.acked) > 0
            assert len(inbox.messages) == PEOPLE  # one code each, none sent twice
