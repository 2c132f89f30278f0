"""Pages: the survey list, the builder (questions, logic, languages), preview, distribution and triggers.

Pages call the same service functions as the JSON API; forms post back and redirect (or show the error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload

from tajriba.errors import Invalid, TajribaError
from tajriba.i18n import N_, _
from tajriba.journeys.service import touchpoint_names
from tajriba.metrics import service as metrics
from tajriba.models import Survey, SurveyInvitation, Touchpoint
from tajriba.surveys import delivery, links, respondent, results, service, surveyjs, templates
from tajriba.surveys import export as survey_export
from tajriba.surveys.definition import (
    LOCALES,
    QUESTION_TYPES,
    Definition,
    definition_of,
    invitation_text,
    pick,
)
from tajriba.text import service as text
from tajriba.web.deps import (
    DB,
    Context,
    FormDep,
    Require,
    WarehouseDep,
    is_loopback,
    public_base,
    verify_csrf,
)
from tajriba.web.render import attachment, error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)
Read = Annotated[Context, Depends(Require("surveys:read"))]
Write = Annotated[Context, Depends(Require("surveys:write"))]

TYPE_LABELS = {
    "nps": N_("NPS (0-10)"),
    "csat": N_("CSAT (1-5 or 1-10)"),
    "ces": N_("Customer Effort Score (1-7)"),
    "rating": N_("Star rating"),
    "single": N_("Single choice"),
    "multiple": N_("Multiple choice"),
    "text": N_("Open text"),
    "matrix": N_("Matrix (rate several aspects)"),
    "consent": N_("Consent"),
}


def _render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("active", "surveys")
    return request.app.state.renderer.page(request, template, status=status, **context)


def _back(ctx: Context, path: str, **query: str) -> RedirectResponse:
    from urllib.parse import urlencode

    suffix = ("?" + urlencode(query)) if query else ""
    return RedirectResponse(f"/w/{ctx.workspace.slug}{path}{suffix}", status_code=303)


def _touchpoints(db: DB, ctx: Context) -> list[Touchpoint]:
    return list(
        db.scalars(
            select(Touchpoint).where(Touchpoint.workspace_id == ctx.workspace.id).order_by(Touchpoint.name)
        )
    )


@router.get("/surveys")
def surveys_page(request: Request, db: DB, wh: WarehouseDep, ctx: Read, error: str | None = None) -> Response:
    surveys = service.list_surveys(db, workspace_id=ctx.workspace.id)
    counts = {s.id: delivery.invitation_counts(db, survey=s) for s in surveys}
    return _render(
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


def _opt_int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


@router.post("/surveys")
def create_survey(request: Request, db: DB, ctx: Write, form: FormDep) -> Response:
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
                touchpoint_id=_opt_int(form.get("touchpoint_id")),
                actor=ctx,
            )
    except (TajribaError, ValidationError, ValueError) as exc:
        return _back(ctx, "/surveys", error=error_text(exc))
    return _back(ctx, f"/surveys/{survey.id}")


def _question_rows(definition: Definition, locale: str) -> list[dict[str, Any]]:
    return [
        {
            "q": q,
            "number": i + 1,
            "title": pick(q.title, locale, definition.default_language),
            "condition": surveyjs.expression(q.visible_if) if q.visible_if else "",
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
    request: Request, db: DB, ctx: Read, survey_id: int, error: str | None = None, saved: str | None = None
) -> Response:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    definition = definition_of(survey)
    url = links.public_url(public_base(request), survey)
    locale = request.state.locale
    invitations = delivery.list_invitations(db, survey=survey, limit=50)
    return _render(
        request,
        "surveys/detail.html",
        survey=survey,
        d=definition,
        questions=_question_rows(definition, locale),
        condition_ops=[("between", _("is from … to …"))]
        + [(op, _(OP_WORDS[op])) for op in CONDITION_OPS if op not in ("between", "in")],
        types=QUESTION_TYPES,
        type_labels=TYPE_LABELS,
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
    request: Request, db: DB, ctx: Read, survey_id: int, lang: str = "ar", at: str | None = None
) -> Response:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    return respondent.preview(request, survey, lang, at)


@router.get("/surveys/{survey_id}/qr.{fmt}")
def qr(request: Request, db: DB, ctx: Read, survey_id: int, fmt: str) -> Response:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    body, media = service.qr_code(links.public_url(public_base(request), survey, channel="qr"), fmt)
    return attachment(body, media, f"survey-{survey.key}.{fmt}")


@router.get("/surveys/{survey_id}/surveyjs.json")
def export(db: DB, ctx: Read, survey_id: int) -> Response:
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    body = orjson.dumps(surveyjs.export(definition_of(survey), name=survey.name), option=orjson.OPT_INDENT_2)
    return attachment(body, "application/json", f"{survey.key}.surveyjs.json")


def _texts(form: FormData, prefix: str) -> dict[str, str]:
    return {loc: str(v).strip() for loc in LOCALES if (v := form.get(f"{prefix}_{loc}")) and str(v).strip()}


def _choices(text: str) -> list[dict[str, Any]]:
    """One choice per line: `Arabic | Persian | English` (any of them); its stored value is made up from the
    English label, or numbered. Four parts, `value | Arabic | Persian | English`, keep a value of one's own."""
    out: list[dict[str, Any]] = []
    taken: set[str] = set()
    for n, line in enumerate((x for x in text.splitlines() if x.strip()), start=1):
        parts = [p.strip() for p in line.split("|")]
        value = parts.pop(0) if len(parts) == 4 else ""
        label = {loc: p for loc, p in zip(LOCALES, parts, strict=False) if p}
        if not label:
            continue
        value = value or _slug(label.get("en", ""), f"c{n}")
        while value in taken:
            value = f"{value}_{n}"
        taken.add(value)
        out.append({"value": value, "label": label})
    return out


