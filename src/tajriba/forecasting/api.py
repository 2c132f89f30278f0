"""`/api/v1/forecasts` and `/api/v1/staffing`: the same service as `tajriba forecast` and `tajriba staffing`."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Response

from tajriba.forecasting import contacts, costs, plans, series, service, sources
from tajriba.forecasting.schemas import (
    CalendarIn,
    CalendarRead,
    ContactsIn,
    ContactsRead,
    ForecastAsk,
    ForecastRead,
    PlanRead,
    ScheduleIn,
    ScheduleRead,
    StaffingAsk,
    StaffingRead,
    TeamIn,
    TeamRead,
    TeamsRead,
)
from tajriba.forecasting.staffing import Targets
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep

router = APIRouter(prefix="/api/v1", tags=["forecasting"])
Read = Annotated[Context, Depends(RequireKey("metrics:read"))]


def _forecast(body: ForecastAsk) -> dict[str, Any]:
    shape = series.Shape(freq=body.freq, country=body.country.upper(), levels=tuple(sorted(set(body.levels))))
    points = body.points
    item = series.from_rows(
        pd.Series([p.series for p in points]),
        pd.Series([p.ds for p in points]),
        pd.Series([p.y for p in points]),
        pd.Series(range(len(points))),
        shape,
    )
    result, steps = service.run(item, body.horizon, body.backtest)
    return _answer(result, steps, body.freq, shape.levels)


def _answer(result: Any, steps: int, freq: str, levels: tuple[int, ...]) -> dict[str, Any]:
    forecast = []
    for row in service.forecast_rows(result, steps):
        bounds = {k: row.pop(k) for k in list(row) if k.startswith(("lo_", "hi_"))}
        forecast.append({**row, "bounds": bounds})
    backtest = []
    for row in service.backtest_rows(result):
        coverage = {k.removeprefix("coverage_"): row.pop(k) for k in list(row) if k.startswith("coverage_")}
        backtest.append({**row, "coverage": coverage})
    return {
        "freq": freq,
        "horizon": steps,
        "levels": list(levels),
        "forecast": forecast,
        "backtest": backtest,
    }


@router.post("/forecasts")
def forecast(ctx: Read, body: ForecastAsk) -> ForecastRead:
    """Forecast the counts posted (one point per series and day or interval), each series' model chosen by a
    rolling-origin backtest; the backtest per series and model (MASE, sMAPE, coverage, event days). A point's
    number in `points` (from 0) names it when it is wrong."""
    return ForecastRead.model_validate(_forecast(body))


@router.post("/staffing")
def staffing(ctx: Read, body: StaffingAsk) -> StaffingRead:
    """Agents one interval needs (Erlang C; Erlang A with `patience_seconds`), the people to schedule with the
    shrinkage, and what the head counts around it give."""
    targets = Targets(
        body.target_level, body.target_seconds, body.target_asa, body.max_occupancy, body.shrinkage
    )
    out = service.staffing(body.contacts, body.interval_seconds, body.aht_seconds, targets,
                           patience_seconds=body.patience_seconds)  # fmt: skip
    return StaffingRead.model_validate(out)


Plan = Annotated[Context, Depends(RequireKey("staffing:plan"))]
See = Annotated[Context, Depends(RequireKey("staffing:read"))]
Admin = Annotated[Context, Depends(RequireKey("settings:manage"))]


@router.get("/forecasts/workspace")
def workspace_forecast(
    db: DB, wh: WarehouseDep, ctx: See, source: str = "tickets", by: str | None = None, freq: str = "D",
    horizon: int = 28, backtest: int = 3,
) -> ForecastRead:  # fmt: skip
    """Forecast the workspace's own series from the day after its data: `source` contacts (the contact
    centre's history, by team or channel), tickets (by team or channel), orders, responses (by channel), events
    (by event) or cases (by team, channel or origin); each series' model chosen by backtest."""
    ask = sources.Ask(source=source, by=by, freq=freq).check()
    try:
        result, steps, _ = plans.workspace_forecast(wh, ctx.workspace, ask, horizon, backtest, db=db)
    except sources.NotEnough as exc:  # a young workspace: nothing to forecast yet, and why
        return ForecastRead(
            freq=freq, horizon=horizon, levels=[80, 95], forecast=[], backtest=[], note=str(exc)
        )
    return ForecastRead.model_validate(_answer(result, steps, freq, (80, 95)))


