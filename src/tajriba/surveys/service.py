"""Surveys: create and edit, publish, links (public, personal, QR, embed, share), and storing responses.

Pages and the JSON API call these functions; they take the session first and never commit. Sending
invitations (SMTP, messaging gateway), fatigue rules and event triggers are in `tajriba.surveys.delivery`.
"""

from __future__ import annotations

import io
import re
import secrets
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.db import scoped
from tajriba.errors import Conflict, Invalid, NotFound
from tajriba.i18n import _
from tajriba.models import Stage, Survey, Touchpoint
from tajriba.models.base import utcnow
from tajriba.surveys import templates
from tajriba.surveys.definition import Definition, definition_of
from tajriba.surveys.delivery import Recipient as Recipient  # public: cases invite customers to follow-ups
from tajriba.surveys.delivery import invite as invite
from tajriba.surveys.responses import Stored as Stored
from tajriba.surveys.responses import store_response as store_response

STATUSES = ("draft", "active", "closed")
UNSET: Any = object()  # "not sent", distinct from None ("clear it")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def parse_definition(data: Any) -> Definition:
    """A definition from JSON, or an error naming the field (`questions[2].choices: ...`)."""
    try:
        return Definition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in first.get("loc", ()))
        where = where.replace(".[", "[")
        raise Invalid(
            f"{where or 'definition'}: {first.get('msg', '').removeprefix('Value error, ')}",
            field="definition",
        ) from None


# -- surveys --------------------------------------------------------------------------------------------


def list_surveys(session: Session, *, workspace_id: int) -> list[Survey]:
    return list(
        session.scalars(select(Survey).where(Survey.workspace_id == workspace_id).order_by(Survey.id.desc()))
    )


def get_survey(session: Session, *, workspace_id: int, survey_id: int) -> Survey:
    survey = scoped.get(session, Survey, survey_id, workspace_id=workspace_id, missing=_("No such survey."))
    return survey


def _check_scope(
    session: Session, workspace_id: int, touchpoint_id: int | None, stage_id: int | None
) -> tuple[int | None, int | None]:
    if touchpoint_id is not None:
        tp = session.get(Touchpoint, touchpoint_id)
        if tp is None or tp.workspace_id != workspace_id:
            raise Invalid(_("No such touchpoint in this workspace."), field="touchpoint_id")
        if stage_id is None:
            stage_id = tp.stage_id
        elif stage_id != tp.stage_id:
            raise Invalid(_("The touchpoint belongs to another stage."), field="stage_id")
    if stage_id is not None:
        st = session.get(Stage, stage_id)
        if st is None or st.workspace_id != workspace_id:
            raise Invalid(_("No such stage in this workspace."), field="stage_id")
    return touchpoint_id, stage_id


def _free_key(session: Session, workspace_id: int, base: str) -> str:
    base = re.sub(r"[^a-z0-9_-]+", "-", base.lower()).strip("-")[:56] or "survey"
    taken = set(session.scalars(select(Survey.key).where(Survey.workspace_id == workspace_id)))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def create_survey(
    session: Session,
    *,
    workspace_id: int,
    name: str,
    definition: Definition,
    actor: Auditor,
    key: str | None = None,
    touchpoint_id: int | None = None,
    stage_id: int | None = None,
    template: str | None = None,
    reminder_days: int | None = None,
    link_days: int = 14,
) -> Survey:
    name = name.strip()
    if not name:
        raise Invalid(_("Give the survey a name."), field="name")
    if key is not None:
        if not KEY.match(key):
            raise Invalid(_("A key is lower-case letters, digits, - or _."), field="key")
        if session.scalar(select(Survey.id).where(Survey.workspace_id == workspace_id, Survey.key == key)):
            raise Conflict(_("Another survey already uses this key."), field="key")
    _check_link_days(link_days, reminder_days)
    touchpoint_id, stage_id = _check_scope(session, workspace_id, touchpoint_id, stage_id)
    survey = Survey(
        workspace_id=workspace_id,
        key=key or _free_key(session, workspace_id, template or name),
        name=name[:200],
        definition=definition.model_dump(mode="json"),
        touchpoint_id=touchpoint_id,
        stage_id=stage_id,
        template=template,
        public_token=secrets.token_urlsafe(12),
        reminder_days=reminder_days,
        link_days=link_days,
    )
    session.add(survey)
    session.flush()
    actor.audit(
        session, "survey.create", target_type="survey", target_id=str(survey.id), details={"name": name}
    )
    return survey


def _check_link_days(link_days: int, reminder_days: int | None) -> None:
    if not 1 <= link_days <= 365:
        raise Invalid(_("Personal links stay valid 1 to 365 days."), field="link_days")
    if reminder_days is not None and not 1 <= reminder_days < link_days:
        raise Invalid(
            _("A reminder goes 1 day or more after the invitation, before the link expires."),
            field="reminder_days",
        )


