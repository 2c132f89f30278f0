"""Time buckets for metrics: day, week, month, quarter, year, in the Gregorian, Hijri or Jalali calendar.

Labels sort in time order and read the same in every language: "2026-11-22" (day), the first day of the
week ("2026-11-16"; weeks start on Monday, Saturday or Sunday), "2026-11" (month), "2026-Q4" (quarter),
"2026" (year). Hijri and Jalali months and years are labelled in their own years ("1448-05", "1405-09").

`Window` is the one way a user's choice of days becomes what the warehouse reads: local days [start, end)
in the workspace's time zone, cut at local midnight, as naive UTC bounds and a local-day SQL expression;
every analytic (metrics, service KPIs, the journey map, outcomes, stories, survey results, goals and the
dashboard) reads its days through it, so the same slice gives the same numbers on every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from tajriba.calendars import from_hijri, from_jalali, parts
from tajriba.errors import Invalid

PERIODS = ("day", "week", "month", "quarter", "year")
CALENDARS = ("gregorian", "hijri", "jalali")
WEEK_STARTS = {"monday": 0, "saturday": 5, "sunday": 6}


def check(period: str, calendar: str = "gregorian", week_start: str = "monday") -> None:
    if period not in PERIODS:
        raise Invalid(f"unknown period {period!r}: expected one of {', '.join(PERIODS)}", field="period")
    if calendar not in CALENDARS:
        raise Invalid(
            f"unknown calendar {calendar!r}: expected one of {', '.join(CALENDARS)}", field="calendar"
        )
    if week_start not in WEEK_STARTS:
        raise Invalid(f"week_start must be one of {', '.join(WEEK_STARTS)}", field="week_start")
    if period == "week" and calendar != "gregorian":
        raise Invalid("weeks are the same in every calendar: use calendar=gregorian", field="calendar")


def label(day: date, period: str, calendar: str = "gregorian", week_start: str = "monday") -> str:
    if period == "day":
        return day.isoformat()
    if period == "week":
        back = (day.weekday() - WEEK_STARTS[week_start]) % 7
        return (day - timedelta(days=back)).isoformat()
    year, month, _ = parts(day, calendar)
    if period == "month":
        return f"{year:04d}-{month:02d}"
    if period == "quarter":
        return f"{year:04d}-Q{(month - 1) // 3 + 1}"
    return f"{year:04d}"


def labels(
    days: np.ndarray, period: str, calendar: str = "gregorian", week_start: str = "monday"
) -> np.ndarray:
    """Label of each day in an array of datetime64[D] (each distinct day computed once)."""
    check(period, calendar, week_start)
    unique, inverse = np.unique(np.asarray(days, dtype="datetime64[D]"), return_inverse=True)
    names = np.array([label(d.astype(date), period, calendar, week_start) for d in unique], dtype=object)
    return names[inverse] if unique.size else np.array([], dtype=object)


MAX_AXIS = 5000  # periods on one axis (14 years of days)


def start_of(text: str, period: str, calendar: str = "gregorian") -> date:
    """The first (Gregorian) day of the period a label names."""
    if period in ("day", "week"):
        return date.fromisoformat(text)
    year = int(text[:4])
    month = 1
    if period == "month":
        month = int(text[5:7])
    elif period == "quarter":
        month = 3 * (int(text[-1]) - 1) + 1
    if calendar == "hijri":
        return from_hijri(year, month, 1)
    if calendar == "jalali":
        return from_jalali(year, month, 1)
    return date(year, month, 1)


def axis(
    present: list[str], period: str, calendar: str = "gregorian", week_start: str = "monday"
) -> list[str]:
    """Every period from the first to the last of `present`, in order: a time axis with its gaps, so three
    months with answers a year apart are not drawn (or fitted) as if consecutive."""
    if not present:
        return []
    check(period, calendar, week_start)
    first, last = min(present), max(present)
    day, end = start_of(first, period, calendar), start_of(last, period, calendar)
    step = {"day": 1, "week": 7}.get(period, 1)
    out: list[str] = []
    while day <= end and len(out) < MAX_AXIS:
        name = label(day, period, calendar, week_start)
        if not out or out[-1] != name:
            out.append(name)
        # months and longer: jump near the next period's start, then walk day by day into it
        day += timedelta(days=step if period in ("day", "week") else 25 if period == "month" else 1)
        if period in ("quarter", "year"):
            day += timedelta(days=85 if period == "quarter" else 350)
    for name in present:  # a label outside the walk (never expected) still appears
        if name not in out:
            out.append(name)
    return sorted(set(out))


def zone_of(workspace: Any) -> ZoneInfo:
    """The workspace's time zone (UTC when it has none): the one place it is built (ZoneInfo caches it)."""
    return ZoneInfo(getattr(workspace, "timezone", None) or "UTC")


@dataclass(frozen=True)
class Window:
    """Local days [start, end) of one time zone (either end open), and what "today" is there."""

    zone: ZoneInfo
    start: date | None = None
    end: date | None = None

    @classmethod
    def of(cls, workspace: Any, start: date | None = None, end: date | None = None) -> Window:
        """The window in a workspace's time zone (UTC when it has none)."""
        return cls(zone_of(workspace), start, end)

    def utc(self) -> tuple[datetime | None, datetime | None]:
        """The bounds as naive UTC instants (what the warehouse stores)."""
        return utc_bounds(self.start, self.end, self.zone)

    def local_day(self, column: str) -> str:
        """SQL for the local day of a UTC timestamp column, for grouping by day."""
        start, end = self.utc()
        return local_day_sql(column, self.zone, start, end)

    def today(self, now: datetime | None = None) -> date:
        """The local day of `now` (an aware instant, or naive UTC; default: this moment)."""
        moment = now or datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone).date()


def utc_bounds(start: date | None, end: date | None, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """Local days [start, end) as naive UTC instants (what the warehouse stores)."""

    def conv(d: date | None) -> datetime | None:
        if d is None:
            return None
        return datetime.combine(d, time(), tz).astimezone(UTC).replace(tzinfo=None)

    return conv(start), conv(end)


def local_day_sql(column: str, tz: ZoneInfo, start: datetime | None, end: datetime | None) -> str:
    """SQL for the local day of a UTC timestamp column: a fixed shift when the zone keeps one offset over
    [start, end] (fast), else DuckDB's time-zone conversion."""
    offset = _fixed_offset(tz, start, end)
    if offset is not None:
        return f"CAST({column} + INTERVAL {offset} SECOND AS DATE)"
    return f"CAST(timezone('{tz.key}', {column} AT TIME ZONE 'UTC') AS DATE)"


def _fixed_offset(tz: ZoneInfo, start: datetime | None, end: datetime | None) -> int | None:
    """Seconds east of UTC when the zone keeps one offset from `start` to `end`, else None."""
    first = (start or datetime(2000, 1, 1)).date()
    last = (end or datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)).date()
    return _offset_between(tz.key, first, last)


@lru_cache(maxsize=256)
def _offset_between(zone: str, first: date, last: date) -> int | None:
    # checked every 6 days: no zone keeps a different offset for less than a week
    tz = ZoneInfo(zone)
    offsets = set()
    day = first
    while day <= last + timedelta(days=6):
        o = datetime.combine(day, time(12), tz).utcoffset()
        offsets.add(int(o.total_seconds()) if o is not None else 0)
        if len(offsets) > 1:
            return None
        day += timedelta(days=6)
    return offsets.pop() if offsets else None
