"""NPS, CSAT and CES by touchpoint x month with intervals on 10 million responses (issue 5 target: <= 200 ms
on 2 cores), beside the same computation in pandas.

    .venv/bin/python benchmarks/metrics_bench.py [--rows 10000000] [--touchpoints 50] [--dir /tmp/metrics_bench]
        [--warehouse postgresql://postgres@127.0.0.1/bench?schema=metrics]

Builds a warehouse (DuckDB) of survey responses over two years (a third each NPS 0-10, CSAT 1-5, CES 1-7)
and an app database with one journey of `touchpoints` touchpoints, then times `metrics.service.metric_table`
(the function behind GET /api/v1/metrics and the pages) for the three metrics, warm, median of 5 runs.
pandas reads the same columns into memory first (not timed) and then groups: its time is the grouping only.
With --warehouse the responses are copied (once) from the DuckDB file into that warehouse, and the same
calls are timed there.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


def bench_workspace(db, touchpoints: int):  # type: ignore[no-untyped-def]
    """The workspace `bench` with one journey of `touchpoints` touchpoints (made once, found afterwards)."""
    from tajriba.journeys import schemas
    from tajriba.journeys import service as journeys
    from tajriba.models.accounts import Workspace

    ws = db.query(Workspace).filter_by(slug="bench").one_or_none()
    if ws is not None:
        return ws
    ws = Workspace(slug="bench", name="Bench")
    db.add(ws)
    db.flush()

    class Actor:
        def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
            pass

    journey = journeys.create_journey(
        db,
        workspace_id=ws.id,
        journey_in=schemas.JourneyIn(name="J", stages=[schemas.StageIn(key="s", name="S")]),
        actor=Actor(),
    )
    for i in range(touchpoints):
        journeys.create_touchpoint(
            db,
            journey=journey,
            touchpoint_in=schemas.TouchpointIn(key=f"t{i}", name=f"T{i}", stage_key="s"),
            actor=Actor(),
        )
    db.commit()
    return ws


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--touchpoints", type=int, default=50)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/metrics_bench"))
    ap.add_argument("--warehouse", default=None, help="time on this warehouse too (e.g. postgresql://...)")
    args = ap.parse_args()

    from tajriba.app import create_app
    from tajriba.config import load_settings
    from tajriba.journeys import service as journeys
    from tajriba.metrics import service

    args.dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(data_dir=args.dir)
    app = create_app(settings, start_worker=False)
    factory, wh = app.state.session_factory, app.state.warehouse
    with factory() as db:
        ws = bench_workspace(db, args.touchpoints)
        tp_ids = [tp.id for tp in journeys.list_touchpoints(db, workspace_id=ws.id)]
        have = wh.sql("SELECT count(*) FROM survey_responses WHERE workspace_id = ?", [ws.id])[0][0]
        if have != args.rows:
            started = time.perf_counter()
            wh.sql("DELETE FROM survey_responses WHERE workspace_id = ?", [ws.id])
            lo, hi = min(tp_ids), max(tp_ids)
            wh.sql(
                f"""INSERT INTO survey_responses (workspace_id, response_id, touchpoint_id, metric, score,
                scale_min, scale_max, submitted_at)
                SELECT {ws.id}, 'r' || i, {lo} + (i % {hi - lo + 1}),
                  ['nps', 'csat', 'ces'][(i % 3) + 1],
                  CASE i % 3 WHEN 0 THEN hash(i) % 11 WHEN 1 THEN 1 + hash(i) % 5 ELSE 1 + hash(i) % 7 END,
                  CASE i % 3 WHEN 0 THEN 0 ELSE 1 END, CASE i % 3 WHEN 0 THEN 10 WHEN 1 THEN 5 ELSE 7 END,
                  TIMESTAMP '2024-12-01' + to_seconds((hash(i * 7) % 63072000)::BIGINT)
                FROM range({args.rows}) t(i)"""
            )
            print(f"built {args.rows:,} responses in {time.perf_counter() - started:.0f} s")
        times: dict[str, float] = {}
        for metric in ("nps", "csat", "ces"):
            q = service.Query(metric=metric, by="touchpoint", period="month", min_n=1)
            service.metric_table(db, wh, ws, q)  # warm
            runs = []
            for _ in range(5):
                t = time.perf_counter()
                result = service.metric_table(db, wh, ws, q)
                runs.append(time.perf_counter() - t)
            times[metric] = statistics.median(runs)
            print(f"{metric}: {len(result['rows'])} groups, median {times[metric] * 1000:.0f} ms")
        print(f"all three: {sum(times.values()) * 1000:.0f} ms")
        if args.warehouse:
            _other_engine(args.warehouse, db, wh, ws, args.rows)

        frame = wh.frame(
            "SELECT touchpoint_id, metric, score, scale_min, scale_max, submitted_at FROM survey_responses "
            "WHERE workspace_id = ?",
            [ws.id],
        )
        t = time.perf_counter()
        _pandas(frame)
        print(
            f"pandas (same three tables, data already in memory): {(time.perf_counter() - t) * 1000:.0f} ms"
        )


def _other_engine(url, db, wh, ws, rows):  # type: ignore[no-untyped-def]
    from tajriba.metrics import service
    from tajriba.warehouse import open_warehouse

    other = open_warehouse(url)
    other.create_schema()
    have = other.sql("SELECT count(*) FROM survey_responses WHERE workspace_id = ?", [ws.id])[0][0]
    if have != rows:
        started = time.perf_counter()
        other.run("DELETE FROM survey_responses WHERE workspace_id = ?", [ws.id])
        for batch in wh.read_batches("survey_responses", workspace_id=ws.id, rows=500_000):
            other.append("survey_responses", batch)
        if other.engine == "postgres":
            other.sql("ANALYZE survey_responses")
        print(f"copied {rows:,} responses to {other.engine} in {time.perf_counter() - started:.0f} s")
    total = 0.0
    for metric in ("nps", "csat", "ces"):
        q = service.Query(metric=metric, by="touchpoint", period="month", min_n=1)
        service.metric_table(db, other, ws, q)
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            result = service.metric_table(db, other, ws, q)
            runs.append(time.perf_counter() - t)
        total += statistics.median(runs)
        print(
            f"{other.engine} {metric}: {len(result['rows'])} groups, median {statistics.median(runs) * 1000:.0f} ms"
        )
    print(f"{other.engine} all three: {total * 1000:.0f} ms")
    other.close()


def _pandas(frame):  # type: ignore[no-untyped-def]
    import numpy as np
    import pandas as pd
    from scipy import stats

    local = frame["submitted_at"].dt.tz_localize("UTC").dt.tz_convert("Asia/Riyadh")
    frame = frame.assign(month=local.dt.strftime("%Y-%m"))
    out = {}
    for metric, part in frame.groupby("metric"):
        s = part["score"]
        g = part.assign(
            high=s >= (9 if metric == "nps" else part["scale_max"] - 1 if metric == "csat" else 5),
            low=s <= (6 if metric == "nps" else 2 if metric == "csat" else 3),
            sq=s * s,
        ).groupby(["touchpoint_id", "month"])
        agg = g.agg(
            n=("score", "size"),
            total=("score", "sum"),
            sq=("sq", "sum"),
            high=("high", "sum"),
            low=("low", "sum"),
        )
        n = agg["n"].to_numpy(float)
        mean = agg["total"] / n
        se = np.sqrt((agg["sq"] - n * mean * mean) / (n - 1) / n)
        agg["ci"] = stats.t.ppf(0.975, n - 1) * se
        out[metric] = agg
    return pd.concat(out)


if __name__ == "__main__":
    main()
