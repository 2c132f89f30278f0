"""Calendar features for forecasting contact volume, computed from the calendars rather than typed each year.

Per day: Ramadan (its day, the last ten nights), the days before, of and after Eid al-Fitr and Eid al-Adha
(from the Hijri Umm al-Qura calendar, `tajriba.calendars`), the country's public holidays (the `holidays`
package: Saudi National Day and Founding Day, UAE and Egyptian holidays...), Nowruz and Yalda (from the Jalali
calendar, for Iran), White Friday and 11.11, salary days (the 25th-27th in Saudi Arabia) and the weekend.

A moon sighting can move the start of Ramadan or of either Eid by a day: `overrides` maps ("ramadan",
hijri year), ("eid_al_fitr", hijri year) or ("eid_al_adha", hijri year) to the Gregorian day it really began,
and every feature that depends on it follows (a Ramadan of 30 days when Eid comes a day late).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from tajriba.calendars import from_hijri, from_jalali, to_hijri, to_jalali
from tajriba.errors import Invalid
from tajriba.i18n import _

EVENTS = ("ramadan", "eid_al_fitr", "eid_al_adha")
EID_DAYS = {"eid_al_fitr": 3, "eid_al_adha": 4}  # Shawwal 1-3; Dhu al-Hijjah 10-13
AROUND = 7  # days counted before and after each Eid
WEEKENDS = {
    "SA": (4, 5),
    "AE": (5, 6),
    "EG": (4, 5),
    "IR": (4,),
    "KW": (4, 5),
    "QA": (4, 5),
    "BH": (4, 5),
    "OM": (4, 5),
    "JO": (4, 5),
}  # fmt: skip  (Monday = 0: Friday-Saturday, UAE Saturday-Sunday, Iran Friday)
SALARY_DAYS = {"SA": (25, 26, 27)}
COLUMNS = (
    "weekend", "public_holiday", "ramadan", "ramadan_day", "ramadan_last_ten", "eid_al_fitr",
    "days_before_eid_al_fitr", "days_after_eid_al_fitr", "eid_al_adha", "days_before_eid_al_adha",
    "days_after_eid_al_adha", "nowruz", "yalda", "white_friday", "singles_day", "salary_day",
)  # fmt: skip

Overrides = Mapping[tuple[str, int], date]


def starts(hijri_year: int, overrides: Overrides | None = None) -> dict[str, date]:
    """The Gregorian first day of Ramadan, Eid al-Fitr and Eid al-Adha in a Hijri year (sightings first)."""
    out = {
        "ramadan": from_hijri(hijri_year, 9, 1),
        "eid_al_fitr": from_hijri(hijri_year, 10, 1),
        "eid_al_adha": from_hijri(hijri_year, 12, 10),
    }
    for event in EVENTS:
        moved = (overrides or {}).get((event, hijri_year))
        if moved is not None:
            if abs((moved - out[event]).days) > 2:
                raise Invalid(
                    _("{event} {year} on {day} is more than two days from the calendar's {calendar}").format(
                        event=event, year=hijri_year, day=moved, calendar=out[event]
                    ),
                    field="overrides",
                )
            out[event] = moved
    return out


def check_overrides(raw: Mapping[str, Any]) -> dict[tuple[str, int], date]:
    """Overrides from their stored form {"eid_al_fitr:1447": "2026-03-21", ...}, each named when wrong."""
    out: dict[tuple[str, int], date] = {}
    for key, value in raw.items():
        event, _sep, year = str(key).partition(":")
        if event not in EVENTS or not year.isdigit():
            raise Invalid(
                _("{key}: expected ramadan, eid_al_fitr or eid_al_adha and a Hijri year").format(
                    key=repr(key)
                ),
                field=key,
            )
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            raise Invalid(
                _("{key}: {value} is not a date (YYYY-MM-DD)").format(key=repr(key), value=repr(value)),
                field=key,
            ) from None
        starts(int(year), {(event, int(year)): day})  # the day must be near the calendar's
        out[(event, int(year))] = day
    return out


def calendar_features(
    days: Iterable[date], *, country: str = "SA", overrides: Overrides | None = None
) -> pd.DataFrame:
    """One row per day (indexed by the day) with the columns in COLUMNS (booleans and day counts)."""
    index = pd.DatetimeIndex(pd.to_datetime(list(days))).normalize()
    if index.empty:
        return pd.DataFrame(columns=list(COLUMNS), index=index)
    plain = [d.date() for d in index]
    frame = pd.DataFrame(0, index=index, columns=list(COLUMNS), dtype=np.int64)
    weekday = index.day_of_week.to_numpy()
    frame["weekend"] = np.isin(weekday, WEEKENDS.get(country, (5, 6))).astype(int)
    frame["public_holiday"] = _public_holidays(plain, country)
    years = range(to_hijri(min(plain))[0] - 1, to_hijri(max(plain))[0] + 2)
    for hijri_year in years:
        s = starts(hijri_year, overrides)
        _ramadan(frame, s["ramadan"], s["eid_al_fitr"])
        for event in ("eid_al_fitr", "eid_al_adha"):
            _around(frame, event, s[event], EID_DAYS[event])
    jalali = [to_jalali(d) for d in plain]
    frame["nowruz"] = [int(m == 1 and day <= 4) for _, m, day in jalali]
    frame["yalda"] = [int(d == from_jalali(y, 9, 30)) for d, (y, _, _) in zip(plain, jalali, strict=True)]
    frame["white_friday"] = [int(d.month == 11 and d.weekday() == 4 and d.day + 7 > 30) for d in plain]
    frame["singles_day"] = [int(d.month == 11 and d.day == 11) for d in plain]
    frame["salary_day"] = [int(d.day in SALARY_DAYS.get(country, ())) for d in plain]
    return frame


def _public_holidays(days: list[date], country: str) -> list[int]:
    return [int(name is not None) for name in holiday_names(days, country)]


def holiday_names(days: list[date], country: str) -> list[str | None]:
    """The public holiday's name (the `holidays` package, in English) on each day, or None."""
    import holidays

    try:
        found = holidays.country_holidays(country, years=sorted({d.year for d in days}))
    except NotImplementedError:
        raise Invalid(
            _("no public holidays are known for country {country}").format(country=repr(country)),
            field="country",
        ) from None
    return [found.get(d) for d in days]


