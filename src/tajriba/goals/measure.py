"""A goal measured: its metric over the last 28 days with its interval (through the metrics module), the
baseline before it started, progress, the weekly series, the projection to the due date and the status."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select

from tajriba import periods
from tajriba.metrics import service as metrics
from tajriba.models.goals import Goal
from tajriba.models.journeys import Persona
from tajriba.models.surveys import SurveyInvitation
from tajriba.periods import Window

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tajriba.models.accounts import Workspace
    from tajriba.warehouse import Warehouse

CURRENT_DAYS = 28


SCOPES = ("company", "journey", "stage", "touchpoint", "persona")


STATUSES = ("on_track", "at_risk", "off_track", "uncertain", "achieved", "missed", "no_data")


@dataclass(frozen=True)
class MetricSpec:
    source: str  # survey | tickets | invitations
    field: str  # the row field holding the value
    survey_metric: str | None = None
    higher_is_better: bool = True
    percent: bool = False  # a 0-1 share shown and targeted in percent
    scopes: tuple[str, ...] = SCOPES


METRICS: dict[str, MetricSpec] = {
    "nps": MetricSpec("survey", "value", "nps"),
    "csat": MetricSpec("survey", "value", "csat"),
    "csat_top2": MetricSpec("survey", "top2_box", "csat", percent=True),
    "ces": MetricSpec("survey", "value", "ces"),
    "ces_easy": MetricSpec("survey", "easy", "ces", percent=True),
    "first_response_median": MetricSpec(
        "tickets", "first_response_median", higher_is_better=False, scopes=("company", "touchpoint")
    ),
    "resolution_median": MetricSpec(
        "tickets", "resolution_median", higher_is_better=False, scopes=("company", "touchpoint")
    ),
    "first_response_within": MetricSpec(
        "tickets", "first_response_within_target", percent=True, scopes=("company", "touchpoint")
    ),
    "resolution_within": MetricSpec(
        "tickets", "resolution_within_target", percent=True, scopes=("company", "touchpoint")
    ),
    "response_rate": MetricSpec("invitations", "rate", percent=True, scopes=("company",)),
}


# the range a target may take, per metric (percent for shares)
RANGES = {"nps": (-100, 100), "csat": (1, 5), "ces": (1, 7)}


def as_dict(goal: Goal) -> dict[str, Any]:
    return {
        "id": goal.id,
        "name": goal.name,
        "feeling": goal.feeling,
        "metric": goal.metric,
        "scope": goal.scope,
        "scope_id": goal.scope_id,
        "target": goal.target,
        "start_date": goal.start_date.isoformat(),
        "due_date": goal.due_date.isoformat(),
        "owner_id": goal.owner_id,
        "higher_is_better": METRICS[goal.metric].higher_is_better,
        "percent": METRICS[goal.metric].percent,
    }


@dataclass(frozen=True)
class Reading:
    value: float | None
    low: float | None
    high: float | None
    std_error: float | None
    n: int


def _reading(spec: MetricSpec, row: dict[str, Any] | None) -> Reading:
    if row is None:
        return Reading(None, None, None, None, 0)
    scale = 100.0 if spec.percent else 1.0
    value = row.get(spec.field)
    if spec.source == "tickets":
        n = int(row.get(spec.field.replace("_within_target", "_decided").replace("_median", "_n"), 0) or 0)
        low, high = row.get(f"{spec.field}_ci_low"), row.get(f"{spec.field}_ci_high")
    elif spec.source == "invitations":
        n = int(row.get("delivered", 0))
        low, high = row.get("ci_low"), row.get("ci_high")
    else:
        n = int(row.get("n", 0))
        prefix = "" if spec.field == "value" else f"{spec.field}_"
        low, high = row.get(f"{prefix}ci_low"), row.get(f"{prefix}ci_high")
    if value is None:
        return Reading(None, None, None, None, n)
    if spec.percent:
        se = math.sqrt(max(value * (1 - value), 0) / n) if n else None
    elif spec.source == "survey":
        se = row.get("std_error")
    else:  # a median: the half-width of its interval over z
        se = (high - low) / (2 * metrics.z_value(0.95)) if low is not None and high is not None else None
    return Reading(
        value * scale,
        None if low is None else low * scale,
        None if high is None else high * scale,
        None if se is None else se * scale,
        n,
    )


def _rows(
    session: Session,
    wh: Warehouse,
    workspace: Workspace,
    goal: Goal,
    start: date,
    end: date,
    period: str | None,
    now: datetime | None,
) -> list[dict[str, Any]]:
    spec = METRICS[goal.metric]
    if spec.source == "survey":
        assert spec.survey_metric is not None
        scope: dict[str, Any] = {}
        if goal.scope in ("journey", "stage", "touchpoint"):
            scope[f"{goal.scope}_id"] = goal.scope_id
        q = metrics.Query(
            metric=spec.survey_metric,
            by="persona" if goal.scope == "persona" else None,
            period=period,
            start=start,
            end=end,
            min_n=1,
            **scope,
        )
        rows = metrics.metric_table(session, wh, workspace, q)["rows"]
        if goal.scope == "persona":
            key = session.scalar(select(Persona.key).where(Persona.id == goal.scope_id))
            rows = [r for r in rows if r["group"] == key]
        return rows
    if spec.source == "tickets":
        tq = metrics.TicketQuery(
            period=period,
            start=start,
            end=end,
            touchpoint_id=goal.scope_id if goal.scope == "touchpoint" else None,
            min_n=1,
        )
        return metrics.service_kpis(wh, workspace, tq, now=now)["rows"]
    return metrics.response_rate(session, workspace, period=period, start=start, end=end, min_n=1)["rows"]


def _meets(value: float, goal: Goal) -> bool:
    return value >= goal.target if METRICS[goal.metric].higher_is_better else value <= goal.target


def measure(
    session: Session,
    wh: Warehouse,
    workspace: Workspace,
    goal: Goal,
    *,
    now: datetime | None = None,
    min_n: int = metrics.MIN_SAMPLE,
) -> dict[str, Any]:
    """The goal with its current value, baseline, progress, weekly series, projection and status."""
    spec = METRICS[goal.metric]
    moment = now or datetime.now(UTC)
    tz = periods.zone_of(workspace)
    today = Window(tz).today(moment)
    # the current window ends on the last day with data when the feed stops before today (an import that lags,
    # the demo): the page says "data up to" that day instead of showing nothing
    latest = _latest_day(session, wh, workspace, spec, tz)
    data_day = min(today, latest) if latest is not None else today
    tomorrow = data_day + timedelta(days=1)
    window_start = max(goal.start_date, tomorrow - timedelta(days=CURRENT_DAYS))
    out: dict[str, Any] = {**as_dict(goal), "as_of": data_day.isoformat()}

    def reading(start: date, end: date) -> Any:
        rows = _rows(session, wh, workspace, goal, start, end, None, now) if start < end else []
        return _reading(spec, rows[0] if rows else None)

    current = reading(window_start, tomorrow)
    baseline = reading(goal.start_date - timedelta(days=CURRENT_DAYS), goal.start_date)
    out["current"] = {**_plain(current), "from": window_start.isoformat(), "to": data_day.isoformat()}
    out["baseline"] = _plain(baseline) if baseline.n >= min_n else None
    out["progress"] = None
    if out["baseline"] and current.value is not None and baseline.value is not None:
        gap = goal.target - baseline.value
        if gap != 0 and not _meets(baseline.value, goal):
            out["progress"] = round(float(np.clip((current.value - baseline.value) / gap, 0, 1)), 4)
    series_end = min(tomorrow, goal.due_date + timedelta(days=1))
    weekly = (
        _rows(session, wh, workspace, goal, goal.start_date, series_end, "week", now)
        if goal.start_date < series_end
        else []
    )
    monday = goal.start_date - timedelta(days=goal.start_date.weekday())
    out["series"] = [
        {
            "period": row["period"],
            "position": (date.fromisoformat(row["period"]) - monday).days / 7,
            **_plain(_reading(spec, row)),
        }
        for row in weekly
    ]
    projection = _projection(goal, out["series"], current, (goal.due_date - monday).days / 7, min_n)
    out["projection"] = projection
    out["status"], out["status_reason"] = _status(goal, current, projection, today, min_n)
    return out


def _projection(
    goal: Goal, points: list[dict[str, Any]], current: Any, due_position: float, min_n: int
) -> dict[str, Any] | None:
    """Where the metric will be on the due date: the weighted trend through the weekly points (those the
    pages show) with its band, else the current value; clipped to the metric's scale."""
    usable = [p for p in points if p["value"] is not None and p["n"] >= min_n]  # as the pages suppress them
    line = metrics.fit_line(
        [p["value"] for p in usable],
        [p["std_error"] or np.nan for p in usable],
        [p["position"] for p in usable],
    )
    projection: dict[str, Any]
    if line is not None:
        at = metrics.line_at(line, [due_position])
        projection = {
            "value": _r(float(at["fit"][0])),
            "low": _r(float(at["low"][0])),
            "high": _r(float(at["high"][0])),
            "slope_per_week": _r(line["slope"]),
            "method": "trend",
        }
    elif current.value is not None:
        projection = {
            "value": _r(current.value),
            "low": _r(current.low),
            "high": _r(current.high),
            "method": "current",
        }
    else:
        return None
    low, high = _bounds(goal.metric)
    for key in ("value", "low", "high"):
        v = projection.get(key)
        if isinstance(v, float):
            projection[key] = _r(min(max(v, low), high))
    projection["informative"] = _informative(goal, projection)
    return projection


