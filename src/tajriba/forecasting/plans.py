"""Staffing plans per team: the forecast of the team's tickets interval by interval, the agents it needs (Erlang C,
or Erlang A with a patience; chats shared by `concurrency` per agent), the schedule the team uploaded, the gap,
what the schedule would give (service level, abandonment), and what slow answers cost in this workspace's own
history (CSAT and NPS of contacts answered within the target and after it, with intervals).

The team's volume is staffed to a forecast bound (`quantile`: the 80 % upper bound by default), not the mean:
staffing to the mean meets the target in about half the intervals.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid, NotFound
from tajriba.forecasting import intraday, series, service, sources
from tajriba.forecasting import staffing as erlang
from tajriba.forecasting.features import check_overrides
from tajriba.forecasting.schemas import TeamIn
from tajriba.i18n import _
from tajriba.models import StaffingShift, StaffingTeam, Workspace
from tajriba.periods import Window
from tajriba.warehouse import Warehouse

MAX_SHIFTS = 200_000  # rows of one uploaded schedule
PLAN_DAYS = 14


def settings(workspace: Workspace) -> tuple[str, dict[tuple[str, int], date]]:
    """The workspace's forecasting calendar: its country and the moon-sighting overrides it recorded."""
    own = (workspace.settings or {}).get("forecasting", {})
    return str(own.get("country", "SA")), check_overrides(own.get("overrides", {}))


def teams(db: Session, workspace_id: int) -> list[StaffingTeam]:
    return list(
        db.scalars(
            select(StaffingTeam).where(StaffingTeam.workspace_id == workspace_id).order_by(StaffingTeam.name)
        )
    )


def get_team(db: Session, workspace_id: int, team_id: int) -> StaffingTeam:
    team = db.get(StaffingTeam, team_id)
    if team is None or team.workspace_id != workspace_id:
        raise NotFound(_("no such staffing team"))
    return team


def save_team(db: Session, *, workspace_id: int, data: TeamIn, actor: Auditor) -> StaffingTeam:
    """Create the team of this name, or change its targets."""
    found = db.scalar(
        select(StaffingTeam).where(StaffingTeam.workspace_id == workspace_id, StaffingTeam.name == data.name)
    )
    if found is None:  # two planners creating the same team at once: the second one changes the first's
        try:
            with db.begin_nested():
                db.add(StaffingTeam(workspace_id=workspace_id, **data.model_dump()))
        except IntegrityError:
            pass
        found = db.scalar(
            select(StaffingTeam).where(
                StaffingTeam.workspace_id == workspace_id, StaffingTeam.name == data.name
            )
        )
    team = found
    assert team is not None
    for key, value in data.model_dump().items():
        setattr(team, key, value)
    db.flush()
    actor.audit(
        db,
        "staffing.team.save",
        target_type="staffing_team",
        target_id=str(team.id),
        details=data.model_dump(),
    )
    return team


def delete_team(db: Session, *, team: StaffingTeam, actor: Auditor) -> None:
    actor.audit(db, "staffing.team.delete", target_type="staffing_team", target_id=str(team.id))
    db.delete(team)
    db.flush()


def load_schedule(db: Session, *, workspace_id: int, rows: pd.DataFrame, actor: Auditor) -> dict[str, int]:
    """Store a schedule: rows with `team`, `start` (local date and time of an interval) and `people`, plus
    `row` (their numbers, for errors). Each team's intervals in the span the file covers are replaced as a
    whole; a row naming an unknown team, an unreadable time or a count that is not a whole number of 0 or
    more refuses the file, by row, and nothing is stored."""
    if len(rows) > MAX_SHIFTS:
        raise Invalid(
            _("at most {count} schedule rows at once").format(count=f"{MAX_SHIFTS:,}"), field="file"
        )
    known = {t.name: t for t in teams(db, workspace_id)}
    when = pd.to_datetime(rows["start"], errors="coerce", format="mixed")
    people = pd.to_numeric(rows["people"], errors="coerce")
    names, numbers = rows["team"].astype(str), rows["row"]
    teams_known = ", ".join(known) or "–"
    say_team = _("no staffing team {team} (teams: {teams})")
    series.refuse(~names.isin(list(known)), numbers, "team",
                  lambda i: say_team.format(team=repr(names.iloc[i]), teams=teams_known))  # fmt: skip
    series.refuse(when.isna(), numbers, "start",
                  lambda i: _("{value} is not a date and time").format(value=repr(rows["start"].iloc[i])))  # fmt: skip
    whole = people.notna() & (people == people.round()) & (people >= 0) & (people <= 100_000)
    series.refuse(~whole, numbers, "people",
                  lambda i: _("{value} is not a number of people").format(value=repr(rows["people"].iloc[i])))  # fmt: skip
    frame = pd.DataFrame(
        {
            "team": rows["team"].astype(str).to_numpy(),
            "start": when.dt.tz_localize(None) if when.dt.tz else when,
            "people": people.astype(int),
        }
    )
    frame = frame.groupby(["team", "start"], as_index=False)["people"].sum()
    stored: dict[str, int] = {}
    for name, part in frame.groupby("team"):
        team = known[str(name)]
        # one schedule of a team at a time: a second upload waits for the first, then replaces it
        db.execute(select(StaffingTeam.id).where(StaffingTeam.id == team.id).with_for_update())
        db.execute(delete(StaffingShift).where(StaffingShift.team_id == team.id,
                                               StaffingShift.starts_at >= part["start"].min().to_pydatetime(),
                                               StaffingShift.starts_at <= part["start"].max().to_pydatetime()))  # fmt: skip
        db.add_all(StaffingShift(workspace_id=workspace_id, team_id=team.id, starts_at=s.to_pydatetime(), people=int(p))
                   for s, p in zip(part["start"], part["people"], strict=True))  # fmt: skip
        stored[str(name)] = len(part)
    db.flush()
    actor.audit(
        db, "staffing.schedule.load", target_type="workspace", target_id=str(workspace_id), details=stored
    )
    return stored


