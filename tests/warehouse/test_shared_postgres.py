"""Two `tajriba serve` processes and a CLI import write to one PostgreSQL warehouse at the same time.

Every tracked event and imported order lands exactly once, and a customer tracked through both servers
has one profile, not one per process; so has each customer of the import.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import orjson

from tajriba.accounts import service
from tajriba.config import load_settings
from tajriba.db import migrate
from tajriba.db.session import make_engine, make_session_factory, transaction
from tajriba.warehouse import open_warehouse
from tests import live
from tests.conftest import pg_warehouse_url
from tests.ingest.test_real_clients import start

USERS = 12  # shared by both servers and the import
BATCHES = 15  # per sender
SENDERS = 3  # per server
BUYERS = 40  # the import's customers (external ids: profiles of their own)


def _send(url: str, key: str, prefix: str, acked: list[str], errors: list[str]) -> None:
    auth = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    with httpx.Client(base_url=url, headers=auth, timeout=60) as client:
        for b in range(BATCHES):
            batch = [
                {
                    "type": "identify" if j % 5 == 0 else "track",
                    "event": "Product Viewed",
                    "userId": f"user-{(b + j) % USERS}",
                    "anonymousId": f"anon-{prefix}-{b}-{j}",
                    "messageId": f"{prefix}-{b}-{j}",
                    "properties": {"sku": f"SKU-{j}", "note": "منتج رائع"},
                    "traits": {"email": f"user{(b + j) % USERS}@example.com"},
                }
                for j in range(20)
            ]
            response = client.post("/v1/batch", content=orjson.dumps({"batch": batch}))
            if response.status_code == 200:
                acked.extend(m["messageId"] for m in batch)
            else:
                errors.append(f"{response.status_code}: {response.text[:200]}")


def _shared(pg_url: str, warehouse_url: str, tmp_path: Path, slug: str) -> tuple[dict[str, str], str, int]:
    """The environment of processes sharing the PostgreSQL stores, a workspace in them, and its write key."""
    env = {**os.environ, "TAJRIBA_DATABASE_URL": pg_url, "TAJRIBA_WAREHOUSE_URL": warehouse_url}
    env.pop("TAJRIBA_TEST_WAREHOUSE", None)
    settings = load_settings(data_dir=tmp_path / "d0", env="test", database_url=pg_url)
    engine = make_engine(settings.db_url)
    migrate.upgrade(engine)
    with transaction(make_session_factory(engine)) as s:
        ws = service.create_workspace(s, slug=slug, name="Shop")
        _key, secret = service.create_key(s, workspace=ws, kind="write", name="segment")
        ws_id = ws.id
    engine.dispose()
    return env, secret, ws_id


def test_two_servers_and_a_cli_import_share_one_postgres_warehouse(pg_url: str, tmp_path: Path) -> None:
    with pg_warehouse_url() as warehouse_url:
        env, secret, ws_id = _shared(pg_url, warehouse_url, tmp_path, "shop")

        orders = tmp_path / "orders.csv"
        lines = ["order_id,customer_id,ordered_at,amount,currency"]
        lines += [
            f"O{i},buyer-{i % BUYERS},2026-05-{1 + i % 28:02d}T10:00:00,{10 + i}.50,SAR" for i in range(3000)
        ]
        orders.write_text("\n".join(lines) + "\n", encoding="utf-8")

        log = tmp_path / "serve.log"  # where start() has both servers write
        servers = [start(tmp_path / f"d{n}", secret, env) for n in (1, 2)]
        try:
            acked: list[str] = []
            errors: list[str] = []
            threads = [
                threading.Thread(target=_send, args=(server.url, secret, f"s{n}-{k}", acked, errors))
                for n, server in enumerate(servers)
                for k in range(SENDERS)
            ]
            for t in threads:
                t.start()
            imported = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tajriba.cli",
                    "import",
                    "orders",
                    str(orders),
                    "--workspace",
                    "shop",
                    "--json",
                ],
                capture_output=True,
                text=True,
                env={**env, "TAJRIBA_DATA_DIR": str(tmp_path / "d3")},
                timeout=600,
            )
            for t in threads:
                t.join(timeout=600)
            assert imported.returncode == 0, imported.stderr[-2000:]
            assert orjson.loads(imported.stdout)["stored"] == 3000
            assert not errors, errors[:5]
            assert len(acked) == 2 * SENDERS * BATCHES * 20
        finally:
            for server in servers:
                if server.proc.poll() is None:
                    server.proc.send_signal(signal.SIGINT)
            for server in servers:
                try:
                    server.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.proc.kill()
        assert "Traceback" not in log.read_text(errors="replace")

        wh = open_warehouse(warehouse_url)
        try:
            # every acknowledged event once (the servers flush what they buffered when they stop)
            stored = {r[0] for r in wh.sql("SELECT message_id FROM events WHERE workspace_id = ?", [ws_id])}
            assert stored == set(acked)
            assert wh.sql("SELECT count(*) FROM events WHERE workspace_id = ?", [ws_id])[0][0] == len(acked)
            assert wh.sql("SELECT count(*), count(DISTINCT order_id) FROM orders")[0] == (3000, 3000)
            # one live profile per user, whichever process saw them first
            owners = wh.sql(
                "SELECT i.value, count(DISTINCT i.customer_id) FROM customer_identities i "
                "JOIN customers c ON c.workspace_id = i.workspace_id AND c.customer_id = i.customer_id "
                "WHERE i.workspace_id = ? AND i.kind = 'user_id' AND c.merged_into IS NULL GROUP BY 1",
                [ws_id],
            )
            assert len(owners) == USERS and all(n == 1 for _v, n in owners), owners
            live = wh.sql(
                "SELECT count(*) FROM customers WHERE workspace_id = ? AND merged_into IS NULL", [ws_id]
            )[0][0]
            buyers = wh.sql(
                "SELECT value, count(DISTINCT customer_id) FROM customer_identities WHERE workspace_id = ? "
                "AND kind = 'external_id' GROUP BY 1",
                [ws_id],
            )
            assert len(buyers) == BUYERS and all(n == 1 for _v, n in buyers), buyers
            assert live == USERS + BUYERS
            # every imported order belongs to a live profile
            loose = wh.sql(
                "SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE "
                "c.workspace_id = o.workspace_id AND c.customer_id = o.customer_id AND c.merged_into IS NULL)"
            )[0][0]
            assert loose == 0
        finally:
            wh.close()


def test_serve_with_two_processes_stores_every_event_once_even_when_resent(
    pg_url: str, tmp_path: Path
) -> None:
    """`serve --workers 2`: requests land on either process; a batch resent (a client that timed out) may
    reach the other one, and is stored once."""
    with pg_warehouse_url() as warehouse_url:
        env, secret, ws_id = _shared(pg_url, warehouse_url, tmp_path, "shop2")
        server = live.start(tmp_path / "d1", env=env, processes=2)
        acked: list[str] = []
        errors: list[str] = []
        try:
            auth = {"Authorization": "Basic " + base64.b64encode(f"{secret}:".encode()).decode()}

            def send(prefix: str) -> None:
                # a fresh connection per request: the kernel spreads them over both processes
                for b in range(20):
                    batch = [
                        {
                            "type": "track",
                            "event": "Viewed",
                            "userId": f"u{j % 9}",
                            "messageId": f"{prefix}-{b}-{j}",
                        }
                        for j in range(25)
                    ]
                    body = orjson.dumps({"batch": batch})
                    for _attempt in range(2):  # every batch sent twice
                        response = httpx.post(
                            f"{server.url}/v1/batch", content=body, headers=auth, timeout=60
                        )
                        if response.status_code == 200:
                            acked.extend(m["messageId"] for m in batch)
                        else:
                            errors.append(f"{response.status_code}: {response.text[:200]}")

            threads = [threading.Thread(target=send, args=(f"p{n}",)) for n in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=600)
            pids = {int(line.split()[1]) for line in _process_lines(server.proc.pid)}
            assert len(pids) >= 2, pids  # two processes really served
        finally:
            server.stop()
        assert not errors, errors[:5]
        wh = open_warehouse(warehouse_url)
        try:
            rows = wh.sql(
                "SELECT count(*), count(DISTINCT message_id) FROM events WHERE workspace_id = ?", [ws_id]
            )
            assert rows[0] == (len(set(acked)), len(set(acked))) == (4 * 20 * 25, 4 * 20 * 25)
            users = wh.sql(
                "SELECT count(DISTINCT customer_id) FROM customer_identities WHERE workspace_id = ? AND kind = 'user_id'",
                [ws_id],
            )
            assert users[0][0] == 9  # one profile per user, whichever process saw them first
        finally:
            wh.close()


def _process_lines(parent: int) -> list[str]:
    """`ps` lines of the server's child processes (uvicorn's workers)."""
    out = subprocess.run(["ps", "-o", "ppid=,pid=", "--ppid", str(parent)], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line.strip()]
