"""The metrics dashboard, an overview of every domain's numbers: NPS, CSAT and CES with intervals and
trends, response volume and rate, goals, pending complaints, service KPIs and backlog, experience ->
outcomes, for the whole workspace, one touchpoint or one survey. Every widget is a call to the metrics or
goals service; each table can be downloaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tajriba import periods
from tajriba.errors import Invalid
from tajriba.goals import service as goals
from tajriba.metrics import service as metrics

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tajriba.models.accounts import Workspace
    from tajriba.warehouse import Warehouse

SURVEY_METRICS = ("nps", "csat", "ces")
PERIODS = ("week", "month", "quarter")


@dataclass(frozen=True)
class Filters:
    touchpoint_id: int | None = None
    survey_id: int | None = None
    period: str = "month"
    calendar: str = "gregorian"
    days: int = 90  # the headline window: the last `days` local days, compared with the `days` before

    def check(self) -> Filters:
        if self.period not in PERIODS:
            raise Invalid(f"period must be one of {', '.join(PERIODS)}", field="period")
        if not 7 <= self.days <= 730:
            raise Invalid("days must be 7 to 730", field="days")
        if self.period == "week" and self.calendar != "gregorian":
            return Filters(self.touchpoint_id, self.survey_id, self.period, "gregorian", self.days)
        return self


def _today(workspace: Workspace, now: datetime | None) -> date:
    return periods.Window.of(workspace).today(now)


def headline(
    session: Session, wh: Warehouse, workspace: Workspace, f: Filters, metric: str, now: datetime | None
) -> dict[str, Any]:
    end = _today(workspace, now) + timedelta(days=1)
    q = metrics.Query(metric=metric, touchpoint_id=f.touchpoint_id, survey_id=f.survey_id)
    change = metrics.compare(
        session,
        wh,
        workspace,
        q,
        (end - timedelta(days=2 * f.days), end - timedelta(days=f.days)),
        (end - timedelta(days=f.days), end),
    )
    row = change["rows"][0] if change["rows"] else {"after": None, "before": None, "change": None}
    return {"metric": metric, "now": row["after"], "before": row["before"], "change": row.get("change")}


def trends(session: Session, wh: Warehouse, workspace: Workspace, f: Filters, metric: str) -> dict[str, Any]:
    q = metrics.Query(
        metric=metric,
        period=f.period,
        calendar=f.calendar,
        touchpoint_id=f.touchpoint_id,
        survey_id=f.survey_id,
    )
    table = metrics.trend_table(session, wh, workspace, q)
    found = table["trends"][0] if table["trends"] else {"points": [], "line": None, "direction": "unknown"}
    return {"metric": metric, **found}


def _volume(trend_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    volume: dict[str, dict[str, int]] = {}
    for t in trend_list:
        for p in t["points"]:
            volume.setdefault(p["period"], {})[t["metric"]] = p["n"]
    return [{"period": k, **v} for k, v in sorted(volume.items())]


def _service(wh: Warehouse, workspace: Workspace, f: Filters, now: datetime | None) -> dict[str, Any]:
    q = metrics.TicketQuery(
        by="channel",
        start=_today(workspace, now) - timedelta(days=f.days - 1),
        touchpoint_id=f.touchpoint_id,
    )
    return metrics.service_kpis(wh, workspace, q, now=now)


def _backlog(wh: Warehouse, workspace: Workspace, f: Filters, now: datetime | None) -> list[dict[str, Any]]:
    return metrics.backlog(wh, workspace, period="week", touchpoint_id=f.touchpoint_id, now=now)["rows"][-26:]


def _complaints(wh: Warehouse, workspace: Workspace, f: Filters, now: datetime | None) -> dict[str, Any]:
    return metrics.pending_complaints(wh, workspace, touchpoint_id=f.touchpoint_id, now=now, oldest=5)


def _outcomes(wh: Warehouse, workspace: Workspace, f: Filters) -> dict[str, Any]:
    return metrics.outcomes(wh, workspace, metric="nps", touchpoint_id=f.touchpoint_id)


def _goals(
    session: Session, wh: Warehouse, workspace: Workspace, f: Filters, now: datetime | None
) -> dict[str, Any]:

    board = goals.dashboard(session, wh, workspace, now=now)
    if f.touchpoint_id is not None:
        board["goals"] = [
            g
            for g in board["goals"]
            if g["scope"] == "company" or (g["scope"] == "touchpoint" and g["scope_id"] == f.touchpoint_id)
        ]
    return board


def build(
    session: Session, wh: Warehouse, workspace: Workspace, f: Filters, *, now: datetime | None = None
) -> dict[str, Any]:
    """Every widget of the dashboard. Ticket widgets are left out for one survey (tickets have no survey)."""
    f = f.check()
    out: dict[str, Any] = {"filters": f.__dict__}
    out["headlines"] = [headline(session, wh, workspace, f, m, now) for m in SURVEY_METRICS]
    out["trends"] = [trends(session, wh, workspace, f, m) for m in SURVEY_METRICS]
    out["volume"] = _volume(out["trends"])
    out["response_rate"] = metrics.response_rate(session, workspace, survey_id=f.survey_id, min_n=1)["rows"]
    out["complaints"] = _complaints(wh, workspace, f, now)
    tickets_apply = f.survey_id is None
    out["service"] = _service(wh, workspace, f, now) if tickets_apply else None
    out["backlog"] = _backlog(wh, workspace, f, now) if tickets_apply else []
    out["outcomes"] = _outcomes(wh, workspace, f) if tickets_apply else None
    out["goals"] = _goals(session, wh, workspace, f, now)
    return out


HEADLINE_COLUMNS = [
    "metric", "n", "value", "ci_low", "ci_high", "before", "difference", "difference_ci_low", "difference_ci_high",
    "p_value",
]  # fmt: skip
TREND_COLUMNS = ["period", "n", "value", "ci_low", "ci_high", "std_error"]
SERVICE_COLUMNS = [
    "group", "n", "complaints", "open", "first_response_median", "first_response_median_ci_low",
    "first_response_median_ci_high", "first_response_p90", "first_response_within_target",
    "resolution_median", "resolution_median_ci_low", "resolution_median_ci_high", "resolution_p90",
    "resolution_within_target",
]  # fmt: skip
GOAL_COLUMNS = [
    "name", "metric", "scope", "scope_name", "current", "target", "projected", "status", "due_date", "owner_name",
]  # fmt: skip


BACKLOG_COLUMNS = ["period", "created", "resolved", "open_at_end", "complete"]
OUTCOME_COLUMNS = ["outcome", "group", "n", "value", "ci_low", "ci_high"]


def _headline_row(metric: str, h: dict[str, Any]) -> dict[str, Any]:
    """A headline as a table row: the estimate now, before, and the change with its interval and p-value."""
    now_, before, change = h["now"] or {}, h["before"] or {}, h["change"] or {}
    return {
        "metric": metric,
        "n": now_.get("n"),
        "value": now_.get("value"),
        "ci_low": now_.get("ci_low"),
        "ci_high": now_.get("ci_high"),
        "before": before.get("value"),
        "difference": change.get("difference"),
        "difference_ci_low": change.get("low"),
        "difference_ci_high": change.get("high"),
        "p_value": change.get("p_value"),
    }


def table(
    session: Session,
    wh: Warehouse,
    workspace: Workspace,
    f: Filters,
    name: str,
    *,
    now: datetime | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """One downloadable table of the dashboard (rows, columns), computing only what that table needs."""
    f = f.check()
    metric = name.removeprefix("trend_")
    if name.startswith("trend_") and metric in SURVEY_METRICS:
        return trends(session, wh, workspace, f, metric)["points"], TREND_COLUMNS
    if name == "volume":
        return _volume([trends(session, wh, workspace, f, m) for m in SURVEY_METRICS]), [
            "period",
            *SURVEY_METRICS,
        ]
    if name == "headlines":
        return [
            _headline_row(m, headline(session, wh, workspace, f, m, now)) for m in SURVEY_METRICS
        ], HEADLINE_COLUMNS
    if name == "complaints":
        return _complaints(wh, workspace, f, now)["bands"], ["from_days", "to_days", "n"]
    if name == "goals":
        rows = [
            {**g, "current": g["current"]["value"], "projected": (g["projection"] or {}).get("value")}
            for g in _goals(session, wh, workspace, f, now)["goals"]
        ]
        return rows, GOAL_COLUMNS
    if f.survey_id is None:
        if name == "service":
            return _service(wh, workspace, f, now)["rows"], SERVICE_COLUMNS
        if name == "backlog":
            return _backlog(wh, workspace, f, now), BACKLOG_COLUMNS
        if name == "outcomes":
            return _outcomes(wh, workspace, f)["rows"], OUTCOME_COLUMNS
    raise Invalid(f"no table {name!r} on this dashboard", field="table")
