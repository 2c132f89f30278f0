"""`tajriba serve` starts on an empty data directory, answers /healthz, and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port


def _output(proc: subprocess.Popen) -> str:
    """What a server that exited printed (from its pipe, or from the log file it wrote to)."""
    if proc.stdout is None:
        return "server exited"
    if hasattr(proc.stdout, "read") and proc.stdout.readable():
        return str(proc.stdout.read())
    return Path(proc.stdout.name).read_text(errors="replace")


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, _output(proc)
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def test_serve_starts_on_an_empty_data_dir_and_stops_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tajriba.cli", "serve", "--port", str(port), "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ},
    )
    try:
        body = wait_healthy(f"http://127.0.0.1:{port}/healthz", proc).json()
        assert body["status"] == "ok" and body["database"] == "ok" and body["warehouse"] == "ok"
        login = httpx.get(f"http://127.0.0.1:{port}/login")
        assert login.status_code == 200 and 'dir="rtl"' in login.text
        assert httpx.get(f"http://127.0.0.1:{port}/static/vendor/htmx.min.js").status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    output = proc.stdout.read() if proc.stdout else ""
    assert "Traceback" not in output
    assert (data / "tajriba.db").exists() and (data / "warehouse.duckdb").exists()
