"""Drafts of a breach's notices, in Arabic, English or Persian: to the authority (SDAIA under PDPL IR Art 24,
the supervisory authority under GDPR Art 33) with every fact the regulation asks for, and to the people
affected (GDPR Art 34, IR Art 24 (3)) in clear language with what they can do. A person reviews and sends them;
a fact still blank is written as "[to be completed: ...]" so the gap cannot go unnoticed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tajriba.i18n import N_, _, speaking
from tajriba.models.privacy import Breach
from tajriba.privacy.breaches import REQUIRED

AUTHORITIES = {
    "sdaia": N_("Saudi Data & AI Authority (SDAIA)"),
    "gdpr": N_("the competent data protection supervisory authority"),
}


def _when(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else None


def _line(label: str, value: str) -> str:
    return f"{label}: {value}"


def _count(n: int | None) -> str:
    return _("not yet known") if n is None else str(n)


def _told(breach: Breach) -> str:
    if breach.subjects_informed_at is None:
        return _("not yet")
    return _("yes, on {date}").format(date=_when(breach.subjects_informed_at))


def _fact(breach: Breach, key: str) -> str:
    value: Any = getattr(breach, key)
    if key in ("aware_at", "occurred_at"):
        value = _when(value)
    elif key == "categories":
        value = "، ".join(value) if value else None
    if value in (None, ""):
        return _("[to be completed: {what}]").format(what=_(REQUIRED.get(key, key)))
    return str(value)


def authority_notice(
    breach: Breach, *, organisation: str, language: str, authority: str = "sdaia"
) -> dict[str, str]:
    """The notification to the authority: every fact of IR Art 24 / GDPR Art 33(3), one per line."""
    with speaking(language):
        lines = [
            _("To: {authority}").format(authority=_(AUTHORITIES.get(authority, AUTHORITIES["sdaia"]))),
            _("From: {organisation}").format(organisation=organisation),
            "",
            _("We notify you of a personal data breach, within 72 hours of becoming aware of it."),
            "",
            _line(_("What happened"), _fact(breach, "description")),
            _line(
                _("When it happened"),
                _fact(breach, "occurred_at") if breach.occurred_at else _("not yet known"),
            ),
            _line(_("When we became aware"), _fact(breach, "aware_at")),
            _line(_("Categories of personal data"), _fact(breach, "categories")),
            _line(_("Number of people affected"), _fact(breach, "subjects_count")),
            _line(_("Number of records affected"), _count(breach.records_count)),
            _line(_("Likely consequences"), _fact(breach, "consequences")),
            _line(_("Measures taken or proposed"), _fact(breach, "measures")),
            _line(_("The people affected were told"), _told(breach)),
            _line(_("Contact for more information"), _fact(breach, "contact")),
        ]
        subject = _("Personal data breach notification: {title}").format(title=breach.title)
    return {"language": language, "subject": subject, "body": "\n".join(lines) + "\n"}


def subject_notice(breach: Breach, *, organisation: str, language: str) -> dict[str, str]:
    """The notice to the people affected: what happened to their data, what it may mean, what was done, what
    they can do, and whom to ask."""
    with speaking(language):
        lines = [
            _("Dear customer,"),
            "",
            _(
                "We are writing to tell you about an incident that affected some of your personal data held by "
                "{organisation}."
            ).format(organisation=organisation),
            "",
            _line(_("What happened"), _fact(breach, "description")),
            _line(_("Which of your data"), _fact(breach, "categories")),
            _line(_("What this may mean for you"), _fact(breach, "consequences")),
            _line(_("What we have done"), _fact(breach, "measures")),
            _(
                "What you can do: be careful with messages or calls asking for your passwords, codes or bank "
                "details, and change your password if you use it elsewhere."
            ),
            _line(_("Contact for more information"), _fact(breach, "contact")),
            "",
            _("We are sorry for this incident."),
            organisation,
        ]
        subject = _("Important: an incident affecting your personal data")
    return {"language": language, "subject": subject, "body": "\n".join(lines) + "\n"}
