"""Every page a CX team opens, on the scale-1 demo: p50 / p95 of sequential loads as the demo owner.

    .venv/bin/tajriba demo --scale 1 --no-serve --data-dir /tmp/demo1
    .venv/bin/python benchmarks/pages_bench.py --data-dir /tmp/demo1 [--loads 20]

Starts `tajriba serve --no-worker` on the data, logs in, loads each page once to warm up and then `--loads`
times, and prints a Markdown table with the issue's targets (stories <= 300 ms, journey analytics <= 1 s,
overview, metrics and value <= 500 ms, every other page <= 300 ms).
"""

from __future__ import annotations

import argparse
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

TARGETS = {"stories": 300, "analytics": 1000, "overview": 500, "metrics": 500, "value": 500}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pages(client: httpx.Client) -> list[tuple[str, str]]:
    """(name, path) of the pages to time, with ids read from the demo itself."""
    first = lambda pattern, html: (re.search(pattern, html) or [None, None])[1]  # noqa: E731
    surveys = client.get("/w/demo/surveys").text
    survey = first(r'href="/w/demo/surveys/(\d+)/results"', surveys)
    cases = client.get("/w/demo/cases?view=all").text
    case = first(r'href="/w/demo/cases/(\d+)"', cases)
    customers = client.get("/w/demo/customers").text
    customer = first(r'href="/w/demo/customers/([^"/?]+)"', customers)
    journeys = client.get("/w/demo/journeys").text
    journey = first(r'href="/w/demo/journeys/(\d+)"', journeys)
    goals = client.get("/w/demo/goals").text
    goal = first(r'href="/w/demo/goals/(\d+)"', goals)
    return [
        ("overview", "/w/demo/"),
        ("metrics", "/w/demo/metrics"),
        ("value", "/w/demo/value"),
        ("stories", "/w/demo/stories"),
        ("analytics", "/w/demo/journey-analytics"),
        ("journey map", f"/w/demo/journeys/{journey}"),
        ("feedback", "/w/demo/feedback"),
        ("customers", "/w/demo/customers"),
        ("customer", f"/w/demo/customers/{customer}"),
        ("surveys", "/w/demo/surveys"),
        ("survey results", f"/w/demo/surveys/{survey}/results"),
        ("cases", "/w/demo/cases"),
        ("case", f"/w/demo/cases/{case}"),
        ("cases report", "/w/demo/cases/report"),
        ("goals", "/w/demo/goals"),
        ("goal", f"/w/demo/goals/{goal}"),
        ("reports", "/w/demo/reports"),
        ("journeys", "/w/demo/journeys"),
        ("tracking", "/w/demo/tracking"),
        ("imports", "/w/demo/imports"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tajriba.cli",
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--data-dir",
            str(args.data_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        client = httpx.Client(base_url=base, timeout=120, follow_redirects=True)
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/login").text)
        assert token
        client.post(
            "/login",
            data={
                "email": "demo@tajriba.example",
                "password": "tajriba-demo",
                "csrf_token": token[1],
                "next": "/",
            },
        )
        print("| page | target p95 | p50 | p95 | max |")
        print("|---|---|---|---|---|")
        for name, path in _pages(client):
            if args.only and name not in args.only.split(","):
                continue
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code)
            times = []
            for _ in range(args.loads):
                t = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            p50, p95 = times[len(times) // 2], times[min(len(times) - 1, int(0.95 * len(times)))]
            target = TARGETS.get(name, 300)
            verdict = "met" if p95 <= target else "**not met**"
            print(
                f"| {name} `{path}` | <= {target} ms | {p50:.0f} ms | {p95:.0f} ms ({verdict}) | {times[-1]:.0f} ms |"
            )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
