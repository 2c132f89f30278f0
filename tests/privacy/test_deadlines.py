"""Deadlines of data-subject requests, computed by hand from the texts (PDPL IR Art 3, GDPR Art 12(3))."""

from __future__ import annotations

from datetime import datetime

import pytest

from tajriba.errors import Invalid
from tajriba.privacy.deadlines import add_months, due_at, extended_due_at


@pytest.mark.parametrize(
    ("received", "jurisdiction", "due"),
    [
        # PDPL: 30 days, whatever the month
        (datetime(2026, 1, 31, 9, 30), "pdpl", datetime(2026, 3, 2, 9, 30)),
        (datetime(2026, 12, 15, 23, 0), "pdpl", datetime(2027, 1, 14, 23, 0)),
        # GDPR: one month, the same date, or the month's last day when it is shorter
        (datetime(2026, 1, 31, 9, 30), "gdpr", datetime(2026, 2, 28, 9, 30)),
        (datetime(2028, 1, 31, 9, 30), "gdpr", datetime(2028, 2, 29, 9, 30)),  # a leap year
        (datetime(2026, 12, 15, 23, 0), "gdpr", datetime(2027, 1, 15, 23, 0)),
        (datetime(2026, 3, 31), "gdpr", datetime(2026, 4, 30)),
    ],
)
def test_the_first_due_date_by_jurisdiction(received: datetime, jurisdiction: str, due: datetime) -> None:
    assert due_at(received, jurisdiction) == due


def test_months_are_calendar_months() -> None:
    assert add_months(datetime(2026, 11, 30), 3) == datetime(2027, 2, 28)
    assert add_months(datetime(2026, 8, 31), 2) == datetime(2026, 10, 31)


def test_one_extension_with_a_reason_before_the_due_date() -> None:
    due = datetime(2026, 3, 2, 9, 30)
    reason = "several requests from the same person arrived together"
    before = datetime(2026, 3, 1, 12, 0)
    assert extended_due_at(
        jurisdiction="pdpl", due=due, extended=False, reason=reason, now=before
    ) == datetime(2026, 4, 1, 9, 30)
    gdpr_due = datetime(2026, 2, 28, 9, 30)
    assert extended_due_at(
        jurisdiction="gdpr", due=gdpr_due, extended=False, reason=reason, now=datetime(2026, 2, 1)
    ) == datetime(2026, 4, 28, 9, 30)
    with pytest.raises(Invalid, match="has passed"):
        extended_due_at(jurisdiction="pdpl", due=due, extended=False, reason=reason, now=due)
    with pytest.raises(Invalid, match="reason"):
        extended_due_at(jurisdiction="pdpl", due=due, extended=False, reason="  busy ", now=before)
    with pytest.raises(Invalid, match="one extension"):
        extended_due_at(jurisdiction="pdpl", due=due, extended=True, reason=reason, now=before)
    with pytest.raises(Invalid, match="jurisdiction"):
        due_at(before, "mars")
