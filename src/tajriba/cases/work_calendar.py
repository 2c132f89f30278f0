"""A business calendar: working hours per weekday (its text form, e.g. "sun-thu 09:00-17:00"), the country's
weekend and public holidays, Eid al-Fitr and Eid al-Adha from the Hijri (Umm al-Qura) calendar, Ramadan
hours, closed days and date overrides, in the team's time zone; stored as a plain dict."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tajriba.errors import Invalid
from tajriba.i18n import _

Interval = tuple[int, int]  # minutes after local midnight, [start, end), end <= 1440


Hours = tuple[Interval, ...]


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


_NINE_TO_FIVE: Hours = ((9 * 60, 17 * 60),)


# working week per country (Monday first), the Eid closures (first Hijri day, number of days) and the
# Ramadan hours a company of that country usually keeps; every value can be changed per calendar
COUNTRY_DEFAULTS: dict[str, dict[str, Any]] = {
    "SA": {"week": "sun-thu 09:00-17:00", "fitr": (1, 4), "adha": (9, 4), "ramadan": "10:00-15:00"},
    "EG": {"week": "sun-thu 09:00-17:00", "fitr": (1, 3), "adha": (9, 4), "ramadan": "10:00-15:00"},
    "AE": {"week": "mon-fri 09:00-17:00", "fitr": (1, 3), "adha": (9, 4), "ramadan": "09:00-14:00"},
    "IR": {"week": "sat-wed 08:00-16:00; thu 08:00-12:00", "fitr": (1, 2), "adha": (10, 1), "ramadan": None},
}


@dataclass(frozen=True)
class Calendar:
    """One team's working time."""

    timezone: str = "Asia/Riyadh"
    week: tuple[Hours, ...] = (_NINE_TO_FIVE,) * 4 + ((), ()) + (_NINE_TO_FIVE,)  # Sunday-Thursday
    country: str | None = None  # public holidays from the `holidays` package
    ramadan: Hours | None = None  # hours on working days of Ramadan, instead of the week's
    eid_al_fitr: tuple[int, int] = (1, 0)  # closed from day N of Shawwal for M days
    eid_al_adha: tuple[int, int] = (9, 0)  # closed from day N of Dhu al-Hijjah for M days
    closed: frozenset[date] = field(default_factory=frozenset)
    overrides: tuple[tuple[date, Hours], ...] = ()  # a date's own hours (open on a holiday, a short day)

    def check(self) -> Calendar:
        zone(self.timezone)
        if len(self.week) != 7:
            raise Invalid(_("a week has seven days of hours"), field="week")
        for hours in (*self.week, self.ramadan or (), *(h for _day, h in self.overrides)):
            _check_hours(hours)
        if self.country is not None:
            _country_holidays(self.country, 2027, 2027)
        for name, (first, days) in (("eid_al_fitr", self.eid_al_fitr), ("eid_al_adha", self.eid_al_adha)):
            if not (1 <= first <= 30 and 0 <= days <= 30):
                raise Invalid(
                    _("{name}: expected a first day 1-30 and 0-30 days, got {first} and {days}").format(
                        name=name, first=first, days=days
                    ),
                    field=name,
                )
        return self

    def hours_on(self, day: date) -> Hours:
        """The working intervals of one local date."""
        for when, hours in self.overrides:
            if when == day:
                return hours
        if day in self.closed or day in _closed_days(self, day.year):
            return ()
        hours = self.week[day.weekday()]
        if hours and self.ramadan is not None and _hijri(day)[1] == 9:
            return self.ramadan
        return hours


