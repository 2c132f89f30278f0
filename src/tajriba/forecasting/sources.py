"""A workspace's own series to forecast: contacts offered to its contact centre (contact_intervals, per team or
channel), tickets (all, per team, per channel), orders, survey responses, any tracked event, and the cases the
closed loop opened (per team, channel or origin), counted per local day or interval of the workspace's time
zone.

The warehouse counts per UTC quarter hour (one portable query, docs/decisions/013-one-sql-dialect.md); the
quarters are moved to the workspace's local time here (every time zone's offset is a whole number of quarter
hours), then added up to days or 15/30/60-minute intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from tajriba.errors import Invalid
from tajriba.forecasting import daily, intraday, series
from tajriba.i18n import _
from tajriba.periods import Window, zone_of
from tajriba.warehouse import Warehouse

QUARTER = 900
# what can be counted: table, time column, the columns a series may be split by, what is added up
SOURCES: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "contacts": ("contact_intervals", "starts_at", ("team", "channel"), "sum(offered)"),
    "tickets": ("tickets", "created_at", ("team", "channel"), "count(*)"),
    "orders": ("orders", "ordered_at", (), "count(*)"),
    "responses": ("survey_responses", "submitted_at", ("channel",), "count(*)"),
    "events": ("events", "timestamp", ("event",), "count(*)"),
    "cases": ("cases", "created_at", ("team", "channel", "origin"), "count(*)"),  # the application database's
}
HISTORY_DAYS = 3 * 365  # at most this much history is read


class NotEnough(Invalid):
    """The workspace has too little of this series yet to forecast it (not a mistake in the question)."""


@dataclass(frozen=True)
class Ask:
    """Which series: `source` (contacts offered to a contact centre, tickets, orders, responses, events, cases), split
    `by` one of its columns (or not), at `freq` (D, 15min, 30min, 60min), over the local days [start, end)
    (default: the last three years to today)."""

    source: str = "tickets"
    by: str | None = None
    freq: str = "D"
    start: date | None = None
    end: date | None = None

    def check(self) -> Ask:
        if self.source not in SOURCES:
            raise Invalid(
                _("source must be one of {choices}").format(choices=", ".join(SOURCES)), field="source"
            )
        if self.by is not None and self.by not in SOURCES[self.source][2]:
            allowed = ", ".join(SOURCES[self.source][2]) or "nothing"
            raise Invalid(
                _("{source} can be split by {allowed}").format(source=self.source, allowed=allowed),
                field="by",
            )
        if self.freq not in ("D", "15min", "30min", "60min"):
            raise Invalid(_("freq must be D, 15min, 30min or 60min"), field="freq")
        return self


def counts(
    wh: Warehouse, workspace: Any, ask: Ask, *, today: date | None = None, db: Session | None = None
) -> pd.DataFrame:
    """Columns series, ds (local time), y: the counts per series and UTC quarter hour moved to local time
    (cases come from the application database `db`, the rest from the warehouse)."""
    ask.check()
    table, column, _splits, total = SOURCES[ask.source]
    window = Window.of(workspace, None, None)
    end = ask.end or (today or window.today()) + timedelta(days=1)
    start = ask.start or end - timedelta(days=HISTORY_DAYS)
    if (end - start).days > series.MAX_DAYS or end <= start:
        raise Invalid(_("the days asked must run forwards and span at most twenty years"), field="start")
    low, high = Window(window.zone, start, end).utc()
    if ask.source == "cases":
        rows = _case_counts(db, workspace.id, ask.by, low, high)
    else:
        key = f"coalesce(CAST({ask.by} AS VARCHAR), '')" if ask.by else "''"
        rows = wh.frame(
            f"SELECT {key} AS series, CAST(floor(epoch({column}) / {QUARTER}) AS BIGINT) AS quarter, "
            f"{total} AS y FROM {table} WHERE workspace_id = ? AND {column} >= ? AND {column} < ? GROUP BY ALL",
            [workspace.id, low, high],
        )
    stamps = pd.to_datetime(rows["quarter"].astype("int64") * QUARTER, unit="s", utc=True)
    rows["ds"] = stamps.dt.tz_convert(zone_of(workspace)).dt.tz_localize(None)
    return rows[["series", "ds", "y"]].sort_values(["series", "ds"], ignore_index=True)


def _case_counts(db: Session | None, workspace_id: int, by: str | None, low: Any, high: Any) -> pd.DataFrame:
    """Cases opened per quarter hour (UTC), by their team's name, channel or origin (survey, ticket...)."""
    from sqlalchemy import select

    from tajriba.models import Case, Team

    if db is None:
        raise Invalid("cases are counted from the application database", field="source")
    column = {"team": Team.name, "channel": Case.channel, "origin": Case.source}.get(by or "")
    query = select(Case.created_at, column if column is not None else Case.id).outerjoin(
        Team, Case.team_id == Team.id
    )
    low, high = (moment.replace(tzinfo=UTC) for moment in (low, high))  # the application database's are aware
    query = query.where(Case.workspace_id == workspace_id, Case.created_at >= low, Case.created_at < high)
    found = pd.DataFrame(db.execute(query).all(), columns=["created_at", "key"])
    if found.empty:
        return pd.DataFrame(
            {"series": pd.Series([], dtype=str), "quarter": pd.Series([], dtype="int64"), "y": []}
        )
    utc = pd.to_datetime(found["created_at"], utc=True).dt.tz_localize(None)
    seconds = utc.astype("datetime64[s]").astype("int64")
    found["quarter"] = seconds // QUARTER
    found["series"] = found["key"].fillna("").astype(str) if column is not None else ""
    return found.groupby(["series", "quarter"], as_index=False).size().rename(columns={"size": "y"})


