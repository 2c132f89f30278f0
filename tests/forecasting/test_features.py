"""Calendar features from the calendars: Ramadan 1447 and 1448 and both Eids against hijridate (Umm al-Qura),
a moon sighting that moves Eid, public holidays, Nowruz and Yalda, White Friday, salary days, weekends."""

from __future__ import annotations

from datetime import date, timedelta

import hijridate
import pytest

from tajriba.errors import Invalid
from tajriba.forecasting.features import COLUMNS, calendar_features, check_overrides, starts


def _g(year: int, month: int, day: int) -> date:
    return hijridate.Hijri(year, month, day).to_gregorian()


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.mark.parametrize("hijri_year", [1447, 1448])
def test_ramadan_and_both_eids_follow_hijridate(hijri_year: int) -> None:
    ramadan, fitr, adha = _g(hijri_year, 9, 1), _g(hijri_year, 10, 1), _g(hijri_year, 12, 10)
    f = calendar_features(_span(ramadan - timedelta(days=10), adha + timedelta(days=12)))
    assert list(f.columns) == list(COLUMNS)
    length = (fitr - ramadan).days
    assert length in (29, 30)
    row = f.loc[str(ramadan)]
    assert (row["ramadan"], row["ramadan_day"], row["ramadan_last_ten"]) == (1, 1, 0)
    assert f.loc[str(ramadan - timedelta(days=1)), "ramadan"] == 0
    last = f.loc[str(fitr - timedelta(days=1))]
    assert (last["ramadan"], last["ramadan_day"], last["ramadan_last_ten"]) == (1, length, 1)
    assert f.loc[str(fitr - timedelta(days=10)), "ramadan_last_ten"] == 1
    assert f.loc[str(fitr - timedelta(days=11)), "ramadan_last_ten"] == 0
    assert f["ramadan"].sum() == length
    for event, first, days in (("eid_al_fitr", fitr, 3), ("eid_al_adha", adha, 4)):
        assert f[event].sum() == days and f.loc[str(first), event] == 1
        assert f.loc[str(first - timedelta(days=1)), f"days_before_{event}"] == 1
        assert f.loc[str(first - timedelta(days=7)), f"days_before_{event}"] == 7
        assert f.loc[str(first + timedelta(days=days)), f"days_after_{event}"] == 1
        assert f.loc[str(first + timedelta(days=days - 1)), f"days_after_{event}"] == 0
    assert starts(hijri_year) == {"ramadan": ramadan, "eid_al_fitr": fitr, "eid_al_adha": adha}


def test_a_moon_sighting_moves_eid_and_lengthens_ramadan() -> None:
    fitr = _g(1447, 10, 1)
    sighted = check_overrides({"eid_al_fitr:1447": (fitr + timedelta(days=1)).isoformat()})
    days = _span(fitr - timedelta(days=3), fitr + timedelta(days=5))
    plain, moved = calendar_features(days), calendar_features(days, overrides=sighted)
    assert plain.loc[str(fitr), "eid_al_fitr"] == 1 and plain.loc[str(fitr), "ramadan"] == 0
    assert moved.loc[str(fitr), "eid_al_fitr"] == 0 and moved.loc[str(fitr), "ramadan"] == 1
    assert moved.loc[str(fitr), "ramadan_day"] == plain.loc[str(fitr - timedelta(days=1)), "ramadan_day"] + 1
    assert moved.loc[str(fitr + timedelta(days=1)), "eid_al_fitr"] == 1
    for bad, field in (({"eid:1447": "2026-03-21"}, "eid:1447"), ({"eid_al_fitr:1447": "soon"}, "eid_al_fitr:1447"),
                       ({"eid_al_fitr:1447": "2026-06-01"}, "overrides")):  # fmt: skip
        with pytest.raises(Invalid) as exc:
            check_overrides(bad)
        assert exc.value.field == field


def test_public_holidays_and_the_days_people_shop() -> None:
    f = calendar_features(_span(date(2026, 1, 1), date(2026, 12, 31)), country="SA")
    assert f.loc["2026-09-23", "public_holiday"] == 1  # National Day
    assert f.loc["2026-02-22", "public_holiday"] == 1  # Founding Day
    assert f.loc["2026-09-24", "public_holiday"] == 0
    assert (
        f.loc["2026-11-27", "white_friday"] == 1 and f["white_friday"].sum() == 1
    )  # the last Friday of November
    assert f.loc["2026-11-11", "singles_day"] == 1
    assert f.loc["2026-05-25", "salary_day"] == 1 and f["salary_day"].sum() == 36
    assert f.loc["2026-12-04", "weekend"] == 1 and f.loc["2026-12-06", "weekend"] == 0  # Friday; Sunday works
    uae = calendar_features([date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 4)], country="AE")
    assert list(uae["weekend"]) == [1, 1, 0]  # Saturday and Sunday off since 2022


def test_nowruz_and_yalda_for_iran() -> None:
    f = calendar_features(_span(date(2025, 12, 15), date(2026, 3, 31)), country="IR")
    assert f.loc["2025-12-21", "yalda"] == 1 and f["yalda"].sum() == 1  # the night of Azar 30, 1404
    assert list(f.loc["2026-03-21":"2026-03-24", "nowruz"]) == [1, 1, 1, 1] and f["nowruz"].sum() == 4
    assert f.loc["2026-03-20", "weekend"] == 1  # Friday
    with pytest.raises(Invalid) as exc:
        calendar_features([date(2026, 1, 1)], country="XX")
    assert exc.value.field == "country"