def _slug(text: str, fallback: str) -> str:
    import re

    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:30]
    return slug if slug and slug[0].isalpha() else fallback


KEY_BASES = {
    "text": "comment",
    "single": "choice",
    "multiple": "choices",
    "consent": "consent",
    "matrix": "rating",
}


def _new_key(qtype: str, taken: set[str]) -> str:
    """A question key nobody has to invent: the type (nps, csat, ...) or a word for it, numbered if taken."""
    base = KEY_BASES.get(qtype, qtype)
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


CONDITION_OPS = ("=", "!=", "<=", ">=", "<", ">", "between", "in", "answered", "not_answered")


def _condition(
    form: FormData, questions: list[dict[str, Any]], before: int | None = None
) -> dict[str, Any] | None:
    """The "show only when" chosen in the form: an earlier question, a comparison and its value(s) (a range
    "between" two numbers; chosen answers for a choice question). None when no question is chosen."""
    from tajriba.i18n import to_latin_digits

    key = str(form.get("if_question") or "").strip()
    if not key:
        return None
    earlier = questions if before is None else questions[:before]
    q = next((x for x in earlier if x["key"] == key), None)
    if q is None:
        raise Invalid(_("Choose one of the questions before this one."), field="if_question")
    op = str(form.get("if_op") or "=")
    if op not in CONDITION_OPS:
        raise Invalid(_("Choose how to compare."), field="if_op")
    if op in ("answered", "not_answered"):
        return {"question": key, "op": op}
    if q["type"] in ("single", "multiple"):
        chosen = [str(v) for v in form.getlist("if_choice") if str(v)]
        if not chosen:
            raise Invalid(_("Choose the answers that show this question."), field="if_choice")
        return {"question": key, "op": "in" if op != "!=" else "not_in", "value": chosen}

    def number(name: str) -> float | int:
        raw = to_latin_digits(str(form.get(name) or "")).strip().replace("٫", ".")
        try:
            value = float(raw)
        except ValueError:
            raise Invalid(_("Write a number to compare the answer with."), field=name) from None
        return int(value) if value.is_integer() else value

    if op == "between":
        low, high = number("if_value"), number("if_value2")
        if low > high:
            low, high = high, low
        return {
            "all": [{"question": key, "op": ">=", "value": low}, {"question": key, "op": "<=", "value": high}]
        }
    if op == "in":
        op = "="
    return {"question": key, "op": op, "value": number("if_value")}


