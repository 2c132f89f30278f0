"""Platform benchmark: CLI start, demo build time and size, `serve` start time and idle memory.

Run with `make bench` (or `python benchmarks/platform_bench.py --scale 1.0`). Prints the machine, the
inputs and the results as Markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_help(runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tajriba.cli", "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_demo(data: Path, scale: float) -> tuple[float, int, str]:
    t = time.perf_counter()
    out = subprocess.run(
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
        text=True,
    ).stdout
    return time.perf_counter() - t, _du(data), [line for line in out.splitlines() if "Demo built" in line][0]


def bench_serve(data: Path) -> tuple[float, float, float]:
    """Seconds until /healthz answers, RSS right after start and after 10 s idle, in MB."""
    port = _free_port()
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tajriba.cli", "serve", "--port", str(port), "--data-dir", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        started = time.perf_counter() - t
        rss_start = _rss_mb(proc.pid)
        time.sleep(10)
        rss_idle = _rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    return started, rss_start, rss_idle


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tajriba-bench-"))
    try:
        print(
            f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
        help_s = bench_help()
        empty_start, empty_rss, empty_idle = bench_serve(tmp / "empty")
        demo_s, demo_bytes, demo_line = bench_demo(tmp / "demo", args.scale)
        demo_start, demo_rss, demo_idle = bench_serve(tmp / "demo")
        print("| measure | result |\n|---|---|")
        print(f"| `tajriba --help` (median of 5) | {help_s:.2f} s |")
        print(
            f"| `tajriba demo --scale {args.scale}` build | {demo_s:.1f} s ({demo_line.split(': ', 1)[1]}) |"
        )
        print(f"| demo data on disk | {demo_bytes / 2**20:.0f} MiB |")
        print(f"| `serve` start to /healthz, empty data dir (incl. migrations) | {empty_start:.2f} s |")
        print(f"| `serve` start to /healthz, demo data | {demo_start:.2f} s |")
        print(f"| `serve` RSS idle 10 s, empty / demo | {empty_idle:.0f} MiB / {demo_idle:.0f} MiB |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
