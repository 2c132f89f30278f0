"""The executive summary of a workspace over a week or a month: what a CX manager reads on Sunday morning.

Every figure comes from the module that owns it, with the same definitions as the pages: headline NPS,
CSAT and CES with intervals and the change against the period before (`metrics.service.compare`), goals
(`goals.service.dashboard`), the top pain points per touchpoint (`text.service.pain_points`), service times
(`metrics.tickets.service_kpis`), the closed loop (`cases.report.summary`) and success stories
(`stories.service.stories`). Periods are the workspace's local days: a week is the seven days before the
report's day, a month the previous calendar month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from tajriba import periods
from tajriba.errors import Invalid
from tajriba.i18n import _, get_locale, localized

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tajriba.models import Workspace
    from tajriba.warehouse import Warehouse

FREQUENCIES = ("weekly", "monthly")
METRICS = ("nps", "csat", "ces")


@dataclass(frozen=True)
class Period:
    start: date  # local days [start, end)
    end: date
    before_start: date
    before_end: date


def period(frequency: str, today: date) -> Period:
    """The period a report sent on `today` covers, and the one before it (for the change)."""
    if frequency == "weekly":
        end = today
        start = end - timedelta(days=7)
        return Period(start, end, start - timedelta(days=7), start)
    if frequency == "monthly":
        end = today.replace(day=1)
        start = (end - timedelta(days=1)).replace(day=1)
        before = (start - timedelta(days=1)).replace(day=1)
        return Period(start, end, before, start)
    raise Invalid(_("A report is weekly or monthly."), field="frequency")


def local_today(workspace: Workspace, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(periods.zone_of(workspace)).date()


def _headline(session: Session, wh: Warehouse, workspace: Workspace, metric: str, p: Any) -> dict[str, Any]:
    """The metric over the period, the period before, and the change between them."""
    from tajriba.metrics import service as metrics

    q = metrics.Query(metric=metric)
    rows = metrics.compare(session, wh, workspace, q, (p.before_start, p.before_end), (p.start, p.end))[
        "rows"
    ]
    row = rows[0] if rows else {"after": None, "before": None, "change": None}
    return {"metric": metric, "now": row["after"], "before": row["before"], "change": row.get("change")}


def build(
    session: Session,
    wh: Warehouse,
    workspace: Workspace,
    *,
    frequency: str = "weekly",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the summary shows, in the language being spoken (names of touchpoints, topics, labels)."""
    from tajriba.cases import service as cases
    from tajriba.goals import service as goals
    from tajriba.journeys.service import touchpoint_names
    from tajriba.metrics import service as metrics
    from tajriba.stories import service as stories
    from tajriba.text import service as text

    now = now or datetime.now(UTC)
    p = period(frequency, local_today(workspace, now))
    tz = periods.zone_of(workspace)

    def utc(day: date) -> datetime:
        return datetime.combine(day, time(), tz).astimezone(UTC)

    headlines = [_headline(session, wh, workspace, metric, p) for metric in METRICS]
    names = touchpoint_names(session, workspace_id=workspace.id, locale=get_locale())
    topic_names = text.topic_names(workspace.settings, get_locale())
    pains = text.pain_points(
        wh,
        workspace.id,
        text.Filters(since=utc(p.start).replace(tzinfo=None), until=utc(p.end).replace(tzinfo=None)),
        per_touchpoint=1,
        min_mentions=3,
    )
    pains = sorted(pains, key=lambda r: -int(r["negative"]))[:8]
    for r in pains:
        r["touchpoint"] = names.get(r["touchpoint_id"], "")
        r["topic_name"] = topic_names.get(r["topic"], r["topic"])
    service = metrics.service_kpis(wh, workspace, metrics.TicketQuery(start=p.start, end=p.end), now=now)
    measured = goals.dashboard(session, wh, workspace, now=now)
    case_summary = cases.report_summary(
        session, wh, workspace=workspace, start=utc(p.start), end=utc(p.end), now=now
    )
    found = stories.stories(session, wh, workspace, start=p.start, end=p.end, limit=3)
    return {
        "workspace": _workspace_name(workspace),
        "frequency": frequency,
        "period": p,
        "headlines": headlines,
        "goals": measured["goals"],
        "pain_points": pains,
        "service": service["rows"][0] if service["rows"] else None,
        "service_targets": metrics.targets(workspace),
        "cases": case_summary,
        "stories": found.get("stories", [])[:3],
    }


def _workspace_name(workspace: Workspace) -> str:
    names = (workspace.settings or {}).get("names") or {}
    return localized(workspace.name, names if isinstance(names, dict) else None)
