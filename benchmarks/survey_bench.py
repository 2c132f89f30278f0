"""Surveys and dashboards over real HTTP: respondent page throughput, submit latency, dashboard latency.

Builds (or reuses) a demo data directory, adds a live one-page CSAT survey, starts `tajriba serve` in its
own process and measures from this one:
- respondent page `GET /s/<token>`: requests per second with `wrk` (1 thread, 32 connections, 10 s) when
  installed, else a Python keep-alive client;
- submitting a whole response (`POST /s/<token>`, every question on one page, stored in the warehouse):
  p50 / p95 / max over 300 sequential submits;
- dashboard pages (metrics, goals, stories, overview) as the demo owner: p50 / p95 over 30 loads each.

    python benchmarks/survey_bench.py [--scale 0.2] [--demo-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


KEY = "bench-one-page"


def prepare(data: Path, scale: float) -> str:
    """Build the demo when missing (it has goals); add a live all-on-one-page CSAT survey once; its public path."""
    if not any(data.glob("*.db")):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tajriba.cli",
                "demo",
                "--scale",
                str(scale),
                "--no-serve",
                "--data-dir",
                str(data),
            ],
            check=True,
            capture_output=True,
        )
    from sqlalchemy import select

    from tajriba.cli import Stores, _settings
    from tajriba.models import Survey, Workspace
    from tajriba.surveys import service as surveys

    class Bench:
        def audit(self, db, action, **kw):
            pass

    stores = Stores(_settings(data))
    with stores.factory() as db:
        ws = db.scalars(select(Workspace).where(Workspace.slug == "demo")).one()
        survey = db.scalars(select(Survey).where(Survey.workspace_id == ws.id, Survey.key == KEY)).first()
        if survey is None:
            survey = surveys.from_template(
                db, workspace_id=ws.id, template="post_purchase_csat", locale="en", actor=Bench(), key=KEY
            )
            # every question on one page (no conditions, so nothing starts a new screen)
            questions = [{**q, "visible_if": None} for q in survey.definition["questions"]]
            definition = surveys.Definition.model_validate(
                {**survey.definition, "questions": questions, "one_per_screen": False}
            )
            surveys.update_survey(db, survey=survey, definition=definition, actor=Bench())
            surveys.set_status(db, survey=survey, status="active", actor=Bench())
            db.commit()
        path = re.sub(r"^https?://[^/]+", "", surveys.public_url("http://x", survey))
    stores.close()
    return path


def serve(data: Path, port: int, rate: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TAJRIBA_SURVEY_RATE_PER_MINUTE": str(rate)}
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def throughput(url: str, seconds: int = 10) -> tuple[float, str]:
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", "-t1", "-c32", f"-d{seconds}s", url], check=True, capture_output=True, text=True
        ).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return rps, "wrk -t1 -c32" + (f", {errors.group(1)} non-2xx" if errors else "")
    n, t = 0, time.perf_counter()
    with httpx.Client() as client:
        while time.perf_counter() - t < seconds:
            client.get(url).raise_for_status()
            n += 1
    return n / (time.perf_counter() - t), "python keep-alive client, 1 connection"


def submit_latency(base: str, path: str, n: int = 300) -> list[float]:
    times = []
    with httpx.Client(base_url=base) as client:
        client.get(path).raise_for_status()
        for i in range(n):
            client.cookies.clear()
            form = {
                "screen": "csat,issue,comment,contact",
                "lang": "en",
                "nav": "next",
                "csat": str(1 + i % 5),
                "issue": "price",
                "comment": "Quick delivery and a friendly courier, thank you",
                "started": str(time.time() - 30),
            }
            t = time.perf_counter()
            r = client.post(path, data=form)
            times.append((time.perf_counter() - t) * 1000)
            if r.status_code != 303 or "/done" not in r.headers.get("location", ""):
                raise RuntimeError(f"submit {i}: {r.status_code} {r.headers.get('location')} {r.text[:300]}")
    return times


def page_latency(base: str, paths: list[str], n: int = 30) -> dict[str, list[float]]:
    from tajriba.demo import DEMO_EMAIL, DEMO_PASSWORD

    out: dict[str, list[float]] = {}
    with httpx.Client(base_url=base) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = client.post("/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf_token": token})
        assert r.status_code in (200, 303), r.text[:200]
        for path in paths:
            client.get(path).raise_for_status()  # warm
            times = []
            for _ in range(n):
                t = time.perf_counter()
                client.get(path).raise_for_status()
                times.append((time.perf_counter() - t) * 1000)
            out[path] = times
    return out


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument("--demo-dir", type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tajriba-survey-bench-"))
    data = args.demo_dir or tmp / "demo"
    try:
        print(
            f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        print(f"date: {date.today()}")
        path = prepare(data, args.scale)
        port = _free_port()
        proc = serve(data, port, rate=1_000_000)
        base = f"http://127.0.0.1:{port}"
        try:
            rps, how = throughput(base + path)
            submits = submit_latency(base, path)
            pages = page_latency(base, ["/w/demo/metrics", "/w/demo/goals", "/w/demo/stories", "/w/demo/"])
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
        print("| measure | target | result |\n|---|---|---|")
        print(f"| respondent page GET /s/<token> ({how}) | >= 500 req/s | {rps:.0f} req/s |")
        print(
            f"| submit a whole response (POST, 300 sequential) | p95 < 50 ms | p50 {p(submits, 50):.1f} ms, "
            f"p95 {p(submits, 95):.1f} ms, max {max(submits):.1f} ms |"
        )
        for path_, times in pages.items():
            print(
                f"| page {path_} (30 loads) | p95 <= 300 ms | p50 {p(times, 50):.0f} ms, p95 {p(times, 95):.0f} ms |"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
