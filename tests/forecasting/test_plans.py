"""Staffing plans per team on a live server: teams and schedules by role, the plan's arithmetic checked
interval by interval against the Erlang functions, the cost of slow answers against the data it came from,
and many planners at once getting the same answers."""

from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import pandas as pd
import pytest

from tajriba.accounts import service as accounts
from tajriba.config import load_settings
from tajriba.forecasting import simulate
from tajriba.forecasting import staffing as erlang
from tajriba.forecasting.features import calendar_features
from tajriba.warehouse import open_warehouse
from tests.live import serving, stores

TODAY = datetime.now(ZoneInfo("Asia/Riyadh")).date()
DAYS = 120


def _tickets(workspace_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two teams' tickets for the DAYS days before today (Riyadh time, stored in UTC), hour by hour; voice
    answered within 5-40 s (the slow ones rated lower), and an NPS answer for every third ticket."""
    days = pd.date_range(TODAY - timedelta(days=DAYS), TODAY - timedelta(days=1), freq="D")
    rng = np.random.default_rng(7)
    frames = []
    for team, level in (("voice", 500), ("chat", 250)):
        hours = simulate.hourly_counts(days, level, seed=level)
        local = [day + pd.Timedelta(hours=h, seconds=int(s)) for (d, h), c in np.ndenumerate(hours)
                 for day in [days[d]] for s in rng.uniform(0, 3600, int(c))]  # fmt: skip
        wait = rng.uniform(5, 40, len(local))
        frames.append(pd.DataFrame({"team": team, "channel": team, "local": local, "wait": wait}))
    frame = pd.concat(frames, ignore_index=True)
    frame["ticket_id"] = [f"T{i}" for i in range(len(frame))]
    frame["created_at"] = pd.to_datetime(frame["local"]) - pd.Timedelta(hours=3)
    frame["first_response_at"] = frame["created_at"] + pd.to_timedelta(
        frame["wait"].round(3), unit="s"
    ).dt.floor("ms")
    frame["satisfaction"] = np.clip(
        np.round(4.6 - (frame["wait"] > 20) * 0.8 + rng.normal(0, 0.6, len(frame))), 1, 5
    )
    tickets = frame.assign(workspace_id=workspace_id)[
        ["workspace_id", "ticket_id", "team", "channel", "created_at", "first_response_at", "satisfaction"]
    ]
    linked = frame.iloc[::3]
    scores = np.clip(np.round(8.5 - (linked["wait"] > 20) * 2 + rng.normal(0, 1.5, len(linked))), 0, 10)
    responses = pd.DataFrame({"workspace_id": workspace_id, "response_id": "R" + linked["ticket_id"],
                              "ticket_id": linked["ticket_id"], "metric": "nps", "score": scores.to_numpy(),
                              "submitted_at": linked["first_response_at"]})  # fmt: skip
    return frame, (tickets, responses)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data = tmp_path_factory.mktemp("plans") / "data"
    with stores(data) as s:
        ws = accounts.create_workspace(s, slug="calls", name="Calls")
        analyst = accounts.create_key(s, workspace=ws, kind="api", name="a", role="analyst")[1]
        viewer = accounts.create_key(s, workspace=ws, kind="api", name="v", role="viewer")[1]
        admin = accounts.create_key(s, workspace=ws, kind="api", name="o", role="admin")[1]
        ws_id = ws.id
    frame, (tickets, responses) = _tickets(ws_id)
    wh = open_warehouse(load_settings(data_dir=data, env="test").warehouse_address)
    wh.append("tickets", tickets)
    wh.append("survey_responses", responses)
    wh.close()
    with serving(data) as live:
        keys = [{"Authorization": f"Bearer {k}"} for k in (analyst, viewer, admin)]
        yield live.url, keys[0], keys[1], frame, keys[2]


def test_teams_and_schedules_by_role(site) -> None:  # type: ignore[no-untyped-def]
    url, analyst, viewer, _, _ = site
    team = {"name": "voice", "aht_seconds": 180, "target_level": 0.8, "target_seconds": 20, "shrinkage": 0.3}
    assert httpx.put(f"{url}/api/v1/staffing/teams", json=team, headers=viewer).status_code == 403
    saved = httpx.put(f"{url}/api/v1/staffing/teams", json=team, headers=analyst).json()
    chat = {"name": "chat", "channel": "chat", "aht_seconds": 400, "concurrency": 3, "patience_seconds": 120,
            "interval_minutes": 60}  # fmt: skip
    assert httpx.put(f"{url}/api/v1/staffing/teams", json=chat, headers=analyst).status_code == 200
    listed = httpx.get(f"{url}/api/v1/staffing/teams", headers=viewer).json()["teams"]
    assert [t["name"] for t in listed] == ["chat", "voice"] and saved["id"] in {t["id"] for t in listed}
    start = datetime.combine(TODAY, datetime.min.time())
    shifts = [
        {"team": "voice", "start": (start + timedelta(minutes=30 * i)).isoformat(), "people": 4}
        for i in range(96)
    ]
    wrong = [*shifts, {"team": "billing", "start": "x", "people": 1}]
    bad = httpx.post(f"{url}/api/v1/staffing/schedule", json={"shifts": wrong}, headers=analyst)
    assert bad.status_code == 422 and "row 96: no staffing team 'billing'" in bad.text
    good = httpx.post(f"{url}/api/v1/staffing/schedule", json={"shifts": shifts}, headers=analyst)
    assert good.json() == {"stored": {"voice": 96}}


def test_the_plan_interval_by_interval(site) -> None:  # type: ignore[no-untyped-def]
    url, analyst, viewer, frame, _ = site
    teams = {t["name"]: t for t in httpx.get(f"{url}/api/v1/staffing/teams", headers=viewer).json()["teams"]}
    plan = httpx.get(
        f"{url}/api/v1/staffing/teams/{teams['voice']['id']}/plan",
        params={"days": 3},
        headers=viewer,
        timeout=120,
    )
    assert plan.status_code == 200, plan.text
    got = plan.json()
    assert len(got["rows"]) == 3 * 48 and got["scheduled_known"]
    for row in got["rows"]:
        if row["closed"] or row["contacts_staffed"] <= 0:
            continue
        load = erlang.Load(row["contacts_staffed"], 1800, 180)
        assert row["agents"] == erlang.agents_needed(load, target_level=0.8, target_seconds=20).agents
        assert row["needed"] == erlang.scheduled(row["agents"], 0.3)
        assert row["contacts_staffed"] >= row["contacts"]  # the 80 % bound, not the mean
        if row["scheduled"] is not None:
            assert row["gap"] == row["scheduled"] - row["needed"]
            given = erlang.erlang_c(
                erlang.Load(row["contacts"], 1800, 180), math.floor(row["scheduled"] * 0.7 + 1e-9), 20
            )
            assert row["service_level"] == pytest.approx(
                given.service_level, abs=3e-3
            )  # contacts shown rounded
    first = got["days"][0]
    today_rows = [r for r in got["rows"] if r["start"].startswith(first["day"])]
    assert first["needed"] == sum(r["needed"] for r in today_rows) and first["scheduled"] == 4 * 48
    assert first["short_intervals"] == sum(1 for r in today_rows if r["gap"] is not None and r["gap"] < 0)
    # the cost of slow answers, from the same tickets counted here
    voice = frame[(frame["team"] == "voice")]
    cost = got["slow_answers"]
    for speed, part in (("quick", voice[voice["wait"] <= 20]), ("slow", voice[voice["wait"] > 20])):
        assert cost[speed]["count"] == len(part) and cost["unit"] == "tickets"
        assert cost[speed]["csat"]["value"] == pytest.approx(part["satisfaction"].mean())
    assert cost["csat_difference"]["high"] < 0  # slower answers, lower CSAT, the whole interval below 0
    assert cost["nps_difference"]["high"] < 0


def test_chat_shares_agents_and_many_planners_agree(site) -> None:  # type: ignore[no-untyped-def]
    url, _, viewer, _, _ = site
    teams = {t["name"]: t for t in httpx.get(f"{url}/api/v1/staffing/teams", headers=viewer).json()["teams"]}
    path = f"{url}/api/v1/staffing/teams/{teams['chat']['id']}/plan"

    def call(i: int) -> httpx.Response:
        if i % 2:
            return httpx.get(
                f"{url}/api/v1/forecasts/workspace",
                params={"by": "team", "horizon": 7},
                headers=viewer,
                timeout=120,
            )
        return httpx.get(path, params={"days": 2}, headers=viewer, timeout=120)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(call, range(8)))
    assert [a.status_code for a in answers] == [200] * 8, [a.text[:300] for a in answers]
    plans = [a.json() for i, a in enumerate(answers) if i % 2 == 0]
    forecasts = [a.json() for i, a in enumerate(answers) if i % 2]
    assert all(p == plans[0] for p in plans) and all(f == forecasts[0] for f in forecasts)
    assert {r["series"] for r in forecasts[0]["forecast"]} == {"voice", "chat"}
    for row in plans[0]["rows"]:
        if row["contacts_staffed"] > 0 and not row["closed"]:
            load = erlang.Load(row["contacts_staffed"], 3600, 400)
            seats = erlang.agents_needed(
                load, target_level=0.8, target_seconds=20, patience_seconds=120
            ).agents
            assert row["agents"] == math.ceil(seats / 3)


def test_the_calendar_is_the_admins(site) -> None:  # type: ignore[no-untyped-def]
    url, analyst, _, _, admin = site
    body = {"country": "SA", "overrides": {"eid_al_fitr:1448": "2027-03-11"}}
    assert httpx.put(f"{url}/api/v1/staffing/calendar", json=body, headers=analyst).status_code == 403
    assert httpx.put(f"{url}/api/v1/staffing/calendar", json=body, headers=admin).json() == body
    assert httpx.get(f"{url}/api/v1/staffing/calendar", headers=analyst).json() == body
    far = httpx.put(
        f"{url}/api/v1/staffing/calendar",
        json={"overrides": {"eid_al_fitr:1448": "2027-05-01"}},
        headers=admin,
    )
    assert far.status_code == 422 and "more than two days" in far.text
    odd = httpx.put(f"{url}/api/v1/staffing/calendar", json={"country": "ZZ"}, headers=admin)
    assert odd.status_code == 422 and "ZZ" in odd.text
    back = httpx.put(f"{url}/api/v1/staffing/calendar", json={"country": "SA"}, headers=admin)
    assert back.json() == {"country": "SA", "overrides": {}}


def test_a_contact_centre_history_is_imported_and_planned_from(site) -> None:  # type: ignore[no-untyped-def]
    url, analyst, viewer, _, _ = site
    days = pd.date_range(TODAY - timedelta(days=60), TODAY - timedelta(days=1), freq="D")
    hours = simulate.hourly_counts(days, 2000, seed=5)
    rows = []
    for d, day in enumerate(days):
        for h in range(8, 22):
            start = (day + pd.Timedelta(hours=h)).isoformat()
            answered = int(hours[d, h] * 0.9)
            met = (d + h) % 3 != 0  # two intervals in three meet the 80 % target, and rate higher
            rows.append({"team": "billing", "channel": "phone", "start": start, "minutes": 60, "offered": int(hours[d, h]),
                         "answered": answered, "answered_within": int(answered * (0.9 if met else 0.5)),
                         "handle_seconds": 200.0, "csat": 4.5 if met else 3.9 + 0.01 * (h % 5), "csat_n": 10})  # fmt: skip
    wrong = [*rows[:5], {**rows[5], "answered": rows[5]["offered"] + 1}]
    bad = httpx.post(
        f"{url}/api/v1/staffing/contacts", json={"intervals": wrong}, headers=analyst, timeout=60
    )
    assert (
        bad.status_code == 422
        and "row 5: answered" in bad.text
        and "more than the contacts offered" in bad.text
    )
    stored = httpx.post(
        f"{url}/api/v1/staffing/contacts", json={"intervals": rows}, headers=analyst, timeout=60
    )
    assert stored.status_code == 200, stored.text
    assert stored.json() == {"stored": len(rows)}
    again = httpx.post(
        f"{url}/api/v1/staffing/contacts", json={"intervals": rows}, headers=analyst, timeout=60
    )
    assert again.json() == {"stored": len(rows)}  # the same intervals replaced, not doubled
    team = {"name": "billing", "aht_seconds": 200, "interval_minutes": 60}
    saved = httpx.put(f"{url}/api/v1/staffing/teams", json=team, headers=analyst).json()
    plan = httpx.get(
        f"{url}/api/v1/staffing/teams/{saved['id']}/plan", params={"days": 2}, headers=viewer, timeout=120
    ).json()
    assert plan["source"] == "contacts" and len(plan["rows"]) == 2 * 14  # the hours the centre is open
    day = [r for r in plan["rows"] if r["start"].startswith(plan["first_day"])]
    first = pd.date_range(plan["first_day"], periods=1)
    shape = simulate.RAMADAN_SHAPE if calendar_features(first.date)["ramadan"].iloc[0] else simulate.DAY_SHAPE
    truth = simulate.daily_means(first, 2000)[0] * sum(shape[8:22]) / sum(shape)
    assert abs(sum(r["contacts"] for r in day) / truth - 1) < 0.15
    forecast = httpx.get(
        f"{url}/api/v1/forecasts/workspace", params={"source": "contacts", "horizon": 7}, headers=viewer
    ).json()
    assert len(forecast["forecast"]) == 7
    cost = plan["slow_answers"]  # from the intervals: those meeting the target against those missing it
    met = [r for r in rows if r["answered"] and r["answered_within"] >= 0.8 * r["answered"]]
    assert cost["unit"] == "intervals" and cost["quick"]["count"] == len(met)
    assert cost["slow"]["count"] == len([r for r in rows if r["answered"]]) - len(met)
    assert cost["quick"]["csat"]["value"] == pytest.approx(4.5)
    assert cost["csat_difference"]["high"] < 0


def test_a_years_history_fits_and_a_larger_body_is_refused(site) -> None:  # type: ignore[no-untyped-def]
    url, analyst, _, _, _ = site
    start = pd.Timestamp("2024-01-01")
    rows = [
        {"team": "archive", "channel": "phone", "start": (start + pd.Timedelta(minutes=30 * i)).isoformat(),
         "offered": i % 40, "answered": i % 40, "handle_seconds": 180.5, "wait_seconds": 12.25}
        for i in range(20_000)
    ]  # fmt: skip
    body = json.dumps({"intervals": rows})
    assert len(body) > 2 << 20  # more than the API's usual 2 MiB
    stored = httpx.post(f"{url}/api/v1/staffing/contacts", content=body, timeout=120,
                        headers={**analyst, "Content-Type": "application/json"})  # fmt: skip
    assert stored.status_code == 200, stored.text[:300]
    assert stored.json() == {"stored": 20_000}
    huge = httpx.post(f"{url}/api/v1/staffing/contacts", content=b"[" + b" " * (33 << 20) + b"]", timeout=120,
                      headers={**analyst, "Content-Type": "application/json"})  # fmt: skip
    assert huge.status_code == 413


def test_planners_saving_the_same_team_and_schedule_at_once(site) -> None:  # type: ignore[no-untyped-def]
    url, analyst, viewer, _, _ = site
    start = datetime.combine(TODAY + timedelta(days=20), datetime.min.time())
    voice = {"name": "voice", "aht_seconds": 180, "target_level": 0.8, "target_seconds": 20, "shrinkage": 0.3}
    assert httpx.put(f"{url}/api/v1/staffing/teams", json=voice, headers=analyst).status_code == 200

    def save(i: int) -> httpx.Response:
        if i % 2:
            team = {"name": "night", "aht_seconds": 100 + i}
            return httpx.put(f"{url}/api/v1/staffing/teams", json=team, headers=analyst, timeout=60)
        shifts = [{"team": "voice", "start": (start + timedelta(minutes=30 * k)).isoformat(), "people": i}
                  for k in range(48)]  # fmt: skip
        return httpx.post(
            f"{url}/api/v1/staffing/schedule", json={"shifts": shifts}, headers=analyst, timeout=60
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(save, range(16)))
    assert [a.status_code for a in answers] == [200] * 16, [a.text[:200] for a in answers]
    teams = [
        t
        for t in httpx.get(f"{url}/api/v1/staffing/teams", headers=viewer).json()["teams"]
        if t["name"] == "night"
    ]
    assert len(teams) == 1 and teams[0]["aht_seconds"] in {100 + i for i in range(1, 16, 2)}
    assert all(a.json() == {"stored": {"voice": 48}} for i, a in enumerate(answers) if i % 2 == 0)
