"""`tajriba import` while `tajriba serve` holds the embedded warehouse: the server's worker imports the file
and the CLI follows it, while trackers keep sending events; nothing lost, nothing stored twice."""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import orjson

from tajriba.warehouse import DuckDBWarehouse
from tests.ingest.test_real_clients import prepare
from tests.live import serving, start

ORDERS = 20_000


def _track(
    url: str, key: str, prefix: str, acked: list[str], errors: list[str], stop: threading.Event
) -> None:
    auth = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    with httpx.Client(base_url=url, headers=auth, timeout=60) as client:
        b = 0
        while not stop.is_set() or b < 3:
            batch = [
                {"type": "track", "event": "Viewed", "userId": f"u{j % 7}", "messageId": f"{prefix}-{b}-{j}"}
                for j in range(50)
            ]
            response = client.post("/v1/batch", content=orjson.dumps({"batch": batch}))
            if response.status_code == 200:
                acked.extend(m["messageId"] for m in batch)
            else:
                errors.append(f"{response.status_code}: {response.text[:200]}")
            b += 1


def _cli_import(data: Path, orders: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tajriba.cli", "import", "orders", str(orders), "--workspace", "shop",
         "--data-dir", str(data), *extra],
        capture_output=True, text=True, timeout=600, env={**os.environ},
    )  # fmt: skip


def test_the_cli_imports_through_the_running_server_while_events_arrive(tmp_path: Path) -> None:
    data = tmp_path / "data"
    key = prepare(data)
    orders = tmp_path / "orders.csv"
    lines = ["order_id,customer_email,ordered_at,amount,currency"]
    lines += [
        f"O{i},buyer{i % 300}@example.com,2026-05-{1 + i % 28:02d}T10:00:00+03:00,{10 + i}.50,SAR"
        for i in range(ORDERS)
    ]
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    server = start(data, worker=True)
    acked: list[str] = []
    errors: list[str] = []
    stop = threading.Event()
    try:
        trackers = [
            threading.Thread(target=_track, args=(server.url, key, f"t{n}", acked, errors, stop))
            for n in range(3)
        ]
        for t in trackers:
            t.start()
        first = _cli_import(data, orders, "--json")
        again = _cli_import(data, orders)  # the same file again: nothing stored twice
        stop.set()
        for t in trackers:
            t.join(timeout=120)
        assert first.returncode == 0, first.stderr[-2000:]
        assert "The server holds the warehouse" not in first.stderr  # --json: nothing but the report
        report = orjson.loads(first.stdout)
        assert (report["rows"], report["stored"], report["rejected"]) == (ORDERS, ORDERS, 0)
        assert again.returncode == 0, again.stderr[-2000:]
        assert "The server holds the warehouse: its worker runs this import" in again.stderr
        assert f"Imported {ORDERS:,} rows of orders" in again.stdout
        assert f"0 stored, {ORDERS:,} already present" in again.stdout
        assert not errors, errors[:5]
        assert orders.exists()  # the user's own file is kept
    finally:
        stop.set()
        server.stop()
    assert "Traceback" not in (tmp_path / "serve.log").read_text(errors="replace")
    wh = DuckDBWarehouse(str(data / "warehouse.duckdb"))
    try:
        assert wh.sql("SELECT count(*), count(DISTINCT order_id) FROM orders")[0] == (ORDERS, ORDERS)
        stored = {r[0] for r in wh.sql("SELECT message_id FROM events")}
        assert stored == set(acked) and len(acked) > 0
        assert wh.sql("SELECT count(*) FROM customers WHERE email LIKE 'buyer%'")[0][0] == 300
    finally:
        wh.close()


def test_without_a_worker_the_cli_says_so_and_takes_its_job_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    prepare(data)
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_email,ordered_at,amount\nO1,a@b.sa,2026-05-01,10\n", encoding="utf-8"
    )
    with serving(data):  # --no-worker
        env = {**os.environ, "TAJRIBA_CLI_WORKER_WAIT_SECONDS": "2"}
        result = subprocess.run(
            [sys.executable, "-m", "tajriba.cli", "import", "orders", str(orders), "--workspace", "shop",
             "--data-dir", str(data)],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        assert result.returncode != 0
        assert "no worker took the import" in result.stderr
    with sqlite3.connect(data / "tajriba.db") as db:  # the job was taken back: it will not run unseen later
        assert db.execute("SELECT count(*) FROM jobs WHERE kind = 'import.file'").fetchone() == (0,)


def test_several_serve_processes_need_a_shared_warehouse(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tajriba.cli", "serve", "--workers", "2", "--data-dir", str(tmp_path / "d")],
        capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "TAJRIBA_WAREHOUSE_URL"},
    )  # fmt: skip
    assert result.returncode == 2
    assert "shared warehouse" in result.stderr and "--workers" in result.stderr
