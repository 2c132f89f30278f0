"""Pages: the survey list, a survey's page (preview, distribution, triggers), QR codes and SurveyJS export.
The builder's edits are in editor_pages.py, results and responses in results_pages.py.

Pages call the same service functions as the JSON API; forms post back and redirect (or show the error).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import UploadFile as StarletteUpload

from tajriba.errors import Invalid, TajribaError
from tajriba.i18n import N_, _
from tajriba.journeys.service import touchpoint_names
from tajriba.metrics import service as metrics
from tajriba.models import SurveyInvitation, Touchpoint
from tajriba.surveys import (
    delivery,
    expressions,
    forms,
    links,
    respondent,
    results,
    service,
    surveyjs,
    templates,
)
from tajriba.surveys.definition import (
    LOCALES,
    QUESTION_TYPES,
    Definition,
    definition_of,
    invitation_text,
    pick,
)
from tajriba.web.deps import DB, Context, FormDep, WarehouseDep, is_loopback, public_base, verify_csrf
from tajriba.web.render import attachment, error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)


def _touchpoints(db: DB, ctx: Context) -> list[Touchpoint]:
    return list(
        db.scalars(
            select(Touchpoint).where(Touchpoint.workspace_id == ctx.workspace.id).order_by(Touchpoint.name)
        )
    )


@router.get("/surveys")
def surveys_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: forms.Read, error: str | None = None
) -> Response:
    surveys = service.list_surveys(db, workspace_id=ctx.workspace.id)
    counts = {s.id: delivery.invitation_counts(db, survey=s) for s in surveys}
    return forms.render(
        request,
        "surveys/list.html",
        surveys=surveys,
        counts=counts,
        answered=results.response_counts(wh, ctx.workspace.id),
        names=touchpoint_names(db, workspace_id=ctx.workspace.id, locale=request.state.locale),
        rows=metrics.responses_by_touchpoint(db, wh, workspace=ctx.workspace),
        templates=templates.TEMPLATES,
        touchpoints=_touchpoints(db, ctx),
        error=error,
    )


@router.post("/surveys")
def create_survey(request: Request, db: DB, ctx: forms.Write, form: FormDep) -> Response:
    try:
        upload = form.get("surveyjs")
        if isinstance(upload, StarletteUpload):
            raw = upload.file.read()
            if not raw:
                raise Invalid(_("Choose a SurveyJS JSON file."), field="surveyjs")
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise Invalid(
                    _("The file is not valid JSON: {error}").format(error=exc), field="surveyjs"
                ) from None
            name, definition = surveyjs.parse(data)
            survey = service.create_survey(
                db,
                workspace_id=ctx.workspace.id,
                name=name or pick(definition.title, request.state.locale, definition.default_language),
                definition=definition,
                actor=ctx,
            )
        else:
            survey = service.from_template(
                db,
                workspace_id=ctx.workspace.id,
                template=str(form.get("template") or ""),
                locale=request.state.locale,
                touchpoint_id=forms.opt_int(form.get("touchpoint_id")),
                actor=ctx,
            )
    except (TajribaError, ValidationError, ValueError) as exc:
        return forms.back(ctx, "/surveys", error=error_text(exc))
    return forms.back(ctx, f"/surveys/{survey.id}")


def _question_rows(definition: Definition, locale: str) -> list[dict[str, Any]]:
    return [
        {
            "q": q,
            "number": i + 1,
            "title": pick(q.title, locale, definition.default_language),
            "condition": expressions.expression(q.visible_if) if q.visible_if else "",
            "shown_when": describe(q.visible_if, definition, locale) if q.visible_if else "",
            "missing": [loc for loc in definition.languages if loc not in q.title],
        }
        for i, q in enumerate(definition.questions)
    ]


OP_WORDS = {
    "=": N_("is"),
    "!=": N_("is not"),
    "<": N_("is less than"),
    "<=": N_("is at most"),
    ">": N_("is more than"),
    ">=": N_("is at least"),
    "in": N_("is one of"),
    "not_in": N_("is none of"),
    "answered": N_("is answered"),
    "not_answered": N_("is not answered"),
}


def describe(condition: Any, definition: Definition, locale: str) -> str:
    """A question's condition in words: "Q1 is between 0 and 6", choices by their labels."""
    fb = definition.default_language
    numbers = {q.key: i + 1 for i, q in enumerate(definition.questions)}
    questions = {q.key: q for q in definition.questions}

    def name(key: str) -> str:
        return _("Q{n}").format(n=numbers[key]) if key in numbers else key

    def value(key: str, v: Any) -> str:
        q = questions.get(key)
        labels = {c.value: pick(c.label, locale, fb) for c in q.choices} if q is not None else {}
        if isinstance(v, list):
            return ("، " if locale != "en" else ", ").join(labels.get(str(x), str(x)) for x in v)
        return labels.get(str(v), str(v))

    c = condition
    parts = c.all or c.any
    if parts is not None:
        if (
            c.all is not None
            and len(parts) == 2
            and parts[0].question is not None
            and parts[0].question == parts[1].question
            and {parts[0].op, parts[1].op} == {">=", "<="}
        ):
            low = next(p.value for p in parts if p.op == ">=")
            high = next(p.value for p in parts if p.op == "<=")
            return _("{q} is from {low} to {high}").format(q=name(parts[0].question), low=low, high=high)
        joined = _(" and ") if c.all is not None else _(" or ")
        return joined.join(describe(p, definition, locale) for p in parts)
    assert c.question is not None
    words = _(OP_WORDS[c.op])
    if c.op in ("answered", "not_answered"):
        return f"{name(c.question)} {words}"
    return f"{name(c.question)} {words} {value(c.question, c.value)}"


