"""Distributing surveys (the parts live in contact_rules.py, inviting.py, sending.py and triggers.py):
fatigue rules, quiet hours, channel limits, sending by SMTP or a messaging gateway,
reminders, expiry, and invitations triggered by events.

Rules per workspace (`Workspace.settings["surveys"]`, defaults below):
- `fatigue_days`: nobody is asked more than once per N days, across all surveys (the invitation log is the
  contact history; skipped invitations are kept with their reason so the team sees who was spared);
- `quiet_start` / `quiet_end` (local time): nothing is sent in between; a send falling there waits for the end;
- `limits`: at most so many invitations per channel and local day; the rest move to the next day.
A customer who withdrew consent for `surveys` (or, for WhatsApp, for `whatsapp`) is not invited.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tajriba.models import Survey, SurveyInvitation
from tajriba.surveys.contact_rules import ASKED, CHANNELS, Rules, set_rules
from tajriba.surveys.inviting import SKIP_REASONS, InviteReport, Recipient, invite
from tajriba.surveys.sending import MAX_ATTEMPTS, DispatchReport, dispatch, invitation_mail, message_text
from tajriba.surveys.triggers import create_trigger, list_triggers, run_triggers

# the parts of distribution, reached through this module (contact_rules, inviting, sending, triggers)
__all__ = [
    "ASKED",
    "CHANNELS",
    "MAX_ATTEMPTS",
    "SKIP_REASONS",
    "DispatchReport",
    "InviteReport",
    "Recipient",
    "Rules",
    "create_trigger",
    "dispatch",
    "invitation_counts",
    "invitation_mail",
    "invite",
    "list_invitations",
    "list_triggers",
    "message_text",
    "run_triggers",
    "set_rules",
]


def list_invitations(session: Session, *, survey: Survey, limit: int = 200) -> list[SurveyInvitation]:
    return list(
        session.scalars(
            select(SurveyInvitation)
            .where(SurveyInvitation.survey_id == survey.id)
            .order_by(SurveyInvitation.id.desc())
            .limit(limit)
        )
    )


def invitation_counts(session: Session, *, survey: Survey) -> dict[str, int]:
    rows = session.execute(
        select(SurveyInvitation.status, func.count(SurveyInvitation.id))
        .where(SurveyInvitation.survey_id == survey.id)
        .group_by(SurveyInvitation.status)
    )
    return {str(s): int(n) for s, n in rows}
