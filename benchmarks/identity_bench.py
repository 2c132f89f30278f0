"""Identity resolution of 1,000,000 events carrying 300,000 identifiers (target: < 5 s).

    python benchmarks/identity_bench.py [--events 1000000] [--identifiers 300000]

Events are a realistic mix: 60 % carry a user id and an anonymous id (logged-in browsing links devices),
30 % only an anonymous id, 10 % an identify with an email; each user has about two devices and 1 % of
events come from a device two users share (which the guards must keep apart). Half the identifiers already exist in the
warehouse from earlier traffic. Prints the time of `customers.identity.resolve` alone (the bulk step
of each flush), the profiles created and the merges.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from tajriba.customers.identity import resolve
from tajriba.warehouse import DuckDBWarehouse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--identifiers", type=int, default=300_000)
    args = parser.parse_args()
    rng = np.random.default_rng(5)
    users = args.identifiers // 4
    anons = 2 * users  # two devices per user
    # and one email per user, used by 10 % of events (identify calls)
    kind = rng.choice(3, size=args.events, p=[0.6, 0.3, 0.1])
    u = rng.integers(0, users, args.events)
    a = (u * 2 + rng.integers(0, 2, args.events)) % anons
    shared = rng.random(args.events) < 0.01  # 1 % of events come from a family device shared by two users
    a = np.where(shared, anons + u // 2, a)  # the pair's own shared device id
    e = u  # the email of the user whose device it is
    groups = []
    for k, ui, ai, ei in zip(kind.tolist(), u.tolist(), a.tolist(), e.tolist(), strict=True):
        if k == 0:
            groups.append([("user_id", f"u{ui}"), ("anonymous_id", f"a{ai}")])
        elif k == 1:
            groups.append([("anonymous_id", f"a{ai}")])
        else:
            groups.append([("anonymous_id", f"a{ai}"), ("email", f"user{ei}@example.com")])
    with tempfile.TemporaryDirectory() as tmp:
        wh = DuckDBWarehouse(str(Path(tmp) / "wh.duckdb"))
        wh.create_schema()
        known = [("anonymous_id", f"a{i}") for i in range(0, anons, 2)]  # half the devices seen before
        wh.append(
            "customer_identities",
            pa.table(
                {
                    "workspace_id": pa.array([1] * len(known), pa.int32()),
                    "kind": [k for k, _ in known],
                    "value": [v for _, v in known],
                    "customer_id": [f"old{i}" for i in range(len(known))],
                }
            ),
        )
        t = time.perf_counter()
        res = resolve(wh, workspace_id=1, groups=groups)
        elapsed = time.perf_counter() - t
        wh.close()
    distinct = len({i for g in groups for i in g})
    print(f"machine: {platform.node()} {platform.machine()}")
    print("| events | distinct identifiers | resolve seconds | new profiles | merges | refused links |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {args.events:,} | {distinct:,} | {elapsed:.2f} | {len(res.new_customers):,} | {len(res.merges):,} | "
        f"{sum(1 for d in res.decisions if d['decision'] == 'not merged'):,} |"
    )


if __name__ == "__main__":
    main()