@router.post("/surveys/{survey_id}")
def edit_survey(request: Request, db: DB, ctx: Write, survey_id: int, form: FormDep) -> Response:
    """One form action per button: settings, add/move/delete a question, the JSON, status, invite, trigger."""
    survey = service.get_survey(db, workspace_id=ctx.workspace.id, survey_id=survey_id)
    action = str(form.get("action") or "")
    path = f"/surveys/{survey.id}"
    try:
        if action in QUESTION_EDITS:
            data = QUESTION_EDITS[action](dict(survey.definition), form, action)
            service.update_survey(db, survey=survey, actor=ctx, definition=service.parse_definition(data))
        elif action in SURVEY_ACTIONS:
            answer = SURVEY_ACTIONS[action](request, db, ctx, survey, form, action)
            if answer is not None:
                return answer
        else:
            raise Invalid(_("Unknown action."), field="action")
    except (TajribaError, ValidationError, ValueError) as exc:
        db.rollback()
        return _back(ctx, path, error=error_text(exc))
    return _back(ctx, path, saved=_("Saved."))


def _settings(request: Request, db: Session, ctx: Context, survey: Survey, form: Any, _a: str) -> None:
    data = dict(survey.definition)
    data["title"] = _texts(form, "title")
    data["intro"] = _texts(form, "intro")
    data["thank_you"] = _texts(form, "thanks")
    data["languages"] = [str(x) for x in form.getlist("languages")]
    data["default_language"] = str(form.get("default_language") or "")
    data["one_per_screen"] = form.get("one_per_screen") == "1"
    data["show_progress"] = bool(form.get("show_progress"))
    data["hidden_fields"] = [h.strip() for h in str(form.get("hidden_fields") or "").split(",") if h.strip()]
    service.update_survey(
        db,
        survey=survey,
        actor=ctx,
        name=str(form.get("name") or ""),
        definition=service.parse_definition(data),
        touchpoint_id=_opt_int(form.get("touchpoint_id")),
        reminder_days=_opt_int(form.get("reminder_days")),
        link_days=_opt_int(form.get("link_days")) or survey.link_days,
    )