def from_template(
    session: Session, *, workspace_id: int, template: str, locale: str, actor: Auditor, **kwargs: Any
) -> Survey:
    try:
        names, _metric, definition = templates.build(template)
    except KeyError:
        raise Invalid(_("No such template."), field="template") from None
    return create_survey(
        session,
        workspace_id=workspace_id,
        name=names.get(locale) or names["en"],
        definition=definition,
        template=template,
        actor=actor,
        **kwargs,
    )


def update_survey(
    session: Session,
    *,
    survey: Survey,
    actor: Auditor,
    name: str | None = None,
    definition: Definition | None = None,
    touchpoint_id: Any = UNSET,
    stage_id: Any = UNSET,
    reminder_days: Any = UNSET,
    link_days: int | None = None,
    public_link: bool | None = None,
) -> Survey:
    """Change a survey. Once it has answers, questions may be added, reworded or hidden, but a question's
    key and type stay (so stored answers keep their meaning)."""
    if name is not None:
        if not name.strip():
            raise Invalid(_("Give the survey a name."), field="name")
        survey.name = name.strip()[:200]
    if definition is not None:
        if survey.status != "draft":
            old = {q.key: q.type for q in definition_of(survey).questions}
            for q in definition.questions:
                if q.key in old and old[q.key] != q.type:
                    raise Invalid(
                        _(
                            "The survey is live: question {key} cannot change its type; add a new question instead."
                        ).format(key=q.key),
                        field="definition",
                    )
            missing = sorted(set(old) - {q.key for q in definition.questions})
            if missing:
                raise Invalid(
                    _(
                        "The survey is live: question {key} cannot be removed; hide it with a condition instead."
                    ).format(key=missing[0]),
                    field="definition",
                )
        survey.definition = definition.model_dump(mode="json")
    tp = survey.touchpoint_id if touchpoint_id is UNSET else touchpoint_id
    st = survey.stage_id if stage_id is UNSET else stage_id
    if touchpoint_id is not UNSET and stage_id is UNSET:
        st = None  # a new touchpoint brings its own stage
    survey.touchpoint_id, survey.stage_id = _check_scope(session, survey.workspace_id, tp, st)
    if reminder_days is not UNSET:
        survey.reminder_days = reminder_days
    if link_days is not None:
        survey.link_days = link_days
    _check_link_days(survey.link_days, survey.reminder_days)
    if public_link is not None:
        survey.public_link = public_link
    survey.updated_at = utcnow()
    session.flush()
    actor.audit(session, "survey.update", target_type="survey", target_id=str(survey.id))
    return survey


def set_status(session: Session, *, survey: Survey, status: str, actor: Auditor) -> Survey:
    if status not in STATUSES:
        raise Invalid(_("Status is draft, active or closed."), field="status")
    survey.status = status
    survey.updated_at = utcnow()
    session.flush()
    actor.audit(session, f"survey.{status}", target_type="survey", target_id=str(survey.id))
    return survey


def delete_survey(session: Session, *, survey: Survey, actor: Auditor) -> None:
    """Delete a survey's definition and workflow; its stored responses stay in the warehouse."""
    actor.audit(
        session,
        "survey.delete",
        target_type="survey",
        target_id=str(survey.id),
        details={"name": survey.name},
    )
    session.delete(survey)
    session.flush()


def survey_for_link(session: Session, token: str) -> Survey:
    survey = session.scalar(select(Survey).where(Survey.public_token == token))
    if survey is None:
        raise NotFound(_("This survey link does not exist."))
    return survey


def qr_code(url: str, kind: str = "svg", *, scale: int = 8) -> tuple[bytes, str]:
    """The link as a QR code (error correction M, quiet zone 4): PNG or SVG bytes and the media type."""
    import segno

    code = segno.make(url, error="m", micro=False)
    buf = io.BytesIO()
    if kind == "png":
        code.save(buf, kind="png", scale=scale, border=4)
        return buf.getvalue(), "image/png"
    if kind == "svg":
        code.save(buf, kind="svg", scale=scale, border=4, xmldecl=True, svgns=True, title="Survey link")
        return buf.getvalue(), "image/svg+xml"
    raise Invalid(_("A QR code is png or svg."), field="format")


def embed_snippet(url: str, *, title: str, height: int = 640) -> str:
    """HTML for a website: an iframe of the respondent page, with a plain link for when frames are off."""
    from markupsafe import escape

    u, t = escape(url), escape(title)
    return (
        f'<iframe src="{u}" title="{t}" style="width:100%;max-width:640px;height:{int(height)}px;border:0" '
        f'loading="lazy"></iframe>\n<noscript><a href="{u}">{t}</a></noscript>'
    )


def share_links(text: str, url: str, phone: str | None = None) -> dict[str, str]:
    """WhatsApp and SMS links that open the messaging app with the text and the (personal) link filled in."""
    message = f"{text}\n{url}"
    digits = re.sub(r"\D", "", phone or "")
    return {
        "text": message,
        "whatsapp": f"https://wa.me/{digits}?text={quote(message)}",
        "sms": f"sms:{('+' + digits) if digits else ''}?body={quote(message)}",
    }
