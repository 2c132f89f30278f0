"""One number everywhere (issue 19, first step): for every touchpoint and month of a seeded workspace in Riyadh,
Tehran (UTC+3:30) and Cairo, the journey map's CSAT, CES and NPS equal the metrics API's, values and
intervals, with months cut at the workspace's local midnight (checked by hand at the boundaries)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from tajriba.accounts import service as accounts
from tajriba.journeys import journey_map
from tajriba.journeys import schemas as js
from tajriba.journeys import service as journeys
from tajriba.models import Journey, Stage
from tajriba.web.deps import Context
from tests.conftest import login, make_user, make_workspace

MONTHS = [date(2026, m, 1) for m in (1, 2, 3, 4, 5)]


def _seed(app, db, slug: str, tz: str):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, slug, timezone=tz)
    actor = Context(workspace=ws, role="owner", user=None)
    journey = journeys.create_journey(
        db,
        workspace_id=ws.id,
        journey_in=js.JourneyIn(name="Buy", stages=[js.StageIn(key="buy", name="Buy")]),
        actor=actor,
    )
    stage_id = db.scalar(select(Stage.id).where(Stage.journey_id == journey.id))
    tps = []
    for key in ("checkout", "courier", "support"):
        tp = journeys.create_touchpoint(
            db,
            journey=journey,
            touchpoint_in=js.TouchpointIn(key=key, name=key.title(), stage_id=stage_id, channel="web"),
            actor=actor,
        )
        tps.append(tp.id)
    key = accounts.create_key(db, workspace=ws, kind="api", name="bi", role="analyst")[1]
    db.commit()
    rng = np.random.default_rng(len(slug))
    rows = []
    start = datetime(2025, 12, 31, tzinfo=UTC)
    for i in range(1500):
        metric = ("csat", "ces", "nps")[i % 3]
        lo, hi = {"csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}[metric]
        when = start + timedelta(hours=float(rng.uniform(0, 24 * 150)))
        rows.append(
            {
                "workspace_id": ws.id, "response_id": f"r{i}", "touchpoint_id": tps[i % 3 if metric != "nps" else 2],
                "metric": metric, "score": float(rng.integers(lo, hi + 1)), "scale_min": lo, "scale_max": hi,
                "submitted_at": when.replace(tzinfo=None), "channel": "web",
            }
        )  # fmt: skip
    # answers 30 minutes either side of local midnight at the end of March, in every zone
    local_midnight = pd.Timestamp("2026-04-01 00:00", tz=tz).tz_convert("UTC").tz_localize(None)
    for j, shift in enumerate((-30, 30)):
        rows.append(
            {
                "workspace_id": ws.id, "response_id": f"edge{j}", "touchpoint_id": tps[0], "metric": "csat",
                "score": 1.0 if shift < 0 else 5.0, "scale_min": 1, "scale_max": 5, "channel": "web",
                "submitted_at": (local_midnight + timedelta(minutes=shift)).to_pydatetime(),
            }
        )  # fmt: skip
    app.state.warehouse.append("survey_responses", pd.DataFrame(rows))
    return ws, db.scalar(select(Journey).where(Journey.id == journey.id)), tps, key


@pytest.mark.parametrize(
    ("slug", "tz"), [("riyadh", "Asia/Riyadh"), ("tehran", "Asia/Tehran"), ("cairo", "Africa/Cairo")]
)
def test_the_map_and_the_metrics_api_give_the_same_numbers(app, db, client, slug: str, tz: str) -> None:  # type: ignore[no-untyped-def]
    ws, journey, tps, key = _seed(app, db, slug, tz)
    wh = app.state.warehouse
    checked = 0
    for start, end in zip(MONTHS, [*MONTHS[1:], date(2026, 6, 1)], strict=False):
        data = journey_map.build(
            db, wh, journey=journey, filters=journey_map.Filters(start=start, end=end), locale="en"
        )
        on_map = {
            (t["id"], k["kpi"]): k
            for t in data.touchpoints
            for k in t["kpis"]
            if k["kpi"] in ("csat", "ces", "nps")
        }
        for metric in ("csat", "ces", "nps"):
            r = client.get(
                f"/api/v1/metrics?metric={metric}&by=touchpoint&start={start}&end={end}&min_n=1",
                headers={"Authorization": f"Bearer {key}"},
            )
            assert r.status_code == 200, r.text
            rows = r.json()["rows"]
            assert rows, (start, metric)
            for row in rows:
                mine = on_map[(int(row["group"]), metric)]  # every slice the API gives is on the map
                assert mine["n"] == row["n"], (start, metric)
                assert mine["value"] == pytest.approx(row["value"], abs=1e-4), (start, metric)
                assert mine["low"] == pytest.approx(row["ci_low"], abs=1e-4), (start, metric)
                assert mine["high"] == pytest.approx(row["ci_high"], abs=1e-4), (start, metric)
                checked += 1
    assert checked == 15  # five months, three touchpoints each with its measure
    _the_monthly_table_the_dashboard_and_its_export_agree(client, db, ws, key, tps)
    # by hand: the answer 30 minutes before local midnight on 31 March is March's, the one after is April's
    march = journey_map.build(
        db,
        wh,
        journey=journey,
        filters=journey_map.Filters(start=date(2026, 3, 31), end=date(2026, 4, 1)),
        locale="en",
    )
    april = journey_map.build(
        db,
        wh,
        journey=journey,
        filters=journey_map.Filters(start=date(2026, 4, 1), end=date(2026, 4, 2)),
        locale="en",
    )
    edge = pd.Timestamp("2026-04-01 00:00", tz=tz).tz_convert("UTC").tz_localize(None)
    in_march = wh.sql(
        "SELECT count(*) FROM survey_responses WHERE workspace_id = ? AND touchpoint_id = ? AND metric = 'csat' "
        "AND submitted_at >= ? AND submitted_at < ?",
        [ws.id, tps[0], edge - timedelta(days=1), edge],
    )[0][0]

    def csat(d):  # type: ignore[no-untyped-def]
        return next(k for t in d.touchpoints if t["id"] == tps[0] for k in t["kpis"] if k["kpi"] == "csat")

    assert csat(march)["n"] == in_march and in_march >= 1
    assert csat(april)["n"] >= 1 and csat(march)["n"] + csat(april)["n"] >= 2


def _the_monthly_table_the_dashboard_and_its_export_agree(client, db, ws, key, tps) -> None:  # type: ignore[no-untyped-def]
    """One call by touchpoint x month, the dashboard's trend of each touchpoint and its CSV download give the
    per-month calls' numbers (the same local-midnight cut, the same intervals)."""
    import csv
    import io

    auth = {"Authorization": f"Bearer {key}"}
    db.rollback()  # the map's reads leave a transaction open; SQLite would refuse the new user
    user = make_user(db, workspace=ws, role="analyst")
    login(client, user)
    labels = [m.strftime("%Y-%m") for m in MONTHS]
    for metric, tp in (("csat", tps[0]), ("ces", tps[1]), ("nps", tps[2])):
        monthly = client.get(
            f"/api/v1/metrics?metric={metric}&by=touchpoint&period=month&start={MONTHS[0]}&end=2026-06-01&min_n=1",
            headers=auth,
        ).json()["rows"]
        by_month = {r["period"]: r for r in monthly if int(r["group"]) == tp}
        assert sorted(by_month) == labels, metric
        exported = client.get(f"/w/{ws.slug}/metrics/export?table=trend_{metric}&touchpoint={tp}&format=csv")
        assert exported.status_code == 200, exported.text[:300]
        points = {r["period"]: r for r in csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff")))}
        for label, month_start in zip(labels, MONTHS, strict=True):
            end = (month_start + timedelta(days=32)).replace(day=1)
            one = client.get(
                f"/api/v1/metrics?metric={metric}&touchpoint_id={tp}&start={month_start}&end={end}&min_n=1",
                headers=auth,
            ).json()["rows"][0]
            row = by_month[label]
            assert (row["n"], row["value"], row["ci_low"], row["ci_high"]) == (
                one["n"],
                one["value"],
                one["ci_low"],
                one["ci_high"],
            ), (metric, label)
            point = points[label]
            assert int(point["n"]) == one["n"], (metric, label)
            for column in ("value", "ci_low", "ci_high"):
                assert float(point[column]) == pytest.approx(one[column], abs=1e-9), (metric, label, column)
