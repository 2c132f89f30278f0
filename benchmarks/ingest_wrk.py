"""The tracking API against its floor under the same wrk load (wrk is C: it leaves the cores to the server).

    python benchmarks/ingest_wrk.py [--seconds 10] [--batch-sizes 1,100,500] [--connections 16]

The floor (benchmarks/ingest_floor.py) only parses batches with orjson and appends rows to DuckDB with group
commit. Both get the same realistic batches (ingest_bench.build_batches; every request's messageIds made
unique by wrk's Lua script). Prints events/s acknowledged, p50/p99 latency, non-200 answers, product/floor,
and checks that each store holds exactly the events acknowledged (every answer was 200, none lost, none
twice). Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ingest_bench import _free_port, build_batches  # noqa: E402

LUA = """
local template, counter = nil, 0
function init(args)
  local f = io.open(args[1], "rb"); template = f:read("*a"); f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Basic " .. args[2]
end
function request()
  counter = counter + 1
  local body = string.gsub(template, "@ID@", "r" .. counter)
  return wrk.format(nil, "/v1/batch", nil, body)
end
"""


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited")
        try:
            httpx.post(url + "/v1/batch", content=b"{}", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, body: Path, key: str, seconds: float, connections: int, lua: Path) -> dict[str, float]:
    import base64

    auth = base64.b64encode(f"{key}:".encode()).decode()
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "10s", "--latency", "-s", str(lua),
         url, "--", str(body), auth],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    return {
        "requests": requests,
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "bad": int(bad.group(1)) if bad else 0,
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
    }


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def _count(path: Path, warehouse: str | None = None) -> tuple[int, int]:
    """Events stored, and distinct message ids, in the floor's file or the product's warehouse."""
    if warehouse:
        from tajriba.warehouse import open_warehouse

        wh = open_warehouse(warehouse)
        try:
            row = wh.sql("SELECT count(*), count(DISTINCT message_id) FROM events")[0]
            return int(row[0]), int(row[1])
        finally:
            wh.close()
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        found = con.execute("SELECT count(*), count(DISTINCT message_id) FROM events").fetchone()
        return (int(found[0]), int(found[1])) if found else (0, 0)
    finally:
        con.close()


def run_one(which: str, size: int, args: argparse.Namespace, tmp: Path, lua: Path) -> dict[str, float]:
    from tests.ingest.test_real_clients import prepare

    body = tmp / f"body-{size}.json"
    body.write_bytes(build_batches(size, 1, "@ID@")[0])
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    if which == "floor":
        db = tmp / f"floor-{size}.duckdb"
        cmd = [
            sys.executable,
            str(ROOT / "benchmarks" / "ingest_floor.py"),
            "--port",
            str(port),
            "--db",
            str(db),
        ]
        key = "floor"
    else:
        data = tmp / f"data-{size}"
        key = prepare(data)
        db = data / "warehouse.duckdb"
        cmd = [
            sys.executable,
            "-m",
            "tajriba.cli",
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--data-dir",
            str(data),
        ]
        cmd += ["--workers", str(args.workers)]
    env = {**os.environ}
    warehouse = None
    if which == "product" and args.postgres:  # a fresh schema per run
        warehouse = f"{args.postgres}?schema=wrk_{size}_{args.workers}_{int(time.time())}"
        env["TAJRIBA_WAREHOUSE_URL"] = warehouse
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        _wait(url, proc)
        result = wrk(url, body, key, args.seconds, args.connections, lua)
    finally:
        _stop(proc)
    stored, distinct = _count(db, warehouse)
    result["events_s"] = result["rate"] * size
    acked = (result["requests"] - result["bad"]) * size
    # wrk stops with a request in flight on each connection: stored but not counted as answered
    result["exact"] = stored == distinct and acked <= stored <= acked + args.connections * size
    result["stored"] = stored
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--batch-sizes", default="1,100,500")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, default=1, help="serve --workers N (needs --postgres when > 1)"
    )
    parser.add_argument("--postgres", default=None, help="the product on a PostgreSQL warehouse at this URL")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tajriba-wrk-"))
    lua = tmp / "post.lua"
    lua.write_text(LUA)
    print(
        f"{os.cpu_count()} cores; wrk -t1 -c{args.connections} -d{args.seconds}s; server and wrk on one host"
    )
    print(
        "| batch | server | events/s | p50 ms | p99 ms | non-200 | stored once, none lost | product/floor |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.batch_sizes.split(",")):
        floor = run_one("floor", size, args, tmp, lua)
        product = run_one("product", size, args, tmp, lua)
        for name, r in (("floor", floor), ("product", product)):
            ratio = f"{product['events_s'] / floor['events_s']:.2f}" if name == "product" else ""
            print(f"| {size} | {name} | {r['events_s']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['bad']:,} | "
                  f"{'yes' if r['exact'] else 'NO'} ({r['stored']:,}) | {ratio} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
