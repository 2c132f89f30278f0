"""The seasons a campaign can follow, as Gregorian date ranges (first and last day, inclusive).

Hijri seasons come from the Umm al-Qura tables (hijridate, through `tajriba.calendars`): Ramadan is 1 Ramadan to
the day before 1 Shawwal (29 or 30 days), Eid al-Fitr 1-3 Shawwal, Eid al-Adha 10-13 Dhu al-Hijjah. A moon
sighting can move a day; the dates stay editable on the campaign. White Friday (the Gulf's Black Friday sales)
is the last Friday of November with the three days after it, the same Friday the contact forecasts use. Nowruz
is 1-13 Farvardin.
"""

from __future__ import annotations

from datetime import date, timedelta

from tajriba.calendars import from_hijri, from_jalali, to_hijri
from tajriba.errors import Invalid
from tajriba.i18n import N_, _

SEASONS = {
    "ramadan": N_("Ramadan"),
    "eid_al_fitr": N_("Eid al-Fitr"),
    "eid_al_adha": N_("Eid al-Adha"),
    "white_friday": N_("White Friday"),
    "nowruz": N_("Nowruz"),
}


def _plain(day: date) -> date:
    return date(day.year, day.month, day.day)  # hijridate's and jdatetime's days are subclasses


def _last_friday_of_november(year: int) -> date:
    day = date(year, 11, 30)
    return day - timedelta(days=(day.weekday() - 4) % 7)


def season_days(season: str, year: int) -> tuple[date, date]:
    """The first and last day of `season` in the Gregorian `year`, or of the Hijri year when `year` < 1600 (for
    the Hijri seasons: 1447 -> Ramadan 1447)."""
    first, last = _season_days(season, year)
    return _plain(first), _plain(last)


def _season_days(season: str, year: int) -> tuple[date, date]:
    if season not in SEASONS:
        raise Invalid(
            _("unknown season {season}: expected one of {seasons}").format(
                season=season, seasons=", ".join(SEASONS)
            ),
            field="season",
        )
    if season == "white_friday":
        first = _last_friday_of_november(year)
        return first, first + timedelta(days=3)
    if season == "nowruz":
        first = from_jalali(year - 621 if year > 1600 else year, 1, 1)
        return first, first + timedelta(days=12)
    hijri_year = year if year < 1600 else _hijri_year_in(season, year)
    if season == "ramadan":
        return from_hijri(hijri_year, 9, 1), from_hijri(hijri_year, 10, 1) - timedelta(days=1)
    if season == "eid_al_fitr":
        first = from_hijri(hijri_year, 10, 1)
        return first, first + timedelta(days=2)
    first = from_hijri(hijri_year, 12, 10)
    return first, first + timedelta(days=3)


def _hijri_year_in(season: str, year: int) -> int:
    """The Hijri year whose `season` starts in the Gregorian `year` (the Hijri year is 11 days shorter, so one
    of the two Hijri years that overlap it)."""
    month, day = {"ramadan": (9, 1), "eid_al_fitr": (10, 1), "eid_al_adha": (12, 10)}[season]
    first = to_hijri(date(year, 1, 1))[0]
    for hijri_year in (first, first + 1):
        if from_hijri(hijri_year, month, day).year == year:
            return hijri_year
    raise Invalid(_("no {season} starts in {year}").format(season=season, year=year), field="year")
