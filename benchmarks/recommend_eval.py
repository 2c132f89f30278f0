"""Offline evaluation of next-best offers on a time split (docs/loyalty.md, "How good are the offers").

    python benchmarks/recommend_eval.py [--scale 1.0] [--cut-days 60] [--k 5] [--csv FILE]

Default: the demo store's orders (generated in memory, seed 7), trained on all but the last `cut-days` days and
scored on the products each customer bought after the cut. `--csv` scores any purchase history instead
(columns customer_id, product_id, ordered_at), e.g. a public retail dataset exported that way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime, timedelta

import pandas as pd


def demo_purchases(scale: float) -> pd.DataFrame:
    from tajriba.demo.catalog import TOUCHPOINTS
    from tajriba.demo.generate import generate

    data = generate(
        scale=scale, seed=7, workspace_id=1, touchpoint_ids={t.key: i for i, t in enumerate(TOUCHPOINTS)}
    )
    orders = data.orders
    rows = []
    for cid, at, props, status in zip(
        orders["customer_id"], orders["ordered_at"], orders["properties"], orders["status"], strict=True
    ):
        if status == "cancelled":
            continue
        for p in json.loads(props).get("products", []):
            rows.append((cid, p["product_id"], at))
    return pd.DataFrame(rows, columns=["customer_id", "product_id", "ordered_at"])


def main() -> None:
    from tajriba.loyalty import evaluate

    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--cut-days", type=int, default=60)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    if args.csv:
        frame = pd.read_csv(
            args.csv, dtype={"customer_id": str, "product_id": str}, parse_dates=["ordered_at"]
        )
        source = args.csv
    else:
        frame = demo_purchases(args.scale)
        source = f"demo store, scale {args.scale}"
    cut = frame["ordered_at"].max() - timedelta(days=args.cut_days)
    print(
        f"{source}: {len(frame):,} product lines, {frame['customer_id'].nunique():,} customers, "
        f"{frame['product_id'].nunique():,} products; cut {cut:%Y-%m-%d}, k = {args.k}"
    )
    t = time.perf_counter()
    scores = evaluate.evaluate(frame, cut=cut.to_pydatetime(), k=args.k)
    print(f"| method | precision@{args.k} | recall@{args.k} | coverage | customers |")
    print("|---|---|---|---|---|")
    for s in scores:
        print(f"| {s.method} | {s.precision:.4f} | {s.recall:.4f} | {s.coverage:.3f} | {s.customers:,} |")
    print(f"evaluated in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
