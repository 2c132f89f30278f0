"""Time buckets for metrics: day, week, month, quarter, year, in the Gregorian, Hijri or Jalali calendar.

Labels sort in time order and read the same in every language: "2026-11-22" (day), the first day of the
week ("2026-11-16"; weeks start on Monday, Saturday or Sunday), "2026-11" (month), "2026-Q4" (quarter),
"2026" (year). Hijri and Jalali months and years are labelled in their own years ("1448-05", "1405-09").
"""

from __future__ import annotations

from datetime import date, timedelta

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
