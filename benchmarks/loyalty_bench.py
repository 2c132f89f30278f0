"""Loyalty at scale (issue 24's targets): a batch earning from 1 M orders, a balance over 10,000 ledger rows,
recommendations for 100,000 customers.

    python benchmarks/loyalty_bench.py [--orders 1000000] [--customers 100000] [--database-url URL]

Earning: 1 M orders of 100,000 customers over a year in a fresh DuckDB warehouse, an application database (SQLite
in the temporary folder, or PostgreSQL at --database-url) with the default programme and a Ramadan campaign;
`earn_orders` timed as a whole (read, enrol 100,000 members, compute, write ~1.1 M ledger rows, tier upgrades).
Balance: one member given 10,000 ledger rows among the rest, `balance` timed (median of 200 calls).
Recommendations: 100,000 customers, 2,000 products, ~6 lines each; fit and recommend 5 products to everyone.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd


def _orders(n: int, customers: int, ws: int, rng: np.random.Generator) -> pd.DataFrame:
    start = np.datetime64("2025-11-01T00:00:00")
    seconds = np.sort(rng.integers(0, 365 * 86400, n))
    return pd.DataFrame(
        {
            "workspace_id": ws,
            "order_id": [f"O{i}" for i in range(n)],
            "customer_id": [f"c{i}" for i in rng.integers(0, customers, n)],
            "ordered_at": start + seconds.astype("timedelta64[s]"),
            "status": "delivered",
            "channel": rng.choice(["web", "app"], n),
            "currency": "SAR",
            "amount": np.round(rng.lognormal(5.5, 0.6, n), 2),
        }
    )


def earning(args: argparse.Namespace, data: Path) -> None:
    from tajriba.config import load_settings
    from tajriba.db import migrate
    from tajriba.db.session import make_engine, make_session_factory, transaction
    from tajriba.loyalty import ledger, service
    from tajriba.loyalty.schemas import CampaignCreate
    from tajriba.models import LoyaltyMember, Workspace
    from tajriba.warehouse import open_warehouse

    settings = load_settings(data_dir=data, env="test", database_url=args.database_url)
    data.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    wh = open_warehouse(settings.warehouse_address)
    wh.create_schema()
    with transaction(factory) as s:
        ws = Workspace(slug=f"bench{os.getpid()}", name="Bench")
        s.add(ws)
        s.flush()
        ws_id = ws.id
        service.start_programme(s, workspace_id=ws_id, name="Bench")
        service.create_campaign(
            s,
            workspace_id=ws_id,
            data=CampaignCreate(name="Ramadan", season="ramadan", year=1447, multiplier=2.0),
        )
    rng = np.random.default_rng(7)
    t = time.perf_counter()
    wh.append("orders", _orders(args.orders, args.customers, ws_id, rng))
    print(f"warehouse: {args.orders:,} orders stored in {time.perf_counter() - t:.1f} s")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction(factory, mode="writes") as s:
        ws = s.get(Workspace, ws_id)
        programme = service.programme_of(s, ws_id)
        t = time.perf_counter()
        done = service.earn_orders(s, wh, workspace=ws, programme=programme, now=now)
        took = time.perf_counter() - t
    print(
        f"earning: {done.orders:,} orders, {done.awarded:,} awarded, {done.enrolled:,} members enrolled, "
        f"{done.upgraded:,} upgraded in {took:.1f} s = {done.orders / took:,.0f} orders/s"
    )
    with transaction(factory, mode="writes") as s:
        t = time.perf_counter()
        again = service.earn_orders(
            s,
            wh,
            workspace=s.get(Workspace, ws_id),
            programme=service.programme_of(s, ws_id),
            now=now,
            since=now - timedelta(days=400),
        )
        print(f"replay of the whole year: {again.awarded} awarded in {time.perf_counter() - t:.1f} s")
    with transaction(factory, mode="writes") as s:
        member = s.query(LoyaltyMember).filter_by(workspace_id=ws_id, customer_id="c1").one()
        rows = [
            {
                "workspace_id": ws_id,
                "key": f"bench:{i}",
                "leg": 0,
                "customer_id": "c1",
                "kind": "adjust",
                "debit": "programme",
                "credit": "member",
                "points": 1,
                "lot_id": None,
                "expires_at": now + timedelta(days=1 + i % 300),
                "reason": "bench",
                "spend": None,
                "campaign_id": None,
                "note": None,
                "occurred_at": now - timedelta(minutes=i),
                "created_at": now,
            }
            for i in range(10_000)
        ]
        ledger.insert_new(s, rows)
    with transaction(factory, mode="reads") as s:
        n = s.query(ledger.T).filter_by(workspace_id=ws_id, customer_id="c1").count()
        times = []
        for _ in range(200):
            t = time.perf_counter()
            value = service.balance(s, workspace_id=ws_id, customer_id="c1", as_of=now)
            times.append(time.perf_counter() - t)
    print(
        f"balance of a member with {n:,} ledger rows: {value:,} points, median {statistics.median(times) * 1000:.2f} ms, "
        f"p95 {sorted(times)[189] * 1000:.2f} ms"
    )
    del member
    wh.close()
    engine.dispose()


def recommendations(args: argparse.Namespace) -> None:
    from tajriba.loyalty import recommend

    rng = np.random.default_rng(11)
    n_products, lines = 2000, args.customers * 6
    themes = rng.integers(0, 40, args.customers)  # each customer leans to one of 40 themes of 50 products
    cust = rng.integers(0, args.customers, lines)
    local = rng.zipf(1.4, lines) % 50
    product = np.where(rng.random(lines) < 0.8, themes[cust] * 50 + local, rng.integers(0, n_products, lines))
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in cust],
            "product_id": [f"p{i}" for i in product],
            "category": None,
            "ordered_at": pd.Timestamp("2026-06-01"),
        }
    )
    t = time.perf_counter()
    model = recommend.fit(frame)
    fitted = time.perf_counter() - t
    ids = [f"c{i}" for i in range(args.customers)]
    t = time.perf_counter()
    recs = recommend.recommend(model, ids, n=5)
    took = time.perf_counter() - t
    full = sum(1 for v in recs.values() if len(v) == 5)
    print(
        f"recommendations: {len(frame):,} lines, {len(model.products):,} products; fit {fitted:.1f} s, "
        f"5 products for {len(ids):,} customers in {took:.1f} s ({full:,} with 5); total {fitted + took:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, database {'PostgreSQL' if args.database_url else 'SQLite'}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        earning(args, Path(tmp) / "data")
    recommendations(args)


if __name__ == "__main__":
    main()
