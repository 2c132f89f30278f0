"""JSON API for surveys: definitions, templates, SurveyJS exchange, links and QR codes, invitations, triggers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response

from tajriba.errors import Invalid
from tajriba.models import Survey, SurveyInvitation, SurveyTrigger
from tajriba.surveys import delivery, links, results, service, surveyjs, templates
from tajriba.surveys.definition import definition_of, invitation_text, pick
from tajriba.surveys.schemas import (
    InvitationsRead,
    InviteCreate,
    InviteRead,
    LinksRead,
    ResponsesRead,
    ResultsRead,
    RulesRead,
    SurveyCreate,
    SurveyJsRead,
    SurveyRead,
    SurveysRead,
    SurveyUpdate,
    TemplatesRead,
    TriggerCreate,
    TriggerRead,
    TriggersRead,
)
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep, public_base
from tajriba.web.export import files

router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"])

Read = Annotated[Context, Depends(RequireKey("surveys:read"))]
Write = Annotated[Context, Depends(RequireKey("surveys:write"))]


def survey_out(request: Request, survey: Survey) -> SurveyRead:
    return SurveyRead.model_validate(
        {
            "id": survey.id,
            "key": survey.key,
            "name": survey.name,
            "status": survey.status,
            "template": survey.template,
            "touchpoint_id": survey.touchpoint_id,
            "stage_id": survey.stage_id,
            "reminder_days": survey.reminder_days,
            "link_days": survey.link_days,
            "public_link": survey.public_link,
            "public_url": links.public_url(public_base(request), survey) if survey.public_link else None,
            "definition": survey.definition,
            "created_at": survey.created_at,
            "updated_at": survey.updated_at,
        }
    )


@router.get("")
def list_surveys(request: Request, db: DB, ctx: Read) -> SurveysRead:
    return SurveysRead(
        surveys=[survey_out(request, s) for s in service.list_surveys(db, workspace_id=ctx.workspace.id)]
    )


@router.get("/templates")
def list_templates(ctx: Read) -> TemplatesRead:
    """The ready-made surveys, with their names in each language and full definitions."""
    return TemplatesRead.model_validate(
        {
            "templates": [
                {"key": k, "name": t["name"], "metric": t["metric"], "definition": t["definition"]}
                for k, t in templates.TEMPLATES.items()
            ]
        }
    )


@router.post("", status_code=201)
def create_survey(request: Request, db: DB, ctx: Write, body: SurveyCreate) -> SurveyRead:
    """From a template (`template`) or a definition (`definition`); the name defaults to the template's."""
    scope: dict[str, Any] = {
        "key": body.key,
        "touchpoint_id": body.touchpoint_id,
        "stage_id": body.stage_id,
        "reminder_days": body.reminder_days,
        "link_days": body.link_days,
    }
    if body.template and body.definition is None:
        survey = service.from_template(
            db,
            workspace_id=ctx.workspace.id,
            template=body.template,
            locale=ctx.workspace.default_locale,
            actor=ctx,
            **scope,
        )
        if body.name:
            survey.name = body.name
    elif body.definition is not None:
        definition = service.parse_definition(body.definition)
        survey = service.create_survey(
            db,
            workspace_id=ctx.workspace.id,
            name=body.name
            or pick(definition.title, definition.default_language, definition.default_language),
            definition=definition,
            template=body.template,
            actor=ctx,
            **scope,
        )
    else:
        raise Invalid("Send a 'definition' or a 'template'.", field="definition")
    return survey_out(request, survey)


@router.post("/import", status_code=201)
def import_surveyjs(
    request: Request, db: DB, ctx: Write, body: Annotated[dict[str, Any], Body()]
) -> SurveyRead:
    """Create a draft survey from SurveyJS JSON (errors name the element, e.g. `pages[0].elements[2]`)."""
    name, definition = surveyjs.parse(body)
    survey = service.create_survey(
        db,
        workspace_id=ctx.workspace.id,
        name=name or pick(definition.title, definition.default_language, definition.default_language),
        definition=definition,
        actor=ctx,
    )
    return survey_out(request, survey)


@router.get("/rules")
def get_rules(ctx: Read) -> RulesRead:
    """The workspace's contact rules: fatigue days, quiet hours, per-channel daily limits."""
    return RulesRead.model_validate(delivery.Rules.of(ctx.workspace).as_dict())


