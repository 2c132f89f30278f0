"""Pages: the listening dashboard, the mention stream and one mention (with its case and replies), and the
query editor (queries, sources, where topics land on the journey). The same service functions as
`/api/v1/social`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from tajriba.db import scoped
from tajriba.errors import Invalid, NotFound, TajribaError
from tajriba.i18n import _, to_latin_digits
from tajriba.models import CaseLink, Touchpoint
from tajriba.periods import Window
from tajriba.social import service
from tajriba.social.schemas import (
    KIND_LABELS,
    PLATFORM_LABELS,
    SOURCE_KIND_LABELS,
    QueryIn,
    ReplyIn,
    SourceIn,
)
from tajriba.social.stream import as_seen
from tajriba.text.schemas import DIALECT_NAMES
from tajriba.text.service import topic_names
from tajriba.web.deps import DB, Context, FormDep, Require, WarehouseDep, verify_csrf
from tajriba.web.render import error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)
Read = Annotated[Context, Depends(Require("social:read"))]
Manage = Annotated[Context, Depends(Require("social:manage"))]
Work = Annotated[Context, Depends(Require("cases:work"))]
PAGE = 50


def _day(value: str | None, field: str) -> date | None:
    text = to_latin_digits((value or "").strip())
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(_("{field} must be a date (YYYY-MM-DD)").format(field=field), field=field) from None


def _window(ctx: Context, start: str | None, end: str | None, newest: date | None) -> tuple[date, date]:
    """The days asked, or the 30 days up to the newest mention (today at the latest)."""
    today = Window.of(ctx.workspace).today() + timedelta(days=1)
    last = _day(end, "end") or min(newest or today, today)
    first = _day(start, "start") or last - timedelta(days=30)
    if first >= last:
        raise Invalid(_("the first day must come before the last"), field="start")
    return first, last


def _common(request: Request, ctx: Context) -> dict[str, Any]:
    return {
        "platform_labels": PLATFORM_LABELS,
        "kind_labels": KIND_LABELS,
        "topic_labels": topic_names(ctx.workspace.settings, getattr(request.state, "locale", "en")),
        "dialect_labels": DIALECT_NAMES,
    }


@router.get("/social")
def dashboard(
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, start: str | None = None, end: str | None = None
) -> Response:
    error, newest = None, service.last_day(wh, ctx.workspace)
    try:
        first, last = _window(ctx, start, end, newest)
    except Invalid as exc:
        error, (first, last) = exc.message, _window(ctx, None, None, newest)
    data = service.overview(db, wh, workspace=ctx.workspace, start=first, end=last)
    data["engaged"] = [as_seen(r, ctx) for r in data["engaged"]]
    # the window's spikes in full, and the year's before it as a list to jump to
    found = service.spikes(
        wh, workspace=ctx.workspace, query_id=None, start=min(first, last - timedelta(days=365)), end=last
    )
    for s in found:
        s["examples"] = [as_seen(r, ctx) for r in s["examples"]]
    inside = [s for s in found if s["start"].date() >= first]
    earlier = [s for s in found if s["start"].date() < first]
    names = {q.id: q.name for q in service.list_queries(db, ctx.workspace.id)}
    series = [
        {"name": names.get(s["query_id"], _("All mentions")), "values": s["counts"]}
        for s in data["volume"]["series"]
    ]
    return request.app.state.renderer.page(
        request,
        "social/dashboard.html",
        active="social",
        d=data,
        spikes=inside,
        earlier=earlier,
        timedelta1=timedelta(days=1),
        start=first,
        end=last,
        error=error,
        query_names=names,
        volume_chart={"labels": data["volume"]["periods"], "series": series},
        **_common(request, ctx),
    )


@router.get("/social/mentions")
def mentions_page(request: Request, wh: WarehouseDep, db: DB, ctx: Read) -> Response:
    p = request.query_params
    error, total = None, 0
    rows: list[dict[str, Any]] = []
    try:
        first, last = (_day(p.get("start"), "start"), _day(p.get("end"), "end"))
        page_no = max(int(to_latin_digits(p.get("page") or "1")), 1)
        filters = service.between(
            ctx.workspace, first, last,
            query_id=int(p["query"]) if p.get("query", "").isdigit() else None,
            platforms=[x for x in p.getlist("platform") if x in PLATFORM_LABELS],
            sentiment=p.get("sentiment") or None,
            language=(p.get("language") or None),
            dialect=(p.get("dialect") or None),
            words=(p.get("q") or "").strip() or None,
            topic=(p.get("topic") or None),
        )  # fmt: skip
        rows, total = service.page(wh, ctx.workspace.id, filters, limit=PAGE, offset=(page_no - 1) * PAGE)
    except (TajribaError, ValueError) as exc:
        error, page_no = error_text(exc), 1
    keep = [(k, v) for k, v in p.multi_items() if k != "page"]
    return request.app.state.renderer.page(
        request,
        "social/mentions.html",
        active="social",
        rows=[as_seen(r, ctx) for r in rows],
        total=total,
        page=page_no,
        pages=max((total + PAGE - 1) // PAGE, 1),
        query_string=urlencode(keep),
        f=p,
        error=error,
        queries=service.list_queries(db, ctx.workspace.id),
        **_common(request, ctx),
    )


@router.get("/social/mentions/{mention_id}")
def mention_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, mention_id: str, error: str | None = None
) -> Response:
    row = service.one(wh, ctx.workspace.id, mention_id[:80])
    if row is None:
        raise NotFound(_("no such mention"))
    link = db.scalar(
        select(CaseLink).where(
            CaseLink.workspace_id == ctx.workspace.id,
            CaseLink.source == "mention",
            CaseLink.source_id == mention_id,
        )
    )
    tp = db.get(Touchpoint, row["touchpoint_id"]) if row["touchpoint_id"] else None
    locale = getattr(request.state, "locale", "en")
    return request.app.state.renderer.page(
        request,
        "social/mention.html",
        active="social",
        m=as_seen(row, ctx),
        case_id=link.case_id if link else None,
        touchpoint=tp if tp is not None and tp.workspace_id == ctx.workspace.id else None,
        touchpoint_name=scoped.localized_name(tp, locale) if tp is not None else None,
        replies=service.replies(db, workspace_id=ctx.workspace.id, mention_id=mention_id),
        queries={q.id: q.name for q in service.list_queries(db, ctx.workspace.id)},
        error=error,
        **_common(request, ctx),
    )


@router.post("/social/mentions/{mention_id}/replies")
def reply(request: Request, db: DB, wh: WarehouseDep, ctx: Work, form: FormDep, mention_id: str) -> Response:
    if service.one(wh, ctx.workspace.id, mention_id[:80]) is None:
        raise NotFound(_("no such mention"))
    url = f"/w/{ctx.workspace.slug}/social/mentions/{mention_id}"
    try:
        case = to_latin_digits(str(form.get("case_id") or "").strip())
        data = ReplyIn(text=str(form.get("text") or "").strip(), case_id=int(case) if case else None)
        service.reply(
            db, workspace_id=ctx.workspace.id, mention_id=mention_id, data=data,
            user_id=ctx.user.id if ctx.user else None, actor=ctx,
        )  # fmt: skip
    except (TajribaError, ValidationError, ValueError) as exc:
        return RedirectResponse(url + "?" + urlencode({"error": error_text(exc)}), status_code=303)
    return RedirectResponse(url, status_code=303)


# ---- the query editor --------------------------------------------------------------------------------------------


def _setup_url(ctx: Context, **query: str) -> RedirectResponse:
    return RedirectResponse(
        f"/w/{ctx.workspace.slug}/social/setup" + ("?" + urlencode(query) if query else ""), status_code=303
    )


@router.get("/social/setup")
def setup_page(
    request: Request, db: DB, ctx: Read, error: str | None = None, done: str | None = None
) -> Response:
    return _setup(request, db, ctx, error=error, done=done)


def _setup(request: Request, db: Any, ctx: Context, **extra: Any) -> Response:
    from tajriba.social.mentions import topic_touchpoints

    names = scoped.localized_names(db, Touchpoint, workspace_id=ctx.workspace.id, locale=request.state.locale)
    tps = sorted(names.items(), key=lambda kv: kv[1])
    return request.app.state.renderer.page(
        request,
        "social/setup.html",
        active="social",
        queries=service.list_queries(db, ctx.workspace.id),
        sources=service.list_sources(db, ctx.workspace.id) if ctx.can("social:manage") else [],
        touchpoints=tps,
        mapping=topic_touchpoints(ctx.workspace.settings),
        source_kinds=SOURCE_KIND_LABELS,
        formats=service.FORMATS,
        **({"new_secret": None, "error": None, "done": None} | extra),
        **_common(request, ctx),
    )


def _words(form: Any, name: str) -> list[str]:
    raw = str(form.get(name) or "")
    return [w.strip() for w in raw.replace("،", ",").replace("\n", ",").split(",") if w.strip()]


def _query_in(form: Any) -> QueryIn:
    return QueryIn(
        name=str(form.get("name") or "").strip(),
        kind=str(form.get("kind") or "brand"),  # type: ignore[arg-type]
        keywords=_words(form, "keywords"),
        hashtags=_words(form, "hashtags"),
        handles=_words(form, "handles"),
        exclusions=_words(form, "exclusions"),
        languages=[x for x in form.getlist("languages") if x in ("ar", "fa", "en")],
        active=form.get("active") is not None or form.get("id") is None,
    )


@router.post("/social/queries")
def save_query(request: Request, db: DB, ctx: Manage, form: FormDep) -> Response:
    try:
        data = _query_in(form)
        qid = to_latin_digits(str(form.get("id") or "").strip())
        if qid:
            service.update_query(
                db,
                query=service.get_query(db, workspace_id=ctx.workspace.id, query_id=int(qid)),
                data=data,
                actor=ctx,
            )
        else:
            service.create_query(db, workspace=ctx.workspace, data=data, actor=ctx)
    except (TajribaError, ValidationError, ValueError) as exc:
        return _setup_url(ctx, error=error_text(exc))
    return _setup_url(ctx, done="query")


@router.post("/social/queries/{query_id}/delete")
def delete_query(request: Request, db: DB, ctx: Manage, query_id: int) -> Response:
    service.delete_query(
        db, query=service.get_query(db, workspace_id=ctx.workspace.id, query_id=query_id), actor=ctx
    )
    return _setup_url(ctx, done="deleted")


@router.post("/social/sources")
def create_source(request: Request, db: DB, ctx: Manage, form: FormDep) -> Response:
    try:
        data = SourceIn(
            kind=str(form.get("kind") or "feed"),  # type: ignore[arg-type]
            name=str(form.get("name") or "").strip(),
            platform=str(form.get("platform") or "news"),  # type: ignore[arg-type]
            url=str(form.get("url") or "").strip() or None,
            every_minutes=int(to_latin_digits(str(form.get("every_minutes") or "30"))),
        )
        source = service.create_source(db, workspace=ctx.workspace, data=data, actor=ctx)
    except (TajribaError, ValidationError, ValueError) as exc:
        return _setup_url(ctx, error=error_text(exc))
    # the webhook's secret is shown on this answer only (never in a URL, where logs and history would keep it)
    return _setup(request, db, ctx, done="source", new_secret=source.secret)


@router.post("/social/sources/{source_id}/delete")
def delete_source(request: Request, db: DB, ctx: Manage, source_id: int) -> Response:
    service.delete_source(
        db, source=service.get_source(db, workspace_id=ctx.workspace.id, source_id=source_id), actor=ctx
    )
    return _setup_url(ctx, done="deleted")


@router.post("/social/topic-touchpoints")
def save_topic_touchpoints(request: Request, db: DB, ctx: Manage, form: FormDep) -> Response:
    ids = set(db.scalars(select(Touchpoint.id).where(Touchpoint.workspace_id == ctx.workspace.id)))
    mapping: dict[str, int | None] = {}
    try:
        for key, value in form.multi_items():
            if key.startswith("topic:") and str(value).strip():
                mapping[key.removeprefix("topic:")] = int(to_latin_digits(str(value)))
        service.set_topic_touchpoints(
            db, workspace=ctx.workspace, mapping=mapping, touchpoint_ids=ids, actor=ctx
        )
    except (TajribaError, ValueError) as exc:
        return _setup_url(ctx, error=error_text(exc))
    return _setup_url(ctx, done="touchpoints")
