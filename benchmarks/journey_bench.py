"""Journey discovery on synthetic journeys (targets: DFG + variants + start/end <= 5 s, 5-step funnel <= 2 s).

    python benchmarks/journey_bench.py [--events 10000000] [--pm4py] [--postgres postgresql://.../db]

Journeys are a Markov chain over 20 touchpoints (about 9.6 events per customer, lognormal gaps, 2 % of
events share their predecessor's timestamp), written to a Parquet file first; the timed part is
`journeys.discovery.discover` (and `journeys.funnels.funnel`) on that file. With --pm4py (the `bench`
extra) the same discovery runs in pm4py for comparison. With --postgres the log is copied into a table of that
database and the same Ibis expressions run there (what a PostgreSQL warehouse runs).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

TOUCHPOINTS = [
    "ad_seen",
    "social_post",
    "home_page",
    "search",
    "category_page",
    "product_page",
    "reviews_read",
    "wishlist",
    "cart",
    "checkout",
    "payment",
    "order_confirmed",
    "shipping_sms",
    "delivery",
    "unboxing_survey",
    "support_chat",
    "return_request",
    "refund",
    "loyalty_points",
    "referral",
]


def synthesize(events: int, seed: int = 42) -> pa.Table:
    rng = np.random.default_rng(seed)
    k = len(TOUCHPOINTS)
    # a forward-leaning chain: mostly to the next few touchpoints, sometimes back, ending from late stages
    weights = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            d = j - i
            weights[i, j] = (
                3.0 if d == 1 else 1.2 if d == 2 else 0.5 if 3 <= d <= 5 else 0.15 if d < 0 else 0.05
            )
    weights /= weights.sum(axis=1, keepdims=True)
    end_p = np.linspace(0.01, 0.16, k)
    cases = max(1, int(events / 9.63))  # the chain averages 9.6 events a case
    cum = np.cumsum(weights, axis=1)
    acts: list[np.ndarray] = []
    state = rng.choice(5, size=cases, p=[0.3, 0.2, 0.25, 0.15, 0.1])
    alive = np.ones(cases, dtype=bool)
    step = 0
    case_ids = np.arange(cases)
    rows_case: list[np.ndarray] = []
    while alive.any() and sum(a.size for a in acts) < events * 1.05:
        idx = case_ids[alive]
        rows_case.append(idx)
        acts.append(state[idx].copy())
        u = rng.random(idx.size)
        nxt = (cum[state[idx]] < u[:, None]).sum(axis=1).clip(0, k - 1)
        state[idx] = nxt
        stop = rng.random(idx.size) < end_p[nxt] * (1 + step / 20)
        alive[idx[stop]] = False
        step += 1
    case = np.concatenate(rows_case)
    act = np.concatenate(acts)
    order = np.argsort(case, kind="stable")
    case, act = case[order], act[order]
    n = case.size
    gaps = rng.lognormal(6.0, 2.0, n)
    gaps[rng.random(n) < 0.02] = 0.0  # ties
    first = np.r_[True, case[1:] != case[:-1]]
    start = rng.uniform(0, 365 * 86400, cases)
    ts = np.cumsum(gaps)
    base = ts[first]
    ts = ts - np.repeat(base, np.diff(np.r_[np.flatnonzero(first), n])) + start[case]
    micros = (ts * 1e6).astype("int64") + 1_735_689_600_000_000
    glob = np.argsort(micros, kind="stable")  # events in global time order, as a warehouse holds them
    return pa.table(
        {
            "case": pa.array(np.char.add("c", case[glob].astype(str))),
            "activity": pa.DictionaryArray.from_arrays(act[glob].astype("int32"), TOUCHPOINTS).cast(
                pa.string()
            ),
            "ts": pa.array(micros[glob], pa.timestamp("us", tz="UTC")),
            "idx": pa.array(np.arange(n), pa.int64()),
        }
    )


def _postgres(url: str, path: Path, expected: dict, expected_funnel: dict, steps: list[str]) -> None:
    import ibis
    import psycopg

    from tajriba.journeys.discovery import discover
    from tajriba.journeys.funnels import funnel

    con = psycopg.connect(url, autocommit=True)
    exists = con.execute("SELECT to_regclass('bench_log') IS NOT NULL").fetchone()
    table = pq.read_table(path)
    if (
        not (exists and exists[0])
        or con.execute("SELECT count(*) FROM bench_log").fetchone()[0] != table.num_rows
    ):
        t = time.perf_counter()
        con.execute("DROP TABLE IF EXISTS bench_log")
        con.execute("CREATE TABLE bench_log (case_id TEXT, activity TEXT, ts TIMESTAMP, ord BIGINT)")
        cols = [table.column(c).to_pylist() for c in ("case", "activity", "ts", "idx")]
        with con.cursor() as cur, cur.copy("COPY bench_log (case_id, activity, ts, ord) FROM STDIN") as copy:
            for row in zip(*cols, strict=True):
                copy.write_row(row)
        con.execute("ANALYZE bench_log")
        print(f"copied {table.num_rows:,} events to PostgreSQL in {time.perf_counter() - t:.0f} s")
    del table
    events = ibis.postgres.from_connection(con).table("bench_log")
    runs, fruns = [], []
    for _ in range(2):
        t = time.perf_counter()
        result = discover(events, max_variants=100)
        runs.append(time.perf_counter() - t)
    for _ in range(2):
        t = time.perf_counter()
        f = funnel(events, steps=steps, window_seconds=30 * 86400)
        fruns.append(time.perf_counter() - t)
    same = result["variants_total"] == expected["variants_total"] and len(result["dfg"]) == len(
        expected["dfg"]
    )
    same_funnel = [s["entered"] for s in f["steps"]] == [s["entered"] for s in expected_funnel["steps"]]
    print(
        f"PostgreSQL: discover {min(runs):.2f} s, 5-step funnel {min(fruns):.2f} s "
        f"(same variants and transitions as DuckDB: {same}; same funnel: {same_funnel})"
    )
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--pm4py", action="store_true")
    parser.add_argument("--postgres", default=None, help="also time discovery and the funnel on PostgreSQL")
    args = parser.parse_args()
    from tajriba.journeys.discovery import discover
    from tajriba.journeys.funnels import funnel
    from tajriba.journeys.logs import load_log

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journeys.parquet"
        t = time.perf_counter()
        table = synthesize(args.events)
        pq.write_table(table, path)
        print(f"generated {table.num_rows:,} events in {time.perf_counter() - t:.1f} s")
        del table
        print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores")
        events = load_log(path, case="case", activity="activity", timestamp="ts", order="idx")
        cases = events.case_id.nunique().to_pyarrow().as_py()
        n = events.count().to_pyarrow().as_py()
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            result = discover(events, max_variants=100)
            runs.append(time.perf_counter() - t)
        steps = ["home_page", "product_page", "cart", "checkout", "order_confirmed"]
        fruns = []
        for _ in range(3):
            t = time.perf_counter()
            f = funnel(events, steps=steps, window_seconds=30 * 86400)
            fruns.append(time.perf_counter() - t)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            "| events | cases | transitions | variants | discover (best of 3) | 5-step funnel (best of 3) | peak RSS |"
        )
        print("|---|---|---|---|---|---|---|")
        print(
            f"| {n:,} | {cases:,} | {len(result['dfg'])} | {result['variants_total']:,} | {min(runs):.2f} s | "
            f"{min(fruns):.2f} s | {rss:,.0f} MiB |"
        )
        print("funnel:", [(s["step"], s["entered"]) for s in f["steps"]])
        if args.postgres:
            _postgres(args.postgres, path, result, f, steps)
        if args.pm4py:
            import pandas as pd
            import pm4py

            df = pd.read_parquet(path)
            df = df.rename(
                columns={"case": "case:concept:name", "activity": "concept:name", "ts": "time:timestamp"}
            )
            t0, c0 = time.perf_counter(), time.process_time()
            pm4py.discover_dfg(df)
            pm4py.discover_performance_dfg(df)
            pm4py.get_variants(df)
            pm4py.get_start_activities(df)
            pm4py.get_end_activities(df)
            print(f"pm4py: {time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} CPU-s")


if __name__ == "__main__":
    main()
