"""The forecast and staffing pages, in Arabic with Hijri dates: the chart's data, the events ahead in both
calendars, the backtest; teams, a schedule upload refused by row, the heat map."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from urllib.parse import unquote_plus
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tajriba import calendars, i18n
from tajriba.i18n import to_latin_digits
from tests.conftest import csrf_from, login, make_user, make_workspace
from tests.forecasting.test_plans import _tickets

TODAY = datetime.now(ZoneInfo("Asia/Riyadh")).date()


@pytest.fixture
def site(app, client: TestClient, db):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "calls")
    user = make_user(db, workspace=ws, role="admin", locale="ar")
    user.calendar = "hijri"
    db.commit()
    _, (tickets, responses) = _tickets(ws.id)
    app.state.warehouse.append("tickets", tickets)
    app.state.warehouse.append("survey_responses", responses)
    login(client, user)
    return client


def test_the_forecast_page_in_arabic_with_hijri_dates(site: TestClient) -> None:
    page = site.get("/w/calls/forecasts", params={"by": "team", "horizon": 60})
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    charts = re.findall(r'id="forecast-\d+-data">(.*?)</script>', page.text, re.S)
    assert len(charts) == 2, re.findall(r"role=.alert.>([^<]*)", page.text)
    data = json.loads(charts[0])
    assert data["dir"] == "rtl" and len(data["labels"]) == 91 + 60
    assert [b["name"] for b in data["bands"]] == ["فترة 95%", "فترة 80%"]  # one per cent sign, in Arabic
    assert (
        data["lines"][0]["values"][90] is not None and data["lines"][0]["values"][91] is None
    )  # history ends
    assert (
        data["lines"][1]["values"][90] is None and data["lines"][1]["values"][91] is not None
    )  # forecast starts
    with i18n.speaking("ar"):  # month names in Arabic, as the page wrote them
        expected = calendars.format_date(TODAY, locale="ar", calendar="hijri")  # the first forecast day
        assert to_latin_digits(data["labels"][91]) == expected
        # the salary days ahead, in both calendars
        payday = next(TODAY + timedelta(days=k) for k in range(60) if (TODAY + timedelta(days=k)).day == 25)
        text = to_latin_digits(page.text)
        for cal in ("hijri", "gregorian"):
            assert calendars.format_date(payday, locale="ar", calendar=cal) in text
    assert "MASE" in text and "✓" in text  # the backtest with the chosen model marked


def test_bad_choices_are_said_not_crashed_and_hours_are_drawn_per_day(site: TestClient) -> None:
    page = site.get("/w/calls/forecasts", params={"source": "tickets", "by": "event"})
    assert page.status_code == 200 and 'role="alert"' in page.text
    page = site.get("/w/calls/forecasts", params={"by": "team", "freq": "60min", "horizon": 2})
    charts = re.findall(r'id="forecast-\d+-data">(.*?)</script>', page.text, re.S)
    assert len(charts) == 2 and len(json.loads(charts[0])["labels"]) == 91 + 2
    far = site.get("/w/calls/forecasts", params={"freq": "30min", "horizon": 90})
    assert far.status_code == 200 and "62" in "".join(re.findall(r'role="alert">([^<]*)', far.text))


def test_the_staffing_page(site: TestClient) -> None:
    token = csrf_from(site, "/w/calls/staffing")
    saved = site.post("/w/calls/staffing/teams", data={"csrf_token": token, "name": "voice", "aht_seconds": "180",
                                                         "target_level": "0.8", "target_seconds": "20", "shrinkage": "0.3",
                                                         "interval_minutes": "60", "quantile": "80"})  # fmt: skip
    assert saved.status_code == 303 and "error" not in saved.headers["location"], saved.headers["location"]
    start = datetime.combine(TODAY, datetime.min.time())
    lines = ["team,start,people"] + [f"voice,{(start + timedelta(hours=h)).isoformat()},3" for h in range(24)]
    bad = site.post("/w/calls/staffing/schedule", data={"csrf_token": token},
                    files={"file": ("s.csv", "\n".join([*lines, "voice,soon,2"]).encode(), "text/csv")})  # fmt: skip
    assert bad.status_code == 303 and "error=" in bad.headers["location"]
    said = unquote_plus(bad.headers["location"])  # in the planner's Arabic, naming the row
    assert "الصف 26: 'soon' ليس تاريخًا ووقتًا" in said
    good = site.post("/w/calls/staffing/schedule", data={"csrf_token": token},
                     files={"file": ("s.csv", "\n".join(lines).encode(), "text/csv")})  # fmt: skip
    assert good.status_code == 303 and "error" not in good.headers["location"]
    page = site.get("/w/calls/staffing", params={"days": 2})
    assert page.status_code == 200
    assert (
        page.text.count('class="num heat-') >= 24 and "heat-short" in page.text
    )  # 3 people cannot carry the day
    assert "CSAT" in page.text and "NPS" in page.text


def test_a_short_week_ahead_is_told_once(app, site: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    from tajriba.audit import System
    from tajriba.cases import config
    from tajriba.cases.schemas import AlertRuleIn
    from tajriba.forecasting import alerts, plans
    from tajriba.forecasting.schemas import TeamIn
    from tajriba.models import Notification, Workspace

    ws = db.query(Workspace).filter_by(slug="calls").one()
    actor = System("test")
    team = plans.save_team(
        db, workspace_id=ws.id, actor=actor, data=TeamIn.model_validate({"name": "voice", "aht_seconds": 180})
    )
    start = datetime.combine(TODAY, datetime.min.time())
    rows = [{"team": "voice", "start": (start + timedelta(minutes=30 * i)).isoformat(), "people": 2, "row": i}
            for i in range(48 * 3)]  # fmt: skip
    import pandas as pd

    plans.load_schedule(db, workspace_id=ws.id, rows=pd.DataFrame(rows), actor=actor)
    rule = config.save_alert(db, workspace_id=ws.id, actor=actor,
                             data=AlertRuleIn(name="Short staffed", kind="staffing_gap", days=3, min_count=2))  # fmt: skip
    db.commit()
    wh = app.state.warehouse
    fired = alerts.run(db, wh, force=True)
    db.commit()
    told = db.query(Notification).filter_by(workspace_id=ws.id, kind="alert").all()
    assert fired == len(told) == 3 * len({m.user_id for m in told})  # three short days, each member told once
    assert all(n.data["team"] == "voice" and n.data["short_intervals"] >= 2 for n in told)
    assert "voice" in told[0].text and "intervals short" in told[0].text
    assert alerts.run(db, wh, force=True) == 0  # told once
    assert plans.get_team(db, ws.id, team.id).name == "voice" and rule.settings["checked_at"]


def test_the_cases_the_loop_opened_are_a_series_in_local_days(app, site: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    from tajriba.forecasting import sources
    from tajriba.models import Case, Team, Workspace

    ws = db.query(Workspace).filter_by(slug="calls").one()
    team = Team(workspace_id=ws.id, name="Care")
    db.add(team)
    db.flush()
    first = datetime(2026, 1, 1, 22, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 the next day in Riyadh
    for i in range(50):
        db.add(Case(workspace_id=ws.id, subject="s", source="survey" if i % 2 else "ticket", team_id=team.id,
                    created_at=first + timedelta(hours=12 * i)))  # fmt: skip
    db.commit()
    ask = sources.Ask(
        source="cases", by="team", start=datetime(2026, 1, 1).date(), end=datetime(2026, 3, 1).date()
    )
    found = sources.counts(app.state.warehouse, ws, ask, db=db)
    assert set(found["series"]) == {"Care"} and found["y"].sum() == 50
    local = pd.Series([(first + timedelta(hours=12 * i + 3)).date() for i in range(50)]).value_counts()
    mine = found.groupby(found["ds"].dt.date)["y"].sum()
    assert mine.sort_index().to_dict() == local.sort_index().to_dict()
    by_origin = sources.counts(
        app.state.warehouse, ws, sources.Ask(source="cases", by="origin", start=ask.start, end=ask.end), db=db
    )
    assert by_origin.groupby("series")["y"].sum().to_dict() == {"survey": 25, "ticket": 25}
