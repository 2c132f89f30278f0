"""Business time on a calendar (work_calendar.py, re-exported here: working hours per weekday, the country's
weekend and public holidays, Eid al-Fitr and Eid al-Adha and Ramadan hours from the Hijri (Umm al-Qura)
calendar, date overrides, in the team's time zone).

A calendar is turned into a *timeline*: the sorted working intervals of a span of years as UTC epoch seconds
with the working seconds accumulated before each. Counting the business seconds between two instants and
adding business seconds to an instant are then array look-ups (`numpy.searchsorted`), so the due times of
100,000 open cases are one vectorised call, not a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from tajriba.cases.work_calendar import COUNTRY_DEFAULTS as COUNTRY_DEFAULTS
from tajriba.cases.work_calendar import DAYS as DAYS
from tajriba.cases.work_calendar import Calendar as Calendar
from tajriba.cases.work_calendar import Hours as Hours
from tajriba.cases.work_calendar import Interval as Interval
from tajriba.cases.work_calendar import for_country as for_country
from tajriba.cases.work_calendar import format_hours as format_hours
from tajriba.cases.work_calendar import format_week as format_week
from tajriba.cases.work_calendar import from_dict as from_dict
from tajriba.cases.work_calendar import parse_hours as parse_hours
from tajriba.cases.work_calendar import parse_week as parse_week
from tajriba.cases.work_calendar import stored as stored
from tajriba.cases.work_calendar import to_dict as to_dict
from tajriba.cases.work_calendar import zone as zone
from tajriba.errors import Invalid
from tajriba.i18n import _

MAX_YEARS = 30  # a timeline never spans more (a due time beyond that is an error, not a hang)


# ---- parsing and printing -------------------------------------------------------------------------------


# ---- holidays ---------------------------------------------------------------------------------------------


# ---- the timeline ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """Working intervals [starts, ends) in UTC epoch seconds, with the working seconds before each."""

    starts: np.ndarray
    ends: np.ndarray
    before: np.ndarray  # working seconds accumulated before each interval
    first: float  # the span covered
    last: float

    def worked(self, t: np.ndarray) -> np.ndarray:
        """Working seconds from the start of the timeline to each instant."""
        t = np.asarray(t, dtype=np.float64)
        i = np.searchsorted(self.starts, t, side="right") - 1
        safe = np.clip(i, 0, len(self.starts) - 1)
        inside = np.clip(t - self.starts[safe], 0.0, self.ends[safe] - self.starts[safe])
        return np.where(i < 0, 0.0, self.before[safe] + inside)

    def total(self) -> float:
        return float(self.before[-1] + self.ends[-1] - self.starts[-1]) if len(self.starts) else 0.0


@lru_cache(maxsize=64)
def timeline(cal: Calendar, first_year: int, last_year: int) -> Timeline:
    """The calendar's working intervals from 1 January of `first_year` to 31 December of `last_year`."""
    tz = zone(cal.timezone)
    starts: list[float] = []
    ends: list[float] = []
    day = date(first_year, 1, 1)
    stop = date(last_year, 12, 31)
    while day <= stop:
        for a, b in cal.hours_on(day):
            s = _epoch(day, a, tz)
            e = _epoch(day, b, tz)
            if e <= s:  # a clock change swallowed the interval
                continue
            if ends and s <= ends[-1]:  # touching intervals (a 24-hour team) become one
                ends[-1] = max(ends[-1], e)
            else:
                starts.append(s)
                ends.append(e)
        day += timedelta(days=1)
    s_arr = np.array(starts, dtype=np.float64)
    e_arr = np.array(ends, dtype=np.float64)
    before = np.concatenate([[0.0], np.cumsum(e_arr - s_arr)[:-1]]) if len(s_arr) else np.zeros(0)
    return Timeline(
        s_arr, e_arr, before, _epoch(date(first_year, 1, 1), 0, tz), _epoch(stop + timedelta(days=1), 0, tz)
    )


def _epoch(day: date, minutes: int, tz: ZoneInfo) -> float:
    local = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minutes)
    # wall-clock arithmetic, then to UTC (an aware datetime plus a timedelta keeps the wall clock)
    return local.astimezone(UTC).timestamp()


def _years(t: np.ndarray) -> tuple[int, int]:
    finite = t[np.isfinite(t)]
    if not len(finite):
        year = datetime.now(UTC).year
        return year, year
    lo = datetime.fromtimestamp(float(finite.min()), UTC).year
    hi = datetime.fromtimestamp(float(finite.max()), UTC).year
    return lo - 1, hi + 1


def seconds_between(cal: Calendar, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Business seconds between instants (epoch seconds, element-wise; 0 where end <= start)."""
    start = np.asarray(start, dtype=np.float64)
    end = np.asarray(end, dtype=np.float64)
    lo, hi = _years(np.concatenate([start.ravel(), end.ravel()]))
    if hi - lo > MAX_YEARS:
        raise Invalid(_("the times span more than {years} years").format(years=MAX_YEARS), field="to")
    tl = timeline(cal, lo, hi)
    return np.maximum(tl.worked(end) - tl.worked(start), 0.0)


def add(cal: Calendar, start: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """The instant `seconds` business seconds after each start (epoch seconds; NaN in, NaN out)."""
    start = np.asarray(start, dtype=np.float64)
    seconds = np.broadcast_to(np.asarray(seconds, dtype=np.float64), start.shape)
    if np.any(seconds < 0):
        raise Invalid(_("business seconds to add must not be negative"), field="seconds")
    lo, hi = _years(start)
    while True:
        tl = timeline(cal, lo, hi)
        if not len(tl.starts):
            if hi - lo >= MAX_YEARS:
                raise Invalid(_("the calendar has no working time"), field="week")
            hi = min(lo + MAX_YEARS, hi + max(2, hi - lo))
            continue
        target = tl.worked(start) + seconds
        ok = np.isnan(target) | (target <= tl.total())
        if ok.all():
            break
        if hi - lo >= MAX_YEARS:
            raise Invalid(
                _("the due time falls more than {years} years ahead").format(years=MAX_YEARS), field="seconds"
            )
        hi = min(lo + MAX_YEARS, hi + max(2, hi - lo))
    ends_before = tl.before + (tl.ends - tl.starts)  # working seconds at each interval's end
    j = np.clip(np.searchsorted(ends_before, np.nan_to_num(target), side="left"), 0, len(tl.starts) - 1)
    due = tl.ends[j] - (ends_before[j] - target)
    return np.where(np.isnan(target), np.nan, np.maximum(due, start))


def intervals(cal: Calendar, start: float, end: float) -> list[tuple[float, float]]:
    """The working intervals between two instants, clipped to them."""
    lo, hi = _years(np.array([start, end]))
    tl = timeline(cal, lo, hi)
    first = max(int(np.searchsorted(tl.ends, start, side="right")), 0)
    out = []
    for s, e in zip(tl.starts[first:], tl.ends[first:], strict=True):
        if s >= end:
            break
        out.append((max(float(s), start), min(float(e), end)))
    return [(s, e) for s, e in out if e > s]


def parse_instant(text: str, tz: ZoneInfo, *, name: str = "time") -> datetime:
    """An ISO 8601 time; without an offset it is read in `tz`."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(
            _("{name}: {text} is not an ISO 8601 time, e.g. 2027-03-07T09:30").format(
                name=name, text=repr(text)
            ),
            field=name,
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def iso(epoch: float, tz: ZoneInfo) -> str:
    value = datetime.fromtimestamp(epoch, UTC).astimezone(tz)
    return value.isoformat(timespec="seconds" if value.microsecond == 0 else "microseconds")