@router.get("/staffing/teams")
def list_teams(db: DB, ctx: See) -> TeamsRead:
    return TeamsRead(teams=[TeamRead.model_validate(t) for t in plans.teams(db, ctx.workspace.id)])


@router.put("/staffing/teams")
def save_team(db: DB, ctx: Plan, body: TeamIn) -> TeamRead:
    """Create the team of this name (as its tickets name it) or change its targets."""
    return TeamRead.model_validate(plans.save_team(db, workspace_id=ctx.workspace.id, data=body, actor=ctx))


@router.delete("/staffing/teams/{staffing_team_id}", status_code=204)
def delete_team(db: DB, ctx: Plan, staffing_team_id: int) -> Response:
    plans.delete_team(db, team=plans.get_team(db, ctx.workspace.id, staffing_team_id), actor=ctx)
    return Response(status_code=204)


@router.post("/staffing/schedule")
def load_schedule(db: DB, ctx: Plan, body: ScheduleIn) -> ScheduleRead:
    """Store the people scheduled per team and interval (each team's span in the question is replaced)."""
    rows = pd.DataFrame([s.model_dump() for s in body.shifts])
    rows["row"] = range(len(rows))
    return ScheduleRead(stored=plans.load_schedule(db, workspace_id=ctx.workspace.id, rows=rows, actor=ctx))


@router.post("/staffing/contacts")
def load_contacts(wh: WarehouseDep, ctx: Plan, body: ContactsIn) -> ContactsRead:
    """Store a contact centre's interval history (offered, answered, abandoned, handle and wait times per team,
    channel and interval); the same intervals sent again are replaced. Plans then read it instead of tickets."""
    rows = pd.DataFrame([i.model_dump() for i in body.intervals])
    rows["row"] = range(len(rows))
    return ContactsRead(stored=contacts.store(wh, ctx.workspace, rows))


@router.get("/staffing/teams/{staffing_team_id}/plan")
def team_plan(db: DB, wh: WarehouseDep, ctx: See, staffing_team_id: int, days: int = 7) -> PlanRead:
    """The next `days` days interval by interval: forecast contacts (mean, and the bound staffed to), agents
    and people needed, scheduled people, gap, service level and abandonment the schedule gives; per day the
    totals; and the CSAT and NPS of tickets answered quickly and slowly."""
    team = plans.get_team(db, ctx.workspace.id, staffing_team_id)
    try:
        out = plans.plan(db, wh, ctx.workspace, team, days=days)
    except sources.NotEnough as exc:  # no history of this team yet: nothing to plan from, and why
        out = {"team": team.name, "interval_minutes": team.interval_minutes, "quantile": team.quantile, "model": None,
               "backtest": {}, "rows": [], "days": [], "scheduled_known": False, "note": str(exc)}  # fmt: skip
    out["slow_answers"] = costs.slow_answers(wh, ctx.workspace, team)
    return PlanRead.model_validate(out)


@router.get("/staffing/calendar")
def get_calendar(ctx: See) -> CalendarRead:
    country, overrides = plans.settings(ctx.workspace)
    return CalendarRead(
        country=country, overrides={f"{e}:{y}": d.isoformat() for (e, y), d in overrides.items()}
    )


@router.put("/staffing/calendar")
def set_calendar(db: DB, ctx: Admin, body: CalendarIn) -> CalendarRead:
    """The country whose holidays and weekend the forecasts use, and the moon-sighting overrides."""
    plans.set_calendar(db, workspace=ctx.workspace, country=body.country, overrides=body.overrides, actor=ctx)
    return get_calendar(ctx)
