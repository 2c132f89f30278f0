"""Time buckets for metrics: day, week, month, quarter, year, in the Gregorian, Hijri or Jalali calendar.

Labels sort in time order and read the same in every language: "2026-11-22" (day), the first day of the
week ("2026-11-16"; weeks start on Monday, Saturday or Sunday), "2026-11" (month), "2026-Q4" (quarter),
"2026" (year). Hijri and Jalali months and years are labelled in their own years ("1448-05", "1405-09").
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from tajriba.calendars import parts
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
