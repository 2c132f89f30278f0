"""Response rate of survey invitations: completed over delivered, with a Wilson interval.

Delivered invitations are those sent (status sent, completed or expired); skipped, failed and still scheduled
ones were never in front of a customer and are reported beside the rate, not in it. Public links and QR codes
have no denominator and are not part of a rate. Periods are of the send, in the workspace's local days.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tajriba import periods
from tajriba.errors import Invalid
from tajriba.metrics import scores
from tajriba.models.surveys import Survey, SurveyInvitation

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tajriba.models.accounts import Workspace

DIMENSIONS = ("survey", "channel", "language")
DELIVERED = ("sent", "completed", "expired")


def _count_in_sql(
    session: Session,
    query: Any,
    picked: list[Any],
    keyed: bool,
    start: date | None,
    end: date | None,
    tz: ZoneInfo,
    counts: dict[tuple[str, str], dict[str, int]],
) -> None:
    from datetime import time as clock

    from sqlalchemy import and_, func, or_

    sent, scheduled = SurveyInvitation.sent_at, SurveyInvitation.scheduled_at

    def since(
        moment: datetime,
    ) -> Any:  # coalesce(sent_at, scheduled_at) >= moment, through the columns' types
        return or_(and_(sent.is_not(None), sent >= moment), and_(sent.is_(None), scheduled >= moment))

    def before(moment: datetime) -> Any:
        return or_(and_(sent.is_not(None), sent < moment), and_(sent.is_(None), scheduled < moment))

    q = query.with_only_columns(*picked, SurveyInvitation.status, func.count()).group_by(
        *picked, SurveyInvitation.status
    )
    if start is not None:
        q = q.where(since(datetime.combine(start, clock(), tz)))
    if end is not None:
        q = q.where(before(datetime.combine(end, clock(), tz)))
    for found in session.execute(q):
        key = str(found[0]) if keyed else "all"
        status, n = str(found[-2]), int(found[-1])
        bucket = counts.setdefault(
            (key, ""), dict.fromkeys(("delivered", "completed", "skipped", "failed", "scheduled"), 0)
        )
        if status in DELIVERED:
            bucket["delivered"] += n
            bucket["completed"] += n if status == "completed" else 0
        elif status in bucket:
            bucket[status] += n


COLUMNS = {
    None: None,
    "survey": SurveyInvitation.survey_id,
    "channel": SurveyInvitation.channel,
    "language": SurveyInvitation.language,
}


def response_rate(
    session: Session,
    workspace: Workspace,
    *,
    by: str | None = None,
    period: str | None = None,
    calendar: str = "gregorian",
    week_start: str = "monday",
    survey_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    level: float = 0.95,
    min_n: int = scores.MIN_SAMPLE,
) -> dict[str, Any]:
    """Per slice (survey, channel, language) and period: delivered, completed, rate and interval; plus counts of
    invitations not delivered (skipped, failed, scheduled)."""
    if by is not None and by not in DIMENSIONS:
        raise Invalid(f"by must be one of {', '.join(DIMENSIONS)}", field="by")
    if period is not None:
        periods.check(period, calendar, week_start)
    column = COLUMNS[by]
    picked = [column] if column is not None else []
    query = select(
        *picked, SurveyInvitation.status, SurveyInvitation.sent_at, SurveyInvitation.scheduled_at
    ).where(SurveyInvitation.workspace_id == workspace.id, SurveyInvitation.channel != "link")
    if survey_id is not None:
        query = query.where(SurveyInvitation.survey_id == survey_id)
    tz = periods.zone_of(workspace)
    counts: dict[tuple[str, str], dict[str, int]] = {}
    if period is None:  # no periods: the database counts (local days [start, end) are UTC instants)
        _count_in_sql(session, query, picked, column is not None, start, end, tz, counts)
    for found in session.execute(query) if period is not None else ():
        key = str(found[0]) if column is not None else "all"
        status = str(found[-3])
        when = cast("datetime", found[-2] or found[-1])
        day = when.astimezone(tz).date()
        if (start is not None and day < start) or (end is not None and day >= end):
            continue
        label = periods.label(day, period, calendar, week_start) if period else ""
        bucket = counts.setdefault(
            (key, label), dict.fromkeys(("delivered", "completed", "skipped", "failed", "scheduled"), 0)
        )
        if status in DELIVERED:
            bucket["delivered"] += 1
            bucket["completed"] += status == "completed"
        elif status in bucket:
            bucket[status] += 1
    names: dict[str, str] = {}
    if by == "survey":
        surveys = session.execute(select(Survey.id, Survey.name).where(Survey.workspace_id == workspace.id))
        names = {str(i): n for i, n in surveys}
    return {
        "by": by,
        "period": period,
        "calendar": calendar,
        "level": level,
        "rows": _rows(counts, names, by=by, period=period, level=level, min_n=min_n),
    }


def _rows(
    counts: dict[tuple[str, str], dict[str, int]],
    names: dict[str, str],
    *,
    by: str | None,
    period: str | None,
    level: float,
    min_n: int,
) -> list[dict[str, Any]]:
    """A row per slice and period: the counts, and the rate with its Wilson interval (suppressed below
    min_n delivered)."""
    z = scores.z_value(level)
    rows = []
    for (key, label), c in sorted(counts.items()):
        rate, low, high = (float(v) for v in scores.wilson_interval(c["completed"], c["delivered"], z))
        row: dict[str, Any] = {"group": key if by else None, "label": names.get(key, key) if by else None}
        if period:
            row["period"] = label
        row.update(c)
        if c["delivered"] < max(min_n, 1):
            row.update(rate=None, ci_low=None, ci_high=None)
            row["suppressed"] = (
                "no invitations delivered" if not c["delivered"] else f"fewer than {min_n} delivered"
            )
        else:
            row.update(rate=round(rate, 4), ci_low=round(low, 4), ci_high=round(high, 4))
        rows.append(row)
    return rows
