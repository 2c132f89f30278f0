"""Service KPIs from support tickets: response and resolution times, share within target, pending complaints,
backlog.

- First-response and resolution time: median and 90th percentile of the tickets that have one, each with
  its distribution-free order-statistic interval (`estimates.quantile`).
- Within target: tickets answered (resolved) within the target over the tickets whose outcome is known, i.e.
  answered, or unanswered and already older than the target; a young unanswered ticket is not counted yet.
  Wilson interval.
- Pending complaints: complaints not resolved at `now`, by age band.
- Backlog: tickets open at the end of each period (created before its end, not resolved by then), with the
  tickets created and resolved in it.

Targets come from the workspace settings (`service.first_response_minutes`, `service.resolution_hours`),
60 minutes and 48 hours unless set. Periods are the workspace's local days, as for survey metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from tajriba import periods
from tajriba.errors import Invalid
from tajriba.metrics import estimates as est
from tajriba.metrics import scores

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tajriba.audit import Auditor
    from tajriba.models.accounts import Workspace
    from tajriba.warehouse import Warehouse

DIMENSIONS = ("channel", "agent", "team", "category", "priority", "touchpoint")
DEFAULT_TARGETS = {"first_response_minutes": 60.0, "resolution_hours": 48.0}
AGE_BANDS = ((0, 1), (1, 3), (3, 7), (7, 14), (14, 30), (30, None))  # days


def targets(workspace: Workspace) -> dict[str, float]:
    """The workspace's service targets (settings `service`), defaults where unset."""
    chosen = dict(DEFAULT_TARGETS)
    for key, value in ((workspace.settings or {}).get("service") or {}).items():
        if key in chosen and value is not None:
            chosen[key] = float(value)
    return chosen


def check_targets(values: dict[str, Any]) -> dict[str, float]:
    """Validated service targets from a form or API body (positive numbers); unknown keys refused."""
    out: dict[str, float] = {}
    for key, value in values.items():
        if key not in DEFAULT_TARGETS:
            raise Invalid(f"unknown service target {key!r}: expected {', '.join(DEFAULT_TARGETS)}", field=key)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise Invalid(f"{key} must be a number, got {value!r}", field=key) from None
        if not number > 0 or number != number or number == float("inf"):
            raise Invalid(f"{key} must be a positive number", field=key)
        out[key] = number
    return out


@dataclass(frozen=True)
class TicketQuery:
    by: str | None = None
    period: str | None = None
    calendar: str = "gregorian"
    week_start: str = "monday"
    start: date | None = None  # local days of creation, [start, end)
    end: date | None = None
    channel: str | None = None
    agent: str | None = None
    touchpoint_id: int | None = None
    complaints: bool = False
    level: float = 0.95
    min_n: int = scores.MIN_SAMPLE

    def check(self) -> None:
        scores.check_slice(self, DIMENSIONS)


_KEY = {
    "channel": "channel",
    "agent": "agent",
    "team": "team",
    "category": "category",
    "priority": "priority",
    "touchpoint": "CAST(touchpoint_id AS VARCHAR)",
}


