"""Pages: a survey's results (distributions with intervals, open answers), its downloads and each response."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tajriba.i18n import _
from tajriba.journeys.service import touchpoint_names
from tajriba.surveys import export as survey_export
from tajriba.surveys import forms, results, service
from tajriba.surveys.definition import definition_of, pick
from tajriba.text import service as text
from tajriba.web.deps import DB, WarehouseDep, verify_csrf

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)

Filters = Annotated[results.Filters, Depends(results.parse_filters)]


def _filter_query(f: results.Filters) -> str:
    from urllib.parse import urlencode

    return urlencode(
        {
            "start": f.start.isoformat() if f.start else "",
            "end": f.end.isoformat() if f.end else "",
            "touchpoint": f.touchpoint_id or "",
            "channel": f.channel or "",
            "language": f.language or "",
        }
    )


@router.get("/surveys/{survey_id}/results")
def results_page(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: forms.Read,
    survey_id: int,
    f: Filters,
    sentiment: str | None = None,
    page: int = 1,
) -> Response:
    """The survey's answers: count and rate, each question's distribution, open answers, the response list."""
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    definition = definition_of(survey)
    locale = request.state.locale
    page = max(1, min(page, 10_000))
    per_page = 25
    frame = results.responses(wh, ctx.workspace, survey, f)
    listed = frame.iloc[(page - 1) * per_page : page * per_page]
    first_metric = next((q.key for q in definition.questions if q.type in results.METRIC_TYPES), None)
    return forms.render(
        request,
        "surveys/results.html",
        survey=survey,
        d=definition,
        f=f,
        query=_filter_query(f),
        summary=results.summary(db, wh, ctx.workspace, survey, definition, f, locale=locale, frame=frame),
        texts=results.open_answers(
            wh,
            ctx.workspace,
            survey,
            f,
            personal=ctx.can("pii:read"),
            sentiment=(sentiment or None),
        ),
        sentiment=sentiment or "",
        listed=listed.to_dict("records"),
        first_metric=first_metric,
        page=page,
        more=len(frame) > page * per_page,
        facets=results.facets(wh, ctx.workspace.id, survey.id),
        names=touchpoint_names(db, workspace_id=ctx.workspace.id, locale=locale),
        topic_names=text.topic_names(ctx.workspace.settings, locale),
        type_labels=forms.TYPE_LABELS,
    )


@router.get("/surveys/{survey_id}/results.{fmt}")
def results_download(
    request: Request, db: DB, wh: WarehouseDep, ctx: forms.Read, survey_id: int, fmt: str, f: Filters
) -> Response:
    """The filtered responses as CSV, XLSX or SPSS (.sav) in the reader's language."""
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    return survey_export.responses_file(
        db,
        wh,
        ctx.workspace,
        survey,
        f,
        fmt,
        locale=request.state.locale,
        personal=ctx.can("pii:read"),
        actor=ctx,
    )


@router.get("/surveys/{survey_id}/responses/{response_id}")
def response_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: forms.Read, survey_id: int, response_id: str
) -> Response:
    """One response: every answer as the respondent saw the question, where it came from, its analysis."""
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    definition = definition_of(survey)
    found = results.response(wh, ctx.workspace, survey, response_id)
    personal = ctx.can("pii:read")
    if not personal:
        from tajriba.customers.service import redact

        found["customer_id"] = None
        found["hidden"] = {k: redact(v) for k, v in found["hidden"].items()}
        found["answers"] = {k: redact(v) for k, v in found["answers"].items()}
        for t in found["texts"]:
            t["text"] = t["redacted"] or redact(t["text"])
    locale = request.state.locale
    return forms.render(
        request,
        "surveys/response.html",
        survey=survey,
        d=definition,
        r=found,
        rows=[
            {
                "q": q,
                "title": pick(q.title, locale, definition.default_language),
                "answer": _shown(q, found["answers"].get(q.key), locale, definition.default_language),
            }
            for q in definition.questions
        ],
        names=touchpoint_names(db, workspace_id=ctx.workspace.id, locale=locale),
        topic_names=text.topic_names(ctx.workspace.settings, locale),
        type_labels=forms.TYPE_LABELS,
    )


def _shown(q: Any, value: Any, locale: str, fallback: str) -> str | None:
    """An answer in words: a choice's label, a matrix as `aspect: n`, consent as yes."""
    if value in (None, "", [], {}):
        return None
    labels = {c.value: pick(c.label, locale, fallback) for c in q.choices}
    if q.type == "single":
        if isinstance(value, dict):
            return f"{_('Other')}: {value.get('other', '')}"
        return labels.get(str(value), str(value))
    if q.type == "multiple":
        sep = ", " if locale == "en" else "، "
        return sep.join(
            f"{_('Other')}: {str(v)[6:]}" if str(v).startswith("other:") else labels.get(str(v), str(v))
            for v in value
        )
    if q.type == "matrix" and isinstance(value, dict):
        rows = {r.value: pick(r.label, locale, fallback) for r in q.rows}
        return " · ".join(f"{rows.get(k, k)}: {v}" for k, v in value.items())
    if q.type == "consent":
        return _("Yes") if value is True else _("No")
    return str(value)
