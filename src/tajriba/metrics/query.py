"""What a metrics question asks (metric, slice, period, calendar, local days, level, minimum sample) and the
daily sums it is answered from, cut at the workspace's local midnight, by any dimension."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tajriba import periods
from tajriba.metrics import scores

if TYPE_CHECKING:
    from tajriba.models.accounts import Workspace
    from tajriba.warehouse import Warehouse


DIMENSIONS = (
    "touchpoint",
    "stage",
    "journey",
    "channel",
    "language",
    "survey",
    "agent",
    "persona",
    "segment",
)


# the SQL expression that keys each slice (touchpoints key stages and journeys too)
_KEY_SQL = {
    "touchpoint": "r.touchpoint_id",  # native types: a cast to text here costs a third of the query
    "stage": "r.touchpoint_id",
    "journey": "r.touchpoint_id",
    "channel": "r.channel",
    "language": "r.language",
    "survey": "r.survey_id",
    "agent": "t.agent",
    "persona": "c.persona_key",
    "segment": "v.segment",
}


_JOINS = {
    "agent": "LEFT JOIN tickets t ON t.workspace_id = r.workspace_id AND t.ticket_id = r.ticket_id",
    "persona": "LEFT JOIN customers c ON c.workspace_id = r.workspace_id AND c.customer_id = r.customer_id",
    "segment": "LEFT JOIN customer_values v ON v.workspace_id = r.workspace_id AND v.customer_id = r.customer_id",
}


@dataclass(frozen=True)
class Query:
    metric: str
    by: str | None = None
    period: str | None = None
    calendar: str = "gregorian"
    week_start: str = "monday"
    start: date | None = None  # local days, [start, end)
    end: date | None = None
    touchpoint_id: int | None = None
    stage_id: int | None = None
    journey_id: int | None = None
    survey_id: int | None = None
    channel: str | None = None
    language: str | None = None
    level: float = 0.95
    min_n: int = scores.MIN_SAMPLE

    def check(self) -> None:
        scores.check_metric(self.metric)
        scores.check_slice(self, DIMENSIONS)


GRAINS = ("day", "week", "month", "quarter", "year", "all")


def bucket(q: Query) -> str:
    """The coarsest local-day bucket the warehouse may group by for this question: none without a period; the
    period itself where SQL knows it (Gregorian months, quarters and years, weeks starting on Monday); else
    the day (Hijri and Jalali months, other week starts: labelled from the days in Python). Sums are additive,
    so the figures are the same either way; a coarser bucket only means fewer rows out of the warehouse."""
    if q.period is None:
        return "all"
    if q.period in ("month", "quarter", "year") and q.calendar == "gregorian":
        return q.period
    if q.period == "week" and q.week_start == "monday":
        return "week"
    return "day"


def daily_sums(wh: Warehouse, workspace: Workspace, q: Query, *, grain: str = "day") -> pd.DataFrame:
    """Columns key (text, "" for none), day, n, total, total_sq, high, low: one row per slice key and local day
    (or, with `grain` week, month, quarter or year, per slice key and the first local day of that bucket;
    with `all`, per slice key, the day left empty)."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    window = periods.Window.of(workspace, q.start, q.end)
    start, end = window.utc()
    day = window.local_day("r.submitted_at")
    if grain == "all":
        day = "CAST(NULL AS DATE)"
    elif grain != "day":
        day = f"CAST(date_trunc('{grain}', {day}) AS DATE)"
    key = _KEY_SQL[q.by] if q.by else "'all'"
    where = ["r.workspace_id = ?", "r.metric = ?", "r.score IS NOT NULL"]
    params: list[Any] = [workspace.id, q.metric]
    for column, value in (
        ("touchpoint_id", q.touchpoint_id),
        ("survey_id", q.survey_id),
        ("channel", q.channel),
        ("language", q.language),
    ):
        if value is not None:
            where.append(f"r.{column} = ?")
            params.append(value)
    if start is not None:
        where.append("r.submitted_at >= ?")
        params.append(start)
    if end is not None:
        where.append("r.submitted_at < ?")
        params.append(end)
    lo_, hi_ = scores.default_scale(q.metric)
    # raw sums per answer scale; answers on another scale are mapped onto the default one below (linear)
    smin, smax = f"COALESCE(r.scale_min, {lo_})", f"COALESCE(r.scale_max, {hi_})"
    if q.metric == "nps":
        smin, smax = str(lo_), str(hi_)
    # promoters / top-2-box / easy and their opposites, read on the answer's own scale (metrics.scores)
    hi, lo = scores.high_sql(q.metric, "r.score", smin, smax), scores.low_sql(q.metric, "r.score", smin, smax)
    joins = _JOINS.get(q.by or "", "")
    sql = (
        f"SELECT {key} AS key, {day} AS day, {smin} AS smin, {smax} AS smax, count(*) AS n, sum(r.score) AS total, "
        f"sum(r.score * r.score) AS total_sq, count(*) FILTER ({hi}) AS high, count(*) FILTER ({lo}) AS low "
        f"FROM survey_responses r {joins} WHERE {' AND '.join(where)} GROUP BY ALL"
    )
    frame = wh.frame(sql, params)
    width = (frame["smax"] - frame["smin"]).to_numpy(dtype=float)
    b = np.where(width > 0, (hi_ - lo_) / np.where(width > 0, width, 1), 1.0)
    a = np.where(width > 0, lo_ - b * frame["smin"].to_numpy(dtype=float), 0.0)
    n, total, total_sq = (frame[c].to_numpy(dtype=float) for c in ("n", "total", "total_sq"))
    frame["total_sq"] = n * a * a + 2 * a * b * total + b * b * total_sq  # sum of (a + b s)^2
    frame["total"] = n * a + b * total
    key_col = frame["key"]
    if pd.api.types.is_numeric_dtype(key_col):
        frame["key"] = key_col.astype("Int64").astype("string").fillna("").to_numpy(dtype=object)
    else:
        frame["key"] = key_col.fillna("").astype(str).to_numpy(dtype=object)
    return frame
