"""The one-tap "stop these surveys" link every invitation carries (CON-3: withdrawing takes no more steps than
consenting; RFC 8058 one-click unsubscribe for mail clients).

  GET  /s/stop/<token>   a page in the invitee's language with one button (a link scanner's GET changes nothing)
  POST /s/stop/<token>   the withdrawal: the button, or the mail client's `List-Unsubscribe=One-Click` post

The withdrawal is the person's own decision in the consent ledger (purpose `surveys`, on the invitation's
channel), so every survey of the workspace stops asking them; the invitations already scheduled are skipped and
the ones sent get no reminder. An invitation sent to an address with no profile stops what is scheduled to that
address (there is no profile to keep the decision on).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from tajriba import i18n
from tajriba.customers import service as customers
from tajriba.errors import NotFound
from tajriba.i18n import _
from tajriba.models import Survey, SurveyInvitation, Workspace
from tajriba.surveys import links, respondent_parts
from tajriba.warehouse import Warehouse
from tajriba.web.deps import DB, WarehouseDep

router = APIRouter(prefix="/s/stop", include_in_schema=False)
STOPPED = "stopped"  # the reason on a sent invitation whose reminder must not go


def withdraw(
    db: Session, wh: Warehouse, *, invitation: SurveyInvitation, now: datetime | None = None
) -> bool:
    """Record the person's "no more surveys" and stop what is queued for them; True when they have a profile
    (so the decision holds for every later invitation too)."""
    now = now or datetime.now(UTC)
    ws = invitation.workspace_id
    customer = invitation.customer_id or customers.profile_with_contact(
        wh, workspace_id=ws, contact=invitation.address
    )
    if customer:
        customers.record_consent(wh, workspace_id=ws, observations=[customers.ConsentObservation(
            customer, "surveys", False, now.replace(tzinfo=None), f"stop:{invitation.id}:{uuid.uuid4().hex[:8]}",
            "invitation", explicit=False, channel=invitation.channel, language=invitation.language,
        )])  # fmt: skip
    who = [SurveyInvitation.id == invitation.id]  # whoever it was sent to: this one at least
    if customer:
        who.append(SurveyInvitation.customer_id == customer)
    if invitation.address:
        who.append(SurveyInvitation.address == invitation.address)
    mine = (SurveyInvitation.workspace_id == ws, or_(*who))
    db.execute(update(SurveyInvitation).where(*mine, SurveyInvitation.status == "scheduled")
               .values(status="skipped", reason="no_consent"))  # fmt: skip
    db.execute(update(SurveyInvitation).where(*mine, SurveyInvitation.status == "sent",
                                              SurveyInvitation.completed_at.is_(None)).values(reason=STOPPED))  # fmt: skip
    return bool(customer)


def _invitation(db: Session, request: Request, token: str) -> tuple[SurveyInvitation, str, str]:
    inv = db.get(SurveyInvitation, links.read_stop_token(request.app.state.settings.secret, token))
    survey = db.get(Survey, inv.survey_id) if inv is not None else None
    workspace = db.get(Workspace, inv.workspace_id) if inv is not None else None
    if inv is None or survey is None or workspace is None:
        raise NotFound(_("This link does not exist."))
    definition = respondent_parts.definition_cached(survey)
    locale = definition.language(inv.language)
    i18n.set_locale(locale)
    return inv, locale, workspace.name


@router.get("/{token}")
def confirm_page(request: Request, token: str, db: DB) -> Response:
    inv, locale, sender = _invitation(db, request, token)
    return respondent_parts.page(request, "respond/stop.html", locale=locale, fallback=locale, title=sender,
                                 sender=sender, token=token, done=False)  # fmt: skip


@router.post("/{token}")
def stop(request: Request, token: str, db: DB, wh: WarehouseDep) -> Response:
    respondent_parts.limit(request)
    inv, locale, sender = _invitation(db, request, token)
    withdraw(db, wh, invitation=inv)
    return respondent_parts.page(request, "respond/stop.html", locale=locale, fallback=locale, title=sender,
                                 sender=sender, token=token, done=True)  # fmt: skip