def _question_from_form(form: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The question the "add" form describes (a key is made up when none is given)."""
    taken = {x["key"] for x in data["questions"]} | set(data.get("hidden_fields") or [])
    q: dict[str, Any] = {
        "key": str(form.get("key") or "").strip() or _new_key(str(form.get("type") or ""), taken),
        "type": str(form.get("type") or ""),
        "title": _texts(form, "qtitle"),
        "required": bool(form.get("required")),
        "low_label": _texts(form, "low"),
        "high_label": _texts(form, "high"),
    }
    if form.get("scale"):
        q["scale"] = int(str(form.get("scale")))
    if q["type"] in ("single", "multiple"):
        q["choices"] = _choices(str(form.get("choices") or ""))
        q["other"] = bool(form.get("other"))
    if q["type"] == "matrix":
        q["rows"] = _choices(str(form.get("choices") or ""))
    if q["type"] == "consent":
        q["purpose"] = str(form.get("purpose") or "contact")
    chosen = _condition(form, list(data["questions"]))
    condition = str(form.get("condition") or "").strip()
    if chosen is not None:
        q["visible_if"] = chosen
    elif condition:
        try:
            q["visible_if"] = surveyjs.parse_expression(condition)
        except (ValueError, ValidationError) as exc:
            raise Invalid(_("Condition: {error}").format(error=error_text(exc)), field="condition") from None
    return q


def _add_question(data: dict[str, Any], form: Any, _a: str) -> dict[str, Any]:
    return {**data, "questions": [*data["questions"], _question_from_form(form, data)]}


def _index_of(questions: list[dict[str, Any]], form: Any) -> int:
    key = str(form.get("key") or "")
    i = next((n for n, x in enumerate(questions) if x["key"] == key), None)
    if i is None:
        raise Invalid(_("No such question."), field="key")
    return i


def _logic(data: dict[str, Any], form: Any, _a: str) -> dict[str, Any]:
    qs = [dict(x) for x in data["questions"]]
    i = _index_of(qs, form)
    qs[i]["visible_if"] = _condition(form, qs, before=i)
    return {**data, "questions": qs}


def _order(data: dict[str, Any], form: Any, _a: str) -> dict[str, Any]:
    keys = [str(k) for k in form.getlist("keys")]
    qs = list(data["questions"])
    if sorted(keys) != sorted(x["key"] for x in qs):
        raise Invalid(_("The new order must name every question once."), field="keys")
    by_key = {x["key"]: x for x in qs}
    return {**data, "questions": [by_key[k] for k in keys]}


def _move(data: dict[str, Any], form: Any, action: str) -> dict[str, Any]:
    """Move a question up or down one place, or delete it."""
    qs = list(data["questions"])
    i = _index_of(qs, form)
    if action == "delete":
        qs.pop(i)
    else:
        j = i - 1 if action == "up" else i + 1
        if 0 <= j < len(qs):
            qs[i], qs[j] = qs[j], qs[i]
    return {**data, "questions": qs}


def _json(_data: dict[str, Any], form: Any, _a: str) -> dict[str, Any]:
    try:
        raw: dict[str, Any] = orjson.loads(str(form.get("definition") or ""))
    except orjson.JSONDecodeError as exc:
        raise Invalid(
            _("The definition is not valid JSON: {error}").format(error=exc), field="definition"
        ) from None
    return raw


def _status(request: Request, db: Session, ctx: Context, survey: Survey, form: Any, action: str) -> None:
    service.set_status(db, survey=survey, status=action, actor=ctx)


def _invite(request: Request, db: Session, ctx: Context, survey: Survey, form: Any, _a: str) -> Response:
    recipients = []
    for line in str(form.get("recipients") or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if "@" in line or line.lstrip("+").isdigit():
            recipients.append(delivery.Recipient(address=line))
        else:
            recipients.append(delivery.Recipient(customer_id=line))
    if not recipients:
        raise Invalid(_("List customer ids or addresses, one per line."), field="recipients")
    channel = str(form.get("channel") or "")
    report = delivery.invite(
        db, request.app.state.warehouse, survey=survey, recipients=recipients, channel=channel, actor=ctx
    )
    skipped = ", ".join(f"{k}: {v}" for k, v in report.skipped.items())
    saved = _("{n} invited").format(n=report.scheduled) + (f" ({skipped})" if skipped else "")
    return _back(ctx, f"/surveys/{survey.id}", saved=saved)


def _trigger(request: Request, db: Session, ctx: Context, survey: Survey, form: Any, _a: str) -> None:
    delivery.create_trigger(
        db,
        survey=survey,
        event=str(form.get("event") or ""),
        channel=str(form.get("channel") or ""),
        delay_minutes=int(str(form.get("delay_minutes") or "120")),
        actor=ctx,
    )


def _rules(request: Request, db: Session, ctx: Context, survey: Survey, form: Any, _a: str) -> None:
    limits = {c: form.get(f"limit_{c}") for c in ("email", "sms", "whatsapp") if form.get(f"limit_{c}")}
    rules = delivery.Rules.parse(
        {
            "fatigue_days": form.get("fatigue_days"),
            "quiet_start": form.get("quiet_start"),
            "quiet_end": form.get("quiet_end"),
            "limits": limits,
        }
    )
    delivery.set_rules(db, workspace=ctx.workspace, rules=rules, actor=ctx)


def _delete(request: Request, db: Session, ctx: Context, survey: Survey, form: Any, _a: str) -> Response:
    service.delete_survey(db, survey=survey, actor=ctx)
    return _back(ctx, "/surveys")


# the builder's buttons: edits of the definition (saved as one update), and other actions on the survey
QUESTION_EDITS: dict[str, Callable[[dict[str, Any], Any, str], dict[str, Any]]] = {
    "add_question": _add_question,
    "logic": _logic,
    "order": _order,
    "up": _move,
    "down": _move,
    "delete": _move,
    "json": _json,
}
SURVEY_ACTIONS: dict[str, Callable[..., Response | None]] = {
    "settings": _settings,
    "active": _status,
    "closed": _status,
    "draft": _status,
    "invite": _invite,
    "trigger": _trigger,
    "rules": _rules,
    "delete_survey": _delete,
}


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
    ctx: Read,
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
    return _render(
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
        type_labels=TYPE_LABELS,
    )


@router.get("/surveys/{survey_id}/results.{fmt}")
def results_download(
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, survey_id: int, fmt: str, f: Filters
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
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, survey_id: int, response_id: str
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
    return _render(
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
        type_labels=TYPE_LABELS,
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