def _ramadan(frame: pd.DataFrame, first: date, eid: date) -> None:
    """Ramadan runs from its first day to the day before Eid al-Fitr (29 or 30 days)."""
    length = (eid - first).days
    for i in range(length):
        day = pd.Timestamp(first + timedelta(days=i))
        if day in frame.index:
            frame.loc[day, "ramadan"] = 1
            frame.loc[day, "ramadan_day"] = i + 1
            frame.loc[day, "ramadan_last_ten"] = int(i + 1 > length - 10)


def _around(frame: pd.DataFrame, event: str, first: date, length: int) -> None:
    """The Eid's days, and the AROUND days before its first and after its last day."""
    for offset in range(-AROUND, length + AROUND):
        day = pd.Timestamp(first + timedelta(days=offset))
        if day not in frame.index:
            continue
        if offset < 0:
            frame.loc[day, f"days_before_{event}"] = -offset
        elif offset < length:
            frame.loc[day, event] = 1
        else:
            frame.loc[day, f"days_after_{event}"] = offset - length + 1


def design(cal: pd.DataFrame, last_known: int) -> np.ndarray:
    """The calendar model's regressors from the calendar features `cal`, one row per day (the history's,
    then the horizon's): an intercept, weekdays, Ramadan (its days, a slope through it, the last ten nights),
    both Eids and the days around them (1-3 and 4-7 days before and after), public holidays, White Friday,
    11.11, salary days, Nowruz, Yalda, the year's shape (two harmonics, given a year and a half), and a
    piecewise-linear level with a knot every 91 days that stays flat after day `last_known` (the smoothing
    of the residuals carries the level forward, not a trend line)."""
    days = pd.DatetimeIndex(cal.index)
    n = len(days)
    weekday = days.day_of_week.to_numpy()
    cols: list[np.ndarray] = [np.ones(n)]
    cols += [(weekday == w).astype(float) for w in range(1, 7)]
    cols += [cal["ramadan"].to_numpy(float), cal["ramadan_day"].to_numpy(float) / 30,
             cal["ramadan_last_ten"].to_numpy(float)]  # fmt: skip
    for event in ("eid_al_fitr", "eid_al_adha"):
        before, after = cal[f"days_before_{event}"].to_numpy(), cal[f"days_after_{event}"].to_numpy()
        cols += [cal[event].to_numpy(float)]
        cols += [
            ((lo <= d) & (d <= hi)).astype(float) for d in (before, after) for lo, hi in ((1, 3), (4, 7))
        ]
    for name in ("public_holiday", "white_friday", "singles_day", "salary_day", "nowruz", "yalda"):
        cols.append(cal[name].to_numpy(float))
    if last_known >= 548:  # the year's shape only from a year and a half of history
        year = 2 * np.pi * days.dayofyear.to_numpy() / 365.25
        cols += [f(k * year) for k in (1, 2) for f in (np.sin, np.cos)]
    t = np.minimum(np.arange(n), last_known).astype(float)
    cols.append(t / 365.25)
    cols += [np.maximum(t - knot, 0) / 365.25 for knot in range(91, max(last_known - 30, 91), 91)]
    return np.column_stack(cols)
