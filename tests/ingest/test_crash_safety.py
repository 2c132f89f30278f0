"""Kill the server (SIGKILL) under sustained load: every acknowledged event is stored after a restart, and
the parser processes it started end with it."""

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
            ids = [f"w{worker}-{n}-{i}" for i in range(500)]  # large enough for the parser processes
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


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


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
    while len(acked) < 20_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    parsers = _children(server.proc.pid)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(acked) >= 20_000, "the load did not get going"
    assert parsers, "the server parsed these batches in no other process"
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in parsers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in parsers), "parser processes outlived the killed server"

    restarted = start(data, key)  # recovery replays the write-ahead log
    stored = {r[0] for r in restarted.rows("SELECT message_id FROM events")}
    assert acked <= stored, f"{len(acked - stored)} acknowledged events were lost"
    assert len(stored) == restarted.rows("SELECT count(*) FROM events")[0][0]
