"""The feedback explorer: /w/{ws}/feedback (filters, topics, pain points, trend, emerging topics, texts),
and the topic editor /w/{ws}/feedback/topics. Same service functions as /api/v1/text."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from tajriba.db import scoped
from tajriba.errors import Invalid
from tajriba.models import Touchpoint
from tajriba.text import service, topics
from tajriba.text.api import filters_from
from tajriba.text.schemas import DIALECT_NAMES
from tajriba.web.deps import DB, Context, FormDep, Require, WarehouseDep, verify_csrf

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)
PAGE = 50


def _optional_int(value: str | None, name: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise Invalid(f"{name} must be a whole number", field=name) from None


def _optional_date(value: str | None, name: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(f"{name} must be a date like 2026-03-01", field=name) from None


@router.get("/feedback")
def feedback_page(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: Annotated[Context, Depends(Require("feedback:read"))],
    sentiment: str | None = None,
    topic: str | None = None,
    topic_sentiment: str | None = None,
    intent: str | None = None,
    touchpoint: str | None = None,
    language: str | None = None,
    dialect: str | None = None,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
    q: str | None = None,
    page: int = 1,
) -> Response:
    locale = request.state.locale
    ws = ctx.workspace
    form = {
        "sentiment": sentiment or "", "topic": topic or "", "topic_sentiment": topic_sentiment or "",
        "intent": intent or "", "touchpoint": touchpoint or "", "language": language or "",
        "dialect": dialect or "", "source": source or "", "since": since or "", "until": until or "", "q": q or "",
    }  # fmt: skip
    error = None
    try:
        filters = filters_from(
            sentiment=sentiment,
            topic=topic,
            topic_sentiment=topic_sentiment,
            intent=intent,
            touchpoint=_optional_int(touchpoint, "touchpoint"),
            language=language,
            dialect=dialect,
            source=source,
            since=_optional_date(since, "since"),
            until=_optional_date(until, "until"),
            q=q,
        )
    except Invalid as exc:
        error, filters = exc.message, service.Filters()
    page = max(1, page)
    view = service.feedback_view(wh, ws, filters, locale=locale, limit=PAGE, offset=(page - 1) * PAGE)
    return request.app.state.renderer.page(
        request,
        "feedback.html",
        status=422 if error else 200,
        active="feedback",
        error=error,
        form=form,
        page=page,
        pages=max(1, -(-view["found"]["total"] // PAGE)),
        trend_days=[dt.date.fromisoformat(p) for p in view["trend"]["periods"]],
        dialect_names=DIALECT_NAMES,
        intent_names=service.INTENT_NAMES,
        names=scoped.localized_names(db, Touchpoint, workspace_id=ws.id, locale=locale),
        **view,
    )


@router.get("/feedback/topics")
def topics_page(
    request: Request, ctx: Annotated[Context, Depends(Require("feedback:read"))], error: str | None = None
) -> Response:
    taxonomy = topics.for_workspace(ctx.workspace.settings)
    return request.app.state.renderer.page(
        request,
        "feedback_topics.html",
        active="feedback",
        taxonomy=taxonomy,
        customised="taxonomy" in (ctx.workspace.settings or {}),
        error=None,
    )


def _split_words(value: str) -> list[str]:
    return [w.strip() for chunk in value.splitlines() for w in chunk.split(",") if w.strip()]


@router.post("/feedback/topics")
def save_topics(
    request: Request, db: DB, ctx: Annotated[Context, Depends(Require("text:manage"))], form: FormDep
) -> Response:
    if form.get("action") == "reset":
        service.set_taxonomy(db, ctx, ctx.workspace, None)
        return RedirectResponse(request.url.path, status_code=303)
    data: list[dict[str, object]] = []
    index = 0
    while f"key-{index}" in form:
        key = str(form.get(f"key-{index}", "")).strip()
        if key and not form.get(f"delete-{index}"):
            data.append(
                {
                    "key": key,
                    "names": {lang: str(form.get(f"name-{lang}-{index}", "")) for lang in topics.LANGUAGES},
                    "keywords": {
                        lang: _split_words(str(form.get(f"kw-{lang}-{index}", "")))
                        for lang in topics.LANGUAGES
                    },
                    "patterns": [p for p in str(form.get(f"patterns-{index}", "")).splitlines() if p.strip()],
                }
            )
        index += 1
    try:
        taxonomy = topics.parse({"topics": data})
    except Invalid as exc:
        # the draft is shown back as typed (not compiled: one of its patterns may not compile)
        shown = SimpleNamespace(
            topics=[topics.Topic(str(d["key"]), d["names"], d["keywords"], d["patterns"]) for d in data],  # type: ignore[arg-type]
            version="draft",
        )
        return request.app.state.renderer.page(
            request,
            "feedback_topics.html",
            status=422,
            active="feedback",
            taxonomy=shown,
            customised=True,
            error=exc.message,
        )
    service.set_taxonomy(db, ctx, ctx.workspace, taxonomy)
    return RedirectResponse(request.url.path, status_code=303)
