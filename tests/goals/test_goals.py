"""Goals: validation, measurement (current, baseline, progress, projection, status) checked against an
independent NumPy computation, the API and the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from tajriba.accounts import service as accounts
from tajriba.errors import Invalid
from tajriba.goals import service
from tajriba.goals.schemas import GoalCreate
from tajriba.journeys import schemas
from tajriba.journeys import service as journeys
from tests.conftest import csrf_from, login, make_user, make_workspace

START = date(2026, 1, 5)  # a Monday
NOW = datetime(2026, 3, 16, 9, tzinfo=UTC)  # ten full weeks later (Monday noon in Riyadh)


class Actor:
    def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
        pass


def _nps_weeks(ws_id: int, tp_id: int) -> pd.DataFrame:
    """Ten weeks from START (200 answers a week, promoters rising) and four weeks before it (baseline)."""
    rng = np.random.default_rng(7)
    rows = []
    for week in range(-4, 10):
        p_promoter = 0.40 + 0.02 * week
        scores = np.where(
            rng.random(200) < p_promoter,
            rng.integers(9, 11, 200),
            np.where(rng.random(200) < 0.5, 7, rng.integers(0, 7, 200)),
        )
        for i, s in enumerate(scores):
            at = datetime.combine(
                START + timedelta(weeks=week, days=int(i % 7)), datetime.min.time()
            ) + timedelta(hours=8)
            rows.append((f"w{week}-{i}", float(s), at - timedelta(hours=3)))  # 08:00 Riyadh
    return pd.DataFrame(
        {
            "workspace_id": ws_id,
            "response_id": [r[0] for r in rows],
            "customer_id": [f"c{i}" for i in range(len(rows))],
            "touchpoint_id": tp_id,
            "metric": "nps",
            "score": [r[1] for r in rows],
            "scale_min": 0,
            "scale_max": 10,
            "submitted_at": [r[2] for r in rows],
        }
    )


@pytest.fixture
def shop(app, db):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "goalshop")
    journey = journeys.create_journey(
        db,
        workspace_id=ws.id,
        journey_in=schemas.JourneyIn(name="Shopping", stages=[schemas.StageIn(key="get", name="Get")]),
        actor=Actor(),
    )
    tp = journeys.create_touchpoint(
        db,
        journey=journey,
        touchpoint_in=schemas.TouchpointIn(key="courier", name="Courier", stage_key="get"),
        actor=Actor(),
    )
    db.commit()
    frame = _nps_weeks(ws.id, tp.id)
    app.state.warehouse.append("survey_responses", frame)
    return ws, tp, frame


def _goal(db, ws, tp, target: float, **kw) -> service.Goal:  # type: ignore[no-untyped-def]
    data = GoalCreate(
        name="Delivery people love",
        feeling="Customers feel the courier respects their time",
        metric=kw.pop("metric", "nps"),
        scope=kw.pop("scope", "touchpoint"),
        scope_id=kw.pop("scope_id", tp.id),
        target=target,
        start_date=START,
        due_date=kw.pop("due_date", START + timedelta(weeks=20)),
        **kw,
    )
    return service.create_goal(db, workspace_id=ws.id, data=data, actor=Actor())


def _reference(frame: pd.DataFrame) -> dict:
    """Weekly NPS and its standard error, the weighted line, and the value at week 20 (due), by NumPy."""
    local = pd.to_datetime(frame["submitted_at"]) + pd.Timedelta(hours=3)
    week = ((local.dt.normalize() - pd.Timestamp(START)).dt.days // 7).to_numpy()
    s = frame["score"].to_numpy()
    ys, ses, ts = [], [], []
    for w in range(10):
        m = week == w
        p, d = (s[m] >= 9).mean(), (s[m] <= 6).mean()
        ys.append(100 * (p - d))
        ses.append(100 * np.sqrt((p + d - (p - d) ** 2) / m.sum()))
        ts.append(w)
    y, se, t = np.array(ys), np.array(ses), np.array(ts, dtype=float)
    x = np.column_stack([np.ones_like(t), t])
    coef, *_ = np.linalg.lstsq(x / se[:, None], y / se, rcond=None)
    resid = (y - x @ coef) / se
    cov = np.linalg.inv((x / se[:, None]).T @ (x / se[:, None])) * max(1.0, resid @ resid / 8)
    due = np.array([1.0, 20.0])
    value = due @ coef
    half = 1.959963984540054 * np.sqrt(due @ cov @ due)
    # the current window: 28 local days up to today, or up to the last day with answers when that is earlier
    last = min(NOW.date(), local.max().date())
    recent = (local >= pd.Timestamp(last - timedelta(days=27))) & (
        local < pd.Timestamp(last + timedelta(days=1))
    )
    r = s[recent.to_numpy()]
    base = ((local >= pd.Timestamp(START - timedelta(days=28))) & (local < pd.Timestamp(START))).to_numpy()
    b = s[base]
    return {
        "weekly": ys,
        "value": value,
        "low": value - half,
        "high": value + half,
        "current": 100 * ((r >= 9).mean() - (r <= 6).mean()),
        "baseline": 100 * ((b >= 9).mean() - (b <= 6).mean()),
        "current_n": int(r.size),
    }


def test_goal_measure_matches_an_independent_computation_and_status_follows_the_projection(
    app, db, shop
) -> None:  # type: ignore[no-untyped-def]
    ws, tp, frame = shop
    ref = _reference(frame)
    wh = app.state.warehouse
    goal = _goal(db, ws, tp, target=round(ref["value"] - 5))
    m = service.measure(db, wh, ws, goal, now=NOW)
    assert [p["value"] for p in m["series"]] == pytest.approx(ref["weekly"], abs=1e-3)
    assert m["current"]["value"] == pytest.approx(ref["current"], abs=1e-3)
    assert m["baseline"]["value"] == pytest.approx(ref["baseline"], abs=1e-3)
    assert m["projection"]["method"] == "trend"
    assert m["projection"]["value"] == pytest.approx(ref["value"], abs=1e-3)
    assert m["projection"]["low"] == pytest.approx(ref["low"], abs=1e-3)
    assert m["projection"]["high"] == pytest.approx(ref["high"], abs=1e-3)
    assert m["status"] == "on_track"
    expected_progress = (ref["current"] - ref["baseline"]) / (goal.target - ref["baseline"])
    assert m["progress"] == pytest.approx(min(max(expected_progress, 0), 1), abs=1e-3)
    # a target inside the band but above the projection: at risk; beyond the band: off track
    goal.target = round((ref["value"] + ref["high"]) / 2, 1)
    assert service.measure(db, wh, ws, goal, now=NOW)["status"] == "at_risk"
    goal.target = min(100, round(ref["high"] + 3))
    assert service.measure(db, wh, ws, goal, now=NOW)["status"] == "off_track"
    # after the due date the current value decides
    goal.due_date = START + timedelta(weeks=8)
    goal.target = round(ref["current"] - 10)
    assert service.measure(db, wh, ws, goal, now=NOW)["status"] == "achieved"
    goal.target = min(100, round(ref["current"] + 10))
    assert service.measure(db, wh, ws, goal, now=NOW)["status"] == "missed"
    # the whole company sees the same answers (one touchpoint has them all); before any data: no status
    company = _goal(db, ws, tp, target=50, scope="company", scope_id=None)
    measured = service.measure(db, wh, ws, company, now=NOW)
    # the answers stop on Sunday 15 March, a day before "now": the window is the four full weeks up to then
    assert measured["as_of"] == "2026-03-15" and measured["current"]["n"] == ref["current_n"] == 800
    early = service.measure(db, wh, ws, company, now=datetime(2025, 6, 1, tzinfo=UTC))
    assert early["status"] == "no_data" and early["projection"] is None


def test_lower_is_better_for_response_times_and_shares_are_percent(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    ws, tp, _ = shop
    created = [datetime(2026, 3, 1, 6) + timedelta(hours=i) for i in range(40)]
    app.state.warehouse.append(
        "tickets",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "ticket_id": [f"T{i}" for i in range(40)],
                "created_at": created,
                "first_response_at": [c + timedelta(minutes=10 + i) for i, c in enumerate(created)],
                "resolved_at": [c + timedelta(hours=5) for c in created],
            }
        ),
    )
    fast = _goal(
        db,
        ws,
        tp,
        target=60,
        metric="first_response_median",
        scope="company",
        scope_id=None,
        due_date=date(2026, 3, 10),
    )
    m = service.measure(db, wh := app.state.warehouse, ws, fast, now=NOW)
    assert m["current"]["value"] == pytest.approx(10 + 19.5) and m["status"] == "achieved"
    fast.target = 15
    assert service.measure(db, wh, ws, fast, now=NOW)["status"] == "missed"
    within = _goal(db, ws, tp, target=90, metric="first_response_within", scope="company", scope_id=None)
    assert service.measure(db, wh, ws, within, now=NOW)["current"]["value"] == 100.0


def test_goal_input_is_checked(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    ws, tp, _ = shop
    cases = [
        ({"metric": "response_rate", "scope": "touchpoint"}, "scope"),
        ({"due_date": START - timedelta(days=1)}, "due_date"),
        ({"target": 150}, "target"),
        ({"scope_id": 99999}, "scope_id"),
        ({"scope": "company", "scope_id": tp.id}, "scope_id"),
        ({"owner_id": 4242}, "owner_id"),
    ]
    for change, field in cases:
        with pytest.raises(Invalid) as err:
            _goal(db, ws, tp, target=change.pop("target", 40), **change)
        assert err.value.field == field
    with pytest.raises(ValueError, match="metric must be one of"):
        GoalCreate(
            name="x", metric="happiness", target=1, start_date=START, due_date=START + timedelta(days=9)
        )


def test_goals_api_and_pages(app, db, client, shop) -> None:  # type: ignore[no-untyped-def]
    ws, tp, _ = shop
    analyst = make_user(db, "goals@example.com", workspace=ws, role="analyst")
    viewer_key = accounts.create_key(db, workspace=ws, kind="api", name="v", role="viewer")[1]
    analyst_key = accounts.create_key(db, workspace=ws, kind="api", name="a", role="analyst")[1]
    db.commit()
    body = {
        "name": "Easy delivery",
        "metric": "nps",
        "scope": "touchpoint",
        "scope_id": tp.id,
        "target": 40,
        "start_date": START.isoformat(),
        "due_date": (START + timedelta(weeks=20)).isoformat(),
        "owner_id": analyst.id,
    }
    hv, ha = {"Authorization": f"Bearer {viewer_key}"}, {"Authorization": f"Bearer {analyst_key}"}
    assert client.post("/api/v1/goals", json=body, headers=hv).status_code == 403
    r = client.post("/api/v1/goals", json=body, headers=ha)
    assert r.status_code == 201, r.text
    goal_id = r.json()["id"]
    assert r.json()["status"] in service.STATUSES and r.json()["series"]
    r = client.post("/api/v1/goals", json={**body, "target": 500}, headers=ha)
    assert r.status_code == 422 and "target" in r.text
    listed = client.get("/api/v1/goals", headers=hv).json()
    assert [g["id"] for g in listed["goals"]] == [goal_id] and listed["goals"][0][
        "owner_name"
    ] == analyst.name
    assert sum(listed["counts"].values()) == 1
    r = client.put(f"/api/v1/goals/{goal_id}", json={**body, "target": 35}, headers=ha)
    assert (
        r.json()["target"] == 35
        and r.json()["scope_name"] == "Courier"
        and r.json()["owner_name"] == analyst.name
    )
    # pages: the dashboard lists the goal; a form creates another; bad input comes back as an error
    login(client, analyst)
    page = client.get(f"/w/{ws.slug}/goals")
    assert page.status_code == 200 and "Easy delivery" in page.text and "status-" in page.text
    token = csrf_from(client, f"/w/{ws.slug}/goals")
    form = {
        "csrf_token": token,
        "name": "Fast answers",
        "metric": "first_response_median",
        "scope": "company",
        "target": "30",
        "start_date": "2026-03-01",
        "due_date": "2026-06-01",
        "owner_id": "",
    }
    r = client.post(f"/w/{ws.slug}/goals", data=form, follow_redirects=False)
    assert r.status_code == 303 and "/goals/" in r.headers["location"]
    detail = client.get(r.headers["location"])
    assert detail.status_code == 200 and "Fast answers" in detail.text and 'id="goal-data"' in detail.text
    r = client.post(f"/w/{ws.slug}/goals", data={**form, "target": "٣٠٫٥"}, follow_redirects=False)
    assert r.status_code == 303 and "/goals/" in r.headers["location"]  # Arabic-Indic digits and decimal mark
    assert client.get(r.headers["location"]).status_code == 200
    r = client.post(f"/w/{ws.slug}/goals", data={**form, "target": "soon"}, follow_redirects=False)
    assert (
        r.status_code == 303 and "error=" in r.headers["location"] and "/goals/" not in r.headers["location"]
    )
    r = client.post(f"/w/{ws.slug}/goals", data={**form, "scope": "stage"}, follow_redirects=True)
    assert "scope" in r.text and "alert error" in r.text
    r = client.post(
        f"/w/{ws.slug}/goals/{goal_id}",
        data={"csrf_token": token, "action": "archive"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get(f"/api/v1/goals/{goal_id}", headers=hv).status_code == 404


def test_a_projection_spanning_most_of_the_scale_is_not_a_projection() -> None:
    from types import SimpleNamespace

    from tajriba.goals.measure import _informative

    nps = SimpleNamespace(metric="nps", target=30.0)
    # "-16.5 [-100, 97.2]" says nothing: the band covers 197 of NPS's 200 points
    assert not _informative(nps, {"value": -16.5, "low": -100.0, "high": 97.2})
    assert _informative(nps, {"value": 25.0, "low": 10.0, "high": 40.0})
    assert _informative(nps, {"value": 25.0, "low": -25.0, "high": 75.0})  # exactly half: still shown
    # a measure without an upper bound (minutes to first response): against the larger of value and target
    frt = SimpleNamespace(metric="first_response_median", target=30.0)
    assert _informative(frt, {"value": 40.0, "low": 10.0, "high": 80.0})
    assert not _informative(frt, {"value": 40.0, "low": 0.0, "high": 200.0})


def test_every_goal_metric_and_scope_has_a_name_people_see() -> None:
    from tajriba.goals import schemas

    assert set(schemas.METRIC_LABELS) == set(service.METRICS)
    assert set(schemas.SCOPE_LABELS) == set(service.SCOPES)
