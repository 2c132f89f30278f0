"""The official Segment and RudderStack Python clients, unchanged, against a live `tajriba serve`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tajriba.accounts import service
from tajriba.config import load_settings
from tajriba.db import migrate
from tajriba.db.session import make_engine, make_session_factory, transaction
from tajriba.warehouse import DuckDBWarehouse
from tests.conftest import free_port
from tests.test_serve import wait_healthy

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("client_driver.py")
OLD_SEGMENT = ROOT / ".venv" / "clients" / "segment-2.3.4"
CALLS = {"identify", "track", "page", "screen", "group", "alias"}


@dataclass
class Server:
    url: str
    key: str
    data: Path
    proc: subprocess.Popen

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=30)

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        self.stop()
        wh = DuckDBWarehouse(str(self.data / "warehouse.duckdb"))
        try:
            return wh.sql(sql, params)
        finally:
            wh.close()


def prepare(data: Path) -> str:
    settings = load_settings(data_dir=data, env="test")
    data.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    migrate.upgrade(engine)
    with transaction(make_session_factory(engine)) as s:
        ws = service.create_workspace(s, slug="shop", name="Shop")
        _key, secret = service.create_key(s, workspace=ws, kind="write", name="segment")
    engine.dispose()
    return secret


def start(data: Path, key: str, env: dict[str, str] | None = None) -> Server:
    """`tajriba serve --no-worker` on `data` (and `env`, default this process's), healthy, logging to serve.log."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tajriba.cli",
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--data-dir",
            str(data),
        ],
        # a file, not a pipe: nobody reads a pipe while the server runs, and a full pipe blocks the server
        stdout=(data.parent / "serve.log").open("a"),
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(f"{url}/healthz", proc)
    return Server(url, key, data, proc)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data = tmp_path / "data"
    srv = start(data, prepare(data))
    yield srv
    if srv.proc.poll() is None:
        srv.proc.kill()


def run_client(
    lib: str, host: str, key: str, *, gzip: bool, prefix: str, timeout: float = 15, old_segment: bool = False
) -> str:
    env = {**os.environ}
    if old_segment:
        if not (OLD_SEGMENT / "segment").is_dir():
            pytest.fail(
                f"segment-analytics-python 2.3.4 is not installed in {OLD_SEGMENT} (make installs it)"
            )
        env["PYTHONPATH"] = str(OLD_SEGMENT)
    result = subprocess.run(
        [sys.executable, str(DRIVER), lib, host, key, "1" if gzip else "0", str(timeout), prefix],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("lib", "gzip", "old", "version"),
    [
        ("segment", False, False, "2.4.0"),
        ("segment", True, False, "2.4.0"),
        ("segment", False, True, "2.3.4"),
        ("rudder", True, False, "2.1"),
        ("rudder", False, False, "2.1"),
    ],
    ids=["segment-2.4", "segment-2.4-gzip", "segment-2.3.4-no-basic-auth", "rudder-gzip", "rudder-plain"],
)
def test_every_call_type_of_the_real_client_arrives(
    server: Server, lib: str, gzip: bool, old: bool, version: str
) -> None:
    got = run_client(lib, server.url, server.key, gzip=gzip, prefix=lib, old_segment=old)
    assert got.startswith(version)
    rows = server.rows("SELECT type, message_id, properties, customer_id, tz FROM events")
    assert {r[0] for r in rows} == CALLS
    assert len(rows) == 6 + 250 == len({r[1] for r in rows})
    by_id = {r[1]: r for r in rows}
    assert "تم الدفع بنجاح ✅" in by_id[f"{lib}-track"][2]
    assert by_id[f"{lib}-track"][4] == "+03:30"
    profile = server.rows("SELECT name, email, traits FROM customers WHERE external_id = 'u1'")
    assert profile and profile[0][0] == "سارا احمدی" and profile[0][1] == "sara@example.com"
    assert "سلام\u200cدنیا 😊 ١٢٣" in profile[0][2]


class StallingProxy:
    """Forwards HTTP requests to the server, but holds back the first response until the client times out."""

    def __init__(self, upstream_port: int, stall_s: float) -> None:
        self.upstream = upstream_port
        self.stall_s = stall_s
        self.requests = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_message(sock: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return b""
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            body += sock.recv(65536)
        return head + b"\r\n\r\n" + body

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            while True:
                request = self._read_message(conn)
                if not request:
                    return
                self.requests += 1
                with socket.create_connection(("127.0.0.1", self.upstream)) as up:
                    up.sendall(request)
                    response = self._read_message(up)
                if self.requests == 1:
                    time.sleep(
                        self.stall_s
                    )  # the server has stored the batch; the client gives up and resends
                    return
                conn.sendall(response)

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("lib", ["segment", "rudder"])
def test_a_timeout_and_resend_stores_no_duplicates(server: Server, lib: str) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    proxy = StallingProxy(port, stall_s=3.0)
    try:
        run_client(
            lib,
            f"http://127.0.0.1:{proxy.port}",
            server.key,
            gzip=lib == "rudder",
            prefix=f"{lib}-t",
            timeout=1.0,
        )
    finally:
        proxy.close()
    assert proxy.requests >= 4  # 3 batches of at most 100, and at least one resend
    rows = server.rows("SELECT count(*), count(DISTINCT message_id) FROM events")
    assert rows == [(256, 256)]
