"""One tracking flush in-process: `ingest.writer.store` on parsed batches, timed as a whole and per part.

    python benchmarks/flush_bench.py [--flushes 30] [--events 4000] [--gc default|tuned]

Parses the same realistic batches as the wrk benchmark (ingest_bench.build_batches), stores them into a
fresh DuckDB warehouse flush after flush (the first five warm up) and prints microseconds per event for the
flush and for its parts (identity resolution, the events insert, the profiles upsert, ...). `--gc tuned`
applies what `tajriba serve` does to the garbage collector (app.collect_less); `default` leaves Python's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_bench import build_batches  # noqa: E402

from tajriba.customers import service as customers  # noqa: E402
from tajriba.customers.identity_rules import IdentityPolicy  # noqa: E402
from tajriba.ingest import writer  # noqa: E402
from tajriba.ingest.segment import Parsed, parse_request  # noqa: E402
from tajriba.warehouse import open_warehouse  # noqa: E402

PARTS = [
    (writer, "_identifiers"),
    (writer, "_event_rows"),
    (writer, "identify_calls"),
    (writer, "trait_changes"),
    (writer, "profile_rows"),
    (writer, "_consents"),
    (customers, "resolve_identity_columns"),
    (customers, "store_profiles"),
]


def _timed(times: dict[str, float], owner: Any, name: str, label: str | None = None) -> None:
    fn = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            key = label or name
            times[key] = times.get(key, 0.0) + time.perf_counter() - started

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flushes", type=int, default=30)
    parser.add_argument(
        "--events", type=int, default=4000, help="events per flush (up to 500, or a multiple)"
    )
    parser.add_argument("--gc", choices=("default", "tuned"), default="tuned")
    args = parser.parse_args()
    received = datetime.now(UTC)
    flushes = [
        Parsed.combine(
            [
                parse_request(body, path_type=None, received_at=received)[0]
                for body in build_batches(min(500, args.events), max(1, args.events // 500), f"f{f}-")
            ]
        )
        for f in range(args.flushes)
    ]
    if args.gc == "tuned":
        from tajriba.app import collect_less

        collect_less()
    wh = open_warehouse(f"duckdb:///{tempfile.mkdtemp()}/w.duckdb")
    wh.create_schema()
    rules = writer.WorkspaceRules(policy=IdentityPolicy())
    times: dict[str, float] = {}
    for owner, name in PARTS:
        _timed(times, owner, name)
    _timed(times, wh, "append", "append (events, trait changes)")
    for batch in flushes[:5]:
        writer.store(wh, workspace_id=1, batch=batch, rules=rules)
    times.clear()
    started = time.perf_counter()
    for batch in flushes[5:]:
        writer.store(wh, workspace_id=1, batch=batch, rules=rules)
    took = time.perf_counter() - started
    events = sum(b.num_rows for b in flushes[5:])
    print(f"gc {args.gc}: {took / events * 1e6:.1f} us/event, {took / (args.flushes - 5) * 1000:.0f} ms a flush "
          f"of {args.events} events")  # fmt: skip
    for name, spent in sorted(times.items(), key=lambda kv: -kv[1]):
        print(f"  {spent / events * 1e6:6.1f} us/event  {name}")


if __name__ == "__main__":
    main()
