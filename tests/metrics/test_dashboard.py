"""The metrics dashboard page: whole workspace, one touchpoint, one survey; numbers equal the API's; every
table downloads as CSV and XLSX."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from tajriba.metrics import service
from tajriba.overview import dashboard
from tests.conftest import login, make_user, make_workspace


def _seed(app, ws_id: int) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(2)
    now = datetime.now(UTC).replace(tzinfo=None)
    n = 3000
    metric = rng.choice(["nps", "csat", "ces"], n)
    score = np.where(
        metric == "nps",
        rng.integers(0, 11, n),
        np.where(metric == "csat", rng.integers(1, 6, n), rng.integers(1, 8, n)),
    )
    app.state.warehouse.append(
        "survey_responses",
        pd.DataFrame(
            {
                "workspace_id": ws_id,
                "response_id": [f"r{i}" for i in range(n)],
                "customer_id": [f"c{i % 500}" for i in range(n)],
                "survey_id": np.where(np.arange(n) % 2 == 0, 1, 2),
                "touchpoint_id": np.where(np.arange(n) % 3 == 0, 11, 12),
                "metric": metric,
                "score": score.astype(float),
                "scale_min": np.where(metric == "nps", 0, 1),
                "scale_max": np.where(metric == "nps", 10, np.where(metric == "csat", 5, 7)),
                "submitted_at": [now - timedelta(minutes=int(m)) for m in rng.integers(60, 200 * 24 * 60, n)],
            }
        ),
    )
    m = 400
    created = [now - timedelta(minutes=int(x)) for x in rng.integers(60, 120 * 24 * 60, m)]
    app.state.warehouse.append(
        "tickets",
        pd.DataFrame(
            {
                "workspace_id": ws_id,
                "ticket_id": [f"t{i}" for i in range(m)],
                "channel": rng.choice(["email", "chat"], m),
                "is_complaint": rng.random(m) < 0.3,
                "created_at": created,
                "first_response_at": [
                    c + timedelta(minutes=float(x))
                    for c, x in zip(created, rng.exponential(50, m), strict=True)
                ],
                "resolved_at": [
                    c + timedelta(hours=float(x)) if x < 60 else None
                    for c, x in zip(created, rng.exponential(30, m), strict=True)
                ],
            }
        ),
    )


def test_dashboard_page_shows_the_metrics_modules_numbers_and_downloads_every_table(app, db, client) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "dash")
    _seed(app, ws.id)
    user = make_user(db, "dash@example.com", workspace=ws, role="viewer")
    login(client, user)
    page = client.get(f"/w/{ws.slug}/metrics")
    assert page.status_code == 200
    for marker in (
        'data-kpi="nps"',
        'id="trend-nps-data"',
        'id="volume-data"',
        'id="backlog-data"',
        'data-kpi="pending-complaints"',
    ):
        assert marker in page.text
    # the page's headline is the metrics module's figure over the same 90 local days
    data = dashboard.build(db, app.state.warehouse, ws, dashboard.Filters())
    nps = data["headlines"][0]["now"]
    today = datetime.now(UTC).astimezone(ZoneInfo(ws.timezone)).date()
    q = service.Query(metric="nps", start=today - timedelta(days=89), end=today + timedelta(days=1), min_n=1)
    (row,) = service.metric_table(db, app.state.warehouse, ws, q)["rows"]
    assert (nps["n"], nps["value"], nps["ci_low"]) == (row["n"], row["value"], row["ci_low"])
    # per touchpoint and per survey
    tp = client.get(f"/w/{ws.slug}/metrics?touchpoint=11&period=week")
    assert tp.status_code == 200
    one = dashboard.build(db, app.state.warehouse, ws, dashboard.Filters(touchpoint_id=11, period="week"))
    assert sum(p["n"] for p in one["trends"][0]["points"]) < sum(p["n"] for p in data["trends"][0]["points"])
    # the seeded tickets have no touchpoint: one touchpoint's ticket widgets are empty, the workspace's are not
    assert data["backlog"] and one["backlog"] == [] and one["complaints"]["total"] == 0
    sv = dashboard.build(db, app.state.warehouse, ws, dashboard.Filters(survey_id=1))
    assert sv["service"] is None and sum(p["n"] for p in sv["trends"][1]["points"]) > 0
    assert client.get(f"/w/{ws.slug}/metrics?survey=1&period=quarter").status_code == 200
    for name in (
        "trend_nps",
        "trend_csat",
        "trend_ces",
        "volume",
        "service",
        "backlog",
        "complaints",
        "outcomes",
        "goals",
    ):
        r = client.get(f"/w/{ws.slug}/metrics/export?table={name}&format=csv")
        assert r.status_code == 200, (name, r.text)
        assert r.headers["content-disposition"].endswith(f'{name}.csv"')
        x = client.get(f"/w/{ws.slug}/metrics/export?table={name}&format=xlsx")
        sheet = load_workbook(io.BytesIO(x.content)).active
        assert sheet is not None and sheet.max_row >= 1
    csv = (
        client.get(f"/w/{ws.slug}/metrics/export?table=trend_nps&format=csv")
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert csv[0] == "period,n,value,ci_low,ci_high,std_error"
    assert len(csv) - 1 == len(data["trends"][0]["points"])
    assert client.get(f"/w/{ws.slug}/metrics/export?table=nothing").status_code == 422
    assert client.get(f"/w/{ws.slug}/metrics/export?table=service&survey=1").status_code == 422  # no tickets
    assert client.get(f"/w/{ws.slug}/metrics?period=decade").status_code == 422


def test_overview_headlines_are_the_metrics_modules_figures(app, db) -> None:  # type: ignore[no-untyped-def]
    from tajriba.overview import service as overview

    ws = make_workspace(db, "headline")
    now = datetime.now(UTC).replace(tzinfo=None)
    # one survey answer with two CSAT questions, one on 1-10 (stored as rows "a" and "a:q2"), and one on 1-5
    rows = [("a", 10.0, 10), ("a:q2", 4.0, 5), ("b", 2.0, 5)]
    app.state.warehouse.append(
        "survey_responses",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "response_id": [r[0] for r in rows],
                "metric": "csat",
                "score": [r[1] for r in rows],
                "scale_min": 1,
                "scale_max": [r[2] for r in rows],
                "submitted_at": now,
            }
        ),
    )
    o = overview.overview(db, app.state.warehouse, ws)
    # 10 of 1-10 is 5 on 1-5 (1 + 4 (10 - 1) / 9); mean of 5, 4, 2 = 11/3; not the raw mean 16/3
    assert o.csat == round(11 / 3, 4) and o.csat_n == 3
    assert o.responses == 2 and o.nps is None and o.tickets == 0
