"""Pages: the forecast of a workspace's series (history, forecast with its bands, the calendar's events ahead in
Hijri and Gregorian dates, the backtest that chose the model) and the staffing page (teams, schedule upload,
an interval-by-interval heat map of people needed against scheduled, the cost of slow answers)."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from tajriba import calendars
from tajriba.errors import Invalid, TajribaError
from tajriba.forecasting import contacts, costs, plans, sources
from tajriba.forecasting.features import calendar_features
from tajriba.forecasting.schemas import EVENT_LABELS, MODEL_LABELS, SOURCE_LABELS, TeamIn
from tajriba.i18n import _, to_latin_digits
from tajriba.web.deps import DB, Context, FormDep, Require, WarehouseDep, verify_csrf
from tajriba.web.render import error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)
See = Annotated[Context, Depends(Require("staffing:read"))]
Plan = Annotated[Context, Depends(Require("staffing:plan"))]
HISTORY_SHOWN = 91  # days of history drawn before the forecast
MAX_UPLOAD = 32 << 20  # the body limit of these addresses (web/middleware.py)


def _render(request: Request, template: str, **context: Any) -> Response:
    context.setdefault("active", "forecasts")
    return request.app.state.renderer.page(request, template, model_labels=MODEL_LABELS, event_labels=EVENT_LABELS,
                                           source_labels=SOURCE_LABELS, **context)  # fmt: skip


def _both_dates(request: Request, day: Any) -> dict[str, str]:
    """A day in the Hijri and the Gregorian calendar, in the reader's language and digits."""
    locale, digits = getattr(request.state, "locale", "en"), getattr(request.state, "digits", "latn")
    return {
        cal: calendars.format_date(day, locale=locale, calendar=cal, digits=digits)
        for cal in ("hijri", "gregorian")
    }


def events_ahead(
    request: Request, days: pd.DatetimeIndex, country: str, overrides: Any
) -> list[dict[str, Any]]:
    """The calendar's events in the forecast's days: the first day of each (Ramadan, its last ten nights, both
    Eids, holidays, White Friday, 11.11, salary days, Nowruz, Yalda), with both dates."""
    cal = calendar_features(days.date, country=country, overrides=overrides)
    out = []
    for name in EVENT_LABELS:
        flags = cal[name].to_numpy() > 0
        starts = np.flatnonzero(flags & ~np.concatenate([[False], flags[:-1]]))
        for i in starts:
            out.append(
                {"event": name, "day": days[i].date().isoformat(), **_both_dates(request, days[i].date())}
            )
    return sorted(out, key=lambda e: e["day"])


@router.get("/forecasts")
def forecast_page(request: Request, db: DB, wh: WarehouseDep, ctx: See, source: str = "tickets", by: str = "",
                  freq: str = "D", horizon: int = 28) -> Response:  # fmt: skip
    """One chart per series: the last three months and the forecast with its 80 % and 95 % bands."""
    error, charts, events, backtest = None, [], [], []
    try:
        ask = sources.Ask(source=source, by=by or None, freq=freq).check()
        if not 1 <= horizon <= 92:
            raise Invalid(_("The horizon must be between 1 and 92 days."), field="horizon")
        result, _steps, item = plans.workspace_forecast(
            wh, ctx.workspace, ask, horizon, 3, db=db, in_days=True
        )
        charts = [_chart(request, item, result, i) for i in range(len(result.names))]
        country, overrides = plans.settings(ctx.workspace)
        events = events_ahead(request, result.days, country, overrides)
        backtest = [
            {"series": n, "rows": r, "chosen": result.chosen[i]}
            for i, (n, r) in enumerate(zip(result.names, result.backtest, strict=True))
        ]
    except TajribaError as exc:
        error = error_text(exc)
    return _render(request, "forecasting/forecast.html", source=source, by=by, freq=freq, horizon=horizon, error=error,
                   charts=charts, events=events, backtest=backtest, splits=sources.SOURCES)  # fmt: skip


def _chart(request: Request, item: Any, result: Any, i: int) -> dict[str, Any]:
    """Daily totals drawn (an intraday forecast is added up per day): history, then forecast and bands."""
    history = item.totals().values[i] if hasattr(item, "totals") else item.values[i]
    past = pd.DatetimeIndex(item.days)[-HISTORY_SHOWN:]
    shown = history[-HISTORY_SHOWN:]
    mean, bands = result.mean[i], {lv: (lo[i], hi[i]) for lv, (lo, hi) in result.bounds.items()}
    if result.slots is not None:
        mean = mean.sum(axis=1)
        bands = {lv: (lo.sum(axis=1), hi.sum(axis=1)) for lv, (lo, hi) in bands.items()}
    n_past, n_next = len(shown), len(result.days)
    pad = [None] * n_past
    labels = [calendars.format_date(d.date(), locale=request.state.locale, calendar=request.state.calendar,
                                    digits=request.state.digits) for d in [*past, *result.days]]  # fmt: skip
    return {
        "name": result.names[i] or _("All"),
        "model": result.chosen[i],
        "data": {
            "labels": labels,
            "dir": "rtl" if request.state.locale in ("ar", "fa") else "ltr",
            "lines": [{"name": _("Actual"), "values": [_num(v) for v in shown] + [None] * n_next},
                      {"name": _("Forecast"), "values": pad + [_num(v) for v in mean], "dashed": True}],
            "bands": [{"name": _("{level}%% interval").replace("%%", "%").format(level=lv), "low": pad + [_num(v) for v in lo],
                       "high": pad + [_num(v) for v in hi]} for lv, (lo, hi) in sorted(bands.items(), reverse=True)],
        },  # fmt: skip
        "rows": [{"day": d.date().isoformat(), "mean": float(mean[j]), "low": float(bands[80][0][j]),
                  "high": float(bands[80][1][j]), "closed": bool(result.closed[i, j])} for j, d in enumerate(result.days)],
    }  # fmt: skip