def for_country(country: str, *, timezone: str | None = None, **changes: Any) -> Calendar:
    """The usual calendar of a company in `country` (weekend, Eids, Ramadan hours, public holidays)."""
    code = country.upper()
    defaults = COUNTRY_DEFAULTS.get(code, {"week": "mon-fri 09:00-17:00", "fitr": (1, 0), "adha": (9, 0)})
    zones = {"SA": "Asia/Riyadh", "EG": "Africa/Cairo", "AE": "Asia/Dubai", "IR": "Asia/Tehran"}
    ramadan = defaults.get("ramadan")
    cal = Calendar(
        timezone=timezone or zones.get(code, "UTC"),
        week=parse_week(defaults["week"]),
        country=code,
        ramadan=parse_hours(ramadan) if ramadan else None,
        eid_al_fitr=defaults["fitr"],
        eid_al_adha=defaults["adha"],
    )
    return replace(cal, **changes).check()


_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_hours(text: str) -> Hours:
    """'09:00-13:00,14:00-18:00' -> ((540, 780), (840, 1080)); 'closed' or '' -> ()."""
    text = text.strip()
    if text.lower() in ("", "closed", "-"):
        return ()
    out: list[Interval] = []
    for part in text.split(","):
        m = _HOURS.match(part.strip())
        if not m:
            raise Invalid(
                _("working hours {hours}: expected HH:MM-HH:MM, e.g. 09:00-17:00").format(
                    hours=repr(part.strip())
                ),
                field="hours",
            )
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        out.append((h1 * 60 + m1, h2 * 60 + m2))
    return _check_hours(tuple(out))


def _check_hours(hours: Hours) -> Hours:
    previous_end = 0
    for start, end in hours:
        if not (0 <= start < end <= 24 * 60) or start % 1 or end % 1:
            raise Invalid(
                _(
                    "working hours {start}-{end}: the end must be after the start, within one day "
                    "(split a night shift at midnight)"
                ).format(start=_hhmm(start), end=_hhmm(end)),
                field="hours",
            )
        if start < previous_end:
            raise Invalid(_("working hours overlap or are not in order"), field="hours")
        previous_end = end
    return hours


def _day_range(spec: str) -> list[int]:
    names = spec.strip().lower().split("-")
    try:
        idx = [DAYS.index(n.strip()[:3]) for n in names]
    except ValueError:
        raise Invalid(
            _("days {spec}: expected names such as sun, mon ... or a range sun-thu").format(spec=repr(spec)),
            field="week",
        ) from None
    if len(idx) == 1:
        return idx
    if len(idx) != 2:
        raise Invalid(
            _("days {spec}: a range has two ends, e.g. sun-thu").format(spec=repr(spec)), field="week"
        )
    first, last = idx
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def parse_week(spec: str | list[str] | tuple[str, ...]) -> tuple[Hours, ...]:
    """'sun-thu 09:00-17:00' or several parts ('sat-wed 08:00-16:00; thu 08:00-12:00') -> hours Monday..Sunday.

    Days not named are closed; a day named twice keeps the last hours given."""
    parts = [spec] if isinstance(spec, str) else list(spec)
    week: list[Hours] = [()] * 7
    for part in (p.strip() for chunk in parts for p in chunk.split(";")):
        if not part:
            continue
        days, _sep, hours = part.partition(" ")
        for d in _day_range(days):
            week[d] = parse_hours(hours) if hours.strip() else _NINE_TO_FIVE
    if not any(week):
        raise Invalid(_("week {spec} has no working time").format(spec=repr(spec)), field="week")
    return tuple(week)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_hours(hours: Hours) -> str:
    return ",".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in hours) or "closed"


def format_week(week: tuple[Hours, ...]) -> str:
    """The inverse of parse_week, grouping consecutive days with the same hours (Sunday first)."""
    order = [6, 0, 1, 2, 3, 4, 5]
    groups: list[tuple[list[int], Hours]] = []
    for d in order:
        if groups and groups[-1][1] == week[d] and week[d]:
            groups[-1][0].append(d)
        elif week[d]:
            groups.append(([d], week[d]))
    out = []
    for days, hours in groups:
        name = DAYS[days[0]] if len(days) == 1 else f"{DAYS[days[0]]}-{DAYS[days[-1]]}"
        out.append(f"{name} {format_hours(hours)}")
    return "; ".join(out)


