"""The metrics dashboard: NPS, CSAT and CES with intervals and trends, response volume and rate, goals,
pending complaints, service KPIs and backlog, experience -> outcomes, for the whole workspace, one
touchpoint or one survey. Every widget is a call to the metrics module; each table can be downloaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tajriba.errors import Invalid
from tajriba.metrics import outcomes, service, tickets
from tajriba.metrics import response_rate as rates

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
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(workspace.timezone or "UTC")).date()


def headline(
    session: Session, wh: Warehouse, workspace: Workspace, f: Filters, metric: str, now: datetime | None
) -> dict[str, Any]:
    end = _today(workspace, now) + timedelta(days=1)
    q = service.Query(metric=metric, touchpoint_id=f.touchpoint_id, survey_id=f.survey_id)
    change = service.compare(
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
    q = service.Query(
        metric=metric,
        period=f.period,
        calendar=f.calendar,
        touchpoint_id=f.touchpoint_id,
        survey_id=f.survey_id,
    )
    table = service.trend_table(session, wh, workspace, q)
    found = table["trends"][0] if table["trends"] else {"points": [], "line": None, "direction": "unknown"}
    return {"metric": metric, **found}


def build(
    session: Session,
    wh: Warehouse,
    workspace: Workspace,
    f: Filters,
    *,
    now: datetime | None = None,
    with_goals: bool = True,
) -> dict[str, Any]:
    from tajriba.goals import service as goals

    f = f.check()
    out: dict[str, Any] = {"filters": f.__dict__}
    out["headlines"] = [headline(session, wh, workspace, f, m, now) for m in SURVEY_METRICS]
    out["trends"] = [trends(session, wh, workspace, f, m) for m in SURVEY_METRICS]
    volume: dict[str, dict[str, int]] = {}
    for t in out["trends"]:
        for p in t["points"]:
            volume.setdefault(p["period"], {})[t["metric"]] = p["n"]
    out["volume"] = [{"period": k, **v} for k, v in sorted(volume.items())]
    out["response_rate"] = rates.response_rate(session, workspace, survey_id=f.survey_id, min_n=1)["rows"]
    out["complaints"] = tickets.pending_complaints(
        wh, workspace, touchpoint_id=f.touchpoint_id, now=now, oldest=5
    )
    if f.survey_id is None:
        kpis = tickets.service_kpis(
            wh,
            workspace,
            tickets.TicketQuery(
                by="channel",
                start=_today(workspace, now) - timedelta(days=f.days - 1),
                touchpoint_id=f.touchpoint_id,
            ),
            now=now,
        )
        out["service"] = kpis
        out["backlog"] = tickets.backlog(wh, workspace, period="week", now=now)["rows"][-26:]
        out["outcomes"] = outcomes.outcomes(wh, workspace, metric="nps", touchpoint_id=f.touchpoint_id)
    else:
        out["service"], out["backlog"], out["outcomes"] = None, [], None
    if with_goals:
        board = goals.dashboard(session, wh, workspace, now=now)
        if f.touchpoint_id is not None:
            board["goals"] = [
                g
                for g in board["goals"]
                if g["scope"] == "company"
                or (g["scope"] == "touchpoint" and g["scope_id"] == f.touchpoint_id)
            ]
        out["goals"] = board
    return out


# the downloadable tables: name -> (rows, columns) from a built dashboard
def table(data: dict[str, Any], name: str) -> tuple[list[dict[str, Any]], list[str]]:
    if name.startswith("trend_"):
        metric = name.removeprefix("trend_")
        for t in data["trends"]:
            if t["metric"] == metric:
                cols = ["period", "n", "value", "ci_low", "ci_high", "std_error"]
                return t["points"], cols
    if name == "volume":
        return data["volume"], ["period", *SURVEY_METRICS]
    if name == "service" and data["service"]:
        return data["service"]["rows"], [
            "group",
            "n",
            "complaints",
            "open",
            "first_response_median",
            "first_response_median_ci_low",
            "first_response_median_ci_high",
            "first_response_p90",
            "first_response_within_target",
            "resolution_median",
            "resolution_median_ci_low",
            "resolution_median_ci_high",
            "resolution_p90",
            "resolution_within_target",
        ]
    if name == "backlog":
        return data["backlog"], ["period", "created", "resolved", "open_at_end", "complete"]
    if name == "complaints":
        return data["complaints"]["bands"], ["from_days", "to_days", "n"]
    if name == "outcomes" and data["outcomes"]:
        return data["outcomes"]["rows"], ["outcome", "group", "n", "value", "ci_low", "ci_high"]
    if name == "goals" and data.get("goals"):
        rows = [
            {**g, "current": g["current"]["value"], "projected": (g["projection"] or {}).get("value")}
            for g in data["goals"]["goals"]
        ]
        return rows, [
            "name",
            "metric",
            "scope",
            "scope_name",
            "current",
            "target",
            "projected",
            "status",
            "due_date",
            "owner_name",
        ]
    raise Invalid(f"no table {name!r} on this dashboard", field="table")