def _where(workspace: Workspace, q: TicketQuery, tz: ZoneInfo) -> tuple[list[str], list[Any]]:
    where: list[str] = ["workspace_id = ?"]
    params: list[Any] = [workspace.id]
    for column, value in (("channel", q.channel), ("agent", q.agent), ("touchpoint_id", q.touchpoint_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if q.complaints:
        where.append("is_complaint")
    start, end = periods.Window(tz, q.start, q.end).utc()
    if start is not None:
        where.append("created_at >= ?")
        params.append(start)
    if end is not None:
        where.append("created_at < ?")
        params.append(end)
    return where, params


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)


def service_kpis(
    wh: Warehouse, workspace: Workspace, q: TicketQuery, *, now: datetime | None = None
) -> dict[str, Any]:
    """Per slice and period (of creation): tickets, complaints, open, first-response and resolution time
    (median and p90 with intervals, minutes and hours) and the share within each target (Wilson)."""
    q.check()
    tz = periods.zone_of(workspace)
    goal = targets(workspace)
    where, params = _where(workspace, q, tz)
    window = periods.Window(tz, q.start, q.end)
    key = _KEY[q.by] if q.by else "'all'"
    day = window.local_day("created_at")
    frame = wh.frame(
        f"SELECT {key} AS key, {day} AS day, is_complaint, "
        "epoch(first_response_at - created_at) AS frt, epoch(resolved_at - created_at) AS res, "
        f"epoch(CAST(? AS TIMESTAMP) - created_at) AS age FROM tickets WHERE {' AND '.join(where)}",
        [_now(now), *params],
    )
    keys = frame["key"].fillna("").astype(str).to_numpy(dtype=object)
    dims = [keys]
    if q.period:
        dims.append(
            periods.labels(
                frame["day"].to_numpy().astype("datetime64[D]"), q.period, q.calendar, q.week_start
            )
        )
    combined = np.array(["\x00".join(p) for p in zip(*dims, strict=True)], dtype=object)
    frt = frame["frt"].to_numpy(dtype=float)
    res = frame["res"].to_numpy(dtype=float)
    age = frame["age"].to_numpy(dtype=float)
    complaint = frame["is_complaint"].fillna(False).to_numpy(dtype=bool)
    frt_limit, res_limit = goal["first_response_minutes"] * 60, goal["resolution_hours"] * 3600
    z = scores.z_value(q.level)
    rows: list[dict[str, Any]] = []
    groups = pd.Series(np.arange(combined.size)).groupby(combined).indices if combined.size else {}
    for label, idx in groups.items():
        parts = str(label).split("\x00")
        n = int(idx.size)
        row: dict[str, Any] = {"group": parts[0] or None, "n": n}
        if q.period:
            row["period"] = parts[1]
        row["complaints"] = int(complaint[idx].sum())
        row["open"] = int(np.isnan(res[idx]).sum())
        if n < q.min_n:
            row["suppressed"] = f"fewer than {q.min_n} tickets"
            rows.append(row)
            continue
        row.update(time_kpis(frt[idx], res[idx], age[idx], frt_limit=frt_limit, res_limit=res_limit, z=z,
                             level=q.level))  # fmt: skip
        rows.append(row)
    rows.sort(key=lambda r: (r["group"] is None, str(r["group"]), r.get("period", "")))
    return {
        "by": q.by,
        "period": q.period,
        "calendar": q.calendar,
        "level": q.level,
        "targets": goal,
        "units": {"first_response": "minutes", "resolution": "hours"},
        "rows": rows,
    }


def time_kpis(
    frt: np.ndarray,
    res: np.ndarray,
    age: np.ndarray,
    *,
    frt_limit: float,
    res_limit: float,
    z: float,
    level: float,
) -> dict[str, Any]:
    """First-response and resolution time (seconds in; NaN = not yet) of one group: median and p90 with their
    order-statistic intervals (minutes and hours) and the share within target (Wilson), counting an open item
    only once it is older than the target. Tickets and cases share this one definition."""
    row: dict[str, Any] = {}
    for name, values, limit, unit in (
        ("first_response", frt, frt_limit, 60.0),
        ("resolution", res, res_limit, 3600.0),
    ):
        done = values[~np.isnan(values)]
        for stat, p in (("median", 0.5), ("p90", 0.9)):
            e = est.quantile(done, p, level=level) if done.size else est.EMPTY
            row[f"{name}_{stat}"] = _round(e.value, unit)
            row[f"{name}_{stat}_ci_low"] = _round(e.low, unit)
            row[f"{name}_{stat}_ci_high"] = _round(e.high, unit)
        known = ~np.isnan(values) | (age > limit)
        within = int((values[known] <= limit).sum())
        decided = int(known.sum())
        share, low, high = scores.wilson_interval(within, decided, z)
        row[f"{name}_n"] = int(done.size)
        row[f"{name}_within_target"] = _round(float(share), 1) if decided else None
        row[f"{name}_within_target_ci_low"] = _round(float(low), 1) if decided else None
        row[f"{name}_within_target_ci_high"] = _round(float(high), 1) if decided else None
        row[f"{name}_decided"] = decided
    return row


def _round(value: float | None, unit: float) -> float | None:
    return None if value is None or value != value else round(value / unit, 4)


def _text(value: object) -> str | None:
    """A text column's value, None where pandas reads a missing one as NaN."""
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def pending_complaints(
    wh: Warehouse,
    workspace: Workspace,
    *,
    now: datetime | None = None,
    channel: str | None = None,
    touchpoint_id: int | None = None,
    oldest: int = 20,
) -> dict[str, Any]:
    """Complaints not resolved at `now`: counts by age band (days) and the oldest ones."""
    tz = periods.zone_of(workspace)
    where, params = _where(
        workspace, TicketQuery(channel=channel, touchpoint_id=touchpoint_id, complaints=True), tz
    )
    at = _now(now)
    where += ["created_at <= ?", "(resolved_at IS NULL OR resolved_at > ?)"]
    params += [at, at]
    frame = wh.frame(
        "SELECT ticket_id, customer_id, subject, channel, agent, created_at, first_response_at, "
        f"epoch(CAST(? AS TIMESTAMP) - created_at) / 86400.0 AS age_days FROM tickets "
        f"WHERE {' AND '.join(where)} ORDER BY created_at, ticket_id",
        [at, *params],
    )
    ages = frame["age_days"].to_numpy(dtype=float)
    bands = []
    for lo, hi in AGE_BANDS:
        inside = (ages >= lo) & (ages < hi) if hi is not None else ages >= lo
        bands.append({"from_days": lo, "to_days": hi, "n": int(inside.sum())})
    top = frame.head(oldest)
    return {
        "at": at.replace(tzinfo=UTC).isoformat(),
        "total": len(frame),
        "unanswered": int(frame["first_response_at"].isna().sum()),
        "median_age_days": round(float(np.median(ages)), 2) if ages.size else None,
        "bands": bands,
        "oldest": [
            {
                "ticket_id": r.ticket_id,
                "customer_id": _text(r.customer_id),
                "subject": _text(r.subject),
                "channel": _text(r.channel),
                "agent": _text(r.agent),
                "created_at": pd.Timestamp(r.created_at).tz_localize(UTC).isoformat(),
                "age_days": round(float(r.age_days), 2),
            }
            for r in top.itertuples()
        ],
    }


def backlog(
    wh: Warehouse,
    workspace: Workspace,
    *,
    period: str = "week",
    calendar: str = "gregorian",
    week_start: str = "monday",
    start: date | None = None,
    end: date | None = None,
    complaints: bool = False,
    channel: str | None = None,
    touchpoint_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Per period: tickets created, resolved, and open at the period's end (its last local day's end)."""
    periods.check(period, calendar, week_start)
    tz = periods.zone_of(workspace)
    only = TicketQuery(channel=channel, touchpoint_id=touchpoint_id, complaints=complaints)
    where, params = _where(workspace, only, tz)
    window = periods.Window(tz)
    created_day, resolved_day = window.local_day("created_at"), window.local_day("resolved_at")
    counts = wh.frame(
        f"SELECT {created_day} AS day, count(*) AS created, 0 AS resolved FROM tickets "
        f"WHERE {' AND '.join(where)} GROUP BY 1 UNION ALL "
        f"SELECT {resolved_day} AS day, 0, count(*) FROM tickets "
        f"WHERE {' AND '.join(where)} AND resolved_at IS NOT NULL GROUP BY 1",
        params + params,
    )
    if counts.empty:
        return {"period": period, "calendar": calendar, "rows": []}
    counts["day"] = pd.to_datetime(counts["day"]).dt.date
    daily = counts.groupby("day")[["created", "resolved"]].sum().sort_index()
    today = window.today(_now(now))
    first, last = daily.index.min(), min(max(daily.index.max(), today), today)
    days = pd.date_range(first, last, freq="D").date
    daily = daily.reindex(days, fill_value=0)
    daily["open"] = (daily["created"] - daily["resolved"]).cumsum()
    labels = periods.labels(np.array(days, dtype="datetime64[D]"), period, calendar, week_start)
    daily["period"] = labels
    grouped = daily.groupby("period", sort=True).agg(
        created=("created", "sum"), resolved=("resolved", "sum"), open=("open", "last")
    )
    span = pd.Series(days, index=daily.index).groupby(labels).agg(["min", "max"])
    rows = []
    for label, r in grouped.iterrows():
        first_day, last_day = span.loc[label, "min"], span.loc[label, "max"]
        if (start is not None and last_day < start) or (end is not None and first_day >= end):
            continue
        rows.append(
            {
                "period": label,
                "created": int(r["created"]),
                "resolved": int(r["resolved"]),
                "open_at_end": int(r["open"]),
                "end": (last_day + timedelta(days=1)).isoformat(),
                "complete": bool(last_day < today),
            }
        )
    return {"period": period, "calendar": calendar, "rows": rows}


def set_targets(
    session: Session, workspace: Workspace, values: dict[str, float], *, actor: Auditor
) -> dict[str, float]:
    """Store checked service targets on the workspace (others kept) and audit the change."""
    chosen = {**targets(workspace), **values}
    settings = dict(workspace.settings or {})
    settings["service"] = chosen
    workspace.settings = settings
    actor.audit(session, "metrics.service_targets", details=chosen)
    return chosen
