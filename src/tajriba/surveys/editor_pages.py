"""Pages: the survey builder's edits (questions, logic, languages, order, settings, status, invitations,
triggers, contact rules), each posted as one action of the survey's form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from tajriba.errors import Invalid, TajribaError
from tajriba.i18n import _
from tajriba.models import Survey
from tajriba.surveys import delivery, expressions, forms, service
from tajriba.surveys.definition import LOCALES
from tajriba.web.deps import DB, Context, FormDep, verify_csrf
from tajriba.web.render import error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)


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
    if op not in forms.CONDITION_OPS:
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
def edit_survey(request: Request, db: DB, ctx: forms.Write, survey_id: int, form: FormDep) -> Response:
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
        return forms.back(ctx, path, error=error_text(exc))
    return forms.back(ctx, path, saved=_("Saved."))


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
        touchpoint_id=forms.opt_int(form.get("touchpoint_id")),
        reminder_days=forms.opt_int(form.get("reminder_days")),
        link_days=forms.opt_int(form.get("link_days")) or survey.link_days,
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
            q["visible_if"] = expressions.parse_expression(condition)
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
    return forms.back(ctx, f"/surveys/{survey.id}", saved=saved)


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
    return forms.back(ctx, "/surveys")


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
