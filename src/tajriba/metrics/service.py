"""NPS, CSAT and CES of a workspace from the warehouse, sliced and bucketed in time, with their intervals.

One aggregate query returns additive sums per (slice key, local day); days become periods (any calendar)
and touchpoints become stages or journeys in NumPy, so every slice and period is the same few lines.
CSAT answered on different scales is put on 1-5 for the mean (1 + 4 (s - min) / (max - min)); the
top-2-box is read on each answer's own scale. Days are the workspace's local days.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select

from tajriba import periods
from tajriba.errors import Invalid
from tajriba.metrics import estimates as est
from tajriba.metrics import scores, trend
from tajriba.metrics.estimates import (
    EMPTY,
    NO_DIFFERENCE,
    Estimate,
    compare_groups,
    difference_normal,
    difference_of_means,
    mean,
    mean_from_sums,
    median,
    nps,
    nps_se,
    outcome_by_group,
    sd_from_sums,
    wilson,
)
from tajriba.metrics.outcomes import outcomes
from tajriba.metrics.query import DIMENSIONS, Query, bucket, daily_sums
from tajriba.metrics.response_rate import response_rate
from tajriba.metrics.scores import (
    DETRACTOR_MAX,
    LEVEL,
    METRICS,
    MIN_SAMPLE,
    PROMOTER_MIN,
    Sums,
    high_sql,
    is_low,
    nps_groups,
    rows,
    sums_from_scores,
    t_interval,
    wilson_interval,
    z_value,
)
from tajriba.metrics.tickets import (
    AGE_BANDS,
    TicketQuery,
    backlog,
    pending_complaints,
    service_kpis,
    targets,
    time_kpis,
)
from tajriba.metrics.trend import fit_line, line_at
from tajriba.models.journeys import Journey, Stage, Touchpoint

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tajriba.models.accounts import Workspace
    from tajriba.warehouse import Warehouse

# The public face of the metrics package: its own queries, and the numbers defined once in scores,
# estimates, tickets, trend and response_rate that other domains reach through this module only.
__all__ = [
    "DIMENSIONS",
    "Query",
    "daily_sums",
    "metric_table",
    "compare",
    "trend_table",
    "responses_by_touchpoint",
    "EMPTY",
    "NO_DIFFERENCE",
    "Estimate",
    "compare_groups",
    "difference_normal",
    "outcome_by_group",
    "difference_of_means",
    "mean",
    "mean_from_sums",
    "median",
    "nps",
    "nps_se",
    "sd_from_sums",
    "wilson",
    "response_rate",
    "outcomes",
    "DETRACTOR_MAX",
    "LEVEL",
    "METRICS",
    "MIN_SAMPLE",
    "PROMOTER_MIN",
    "Sums",
    "high_sql",
    "is_low",
    "nps_groups",
    "rows",
    "sums_from_scores",
    "t_interval",
    "wilson_interval",
    "z_value",
    "AGE_BANDS",
    "TicketQuery",
    "backlog",
    "pending_complaints",
    "service_kpis",
    "targets",
    "time_kpis",
    "fit_line",
    "line_at",
]


def _touchpoint_map(session: Session, workspace_id: int, by: str) -> dict[str, tuple[str, str]]:
    """touchpoint id -> (key, label) of its touchpoint, stage or journey."""
    from tajriba.i18n import localized

    rows = session.execute(
        select(Touchpoint, Stage, Journey)
        .join(Stage, Stage.id == Touchpoint.stage_id)
        .join(Journey, Journey.id == Touchpoint.journey_id)
        .where(Touchpoint.workspace_id == workspace_id)
    ).all()
    pick = {"touchpoint": 0, "stage": 1, "journey": 2}[by]
    return {str(r[0].id): (str(r[pick].id), localized(r[pick].name, r[pick].names)) for r in rows}


def _scoped_touchpoints(session: Session, workspace_id: int, q: Query) -> set[str] | None:
    if q.stage_id is None and q.journey_id is None:
        return None
    query = select(Touchpoint.id).where(Touchpoint.workspace_id == workspace_id)
    if q.stage_id is not None:
        query = query.where(Touchpoint.stage_id == q.stage_id)
    if q.journey_id is not None:
        query = query.where(Touchpoint.journey_id == q.journey_id)
    return {str(i) for i in session.scalars(query)}


def metric_table(session: Session, wh: Warehouse, workspace: Workspace, q: Query) -> dict[str, Any]:
    """The metric per slice and period: {"metric", "scale", "by", "period", "rows": [...]}.

    Each row: group (slice key), label, period (when asked), n, value, ci_low, ci_high, std_error and the
    metric's shares; groups under `min_n` answers keep n and say why they show no figures.
    """
    q.check()
    scoped = _scoped_touchpoints(session, workspace.id, q)
    by = q.by
    if scoped is not None and by not in (None, "touchpoint", "stage", "journey"):
        raise Invalid(
            "a stage or journey filter goes with by=touchpoint, stage or journey (or none)", field="by"
        )
    # a stage or journey filter needs each row's touchpoint: key by it, filter, then merge
    asked = q if scoped is None else replace(q, by=by or "touchpoint")
    frame = daily_sums(wh, workspace, asked, grain=bucket(q))
    if scoped is not None:
        frame = frame[frame["key"].isin(scoped)].copy()
        if by is None:
            frame["key"] = "all"
    keys = frame["key"].to_numpy(dtype=object)
    names: dict[str, str] = {}
    if by in ("touchpoint", "stage", "journey"):
        mapping = _touchpoint_map(session, workspace.id, by)
        keys = np.array([mapping.get(k, ("", ""))[0] for k in keys], dtype=object)
        names = dict(mapping.values())
    dims = [keys]
    if q.period:
        days = frame["day"].to_numpy().astype("datetime64[D]")
        dims.append(periods.labels(days, q.period, q.calendar, q.week_start))
    combined = np.array(["\x00".join(parts) for parts in zip(*dims, strict=True)], dtype=object)
    labels, index = (
        np.unique(combined.astype(str), return_inverse=True)
        if len(combined)
        else (np.array([]), np.zeros(0, int))
    )
    raw = scores.Sums(*(frame[c].to_numpy(dtype=float) for c in ("n", "total", "total_sq", "high", "low")))
    sums = raw.take(index, len(labels))
    split = [str(lab).split("\x00") for lab in labels]
    rows = scores.rows(q.metric, [p[0] or None for p in split], sums, level=q.level, min_n=q.min_n)
    for row, parts in zip(rows, split, strict=True):
        row["label"] = names.get(parts[0], parts[0]) if parts[0] else None
        if q.period:
            row["period"] = parts[1]
    if q.period:
        rows.sort(key=lambda r: (r["group"] is None, str(r["group"]), r["period"]))
    return {
        "metric": q.metric,
        "scale": list(scores.default_scale(q.metric)),
        "level": q.level,
        "by": q.by,
        "period": q.period,
        "calendar": q.calendar,
        "min_n": q.min_n,
        "rows": rows,
    }


def _change(q: Query, ra: dict[str, Any], rb: dict[str, Any]) -> dict[str, Any]:
    """After minus before: NPS with a normal interval from the two standard errors, means with Welch's t."""
    if q.metric == "nps":
        diff = est.difference_normal(
            ra["value"], ra["std_error"] or 0.0, rb["value"], rb["std_error"] or 0.0, level=q.level
        )
        return _rounded(diff.to_dict())
    sd = lambda r: (r["std_error"] or 0.0) * np.sqrt(r["n"])  # noqa: E731
    diff = est.difference_of_means(
        est.Estimate(ra["value"], None, None, ra["n"]),
        sd(ra),
        est.Estimate(rb["value"], None, None, rb["n"]),
        sd(rb),
        level=q.level,
    )
    return _rounded(diff.to_dict())