def scheduled(db: Session, team: StaffingTeam, start: datetime, end: datetime) -> dict[datetime, int]:
    """People scheduled per interval start in [start, end)."""
    found = db.execute(select(StaffingShift.starts_at, StaffingShift.people).where(
        StaffingShift.team_id == team.id, StaffingShift.starts_at >= start, StaffingShift.starts_at < end))  # fmt: skip
    return {when: people for when, people in found}


def forecast(
    wh: Warehouse, workspace: Workspace, team: StaffingTeam, days: int, *, today: date | None = None
) -> dict[str, Any]:
    """The team's contacts (or tickets) forecast at its interval for `days` days from today: per interval the mean and the
    bound staffed to; and the model chosen with its backtest."""
    country, overrides = settings(workspace)
    levels = (80, 95) if team.quantile == 50 else tuple(sorted({80, 95, team.quantile}))
    shape = series.Shape(
        freq=f"{team.interval_minutes}min", country=country, overrides=overrides, levels=levels
    )
    source = team_source(wh, workspace, team)
    ask = sources.Ask(source=source, by="team", freq=shape.freq)
    item = sources.load(wh, workspace, ask, shape, today=today)
    if team.name not in item.names:
        raise sources.NotEnough(_("no {source} of team {team} to forecast yet").format(source=source, team=repr(team.name)),
                                field="team")  # fmt: skip
    assert isinstance(item, intraday.Intraday)
    i = item.names.index(team.name)
    one = intraday.Intraday(
        [team.name], item.days, item.slots, item.values[i : i + 1], country, overrides, levels
    )
    result = _cached_forecast(one, days)
    staffed = result.mean[0] if team.quantile == 50 else result.bounds[team.quantile][1][0]
    return {"result": result, "mean": result.mean[0], "staffed": staffed, "source": source}


_FORECASTS: OrderedDict[str, Any] = OrderedDict()  # the last plans' forecasts, by what they were made from
_FORECASTS_LOCK = threading.Lock()
CACHED = 64


def _cached_forecast(item: intraday.Intraday, days: int) -> Any:
    """The intraday forecast of one team's history, computed once for the same history, calendar and horizon
    (a plan page opened by a whole team at once, and every hour by the alerts, costs one forecast)."""
    digest = hashlib.sha256(item.values.tobytes())
    digest.update(repr((item.names, str(item.days[0]), len(item.days), item.slots, item.country,
                        sorted((item.overrides or {}).items()), item.levels, days)).encode())  # fmt: skip
    key = digest.hexdigest()
    with _FORECASTS_LOCK:
        if key in _FORECASTS:
            _FORECASTS.move_to_end(key)
            return _FORECASTS[key]
    result = intraday.forecast(item, days, folds=service.fitting_folds(item, days * len(item.slots), 7))
    with _FORECASTS_LOCK:
        _FORECASTS[key] = result
        while len(_FORECASTS) > CACHED:
            _FORECASTS.popitem(last=False)
    return result


def team_source(wh: Warehouse, workspace: Workspace, team: StaffingTeam) -> str:
    """What a team's volume is read from: its contact centre's interval history when there is one, else its
    tickets."""
    found = wh.sql(
        "SELECT count(*) FROM contact_intervals WHERE workspace_id = ? AND team = ?",
        [workspace.id, team.name],
    )
    return "contacts" if found[0][0] else "tickets"


def plan(db: Session, wh: Warehouse, workspace: Workspace, team: StaffingTeam, *, days: int = 7,
         today: date | None = None) -> dict[str, Any]:  # fmt: skip
    """The staffing plan of the `days` days after the team's data (from today when they are up to date): one
    row per interval and a summary per day."""
    if not 1 <= days <= PLAN_DAYS:
        raise Invalid(_("a staffing plan covers 1 to {days} days").format(days=PLAN_DAYS), field="days")
    today = today or Window.of(workspace).today()
    got = forecast(wh, workspace, team, days, today=today)
    result = got["result"]
    start = result.days[0].to_pydatetime()
    schedule = scheduled(db, team, start, start + timedelta(days=days))
    rows = []
    for d, day in enumerate(result.days):
        for k, slot in enumerate(result.slots):
            when = day.to_pydatetime() + timedelta(hours=int(slot[:2]), minutes=int(slot[3:]))
            rows.append(_interval(team, when, bool(result.closed[0, d]), float(got["mean"][d, k]),
                                  float(got["staffed"][d, k]), schedule.get(when)))  # fmt: skip
    return {
        "team": team.name,
        "interval_minutes": team.interval_minutes,
        "quantile": team.quantile,
        "model": result.chosen[0],
        "source": got["source"],
        "backtest": result.backtest[0] if result.backtest else {},
        "rows": rows,
        "days": _days(rows),
        "scheduled_known": bool(schedule),
        "first_day": result.days[0].date().isoformat(),
    }