def _informative(goal: Goal, projection: dict[str, Any]) -> bool:
    """Whether the projection's band says something: it spans at most half the measure's possible values (or,
    for a measure without an upper bound, at most twice the larger of the projection and the target)."""
    low, high = projection.get("low"), projection.get("high")
    if low is None or high is None:
        return True
    lo, hi = _bounds(goal.metric)
    width = float(high) - float(low)
    if math.isfinite(hi):
        return width <= 0.5 * (hi - lo)
    scale = max(abs(float(projection.get("value") or 0)), abs(float(goal.target)), 1.0)
    return width <= 2 * scale


def _bounds(metric: str) -> tuple[float, float]:
    """The values a metric can take (projections are clipped to them)."""
    spec = METRICS[metric]
    if spec.percent:
        return 0.0, 100.0
    return RANGES.get(metric, (0.0, math.inf))


def _latest_day(
    session: Session, wh: Warehouse, workspace: Workspace, spec: MetricSpec, tz: ZoneInfo
) -> date | None:
    if spec.source == "survey":
        latest = wh.sql(
            "SELECT max(submitted_at) FROM survey_responses WHERE workspace_id = ? AND metric = ?",
            [workspace.id, spec.survey_metric],
        )[0][0]
    elif spec.source == "tickets":
        latest = wh.sql("SELECT max(created_at) FROM tickets WHERE workspace_id = ?", [workspace.id])[0][0]
    else:
        latest = session.scalar(
            select(func.max(SurveyInvitation.sent_at)).where(SurveyInvitation.workspace_id == workspace.id)
        )
    if latest is None:
        return None
    return Window(tz).today(latest)


def _status(
    goal: Goal, current: Reading, projection: dict[str, Any] | None, today: date, min_n: int
) -> tuple[str, str]:
    if current.value is None or current.n < min_n:
        return "no_data", f"fewer than {min_n} in the last {CURRENT_DAYS} days"
    if today > goal.due_date:
        met = _meets(current.value, goal)
        return ("achieved" if met else "missed"), "the due date has passed"
    assert projection is not None
    if not projection.get("informative", True):
        return "uncertain", "the projection's interval spans most of the possible values: too little data"
    higher = METRICS[goal.metric].higher_is_better
    if _meets(projection["value"], goal):
        return "on_track", "the projection at the due date meets the target"
    better = projection["high"] if higher else projection["low"]
    if better is not None and _meets(better, goal):
        return "at_risk", "the projection misses the target, but its interval reaches it"
    return "off_track", "even the favourable end of the projection's interval misses the target"


def _r(v: float | None) -> float | None:
    return None if v is None or v != v else round(v, 4)


def _plain(r: Reading) -> dict[str, Any]:
    return {
        "value": _r(r.value),
        "ci_low": _r(r.low),
        "ci_high": _r(r.high),
        "std_error": _r(r.std_error),
        "n": r.n,
    }