def compare(
    session: Session,
    wh: Warehouse,
    workspace: Workspace,
    q: Query,
    before: tuple[date, date],
    after: tuple[date, date],
) -> dict[str, Any]:
    """The metric in two periods [start, end) per slice, and the change with its interval and p-value.

    NPS: normal interval from the two standard errors; CSAT and CES means: Welch's t (docs/metrics.md).
    """
    a = metric_table(
        session,
        wh,
        workspace,
        replace(q, period=None, start=before[0], end=before[1], min_n=1),
    )
    b = metric_table(
        session,
        wh,
        workspace,
        replace(q, period=None, start=after[0], end=after[1], min_n=1),
    )
    first = {r["group"]: r for r in a["rows"]}
    second = {r["group"]: r for r in b["rows"]}
    out = []
    for group in sorted(set(first) | set(second), key=lambda g: (g is None, str(g))):
        ra, rb = first.get(group), second.get(group)
        row: dict[str, Any] = {
            "group": group,
            "label": (rb or ra or {}).get("label"),
            "before": ra,
            "after": rb,
        }
        if ra is None or rb is None or min(ra["n"], rb["n"]) < q.min_n:
            row["change"] = None
            row["suppressed"] = f"fewer than {q.min_n} answers in a period"
        else:
            row["change"] = _change(q, ra, rb)
        out.append(row)
    return {
        "metric": q.metric,
        "by": q.by,
        "before": [d.isoformat() for d in before],
        "after": [d.isoformat() for d in after],
        "rows": out,
    }


def _rounded(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}


def trend_table(session: Session, wh: Warehouse, workspace: Workspace, q: Query) -> dict[str, Any]:
    """Per slice: the metric per period (its band) and a weighted line through it (`metrics.trend`)."""
    if q.period is None:
        raise Invalid("a trend needs a period: day, week, month, quarter or year", field="period")
    table = metric_table(session, wh, workspace, q)
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in table["rows"]:
        groups.setdefault(row["group"], []).append(row)
    # one time axis for every slice: the periods from the first to the last answer of any of them
    axis = periods.axis([str(r["period"]) for r in table["rows"]], q.period, q.calendar, q.week_start)
    table["trends"] = [
        {"group": g, "label": rows[0].get("label"), **trend.trend(rows, axis=axis, level=q.level)}
        for g, rows in groups.items()
    ]
    del table["rows"]
    return table


def responses_by_touchpoint(
    session: Session, warehouse: Warehouse, *, workspace: Workspace
) -> list[dict[str, Any]]:
    """Answers and the metric (NPS, CSAT, CES as the metrics module computes them, every scale mapped onto the
    metric's own) per touchpoint."""
    out = []
    for metric in METRICS:
        table = metric_table(session, warehouse, workspace, Query(metric, by="touchpoint", min_n=1))
        for row in table["rows"]:
            if row["group"]:
                out.append(
                    {
                        "touchpoint_id": int(row["group"]),
                        "metric": metric,
                        "n": row["n"],
                        "value": row["value"],
                    }
                )
    return sorted(out, key=lambda r: (r["touchpoint_id"], r["metric"]))
