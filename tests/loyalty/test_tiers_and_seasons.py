"""Tier qualification, upgrade at once, grace and downgrade at review, by hand-computed cases; campaign seasons from
the Umm al-Qura calendar (hijridate) and the Jalali one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hijridate import Hijri

from tajriba.errors import Invalid
from tajriba.loyalty import service, tiers
from tajriba.models import LoyaltyTierChange
from tests.loyalty.conftest import T0


def _earn(db, ws, programme, order, amount, at):  # type: ignore[no-untyped-def]
    return service.earn_order(
        db,
        workspace=ws,
        programme=programme,
        customer_id="c",
        order_id=order,
        amount=amount,
        ordered_at=at,
        now=at,
    )


def test_a_member_moves_up_at_once_and_down_only_after_review_and_grace(db, ws, programme) -> None:  # type: ignore[no-untyped-def]
    # defaults: silver from 2,000 points or SAR 2,000 in 365 days (x1.25), gold from 6,000 (x1.5); grace 30 days
    _earn(db, ws, programme, "o1", 1500, T0)
    member = service.get_member(db, workspace_id=ws.id, customer_id="c")
    assert member.tier == "blue" and member.review_at == T0 + timedelta(days=365)
    day10 = T0 + timedelta(days=10)
    _earn(db, ws, programme, "o2", 600, day10)  # 2,100 points, SAR 2,100: silver now
    assert member.tier == "silver" and member.tier_since == day10
    assert member.review_at == day10 + timedelta(days=365)
    # as silver the next order earns 1.25 points per riyal: 400 * 1.25 = 500
    assert _earn(db, ws, programme, "o3", 400, T0 + timedelta(days=20)).points == 500
    # at the review (day 375) only o3 is in the window (days 10..375 exclusive of day 10): 500 points, SAR 400
    review = day10 + timedelta(days=365)
    counts = tiers.review(db, programme=programme, now=review)
    assert counts == {"kept": 0, "grace": 1, "downgraded": 0}
    assert member.tier == "silver" and member.grace_until == review + timedelta(days=30)
    # earning during grace without requalifying changes nothing; requalifying would end it
    counts = tiers.review(db, programme=programme, now=review + timedelta(days=29))
    assert counts == {"kept": 0, "grace": 0, "downgraded": 0}
    counts = tiers.review(db, programme=programme, now=review + timedelta(days=30))
    assert counts == {"kept": 0, "grace": 0, "downgraded": 1}
    assert member.tier == "blue" and member.grace_until is None
    reasons = [
        c.reason
        for c in db.query(LoyaltyTierChange).filter_by(customer_id="c").order_by(LoyaltyTierChange.id)
    ]
    assert reasons == ["joined", "upgrade", "downgrade"]


def test_requalifying_during_grace_keeps_the_tier(db, ws, programme) -> None:  # type: ignore[no-untyped-def]
    _earn(db, ws, programme, "o1", 2500, T0)
    member = service.get_member(db, workspace_id=ws.id, customer_id="c")
    assert member.tier == "silver"
    review = T0 + timedelta(days=365)
    tiers.review(db, programme=programme, now=review)
    assert member.grace_until is not None
    # 1,700 * 1.25 = 2,125 qualifying points within the window: qualified again, grace over
    _earn(db, ws, programme, "o2", 1700, review + timedelta(days=5))
    assert member.tier == "silver" and member.grace_until is None
    assert member.review_at == review + timedelta(days=5 + 365)


def test_qualification_by_spend_or_points_picks_the_highest_tier() -> None:
    from decimal import Decimal

    from tajriba.models import LoyaltyTier

    ladder = [
        LoyaltyTier(key="blue", rank=0, min_points=None, min_spend=None),
        LoyaltyTier(key="silver", rank=1, min_points=2000, min_spend=Decimal(1500)),
        LoyaltyTier(key="gold", rank=2, min_points=6000, min_spend=None),
    ]
    pick = lambda p, s: tiers.qualified_tier(ladder, tiers.Standing(p, Decimal(s))).key  # noqa: E731
    assert pick(1999, 1499) == "blue"
    assert pick(0, 1500) == "silver"
    assert pick(2000, 0) == "silver"
    assert pick(5999, 10**6) == "silver"  # gold has no spend threshold
    assert pick(6000, 0) == "gold"
    assert tiers.qualified_tier(ladder, None).key == "blue"


@pytest.mark.parametrize("hijri_year", [1446, 1447, 1448])
def test_ramadan_and_eid_dates_come_from_the_umm_al_qura_calendar(hijri_year: int) -> None:
    first, last = service.season_days("ramadan", hijri_year)
    assert first == Hijri(hijri_year, 9, 1).to_gregorian()
    assert last == Hijri(hijri_year, 10, 1).to_gregorian() - timedelta(days=1)
    assert 29 <= (last - first).days + 1 <= 30
    assert service.season_days("eid_al_fitr", hijri_year) == (
        last + timedelta(days=1),
        last + timedelta(days=3),
    )
    adha = Hijri(hijri_year, 12, 10).to_gregorian()
    assert service.season_days("eid_al_adha", hijri_year) == (adha, adha + timedelta(days=3))
    # the same season asked by its Gregorian year
    assert service.season_days("ramadan", first.year) == (first, last)


def test_known_season_dates() -> None:
    assert service.season_days("ramadan", 2026) == (date(2026, 2, 18), date(2026, 3, 19))
    assert service.season_days("white_friday", 2026) == (date(2026, 11, 27), date(2026, 11, 30))
    assert service.season_days("white_friday", 2025) == (date(2025, 11, 28), date(2025, 12, 1))
    assert service.season_days("nowruz", 2026) == (date(2026, 3, 21), date(2026, 4, 2))
    with pytest.raises(Invalid):
        service.season_days("diwali", 2026)
