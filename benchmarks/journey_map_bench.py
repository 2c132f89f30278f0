"""Journey map page and exports on the demo workspace: wall time per request through the real app.

    .venv/bin/python benchmarks/journey_map_bench.py [--data-dir /tmp/tajriba-bench-demo] [--repeat 10]

Builds the demo (scale 1.0: ~983k events) into the data directory when it is not there yet, logs in as the
demo user and requests the map page (Arabic), the map with a persona and channel filter, and the SVG, PNG
and PDF exports; prints the median and worst of `--repeat` requests after one warm-up.
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="/tmp/tajriba-bench-demo")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    data = Path(args.data_dir)
    if not (data / "tajriba.db").exists() and not any(data.glob("*.db")):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tajriba.cli",
                "demo",
                "--scale",
                "1",
                "--no-serve",
                "--data-dir",
                str(data),
            ],
            check=True,
        )
    from fastapi.testclient import TestClient

    from tajriba.app import create_app
    from tajriba.config import load_settings
    from tajriba.demo import DEMO_EMAIL, DEMO_PASSWORD

    app = create_app(load_settings(data_dir=data, worker=False), start_worker=False)
    print(f"machine: {platform.node()} {platform.machine()} python {platform.python_version()}")
    with TestClient(app) as client:
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
        client.post(
            "/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf_token": token, "next": "/"}
        )
        for label, path in [
            ("map page (ar)", "/w/demo/journeys/1"),
            ("map page, persona + channel", "/w/demo/journeys/1?persona=deal_hunter&channel=web"),
            ("map.svg", "/w/demo/journeys/1/map.svg"),
            ("map.png", "/w/demo/journeys/1/map.png"),
            ("map.pdf", "/w/demo/journeys/1/map.pdf"),
        ]:
            first = client.get(path)
            assert first.status_code == 200, (path, first.status_code)
            times = []
            for _ in range(args.repeat if not label.endswith(("png", "pdf")) else max(2, args.repeat // 3)):
                started = time.perf_counter()
                client.get(path)
                times.append(time.perf_counter() - started)
            median, worst = statistics.median(times) * 1000, max(times) * 1000
            print(
                f"{label:32s} median {median:7.0f} ms  worst {worst:7.0f} ms  ({len(first.content):,} bytes)"
            )


if __name__ == "__main__":
    main()