def _interval(
    team: StaffingTeam, when: datetime, closed: bool, mean: float, staffed: float, people: int | None
) -> dict[str, Any]:
    """One interval: contacts (mean, and the bound staffed to), agents and people needed, the schedule's
    people, the gap and what they would give."""
    seconds = team.interval_minutes * 60
    row: dict[str, Any] = {"start": when.isoformat(), "closed": closed, "contacts": round(mean, 2),
                           "contacts_staffed": round(staffed, 2), "scheduled": people}  # fmt: skip
    load = erlang.Load(staffed, seconds, team.aht_seconds).check()
    if closed or staffed <= 0:
        row.update(
            agents=0, needed=0, gap=None if people is None else people, service_level=None, p_abandon=None
        )
        return row
    needed = erlang.agents_needed(load, target_level=team.target_level, target_seconds=team.target_seconds,
                                  max_occupancy=team.max_occupancy, patience_seconds=team.patience_seconds)  # fmt: skip
    agents = math.ceil(needed.agents / max(team.concurrency, 1))  # a chat agent holds `concurrency` chats
    row.update(agents=agents, needed=erlang.scheduled(agents, team.shrinkage))
    row["gap"] = None if people is None else people - row["needed"]
    row["service_level"] = row["p_abandon"] = None
    if people is not None:
        seats = math.floor(people * (1 - team.shrinkage) + 1e-9) * max(team.concurrency, 1)
        mean_load = erlang.Load(mean, seconds, team.aht_seconds).check()
        given = (erlang.erlang_c(mean_load, seats, team.target_seconds) if team.patience_seconds is None
                 else erlang.erlang_a(mean_load, seats, team.target_seconds, team.patience_seconds))  # fmt: skip
        row["service_level"] = round(given.service_level, 4)
        row["p_abandon"] = None if given.p_abandon is None else round(given.p_abandon, 4)
    return row


def _days(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per day: contacts, people-hours needed and scheduled, intervals short, the service level the schedule
    gives weighted by contacts (None without a schedule)."""
    frame = pd.DataFrame(rows)
    frame["day"] = frame["start"].str[:10]
    out = []
    for day, part in frame.groupby("day", sort=True):
        known = part["scheduled"].notna()
        weights = part.loc[known & part["service_level"].notna(), "contacts"]
        levels = part.loc[known & part["service_level"].notna(), "service_level"].astype(float)
        out.append({
            "day": day,
            "closed": bool(part["closed"].all()),
            "contacts": round(float(part["contacts"].sum()), 1),
            "needed": int(part["needed"].sum()),
            "scheduled": int(part.loc[known, "scheduled"].sum()) if known.any() else None,
            "short_intervals": int((part["gap"].dropna() < 0).sum()),
            "service_level": round(float(np.average(levels, weights=weights)), 4) if weights.sum() > 0 else None,
        })  # fmt: skip
    return out


def set_calendar(
    db: Session, *, workspace: Workspace, country: str, overrides: dict[str, str], actor: Auditor
) -> None:
    """Record the workspace's forecasting country and moon-sighting overrides (each checked: a known country,
    a day at most two days from the calendar's)."""
    from tajriba.forecasting.features import calendar_features

    calendar_features([date(2026, 1, 1)], country=country.upper())  # an unknown country is refused here
    check_overrides(overrides)
    own = dict(workspace.settings or {})
    own["forecasting"] = {"country": country.upper(), "overrides": dict(overrides)}
    workspace.settings = own
    db.flush()
    actor.audit(
        db,
        "forecasting.calendar",
        target_type="workspace",
        target_id=str(workspace.id),
        details=own["forecasting"],
    )


def workspace_forecast(wh: Warehouse, workspace: Workspace, ask: sources.Ask, horizon: int, folds: int,
                       levels: tuple[int, ...] = (80, 95), db: Session | None = None, *,
                       in_days: bool = False) -> tuple[Any, int, Any]:  # fmt: skip
    """A forecast of the workspace's own series (`sources.Ask`) for `horizon` steps (or, `in_days`, whole days
    of its intervals) after its data, and the history it was made from."""
    country, overrides = settings(workspace)
    item = sources.load(wh, workspace, ask, series.Shape(ask.freq, country, overrides, levels), db=db)
    if in_days and isinstance(item, intraday.Intraday):
        horizon *= len(item.slots)
    result, steps = service.run(item, horizon, service.fitting_folds(item, horizon, folds))
    return result, steps, item