def _num(value: Any) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 1)


@router.get("/staffing")
def staffing_page(request: Request, db: DB, wh: WarehouseDep, ctx: See, team: int | None = None, days: int = 7,
                  error: str | None = None) -> Response:  # fmt: skip
    """The teams; for the chosen one its plan as a heat map (days x intervals) and what slow answers cost."""
    found = plans.teams(db, ctx.workspace.id)
    chosen = next((t for t in found if t.id == team), found[0] if found else None)
    plan, cost = None, None
    if chosen is not None:
        try:
            plan = plans.plan(db, wh, ctx.workspace, chosen, days=days)
            cost = costs.slow_answers(wh, ctx.workspace, chosen)
        except TajribaError as exc:
            error = error_text(exc)
    country, overrides = plans.settings(ctx.workspace)
    return _render(request, "forecasting/staffing.html", active="staffing", teams=found, team=chosen, plan=plan,
                   grid=_grid(plan) if plan else None, cost=cost, days=days, error=error, country=country,
                   overrides={f"{e}:{y}": d.isoformat() for (e, y), d in overrides.items()})  # fmt: skip


def _grid(plan: dict[str, Any]) -> dict[str, Any]:
    """The heat map: a row per day, a column per interval of the day, each cell needed and scheduled."""
    slots = sorted({r["start"][11:16] for r in plan["rows"]})
    days: dict[str, dict[str, Any]] = {}
    for r in plan["rows"]:
        days.setdefault(r["start"][:10], {})[r["start"][11:16]] = r
    return {
        "slots": slots,
        "days": [{"day": d, "cells": [cells.get(s) for s in slots]} for d, cells in days.items()],
    }


def _team_in(form: Any) -> TeamIn:
    """The team form's fields (numbers in any digits; an empty field takes the default)."""
    fields: dict[str, Any] = {}
    for key, value in form.items():
        text = to_latin_digits(str(value)).strip()
        if key not in TeamIn.model_fields or text == "":
            continue
        fields[key] = (
            int(text) if key in ("interval_minutes", "quantile", "concurrency") and text.isdigit() else text
        )
    try:
        return TeamIn.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Invalid(f"{first['loc'][0]}: {first['msg']}", field=str(first["loc"][0])) from None


@router.post("/staffing/teams")
def save_team(request: Request, db: DB, ctx: Plan, form: FormDep) -> Response:
    try:
        team = plans.save_team(db, workspace_id=ctx.workspace.id, data=_team_in(form), actor=ctx)
    except TajribaError as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx, team=str(team.id))


@router.post("/staffing/schedule")
async def upload_schedule(request: Request, db: DB, ctx: Plan, file: UploadFile) -> Response:
    """A CSV with the columns team, start, people (one row per team and interval)."""
    raw = await file.read(MAX_UPLOAD + 1)
    try:
        if len(raw) > MAX_UPLOAD:
            raise Invalid(_("The file is larger than 32 MB."), field="file")
        rows = _csv_rows(raw, ("team", "start", "people"))
        plans.load_schedule(db, workspace_id=ctx.workspace.id, rows=rows, actor=ctx)
    except TajribaError as exc:
        db.rollback()
        return _back(ctx, error=error_text(exc))
    return _back(ctx)


@router.post("/staffing/contacts")
async def upload_contacts(request: Request, wh: WarehouseDep, ctx: Plan, file: UploadFile) -> Response:
    """A contact centre's interval history as CSV: team, channel, start, minutes, offered, answered..."""
    raw = await file.read(MAX_UPLOAD + 1)
    try:
        if len(raw) > MAX_UPLOAD:
            raise Invalid(_("The file is larger than 32 MB."), field="file")
        contacts.store(wh, ctx.workspace, _csv_rows(raw, ("team", "start", "offered")))
    except TajribaError as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx)


def _csv_rows(raw: bytes, required: tuple[str, ...]) -> pd.DataFrame:
    """A CSV file's rows with `row`, their line numbers; the required columns checked."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(_("The file must be a UTF-8 CSV file."), field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise Invalid(
            _("The file needs the columns {columns}.").format(columns=", ".join(required)), field="file"
        )
    rows = pd.DataFrame(list(reader))
    if rows.empty:
        raise Invalid(_("The file has no rows."), field="file")
    rows["row"] = range(2, len(rows) + 2)
    return rows


@router.post("/staffing/calendar")
def save_calendar(request: Request, db: DB, ctx: Annotated[Context, Depends(Require("settings:manage"))],
                  form: FormDep) -> Response:  # fmt: skip
    """The forecasting country and moon-sighting overrides, one "event:year = day" per line."""
    overrides = {}
    for line in str(form.get("overrides") or "").splitlines():
        key, _sep, value = line.partition("=")
        if key.strip():
            overrides[key.strip()] = value.strip()
    try:
        plans.set_calendar(db, workspace=ctx.workspace, country=str(form.get("country") or "SA"),
                           overrides=overrides, actor=ctx)  # fmt: skip
    except TajribaError as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx)


def _back(ctx: Context, **query: str) -> RedirectResponse:
    from urllib.parse import urlencode

    suffix = ("?" + urlencode(query)) if query else ""
    return RedirectResponse(f"/w/{ctx.workspace.slug}/staffing{suffix}", status_code=303)
