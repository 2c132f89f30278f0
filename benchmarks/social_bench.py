"""Social listening throughput: mentions in and enriched (dedupe, text pipeline, queries, touchpoints, warehouse
write, case checks), sustained, on this machine.

Two measures:
- `service`: `tajriba.social.service.take` in one process, batches of --batch mentions, --total in all, into a
  fresh DuckDB warehouse (the table grows as it goes; the rate of each tenth is printed, so a slowdown shows);
- `http`: a live `tajriba serve` and --clients concurrent clients posting batches to /api/v1/social/mentions.

The mentions are the demo's (Gulf, Egyptian, MSA, Persian, English, Arabizi; three brand queries), with unique
URLs. Target: 1,000 mentions/s sustained on 2 cores.

    .venv/bin/python benchmarks/social_bench.py [--total 60000] [--batch 1000] [--clients 4] [--skip-http]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import httpx


def corpus(total: int) -> list[object]:
    from tajriba.demo import listening

    base = listening.mentions(seed=7, scale=1.0)
    out = []
    i = 0
    while len(out) < total:
        for m in base:
            if len(out) >= total:
                break
            copy = type(m)(**{**m.__dict__, "url": f"https://x.com/b/status/{i}", "external_id": str(i),
                              "text": f"{m.text} #{i}", "created_at": m.created_at + timedelta(days=0)})  # fmt: skip
            out.append(copy)
            i += 1
    return out


def service_run(total: int, batch: int) -> None:
    from tajriba.config import load_settings
    from tajriba.db import migrate
    from tajriba.db.session import make_engine, make_session_factory, transaction
    from tajriba.demo.listening import BRANDS
    from tajriba.models import Workspace
    from tajriba.social import service
    from tajriba.warehouse import open_warehouse

    class Actor:
        def audit(self, *_a: object, **_k: object) -> None:
            pass

    data = Path(tempfile.mkdtemp()) / "data"
    data.mkdir(parents=True)
    settings = load_settings(data_dir=data, env="test")
    engine = make_engine(settings.db_url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    wh = open_warehouse(settings.warehouse_address)
    wh.create_schema()
    with transaction(factory) as s:
        from tajriba.accounts import service as accounts

        ws = accounts.create_workspace(s, slug="bench", name="Bench")
        for b in BRANDS.values():
            service.create_query(s, workspace=ws, data=b["query"], actor=Actor())
        ws_id = ws.id
    items = corpus(total)
    print(f"service: {total:,} mentions in batches of {batch:,}")
    started = time.perf_counter()
    tenth = max(total // 10, batch)
    mark, done, stored = started, 0, 0
    for start in range(0, total, batch):
        with transaction(factory) as s:
            ws = s.get(Workspace, ws_id)
            report = service.take(
                s, wh, workspace=ws, items=items[start : start + batch], now=datetime(2026, 12, 1)
            )  # type: ignore[arg-type]
        stored += report.stored
        done += batch
        if done % tenth == 0:
            now = time.perf_counter()
            print(f"  {done:>9,} mentions: {tenth / (now - mark):,.0f}/s over the last {tenth:,}")
            mark = now
    elapsed = time.perf_counter() - started
    print(f"service: {stored:,} stored of {total:,} in {elapsed:.1f} s = {total / elapsed:,.0f} mentions/s")
    wh.close()


def http_run(total: int, batch: int, clients: int) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.live: the live server the suite uses
    from tests.live import serving, stores

    from tajriba.accounts import service as accounts
    from tajriba.demo.listening import BRANDS
    from tajriba.social import service

    class Actor:
        def audit(self, *_a: object, **_k: object) -> None:
            pass

    data = Path(tempfile.mkdtemp()) / "data"
    with stores(data) as s:
        ws = accounts.create_workspace(s, slug="bench", name="Bench")
        for b in BRANDS.values():
            service.create_query(s, workspace=ws, data=b["query"], actor=Actor())
        key = accounts.create_key(s, workspace=ws, kind="api", name="k", role="analyst")[1]
    items = corpus(total)
    bodies = []
    for start in range(0, total, batch):
        bodies.append({"mentions": [{
            "platform": m.platform, "url": m.url, "text": m.text, "created_at": m.created_at.isoformat() + "Z",
            "id": m.external_id, "author": {"handle": m.author_handle, "followers": m.author_followers},
            "engagement": {"likes": m.likes, "shares": m.shares, "replies": m.replies, "views": m.views},
            "rating": m.rating,
        } for m in items[start : start + batch]]})  # fmt: skip
    headers = {"Authorization": f"Bearer {key}"}
    with serving(data) as live:

        def post(body: dict[str, object]) -> int:
            with httpx.Client(base_url=live.url, headers=headers, timeout=300) as c:
                r = c.post("/api/v1/social/mentions", json=body)
                r.raise_for_status()
                return int(r.json()["stored"])

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            stored = sum(pool.map(post, bodies))
        elapsed = time.perf_counter() - started
    print(f"http: {clients} clients, batches of {batch:,}: {stored:,} stored of {total:,} in {elapsed:.1f} s "
          f"= {total / elapsed:,.0f} mentions/s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=60_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}, "
          f"{datetime.now():%Y-%m-%d %H:%M}")  # fmt: skip
    service_run(args.total, args.batch)
    if not args.skip_http:
        http_run(args.total // 2, args.batch, args.clients)


if __name__ == "__main__":
    main()