def load(wh: Warehouse, workspace: Any, ask: Ask, shape: series.Shape, *,
         today: date | None = None, db: Session | None = None) -> daily.History | intraday.Intraday:  # fmt: skip
    """The series of `ask` ready to forecast: every local day from the first count to the last day with one
    (at most yesterday: today is not over), so that a workspace whose data arrive late, or a demo, is forecast
    from the day after its data and not from a run of empty days; inside that span a day or interval without
    a count had none (a closed weekday or holiday is then recognised as closed by the forecast)."""
    found = counts(wh, workspace, ask, today=today, db=db)
    yesterday = (today or Window.of(workspace).today()) - timedelta(days=1)
    found = found[found["ds"] < datetime.combine(yesterday + timedelta(days=1), datetime.min.time())]
    if found.empty:
        raise NotEnough(_("no {source} to forecast yet").format(source=ask.source), field="source")
    last = found["ds"].max().date()
    span = (last - found["ds"].min().date()).days + 1
    if span < 3 * daily.SEASON:
        raise NotEnough(_("{days} days of {source} so far; a forecast needs at least {least}").format(
            days=span, source=ask.source, least=3 * daily.SEASON), field="source")  # fmt: skip
    rows = pd.Series(range(len(found)))
    item = series.from_rows(found["series"], found["ds"], found["y"].astype(float), rows,
                            series.Shape(ask.freq, shape.country, shape.overrides, shape.levels))  # fmt: skip
    return _through(item, last)


def _through(item: daily.History | intraday.Intraday, last: date) -> daily.History | intraday.Intraday:
    """Zeros where nothing was counted, up to `last` (yesterday), so that the forecast starts today."""
    days = pd.date_range(item.days[0], pd.Timestamp(last), freq="D")
    missing = len(days) - len(item.days)
    if isinstance(item, daily.History):
        values = np.nan_to_num(np.pad(item.values, ((0, 0), (0, missing))))
        return daily.History(item.names, days, values, item.country, item.overrides, item.levels).check()
    values = np.nan_to_num(np.pad(item.values, ((0, 0), (0, missing), (0, 0))))
    return intraday.Intraday(item.names, days, item.slots, values, item.country, item.overrides, item.levels)
