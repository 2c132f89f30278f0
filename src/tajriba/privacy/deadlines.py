"""When a data-subject request must be answered, by jurisdiction, and when it may be extended.

- Saudi PDPL (Implementing Regulation Art 3): within 30 days of receipt; one extension of up to 30 more days
  when the request needs disproportionate effort or several requests arrive, if the person is told the reason
  before the first due date.
- GDPR (Art 12(3)): within one month of receipt; up to two further months for complex or many requests, the
  person told within the first month. A period of months ends on the same date of the later month, or on its
  last day when that month is shorter (Regulation 1182/71 Art 3(2)(c)): received 31 January, due 28 (or 29)
  February.

The sources and what a lawyer must still check: ../shared/PRIVACY_REQUIREMENTS.md (section 1).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tajriba.errors import Invalid
from tajriba.i18n import _

MIN_REASON = 10  # characters: a reason the person can read, not "n/a"


@dataclass(frozen=True)
class Rule:
    days: int = 0
    months: int = 0
    extension_days: int = 0
    extension_months: int = 0


JURISDICTIONS: dict[str, Rule] = {
    "pdpl": Rule(days=30, extension_days=30),
    "gdpr": Rule(months=1, extension_months=2),
}


def rule_of(jurisdiction: str) -> Rule:
    try:
        return JURISDICTIONS[jurisdiction]
    except KeyError:
        raise Invalid(
            _("unknown jurisdiction {value}; expected one of {expected}").format(
                value=repr(jurisdiction), expected=", ".join(JURISDICTIONS)
            ),
            field="jurisdiction",
        ) from None


def utc(moment: datetime) -> datetime:
    """The moment in UTC (a naive one is taken as UTC, as the stores keep them)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def add_months(moment: datetime, months: int) -> datetime:
    """The same date and time `months` later, or the last day of that month when it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _after(moment: datetime, days: int, months: int) -> datetime:
    return add_months(moment, months) + timedelta(days=days)


def due_at(received_at: datetime, jurisdiction: str) -> datetime:
    """The first due date of a request received at `received_at`."""
    rule = rule_of(jurisdiction)
    return _after(received_at, rule.days, rule.months)


def extended_due_at(
    *, jurisdiction: str, due: datetime, extended: bool, reason: str | None, now: datetime
) -> datetime:
    """The due date after the one extension the law allows, or `Invalid` naming why it is refused."""
    rule = rule_of(jurisdiction)
    if extended:
        raise Invalid(_("this request was extended already; the law allows one extension"), field="extension")
    if reason is None or len(reason.strip()) < MIN_REASON:
        raise Invalid(
            _("an extension needs the reason the person will be told (at least {count} characters)").format(
                count=MIN_REASON
            ),
            field="reason",
        )
    if now >= due:
        raise Invalid(
            _("the due date {due} UTC has passed: an extension must be told before it").format(
                due=f"{due:%Y-%m-%d %H:%M}"
            ),
            field="extension",
        )
    return _after(due, rule.extension_days, rule.extension_months)
