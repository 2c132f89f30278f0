"""The closed loop at scale: rules over a stream of answers, due times of 100,000 clocks, the inbox with
100,000 cases.

1. Rules: `--responses` NPS answers (a quarter detractors, customers spread so most open their own case)
   arrive in batches of `--batch` as the worker sees them; each batch is evaluated by the detractor rule as the
   worker's tick does (warehouse query, then cases opened and linked in the application database).
   Prints answers per second through the rules; the target is 1,000 a second with no growing backlog.
2. Due times: 100,000 running clocks on a Saudi calendar (public holidays, Eids, Ramadan hours) recomputed
   with one vectorised `business_time.add` (the arithmetic), then `sla.recompute` over 100,000 cases in the
   application database (reading, arithmetic and the bulk write).
3. Inbox: 100,000 cases for 20 agents in 4 teams; `/w/<ws>/cases` pages (views mine, team, at risk, all) for
   an agent and an admin through the app (FastAPI TestClient, in process), p50 and p95 over `--requests`.

    python benchmarks/cases_bench.py [--responses 20000] [--batch 2000] [--cases 100000] [--requests 60]
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


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def setup(data: Path):  # type: ignore[no-untyped-def]
    from tajriba.accounts import service as accounts
    from tajriba.app import create_app
    from tajriba.cases import business_time as bt
    from tajriba.cases import config, rules
    from tajriba.cases.schemas import CalendarIn, RuleConditions, RuleIn, SlaPolicyIn, TeamIn
    from tajriba.config import load_settings

    settings = load_settings(data_dir=data, worker=False, env="test")
    app = create_app(settings, start_worker=False)

    class Actor:
        user = None

        def audit(self, *a, **k):  # type: ignore[no-untyped-def]
            pass

    s = app.state.session_factory()
    ws = accounts.create_workspace(s, slug="bench", name="Bench")
    agents = []
    for i in range(20):
        u = accounts.create_user(
            s, email=f"a{i}@bench.example", name=f"Agent {i}", password="benchmark password"
        )
        accounts.set_role(s, workspace=ws, user=u, role="agent")
        agents.append(u.id)
    admin = accounts.create_user(s, email="admin@bench.example", name="Admin", password="benchmark password")
    accounts.set_role(s, workspace=ws, user=admin, role="admin")
    cal = config.save_calendar(
        s,
        workspace_id=ws.id,
        actor=Actor(),
        data=CalendarIn(
            name="Riyadh",
            **{k: v for k, v in bt.to_dict(bt.for_country("SA")).items() if k not in ("closed", "overrides")},
        ),
    )
    teams = [
        config.save_team(
            s,
            workspace_id=ws.id,
            actor=Actor(),
            data=TeamIn(
                name=f"Team {t}",
                calendar_id=cal.id,
                members=agents[t * 5 : (t + 1) * 5],
                routing="least_loaded",
            ),
        )
        for t in range(4)
    ]
    config.save_policy(
        s,
        workspace_id=ws.id,
        actor=Actor(),
        data=SlaPolicyIn(name="Std", first_response_minutes=60, resolution_minutes=480),
    )
    rule = rules.create_rule(
        s,
        workspace_id=ws.id,
        actor=Actor(),
        data=RuleIn(
            name="Detractors", team_id=teams[0].id, conditions=RuleConditions(signal="score", metric="nps")
        ),
    )
    rule.since = datetime(2026, 1, 1, tzinfo=UTC)
    s.commit()
    return app, s, ws, agents, admin, [t.id for t in teams]


def bench_rules(app, s, ws, n: int, batch: int) -> None:  # type: ignore[no-untyped-def]
    from tajriba.cases import rules

    rng = np.random.default_rng(1)
    wh = app.state.warehouse
    start = datetime(2026, 11, 1)
    took = []
    opened = 0
    for b in range(0, n, batch):
        k = min(batch, n - b)
        frame = pd.DataFrame(
            {
                "workspace_id": ws.id,
                "response_id": [f"r{b + i}" for i in range(k)],
                "customer_id": [f"c{int(x)}" for x in rng.integers(0, n * 2, k)],
                "metric": "nps",
                "score": rng.choice([0, 3, 5, 6, 7, 8, 9, 10, 10, 9, 9, 8, 10, 7, 9, 10], k).astype(float),
                "scale_min": 0,
                "scale_max": 10,
                "language": "ar",
                "channel": "app",
                "submitted_at": [start + timedelta(seconds=b + i) for i in range(k)],
            }
        )
        wh.append("survey_responses", frame)
        t0 = time.perf_counter()
        found = rules.evaluate(s, wh, workspace_id=ws.id, until=datetime(2027, 1, 1, tzinfo=UTC))
        s.commit()
        rules.store_signals(wh, found.signals)
        took.append(time.perf_counter() - t0)
        opened += found.opened
    total = sum(took)
    print(
        f"rules: {n:,} answers in batches of {batch:,}: {total:.2f} s in the rules, {n / total:,.0f} answers/s, "
        f"{opened:,} cases opened; per batch first {took[0]:.2f} s, last {took[-1]:.2f} s"
    )


def bench_due_times(app, s, ws, teams: list[int], n: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, insert, select

    from tajriba.cases import business_time as bt
    from tajriba.cases import sla
    from tajriba.models import Case, SlaPolicy
    from tajriba.models.cases import NEVER

    cal = bt.for_country("SA")
    rng = np.random.default_rng(2)
    since = datetime(2027, 1, 3, 6, tzinfo=UTC).timestamp() + rng.uniform(0, 120 * 86400, n)
    consumed = rng.uniform(0, 4 * 3600, n)
    bt.add(cal, since[:10], np.full(10, 3600.0))  # build the timeline once (cached per calendar and years)
    t0 = time.perf_counter()
    sla.due_times(cal, since, consumed, np.full(n, 8 * 3600.0))
    arithmetic = time.perf_counter() - t0
    policy = s.scalar(select(SlaPolicy.id))
    existing = s.scalar(select(func.count()).select_from(Case)) or 0
    now = datetime.now(UTC)
    rows = [
        {
            "workspace_id": ws.id,
            "subject": f"case {i}",
            "source": "survey",
            "priority": "normal",
            "status": ["new", "open", "waiting", "resolved"][i % 4],
            "owner_id": None,
            "team_id": teams[i % 4],
            "sla_policy_id": policy,
            "clock_running_since": now - timedelta(hours=int(i % 50)),
            "clock_consumed_s": 60.0 * (i % 90),
            "sla_state": ["ok", "at_risk", "breached", "met"][i % 4],
            "urgency": [2, 1, 0, 2][i % 4],
            "queue_at": NEVER,
            "opened_at": now - timedelta(hours=int(i % 500)),
            "tags": [],
            "reopened": 0,
            "escalation_level": 0,
            "auto_closed": False,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(max(0, n - existing))
    ]
    for k in range(0, len(rows), 20000):
        s.execute(insert(Case), rows[k : k + 20000])
    s.commit()
    t0 = time.perf_counter()
    updated = sla.recompute(s, workspace_id=ws.id)
    s.commit()
    whole = time.perf_counter() - t0
    print(
        f"due times: {n:,} clocks, vectorised arithmetic {arithmetic * 1000:.0f} ms; sla.recompute of {updated:,} "
        f"running cases in the database (read, compute, bulk write, commit) {whole:.2f} s"
    )


def bench_inbox(app, s, ws, agents: list[int], admin: int, requests: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select, update
    from starlette.testclient import TestClient

    from tajriba.models import Case

    ids = [i for (i,) in s.execute(select(Case.id).order_by(Case.id))]
    # a fifth of the cases have an owner, spread over the agents
    s.execute(update(Case).where(Case.id % 5 == 0).values(owner_id=agents[0]))
    for k, agent in enumerate(agents[1:], start=1):
        s.execute(update(Case).where(Case.id % 97 == k).values(owner_id=agent))
    s.commit()
    total = s.scalar(select(func.count()).select_from(Case))
    with TestClient(app) as client:
        for who, email in (("agent", "a0@bench.example"), ("admin", "admin@bench.example")):
            client.cookies.clear()
            html = client.get("/login").text
            import re

            token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html).group(1)  # type: ignore[union-attr]
            r = client.post(
                "/login",
                data={"email": email, "password": "benchmark password", "csrf_token": token},
                follow_redirects=False,
            )
            assert r.status_code == 303, r.text[:300]
            for view in ("mine", "team", "at_risk", "all"):
                times = []
                for _ in range(requests):
                    t0 = time.perf_counter()
                    r = client.get(f"/w/bench/cases?view={view}")
                    times.append(time.perf_counter() - t0)
                    assert r.status_code == 200, r.text[:300]
                times.sort()
                p95 = times[int(0.95 * (len(times) - 1))]
                print(
                    f"inbox ({total:,} cases) {who} view={view}: p50 {statistics.median(times) * 1000:.0f} ms, "
                    f"p95 {p95 * 1000:.0f} ms"
                )
    del ids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--responses", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--cases", type=int, default=100000)
    ap.add_argument("--requests", type=int, default=60)
    args = ap.parse_args()
    print(f"machine: {machine()}; date {datetime.now(UTC):%Y-%m-%d}")
    with tempfile.TemporaryDirectory() as tmp:
        app, s, ws, agents, admin, teams = setup(Path(tmp) / "data")
        bench_rules(app, s, ws, args.responses, args.batch)
        bench_due_times(app, s, ws, teams, args.cases)
        bench_inbox(app, s, ws, agents, admin, args.requests)
        s.close()


if __name__ == "__main__":
    main()