def to_dict(cal: Calendar) -> dict[str, Any]:
    """A calendar as stored (JSON) and shown by the API."""
    return {
        "timezone": cal.timezone,
        "week": format_week(cal.week),
        "country": cal.country,
        "ramadan": format_hours(cal.ramadan) if cal.ramadan is not None else None,
        "eid_al_fitr": list(cal.eid_al_fitr),
        "eid_al_adha": list(cal.eid_al_adha),
        "closed": sorted(d.isoformat() for d in cal.closed),
        "overrides": {d.isoformat(): format_hours(h) for d, h in cal.overrides},
    }


def from_dict(data: dict[str, Any]) -> Calendar:
    """A calendar from its stored or posted form; every field is checked."""

    def day(value: Any, name: str) -> date:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise Invalid(
                _("{name}: {value} is not a date (YYYY-MM-DD)").format(name=name, value=repr(value)),
                field=name,
            ) from None

    def pair(value: Any, name: str, default: tuple[int, int]) -> tuple[int, int]:
        if value is None:
            return default
        try:
            first, days = (int(v) for v in value)
        except (TypeError, ValueError):
            raise Invalid(
                _("{name}: expected [first day, number of days]").format(name=name), field=name
            ) from None
        return first, days

    country = data.get("country") or None
    ramadan = data.get("ramadan")
    overrides = data.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise Invalid(_("overrides: expected an object of date -> hours"), field="overrides")
    return Calendar(
        timezone=str(data.get("timezone") or "UTC"),
        week=parse_week(str(data.get("week") or "")),
        country=str(country).upper() if country else None,
        ramadan=parse_hours(str(ramadan)) if ramadan not in (None, "") else None,
        eid_al_fitr=pair(data.get("eid_al_fitr"), "eid_al_fitr", (1, 0)),
        eid_al_adha=pair(data.get("eid_al_adha"), "eid_al_adha", (9, 0)),
        closed=frozenset(day(v, "closed") for v in data.get("closed") or ()),
        overrides=tuple(sorted((day(k, "overrides"), parse_hours(str(v))) for k, v in overrides.items())),
    ).check()


_PARSED: dict[str, Calendar] = {}


def stored(data: dict[str, Any]) -> Calendar:
    """A stored calendar, parsed once per distinct definition (the SLA clocks read it for every case)."""
    import json

    key = json.dumps(data, sort_keys=True)
    cal = _PARSED.get(key)
    if cal is None:
        if len(_PARSED) > 256:
            _PARSED.clear()
        cal = _PARSED[key] = from_dict(data)
    return cal


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            _("unknown time zone {name}: expected a name such as Asia/Riyadh").format(name=repr(name)),
            field="timezone",
        ) from None


@lru_cache(maxsize=4096)
def _hijri(day: date) -> tuple[int, int, int]:
    from tajriba.calendars import to_hijri

    return to_hijri(day)


@lru_cache(maxsize=256)
def _country_holidays(country: str, first_year: int, last_year: int) -> frozenset[date]:
    import holidays

    try:
        found = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    except NotImplementedError:
        raise Invalid(
            _("no public holidays are known for country {country}").format(country=repr(country)),
            field="country",
        ) from None
    return frozenset(found.keys())


@lru_cache(maxsize=256)
def _eid_days(fitr: tuple[int, int], adha: tuple[int, int], year: int) -> frozenset[date]:
    from tajriba.calendars import from_hijri

    out: set[date] = set()
    for hijri_year in range(_hijri(date(year, 1, 1))[0], _hijri(date(year, 12, 31))[0] + 1):
        for month, (first, days) in ((10, fitr), (12, adha)):
            if days:
                start = from_hijri(hijri_year, month, first)
                out.update(start + timedelta(days=i) for i in range(days))
    return frozenset(d for d in out if d.year == year)


def _closed_days(cal: Calendar, year: int) -> frozenset[date]:
    days = _eid_days(cal.eid_al_fitr, cal.eid_al_adha, year)
    if cal.country:
        days = days | _country_holidays(cal.country, year, year)
    return days
