"""/healthz answers while every request thread is busy: it never queues behind the routes it watches."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx

from tajriba.accounts import service as accounts
from tests.live import serving, stores


def test_health_answers_while_every_request_thread_waits_for_the_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with stores(data) as s:
        ws = accounts.create_workspace(s, slug="shop", name="Shop")
        keys = [accounts.create_key(s, workspace=ws, kind="write", name=f"site {n}")[1] for n in range(4)]
    with serving(data, env={"TAJRIBA_THREADS": "2"}) as live:
        # another process holds the application database's write lock: each tracking call's first use of its
        # key stamps `last_used_at` and so waits for the lock, holding one of the server's two request threads
        blocker = sqlite3.connect(data / "tajriba.db", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        answers: list[int] = []

        def track(key: str) -> None:
            event = {"type": "track", "event": "Viewed", "userId": "u1"}
            try:
                answers.append(
                    httpx.post(f"{live.url}/v1/track", json=event, auth=(key, ""), timeout=60).status_code
                )
            except httpx.HTTPError:
                answers.append(0)

        waiting = [threading.Thread(target=track, args=(key,)) for key in keys]
        for t in waiting:
            t.start()
        time.sleep(2)  # the threads are taken
        try:
            started = time.perf_counter()
            response = httpx.get(f"{live.url}/healthz", timeout=20)
            took = time.perf_counter() - started
            assert not answers, f"the tracking calls should still wait for the lock: {answers}"
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        for t in waiting:
            t.join(timeout=60)
    # the stores answer (a held write lock does not stop a read), and promptly
    assert response.status_code == 200, response.text
    assert response.json()["database"] == "ok" and response.json()["warehouse"] == "ok"
    assert took < 3, f"/healthz took {took:.1f} s"
    assert answers == [200] * 4, answers  # the waiting calls went through once the lock was free
