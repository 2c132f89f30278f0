"""Business-time arithmetic against hand-computed values (Riyadh, Eids 2027, Ramadan, Tehran, Cairo) and
against a minute-by-minute reference count."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from typer.testing import CliRunner

from tajriba.cases import business_time as bt
from tajriba.cases import work_calendar
from tajriba.cli import app
from tajriba.errors import Invalid

RIYADH = ZoneInfo("Asia/Riyadh")


def t(text: str, tz: ZoneInfo = RIYADH) -> float:
    return bt.parse_instant(text, tz).timestamp()


def between(cal: bt.Calendar, a: str, b: str) -> float:
    tz = bt.zone(cal.timezone)
    return float(bt.seconds_between(cal, np.array([t(a, tz)]), np.array([t(b, tz)]))[0])


def due(cal: bt.Calendar, a: str, seconds: float) -> str:
    tz = bt.zone(cal.timezone)
    return bt.iso(float(bt.add(cal, np.array([t(a, tz)]), np.array([seconds]))[0]), tz)


SAUDI = bt.Calendar(timezone="Asia/Riyadh", week=bt.parse_week("sun-thu 09:00-17:00"))


def test_riyadh_weekend_is_skipped():
    # Thursday 15:00 -> Sunday 11:00: 2 h on Thursday, Friday and Saturday off, 2 h on Sunday
    assert between(SAUDI, "2026-12-03T15:00", "2026-12-06T11:00") == 4 * 3600
    assert due(SAUDI, "2026-12-03T15:00", 4 * 3600) == "2026-12-06T11:00:00+03:00"


def test_clock_started_out_of_hours_waits_for_the_opening():
    assert due(SAUDI, "2026-12-04T22:00", 3600) == "2026-12-06T10:00:00+03:00"
    assert between(SAUDI, "2026-12-04T00:00", "2026-12-05T23:59") == 0


def test_eid_al_fitr_2027_in_saudi_arabia():
    cal = bt.for_country("SA", ramadan=None)
    # 1 Shawwal 1448 = Tuesday 9 March 2027 (Umm al-Qura); closed 9-12 March (Eid, four days), the weekend,
    # and Sunday 14 March (the holiday observed); Monday 8 March 16:00 + 8 h = 1 h + Monday 15 March 09:00-16:00
    assert work_calendar._hijri(date(2027, 3, 9)) == (1448, 10, 1)
    assert due(cal, "2027-03-08T16:00", 8 * 3600) == "2027-03-15T16:00:00+03:00"
    assert between(cal, "2027-03-08T16:00", "2027-03-15T16:00") == 8 * 3600


def test_eid_al_adha_2027_in_saudi_arabia():
    cal = bt.for_country("SA")
    # Arafah = Saturday 15 May 2027, Eid al-Adha Sunday 16 May; closed 15-19 May. Thursday 13 May 16:00 + 4 h
    # = 1 h + Thursday 20 May 09:00-12:00
    assert work_calendar._hijri(date(2027, 5, 16)) == (1448, 12, 10)
    assert due(cal, "2027-05-13T16:00", 4 * 3600) == "2027-05-20T12:00:00+03:00"


def test_eid_closure_is_computed_from_the_hijri_calendar_without_public_holidays():
    cal = bt.Calendar(week=bt.parse_week("sun-thu 09:00-17:00"), eid_al_fitr=(1, 4))
    # no country: only the Hijri computation closes 9-12 March; Sunday 14 March is a working day
    assert due(cal, "2027-03-08T16:00", 8 * 3600) == "2027-03-14T16:00:00+03:00"


def test_ramadan_hours_replace_the_week():
    cal = bt.Calendar(week=bt.parse_week("sun-thu 09:00-17:00"), ramadan=bt.parse_hours("10:00-15:00"))
    # Ramadan 1448: 8 February - 8 March 2027. Sunday 14 February 09:00 -> Monday 15 February 17:00 = 2 x 5 h
    assert between(cal, "2027-02-14T09:00", "2027-02-15T17:00") == 10 * 3600
    # Thursday 4 March 14:00 + 4 h: 1 h, then Sunday 7 March 10:00-13:00
    assert due(cal, "2027-03-04T14:00", 4 * 3600) == "2027-03-07T13:00:00+03:00"
    # the day before Ramadan keeps normal hours
    assert between(cal, "2027-02-07T00:00", "2027-02-08T00:00") == 8 * 3600


def test_tehran_half_day_thursday_and_friday_weekend():
    cal = bt.Calendar(timezone="Asia/Tehran", week=bt.parse_week("sat-wed 08:00-16:00; thu 08:00-12:00"))
    # Wednesday 14:00 -> Saturday 10:00 = 2 h + 4 h (Thursday) + 2 h
    assert between(cal, "2026-12-02T14:00", "2026-12-05T10:00") == 8 * 3600
    assert due(cal, "2026-12-02T14:00", 8 * 3600) == "2026-12-05T10:00:00+03:30"
    # the country's calendar closes Wednesday 23 December 2026 (Birthday of Imam Ali)
    iran = bt.for_country("IR")
    assert due(iran, "2026-12-22T15:00", 2 * 3600) == "2026-12-24T09:00:00+03:30"


def test_cairo_holiday_and_daylight_saving():
    cal = bt.for_country("EG", ramadan=None)
    # Wednesday 28 April 2027 15:00 (+02:00) + 6 h: 2 h, Thursday 29 April closed (Sinai Liberation Day
    # observed), Friday-Saturday weekend (clocks go forward on Friday 30 April), Sunday 2 May 09:00-13:00 +03:00
    assert due(cal, "2027-04-28T15:00", 6 * 3600) == "2027-05-02T13:00:00+03:00"
    assert between(cal, "2027-04-28T15:00+02:00", "2027-05-02T13:00+03:00") == 6 * 3600


def test_several_intervals_a_day_and_overrides():
    cal = bt.Calendar(
        week=bt.parse_week("sun-thu 09:00-13:00,14:00-18:00"),
        closed=frozenset({date(2026, 12, 6)}),
        overrides=((date(2026, 12, 5), bt.parse_hours("10:00-12:00")),),
    )
    # Thursday 12:00 -> Monday 10:00: 1 + 4 (Thursday), Saturday override 2 h, Sunday closed, Monday 1 h
    assert between(cal, "2026-12-03T12:00", "2026-12-07T10:00") == 8 * 3600
    assert due(cal, "2026-12-03T12:30", 30 * 60) == "2026-12-03T13:00:00+03:00"  # the end of a working spell
    assert due(cal, "2026-12-03T12:30", 45 * 60) == "2026-12-03T14:15:00+03:00"


def _reference_seconds(cal: bt.Calendar, a: datetime, b: datetime) -> int:
    """Count working minutes one by one (the slow, obviously right way)."""
    tz = ZoneInfo(cal.timezone)
    total = 0
    m = a
    while m < b:
        local = m.astimezone(tz)
        minute = local.hour * 60 + local.minute
        if any(s <= minute < e for s, e in cal.hours_on(local.date())):
            total += 60
        m += timedelta(minutes=1)
    return total


def test_matches_a_minute_by_minute_count_and_add_inverts_it():
    rng = np.random.default_rng(7)
    cals = [bt.for_country("SA"), bt.for_country("IR"), bt.for_country("EG"), bt.for_country("AE")]
    for i in range(16):
        cal = cals[i % len(cals)]
        tz = ZoneInfo(cal.timezone)
        start = datetime(2027, 1, 1, tzinfo=tz) + timedelta(minutes=int(rng.integers(0, 365 * 24 * 60)))
        end = start + timedelta(minutes=int(rng.integers(0, 6 * 24 * 60)))
        got = float(bt.seconds_between(cal, np.array([start.timestamp()]), np.array([end.timestamp()]))[0])
        assert got == _reference_seconds(cal, start, end), (cal.country, start, end)
    starts = np.array([datetime(2027, 1, 1, tzinfo=RIYADH).timestamp() + 3571.0 * k for k in range(5000)])
    seconds = rng.integers(0, 200 * 3600, size=starts.shape).astype(float)
    cal = bt.for_country("SA")
    dues = bt.add(cal, starts, seconds)
    assert np.allclose(bt.seconds_between(cal, starts, dues), seconds, atol=1e-3)
    assert np.all(dues >= starts)


def test_bad_calendars_are_refused_with_the_reason():
    with pytest.raises(Invalid, match="HH:MM"):
        bt.parse_hours("9am-5pm")
    with pytest.raises(Invalid, match="split a night shift"):
        bt.parse_hours("22:00-06:00")
    with pytest.raises(Invalid, match="sun, mon"):
        bt.parse_week("sunday-funday 09:00-17:00")
    with pytest.raises(Invalid, match="time zone"):
        bt.Calendar(timezone="Mars/Olympus").check()
    with pytest.raises(Invalid, match="no working time"):
        bt.parse_week("")
    with pytest.raises(Invalid, match="country"):
        bt.from_dict({"week": "sun-thu", "country": "XX"})


def test_calendar_round_trips_through_its_stored_form():
    cal = bt.for_country("IR", closed=frozenset({date(2027, 1, 5)}))
    assert bt.from_dict(bt.to_dict(cal)) == cal


runner = CliRunner()


def test_cli_business_time_and_add():
    result = runner.invoke(
        app,
        [
            "calendars",
            "business-time",
            "--from",
            "2027-03-04T15:00",
            "--to",
            "2027-03-07T11:00",
            "--timezone",
            "Asia/Riyadh",
            "--week",
            "sun-thu 09:00-17:00",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "seconds": 14400,
        "intervals": [
            ["2027-03-04T15:00:00+03:00", "2027-03-04T17:00:00+03:00"],
            ["2027-03-07T09:00:00+03:00", "2027-03-07T11:00:00+03:00"],
        ],
    }
    result = runner.invoke(
        app,
        [
            "calendars",
            "add",
            "--from",
            "2027-03-04T15:00",
            "--seconds",
            "14400",
            "--timezone",
            "Asia/Riyadh",
            "--week",
            "sun-thu 09:00-17:00",
            "--country",
            "SA",
            "--ramadan",
            "10:00-15:00",
            "--closed",
            "2027-03-07",
        ],
    )
    assert result.exit_code == 0, result.output
    # Ramadan hours end at 15:00 on Thursday; Sunday 7 March is closed; Monday 8 March 10:00 + 4 h
    assert json.loads(result.output) == {"due": "2027-03-08T14:00:00+03:00"}


def test_cli_explains_bad_input():
    result = runner.invoke(app, ["calendars", "add", "--from", "tomorrow", "--seconds", "60"])
    assert result.exit_code == 2
    assert "not an ISO 8601 time" in result.output
