"""Real traffic on one server: 64 respondents answering a survey while tracking clients send events.

Starts `tajriba serve` (SQLite by default, `--database-url postgresql://...` for PostgreSQL) on a fresh data
directory with one live relationship-NPS survey, then runs for `--seconds`:
- 64 respondents (4 client processes x 16 threads) walking the survey screen by screen to the thank-you page,
  each response in a new browser session;
- 16 tracking clients (1 process) posting batches of 20 events to /v1/batch.
Prints respondent page and submission latency (p50 / p95 / max), completed responses per second, tracking
requests and events per second with their p95, and every error. The load generator shares the machine.

    python benchmarks/traffic_bench.py [--seconds 60] [--respondents 64] [--trackers 16] [--database-url URL]
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing as mp
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson

RESPONDENT_PROCESSES = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(data: Path, database_url: str | None) -> tuple[str, str]:
    from tajriba.accounts import service as accounts
    from tajriba.config import load_settings
    from tajriba.db import migrate
    from tajriba.db.session import make_engine, make_session_factory, transaction
    from tajriba.surveys import service as surveys
    from tajriba.warehouse import open_warehouse
    from tajriba.web.deps import Context

    settings = load_settings(data_dir=data, env="test", database_url=database_url)
    data.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    migrate.upgrade(engine)
    with transaction(make_session_factory(engine)) as s:
        ws = accounts.create_workspace(s, slug="bench", name="Bench")
        user = accounts.create_user(s, email="bench@example.com", name="Bench", password="bench-password-1")
        accounts.set_role(s, workspace=ws, user=user, role="owner")
        write_key = accounts.create_key(s, workspace=ws, kind="write", name="site")[1]
        actor = Context(workspace=ws, role="owner", user=user)
        survey = surveys.from_template(
            s, workspace_id=ws.id, template="relationship_nps", locale="ar", actor=actor
        )
        surveys.set_status(s, survey=survey, status="active", actor=actor)
        token = survey.public_token
    engine.dispose()
    open_warehouse(settings.warehouse_address).close()
    return write_key, token


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _respondents(url: str, token: str, threads: int, seconds: float, seed: int, out: mp.Queue) -> None:
    """One client process: `threads` respondents; sends (gets, posts, completed, errors) back."""
    gets: list[float] = []
    posts: list[float] = []
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def walk(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        while time.monotonic() < stop:
            with httpx.Client(base_url=url, timeout=60, follow_redirects=False) as c:
                try:
                    t = time.perf_counter()
                    page = c.get(f"/s/{token}?channel=bench")
                    with lock:
                        gets.append(time.perf_counter() - t)
                    for _ in range(12):
                        if page.status_code != 200:
                            raise RuntimeError(f"GET {page.status_code}")
                        html = page.text
                        screen = re.search(r'name="screen" value="([^"]*)"', html)
                        assert screen
                        form: dict[str, object] = {"screen": screen.group(1), "lang": "ar", "nav": "next"}
                        for name, value in re.findall(
                            r'<input type="hidden" name="((?:p|h\.[\w]+|started))" value="([^"]*)"', html
                        ):
                            form[name] = value
                        for key in screen.group(1).split(","):
                            values = re.findall(rf'name="{re.escape(key)}" value="([^"]+)"', html)
                            if values:
                                form[key] = rng.choice([v for v in values if v != "__other__"] or values)
                            elif f'name="{key}"' in html:
                                form[key] = "المندوب تأخر ثلاثة أيام"
                        t = time.perf_counter()
                        r = c.post(f"/s/{token}", data=form)
                        with lock:
                            posts.append(time.perf_counter() - t)
                        if r.status_code != 303:
                            raise RuntimeError(f"POST {r.status_code}")
                        if "/done" in r.headers["location"]:
                            with lock:
                                done[0] += 1
                            break
                        t = time.perf_counter()
                        page = c.get(r.headers["location"])
                        with lock:
                            gets.append(time.perf_counter() - t)
                except Exception as exc:  # noqa: BLE001 - every failure is reported
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}"[:200])

    ts = [threading.Thread(target=walk, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.put(("respondents", gets, posts, done[0], errors))


def _trackers(url: str, key: str, threads: int, seconds: float, out: mp.Queue) -> None:
    lat: list[float] = []
    errors: list[str] = []
    sent = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    auth = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}

    def run(n: int) -> None:
        with httpx.Client(base_url=url, headers=auth, timeout=60) as c:
            i = 0
            while time.monotonic() < stop:
                batch = [
                    {
                        "type": "track",
                        "event": "Viewed",
                        "userId": f"u{n}-{j % 5}",
                        "messageId": f"{n}-{i}-{j}",
                    }
                    for j in range(20)
                ]
                i += 1
                t = time.perf_counter()
                try:
                    r = c.post("/v1/batch", content=orjson.dumps({"batch": batch}))
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(repr(exc)[:200])
                    continue
                with lock:
                    lat.append(time.perf_counter() - t)
                    if r.status_code == 200:
                        sent[0] += 20
                    else:
                        errors.append(f"{r.status_code} {r.text[:100]}")

    ts = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.put(("trackers", lat, sent[0], errors))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--respondents", type=int, default=64)
    parser.add_argument("--trackers", type=int, default=16)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tajriba-traffic-"))
    data = tmp / "data"
    write_key, token = _prepare(data, args.database_url)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TAJRIBA_SURVEY_RATE_PER_MINUTE": "1000000", "TAJRIBA_ENV": "test"}
    if args.database_url:
        env["TAJRIBA_DATABASE_URL"] = args.database_url
    log = (tmp / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "tajriba.cli", "serve", "--port", str(port), "--data-dir", str(data)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        out: mp.Queue = mp.Queue()
        per = max(1, args.respondents // RESPONDENT_PROCESSES)
        procs = [
            mp.Process(target=_respondents, args=(url, token, per, args.seconds, i, out))
            for i in range(RESPONDENT_PROCESSES)
        ]
        procs.append(mp.Process(target=_trackers, args=(url, write_key, args.trackers, args.seconds, out)))
        started = time.perf_counter()
        for p in procs:
            p.start()
        results = [out.get() for _ in procs]
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - started
        gets = [x for r in results if r[0] == "respondents" for x in r[1]]
        posts = [x for r in results if r[0] == "respondents" for x in r[2]]
        done = sum(r[3] for r in results if r[0] == "respondents")
        errors = [e for r in results for e in r[-1]]
        track = next(r for r in results if r[0] == "trackers")
        ms = 1000
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(
            f"database: {'PostgreSQL' if args.database_url else 'SQLite'}; {args.seconds:.0f} s; "
            f"{per * RESPONDENT_PROCESSES} respondents, {args.trackers} tracking clients"
        )
        print(
            f"respondent page GET: {len(gets)} ({len(gets) / elapsed:.0f}/s), p50 {_pct(gets, 0.5) * ms:.0f} ms, "
            f"p95 {_pct(gets, 0.95) * ms:.0f} ms, max {max(gets, default=0) * ms:.0f} ms"
        )
        print(
            f"answer POST: {len(posts)} ({len(posts) / elapsed:.0f}/s), p50 {_pct(posts, 0.5) * ms:.0f} ms, "
            f"p95 {_pct(posts, 0.95) * ms:.0f} ms, max {max(posts, default=0) * ms:.0f} ms"
        )
        print(f"completed responses: {done} ({done / elapsed:.1f}/s)")
        print(
            f"tracking: {len(track[1])} requests ({len(track[1]) / elapsed:.0f}/s), {track[2]} events "
            f"({track[2] / elapsed:.0f}/s), p50 {_pct(track[1], 0.5) * ms:.0f} ms, p95 {_pct(track[1], 0.95) * ms:.0f} ms"
        )
        print(f"errors: {len(errors)}" + (f" (first: {errors[:3]})" if errors else ""))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
