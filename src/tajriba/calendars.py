"""Gregorian, Hijri (Umm al-Qura) and Jalali (Solar Hijri) dates, with translated month names."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from tajriba.i18n import N_, apply_digits, gettext

GREGORIAN_MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)
HIJRI_MONTHS = (
    N_("Muharram"),
    N_("Safar"),
    N_("Rabi al-Awwal"),
    N_("Rabi al-Thani"),
    N_("Jumada al-Ula"),
    N_("Jumada al-Akhirah"),
    N_("Rajab"),
    N_("Shaban"),
    N_("Ramadan"),
    N_("Shawwal"),
    N_("Dhu al-Qadah"),
    N_("Dhu al-Hijjah"),
)
JALALI_MONTHS = (
    N_("Farvardin"),
    N_("Ordibehesht"),
    N_("Khordad"),
    N_("Tir"),
    N_("Mordad"),
    N_("Shahrivar"),
    N_("Mehr"),
    N_("Aban"),
    N_("Azar"),
    N_("Dey"),
    N_("Bahman"),
    N_("Esfand"),
)
CALENDAR_LABELS = {"gregorian": N_("Gregorian"), "hijri": N_("Hijri (Umm al-Qura)"), "jalali": N_("Jalali")}


def to_hijri(day: date) -> tuple[int, int, int]:
    """Gregorian -> Hijri (Umm al-Qura tables; valid 1343-1500 AH)."""
    from hijridate import Gregorian

    h = Gregorian(day.year, day.month, day.day).to_hijri()
    return h.year, h.month, h.day


def from_hijri(year: int, month: int, day: int) -> date:
    from hijridate import Hijri

    return Hijri(year, month, day).to_gregorian()


def to_jalali(day: date) -> tuple[int, int, int]:
    import jdatetime

    j = jdatetime.date.fromgregorian(date=day)
    return j.year, j.month, j.day


def from_jalali(year: int, month: int, day: int) -> date:
    import jdatetime

    return jdatetime.date(year, month, day).togregorian()


def format_day(day: date, *, calendar: str) -> str:
    year, month, d = parts(day, calendar)
    return f"{d} {gettext(_names(calendar)[month - 1])} {year}"


def parts(day: date, calendar: str) -> tuple[int, int, int]:
    """(year, month, day) of a Gregorian date in the calendar."""
    if calendar == "hijri":
        return to_hijri(day)
    if calendar == "jalali":
        return to_jalali(day)
    return day.year, day.month, day.day


def _names(calendar: str) -> tuple[str, ...]:
    return {"hijri": HIJRI_MONTHS, "jalali": JALALI_MONTHS}.get(calendar, GREGORIAN_MONTHS)


def format_date(
    value: date | datetime | str | None,
    *,
    locale: str,
    calendar: str = "gregorian",
    digits: str = "latn",
    tz: str | None = None,
    with_time: bool = False,
) -> str:
    """Format a date in the Gregorian, Hijri (Umm al-Qura) or Jalali calendar, in the user's language."""
    if value is None:
        return "–"
    if isinstance(value, str):  # an ISO date from a JSON-shaped service result
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)

    if isinstance(value, datetime) and tz:
        value = (
            value.astimezone(ZoneInfo(tz))
            if value.tzinfo
            else value.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz))
        )
    day = value.date() if isinstance(value, datetime) else value
    text = format_day(day, calendar=calendar)
    if with_time and isinstance(value, datetime):
        text = f"{text} {value:%H:%M}"
    return apply_digits(text, locale, digits)