@router.put("/rules")
def set_rules(db: DB, ctx: Write, body: Annotated[dict[str, Any], Body()]) -> RulesRead:
    rules = delivery.set_rules(db, workspace=ctx.workspace, rules=delivery.Rules.parse(body), actor=ctx)
    return RulesRead.model_validate(rules.as_dict())


@router.get("/{survey_id}")
def get_survey(request: Request, db: DB, ctx: Read, survey_id: int) -> SurveyRead:
    return survey_out(request, service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id))


@router.patch("/{survey_id}")
def update_survey(request: Request, db: DB, ctx: Write, survey_id: int, body: SurveyUpdate) -> SurveyRead:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    sent = body.model_dump(exclude_unset=True)
    kwargs: dict[str, Any] = {k: sent[k] for k in ("touchpoint_id", "stage_id", "reminder_days") if k in sent}
    service.update_survey(
        db,
        survey=survey,
        actor=ctx,
        name=body.name,
        definition=service.parse_definition(body.definition) if body.definition is not None else None,
        link_days=body.link_days,
        public_link=body.public_link,
        **kwargs,
    )
    if body.status is not None and body.status != survey.status:
        service.set_status(db, survey=survey, status=body.status, actor=ctx)
    return survey_out(request, survey)


@router.delete("/{survey_id}", status_code=204)
def delete_survey(db: DB, ctx: Write, survey_id: int) -> Response:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    service.delete_survey(db, survey=survey, actor=ctx)
    return Response(status_code=204)


@router.get("/{survey_id}/surveyjs")
def export_surveyjs(db: DB, ctx: Read, survey_id: int) -> SurveyJsRead:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    return SurveyJsRead.model_validate(surveyjs.export(definition_of(survey), name=survey.name))


@router.get("/{survey_id}/links")
def survey_links(request: Request, db: DB, ctx: Read, survey_id: int) -> LinksRead:
    """The public link (with optional hidden fields from the query), embed snippet and share texts."""
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    definition = definition_of(survey)
    hidden = {
        k: v for k, v in request.query_params.items() if k in definition.hidden_fields and k != "customer_id"
    }
    url = links.public_url(public_base(request), survey, **hidden)
    locale = definition.default_language
    text = invitation_text(definition, locale)
    return LinksRead.model_validate(
        {
            "public_url": url,
            "embed": service.embed_snippet(url, title=pick(definition.title, locale, locale)),
            "share": service.share_links(text, url),
            "qr_png": f"/api/v1/surveys/{survey.id}/qr.png",
            "qr_svg": f"/api/v1/surveys/{survey.id}/qr.svg",
        }
    )


@router.get("/{survey_id}/qr.{fmt}", responses=files("png", "svg"))
def qr(request: Request, db: DB, ctx: Read, survey_id: int, fmt: str) -> Response:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    definition = definition_of(survey)
    hidden = {
        k: v for k, v in request.query_params.items() if k in definition.hidden_fields and k != "customer_id"
    }
    hidden.setdefault("channel", "qr")
    body, media = service.qr_code(links.public_url(public_base(request), survey, **hidden), fmt)
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'inline; filename="survey-{survey.key}.{fmt}"'},
    )


@router.post("/{survey_id}/invitations", status_code=201, response_model_exclude_unset=True)
def invite(
    request: Request, db: DB, wh: WarehouseDep, ctx: Write, survey_id: int, body: InviteCreate
) -> InviteRead:
    """Invite customers; fatigue, consent, quiet hours and channel limits apply. `link` only makes personal links."""
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    report = delivery.invite(
        db,
        wh,
        survey=survey,
        channel=body.channel,
        recipients=[delivery.Recipient(**r.model_dump()) for r in body.recipients],
        actor=ctx,
    )
    return InviteRead.model_validate(
        report.as_dict() | {"invitations": [invitation_out(request, survey, i) for i in report.invitations]}
    )


def invitation_out(request: Request, survey: Survey, inv: SurveyInvitation) -> dict[str, Any]:
    settings = request.app.state.settings
    definition = definition_of(survey)
    out: dict[str, Any] = {
        "id": inv.id,
        "customer_id": inv.customer_id,
        "channel": inv.channel,
        "status": inv.status,
        "reason": inv.reason,
        "scheduled_at": inv.scheduled_at,
        "sent_at": inv.sent_at,
        "reminded_at": inv.reminded_at,
        "opened_at": inv.opened_at,
        "completed_at": inv.completed_at,
        "expires_at": inv.expires_at,
        "response_id": inv.response_id,
    }
    if inv.status in ("scheduled", "sent"):
        url = links.personal_url(public_base(request), settings.secret, inv)
        out["url"] = url
        if inv.channel in ("link", "whatsapp", "sms"):
            text = invitation_text(definition, definition.language(inv.language))
            out["share"] = service.share_links(text, url, inv.address if inv.channel != "link" else None)
    return out


