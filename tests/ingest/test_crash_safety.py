"""Kill the server (SIGKILL) under sustained load: every acknowledged event is stored after a restart."""

from __future__ import annotations

import base64
import signal
import threading
import time
from pathlib import Path

import httpx
import orjson

from tests.ingest.test_real_clients import Server, prepare, start


def _load(server: Server, acked: set[str], stop: threading.Event, worker: int) -> None:
    auth = {"Authorization": "Basic " + base64.b64encode(f"{server.key}:".encode()).decode()}
    n = 0
    with httpx.Client(base_url=server.url, headers=auth, timeout=5) as client:
        while not stop.is_set():
            ids = [f"w{worker}-{n}-{i}" for i in range(100)]
            n += 1
            body = orjson.dumps(
                {
                    "batch": [
                        {
                            "type": "track",
                            "event": "Load",
                            "userId": f"u{i % 50}",
                            "messageId": m,
                            "properties": {"n": n, "note": "اختبار"},
                        }
                        for i, m in enumerate(ids)
                    ]
                }
            )
            try:
                response = client.post("/v1/batch", content=body)
            except httpx.HTTPError:
                return  # the server died mid-request: this batch was not acknowledged
            if response.status_code == 200:
                acked.update(ids)


def test_every_acknowledged_event_survives_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "data"
    key = prepare(data)
    server = start(data, key)
    acked: set[str] = set()
    stop = threading.Event()
    threads = [threading.Thread(target=_load, args=(server, acked, stop, w)) for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 5_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(acked) >= 5_000, "the load did not get going"

    restarted = start(data, key)  # recovery replays the write-ahead log
    stored = {r[0] for r in restarted.rows("SELECT message_id FROM events")}
    assert acked <= stored, f"{len(acked - stored)} acknowledged events were lost"
    assert len(stored) == restarted.rows("SELECT count(*) FROM events")[0][0]
