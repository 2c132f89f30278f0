"""Tracking API throughput: a separate load process sends pre-built realistic batches over loopback HTTP.

    python benchmarks/ingest_bench.py --seconds 15 --batch-sizes 10,100,500 --connections 32

For each batch size: events/s acknowledged, request latency p50/p99, 503 (back-pressure) share, and a check
that the warehouse holds exactly the distinct messageIds sent. Load comes from one asyncio process with
keep-alive connections (aiohttp-free: raw HTTP/1.1 over asyncio streams), so the server's two cores are
shared with the load generator, as on a real single host.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing as mp
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
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_batches(batch_size: int, count: int, prefix: str) -> list[bytes]:
    """Realistic Segment batches: mixed event types, Arabic and Persian text, context like analytics-python's."""
    batches = []
    for b in range(count):
        batch = []
        for i in range(batch_size):
            n = b * batch_size + i
            kind = ("track", "track", "track", "page", "identify")[n % 5]
            msg: dict = {
                "type": kind,
                "messageId": f"{prefix}-{n}",
                "timestamp": "2026-11-22T08:00:15.051+03:00",
                "context": {"library": {"name": "analytics-python", "version": "2.4.0"}, "locale": "ar-SA"},
                "integrations": {},
            }
            if n % 3:
                msg["userId"] = f"user-{n % 5000}"
            else:
                msg["anonymousId"] = f"anon-{n % 20000}"
            if kind == "track":
                msg["event"] = ("Product Viewed", "Product Added", "Order Completed")[n % 3]
                msg["properties"] = {
                    "product_id": f"P{n % 900}",
                    "price": 149.5,
                    "currency": "SAR",
                    "name": "عطر عود ملكي",
                    "note": "ارسال سريع",
                }
            elif kind == "page":
                msg["name"] = "Product"
                msg["properties"] = {
                    "path": f"/ar/p/{n % 900}",
                    "title": "صفحة المنتج",
                    "url": "https://shop.sa/ar",
                }
            else:
                msg["traits"] = {"name": "سارا احمدی", "email": f"user{n % 5000}@example.com", "plan": "gold"}
            batch.append(msg)
        batches.append(orjson.dumps({"batch": batch, "sentAt": "2026-11-22T08:00:15.100+03:00"}))
    return batches


async def _client(
    port: int, auth: str, batches: list[bytes], stop_at: float, stats: dict, idx: int, stride: int
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = idx
    while time.perf_counter() < stop_at and i < len(batches):
        body = batches[i]
        head = (
            f"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        t = time.perf_counter()
        writer.write(head + body)
        await writer.drain()
        status_line = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        stats["latency"].append(time.perf_counter() - t)
        code = int(status_line.split()[1])
        if code == 200:
            stats["acked_batches"].append(i)
            i += stride
        elif code == 503:
            stats["busy"] += 1
            await asyncio.sleep(0.05)  # Retry-After; the same batch is resent
        else:
            stats["errors"] += 1
            i += stride
    writer.close()


def load(
    port: int, key: str, batch_size: int, seconds: float, connections: int, prefix: str, out: mp.Queue
) -> None:
    per_conn = int(300_000 * seconds / batch_size / connections) + 10
    batches = build_batches(batch_size, per_conn * connections, prefix)
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    stats: dict = {"latency": [], "acked_batches": [], "busy": 0, "errors": 0}

    async def main() -> None:
        stop_at = time.perf_counter() + seconds
        await asyncio.gather(
            *(_client(port, auth, batches, stop_at, stats, c, connections) for c in range(connections))
        )

    t = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - t
    out.put(
        {
            "elapsed": elapsed,
            "events": len(stats["acked_batches"]) * batch_size,
            "latency": stats["latency"],
            "busy": stats["busy"],
            "errors": stats["errors"],
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--batch-sizes", default="10,100,500")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--warehouse", default=None, help="TAJRIBA_WAREHOUSE_URL for the server (default: DuckDB)"
    )
    args = parser.parse_args()
    from tests.ingest.test_real_clients import prepare

    tmp = Path(tempfile.mkdtemp(prefix="tajriba-ingest-"))
    data = tmp / "data"
    key = prepare(data)
    port = _free_port()
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
        env={**os.environ, **({"TAJRIBA_WAREHOUSE_URL": args.warehouse} if args.warehouse else {})},
    )
    import httpx

    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; server and load on one host"
    )
    print(
        "| batch size | events/s acknowledged | p50 ms | p99 ms | 503 share | errors |\n|---|---|---|---|---|---|"
    )
    sent_total = 0
    try:
        for size in (int(s) for s in args.batch_sizes.split(",")):
            q: mp.Queue = mp.Queue()
            p = mp.Process(target=load, args=(port, key, size, args.seconds, args.connections, f"b{size}", q))
            p.start()
            r = q.get()
            p.join()
            lat = sorted(r["latency"]) or [0.0]
            p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
            total = len(lat)
            sent_total += r["events"]
            print(
                f"| {size} | {r['events'] / r['elapsed']:,.0f} | {statistics.median(lat) * 1000:.1f} | "
                f"{p99 * 1000:.1f} | {r['busy'] / max(total, 1):.1%} | {r['errors']} |"
            )
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    from tajriba.warehouse import open_warehouse

    wh = open_warehouse(args.warehouse or f"duckdb:///{data / 'warehouse.duckdb'}")
    stored, distinct = wh.sql("SELECT count(*), count(DISTINCT message_id) FROM events")[0]
    wh.close()
    print(
        f"\nacknowledged {sent_total:,} events; warehouse holds {stored:,} ({distinct:,} distinct): "
        f"{'OK' if stored == distinct == sent_total else 'MISMATCH'}"
    )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