@router.get("/surveys/{survey_id}")
def survey_page(
    request: Request,
    db: DB,
    ctx: forms.Read,
    survey_id: int,
    error: str | None = None,
    saved: str | None = None,
) -> Response:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    definition = definition_of(survey)
    url = links.public_url(public_base(request), survey)
    locale = request.state.locale
    invitations = delivery.list_invitations(db, survey=survey, limit=50)
    return forms.render(
        request,
        "surveys/detail.html",
        survey=survey,
        d=definition,
        questions=_question_rows(definition, locale),
        condition_ops=[("between", _("is from … to …"))]
        + [(op, _(OP_WORDS[op])) for op in forms.CONDITION_OPS if op not in ("between", "in")],
        types=QUESTION_TYPES,
        type_labels=forms.TYPE_LABELS,
        locales=LOCALES,
        url=url,
        dead_link=is_loopback(url),
        embed=service.embed_snippet(url, title=pick(definition.title, locale, definition.default_language)),
        share=service.share_links(invitation_text(definition, definition.default_language), url),
        definition_json=orjson.dumps(survey.definition, option=orjson.OPT_INDENT_2).decode(),
        counts=delivery.invitation_counts(db, survey=survey),
        invitations=invitations,
        personal=_personal_links(request, invitations),
        triggers=delivery.list_triggers(db, survey=survey),
        touchpoints=_touchpoints(db, ctx),
        rules=delivery.Rules.of(ctx.workspace),
        error=error,
        saved=saved,
    )


def _personal_links(request: Request, invitations: list[SurveyInvitation]) -> dict[int, str]:
    settings = request.app.state.settings
    return {
        i.id: links.personal_url(public_base(request), settings.secret, i)
        for i in invitations
        if i.status in ("sent", "scheduled")
    }


@router.get("/surveys/{survey_id}/preview")
def preview(
    request: Request, db: DB, ctx: forms.Read, survey_id: int, lang: str = "ar", at: str | None = None
) -> Response:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    return respondent.preview(request, survey, lang, at)


@router.get("/surveys/{survey_id}/qr.{fmt}")
def qr(request: Request, db: DB, ctx: forms.Read, survey_id: int, fmt: str) -> Response:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    body, media = service.qr_code(links.public_url(public_base(request), survey, channel="qr"), fmt)
    return attachment(body, media, f"survey-{survey.key}.{fmt}")


@router.get("/surveys/{survey_id}/surveyjs.json")
def export(db: DB, ctx: forms.Read, survey_id: int) -> Response:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    body = orjson.dumps(surveyjs.export(definition_of(survey), name=survey.name), option=orjson.OPT_INDENT_2)
    return attachment(body, "application/json", f"{survey.key}.surveyjs.json")