@router.get("/{survey_id}/invitations", response_model_exclude_unset=True)
def list_invitations(request: Request, db: DB, ctx: Read, survey_id: int) -> InvitationsRead:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    return InvitationsRead.model_validate(
        {
            "counts": delivery.invitation_counts(db, survey=survey),
            "invitations": [
                invitation_out(request, survey, i) for i in delivery.list_invitations(db, survey=survey)
            ],
        }
    )


def trigger_out(t: SurveyTrigger) -> TriggerRead:
    return TriggerRead.model_validate(
        {
            "id": t.id,
            "event": t.event,
            "channel": t.channel,
            "delay_minutes": t.delay_minutes,
            "hidden_from": t.hidden_from,
            "active": t.active,
        }
    )


@router.post("/{survey_id}/triggers", status_code=201)
def create_trigger(db: DB, ctx: Write, survey_id: int, body: TriggerCreate) -> TriggerRead:
    """Invite after an event, e.g. `Order Delivered` -> this survey by SMS 120 minutes later."""
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    trig = delivery.create_trigger(
        db,
        survey=survey,
        event=body.event,
        channel=body.channel,
        delay_minutes=body.delay_minutes,
        hidden_from=body.hidden_from,
        actor=ctx,
    )
    return trigger_out(trig)


@router.get("/{survey_id}/triggers")
def list_triggers(db: DB, ctx: Read, survey_id: int) -> TriggersRead:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    return TriggersRead(triggers=[trigger_out(t) for t in delivery.list_triggers(db, survey=survey)])


ResultFilters = Annotated[results.Filters, Depends(results.parse_filters)]


def _plain(value: Any) -> Any:
    """Timestamps as ISO text, NaN as null: what JSON can carry."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value


@router.get("/{survey_id}/results", response_model_exclude_unset=True)
def survey_results(
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, survey_id: int, f: ResultFilters
) -> ResultsRead:
    """Responses, response rate and every question's distribution (metric questions with their intervals),
    plus the open answers' sentiment counts and topics; filters `start`, `end` (local days), `touchpoint`,
    `channel`, `language`."""
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    locale = request.state.locale if hasattr(request.state, "locale") else ctx.workspace.default_locale
    out = results.summary(db, wh, ctx.workspace, survey, definition_of(survey), f, locale=locale)
    texts = results.open_answers(wh, ctx.workspace, survey, f, personal=ctx.can("pii:read"), limit=0)
    out["open_answers"] = {k: texts[k] for k in ("total", "by_sentiment", "topics")}
    return ResultsRead.model_validate(_plain(out))


@router.get("/{survey_id}/responses")
def survey_responses(
    db: DB,
    wh: WarehouseDep,
    ctx: Read,
    survey_id: int,
    f: ResultFilters,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ResponsesRead:
    """The responses, newest first, each with its whole answer set (customer ids only with pii:read)."""
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    frame = results.responses(wh, ctx.workspace, survey, f)
    page = frame.iloc[offset : offset + limit].to_dict("records")
    if not ctx.can("pii:read"):
        from tajriba.customers.service import redact

        for r in page:
            r["customer_id"] = None
            r["answers"] = {k: redact(v) for k, v in r["answers"].items()}
            r["hidden"] = {k: redact(v) for k, v in r["hidden"].items()}
    return ResponsesRead.model_validate({"total": len(frame), "items": _plain(page)})


@router.get("/{survey_id}/responses.{fmt}", responses=files("csv", "xlsx", "sav"))
def survey_responses_file(
    db: DB, wh: WarehouseDep, ctx: Read, survey_id: int, fmt: str, f: ResultFilters, lang: str | None = None
) -> Response:
    """The responses as `csv`, `xlsx` or `sav` (SPSS, with variable and value labels), labels in `lang`."""

    from tajriba.i18n import speaking
    from tajriba.surveys import export

    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    locale = lang if lang in ("ar", "fa", "en") else ctx.workspace.default_locale
    with speaking(locale):
        return export.responses_file(
            db, wh, ctx.workspace, survey, f, fmt, locale=locale, personal=ctx.can("pii:read"), actor=ctx
        )
