"""What the closed-loop pages share: the permissions they ask for, the labels of views, SLA states, signals
and routing, rendering with the case vocabulary, the viewer, people and choices of a form, reading fields."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from tajriba.cases import config, inbox, notify, root_causes, service
from tajriba.errors import Invalid
from tajriba.i18n import N_, _
from tajriba.models import Membership, Persona, Touchpoint, User
from tajriba.text import service as text
from tajriba.web.deps import DB, Context, Require

Read = Annotated[Context, Depends(Require("cases:read"))]


Work = Annotated[Context, Depends(Require("cases:work"))]


Configure = Annotated[Context, Depends(Require("cases:configure"))]


Hooks = Annotated[Context, Depends(Require("webhooks:manage"))]


VIEW_LABELS = {
    "mine": N_("Mine"),
    "team": N_("My teams"),
    "unassigned": N_("Unassigned"),
    "at_risk": N_("At risk"),
    "breached": N_("Breached"),
    "resolved": N_("Resolved"),
    "all": N_("All"),
}


SLA_LABELS = {
    "none": N_("No SLA"),
    "ok": N_("On time"),
    "at_risk": N_("At risk"),
    "breached": N_("Breached"),
    "met": N_("Met"),
}


SIGNAL_LABELS = {
    "score": N_("A low score (NPS, CSAT, CES)"),
    "text": N_("Negative words in feedback"),
    "ticket": N_("A complaint ticket"),
    "churn": N_("A valuable customer likely to leave"),
}


ROUTING_LABELS = {
    "round_robin": N_("Round robin"),
    "least_loaded": N_("Least loaded"),
    "manual": N_("By hand"),
}


def render(request: Request, template: str, **context_: Any) -> Response:
    context_.setdefault("active", "cases")
    return request.app.state.renderer.page(
        request,
        template,
        status_labels=service.STATUS_LABELS,
        priority_labels=service.PRIORITY_LABELS,
        source_labels=service.SOURCE_LABELS,
        view_labels=VIEW_LABELS,
        sla_labels=SLA_LABELS,
        signal_labels=SIGNAL_LABELS,
        routing_labels=ROUTING_LABELS,
        kind_labels=notify.KIND_LABELS,
        **context_,
    )


def back(ctx: Context, path: str, **query: str) -> RedirectResponse:
    suffix = ("?" + urlencode(query)) if query else ""
    return RedirectResponse(f"/w/{ctx.workspace.slug}{path}{suffix}", status_code=303)


def viewer(db: DB, ctx: Context) -> inbox.Viewer:
    return inbox.viewer_of(
        db, workspace_id=ctx.workspace.id, user_id=ctx.user.id if ctx.user else None, role=ctx.role
    )


def people(db: DB, ctx: Context) -> dict[int, str]:
    rows = db.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == ctx.workspace.id, Membership.role != "viewer")
        .order_by(User.name)
    ).all()
    return {int(i): str(n) for i, n in rows}


def choices(db: DB, ctx: Context, locale: str) -> dict[str, Any]:
    """Names for the forms and tables, in the page's language where the workspace gave one."""
    ws = ctx.workspace.id
    tps = db.execute(
        select(Touchpoint.id, Touchpoint.name, Touchpoint.names).where(Touchpoint.workspace_id == ws)
    )
    personas = db.execute(select(Persona.key, Persona.name, Persona.names).where(Persona.workspace_id == ws))
    return {
        "people": people(db, ctx),
        "teams": {t.id: t.name for t in config.list_teams(db, workspace_id=ws)},
        "touchpoints": {i: (names or {}).get(locale) or name for i, name, names in tps},
        "personas": {key: (names or {}).get(locale) or name for key, name, names in personas},
        "causes": root_causes.root_causes(db, workspace_id=ws),
        "topic_names": text.topic_names(ctx.workspace.settings, locale),
        "intent_names": text.INTENT_NAMES,
        "cause_label": root_causes.label,
    }


def number(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise Invalid(_("Expected a number."), field="id")
    return int(text)


def listed(form: Any, name: str) -> list[str]:
    return [str(v) for v in form.getlist(name) if str(v).strip()]
