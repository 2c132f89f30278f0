"""`/api/v1/social`: mentions in (our JSON, platform exports, signed webhooks) and out, queries, sources, replies,
the dashboard's numbers and spikes.

Storing mentions runs the text pipeline, which takes a while for a large payload: those routes read what they
need from the application database first (a read-only session), analyse and write the warehouse without holding
it, and open cases in a short transaction of their own (on SQLite, in the write turn every writer takes)."""

from __future__ import annotations

import contextlib
import time
from datetime import date, timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from tajriba.db.session import transaction
from tajriba.errors import Invalid, NotFound
from tajriba.i18n import _
from tajriba.models import Workspace
from tajriba.models.base import utcnow
from tajriba.periods import Window
from tajriba.social import service
from tajriba.social.connectors import Mention, from_models
from tajriba.social.schemas import (
    IngestRead,
    MentionBatch,
    MentionList,
    MentionRead,
    Overview,
    QueryIn,
    QueryList,
    QueryRead,
    ReplyIn,
    ReplyList,
    ReplyRead,
    SourceIn,
    SourceRead,
    SpikeList,
)
from tajriba.social.stream import as_seen
from tajriba.web.deps import DB, BodyDep, Context, RequireKey, RequireKeyReading, WarehouseDep

router = APIRouter(prefix="/api/v1/social", tags=["social"])
Read = Annotated[Context, Depends(RequireKey("social:read"))]
Manage = Annotated[Context, Depends(RequireKey("social:manage"))]
Work = Annotated[Context, Depends(RequireKey("cases:work"))]
Feed = Annotated[Context, Depends(RequireKey("data:import"))]
Import = Annotated[Context, Depends(RequireKeyReading("data:import"))]


# ---- mentions in ---------------------------------------------------------------------------------------------


def _listening(request: Request, workspace: Workspace | None, source_key: str | None) -> Any:
    """The workspace's listening setup, and the source a webhook names (a read-only session)."""
    with transaction(request.app.state.session_factory, mode="reads") as session:
        source = None
        if source_key is not None:
            source = service.source_by_key(session, source_key)
            workspace = session.get(Workspace, source.workspace_id)
        assert workspace is not None  # a source goes with its workspace
        return service.listening_of(session, workspace), source


def _open(request: Request, workspace_id: int, found: list[Any], source_id: int | None, stored: int) -> int:
    with transaction(request.app.state.session_factory, mode="writes") as session:
        if source_id is not None:
            from tajriba.models import SocialSource

            source = session.get(SocialSource, source_id)
            if source is not None:
                source.stored += stored
                source.last_run_at, source.last_status, source.last_error = utcnow(), "ok", None
        workspace = session.get(Workspace, workspace_id)
        if workspace is None:
            raise NotFound(_("no such workspace"))
        return service.open_cases(session, workspace=workspace, found=found) if found else 0


async def _store(
    request: Request,
    parse: Any,
    *,
    ctx: Context | None = None,
    source_key: str | None = None,
    body: bytes = b"",
) -> IngestRead:
    workspace = ctx.workspace if ctx is not None else None
    listening, source = await run_in_threadpool(_listening, request, workspace, source_key)
    if source is not None:
        headers = {
            k: request.headers.get(k) for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        service.check_signature(source, headers, body, time.time())
    now = utcnow().replace(tzinfo=None)
    items: list[Mention] = await run_in_threadpool(parse, now)
    wh = request.app.state.warehouse
    report, found = await run_in_threadpool(service.store, wh, listening, mentions=items, now=now,
                                            source_id=source.id if source else None)  # fmt: skip
    if found or source is not None:
        # SQLite: the short case transaction takes its turn like every writer (web.deps.write_turn)
        async with request.app.state.write_turn or contextlib.nullcontext():
            report.cases_opened = await run_in_threadpool(
                _open, request, listening.workspace_id, found, source.id if source else None, report.stored
            )
    return IngestRead.model_validate(report.as_dict())


@router.post("/mentions")
async def ingest_mentions(request: Request, ctx: Import, body: MentionBatch) -> IngestRead:
    """Store mentions in Tajriba's format (docs/social.md): deduplicated by URL or id and by near-identical text,
    analysed, tagged by the queries; a negative one with reach opens a case. Needs `data:import`."""
    return await _store(request, lambda now: from_models(body.mentions), ctx=ctx)


def _decoded(body: bytes, fmt: str) -> Any:
    if fmt in ("google_play", "rss"):
        return body
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise Invalid(_("the body is not JSON: {error}").format(error=str(e)[:200]), field="body") from None


def _check_format(fmt: str) -> str:
    if fmt not in service.FORMATS:
        raise Invalid(
            _("unknown format {value}: expected one of {values}").format(
                value=repr(fmt), values=", ".join(service.FORMATS)
            ),
            field="format",
        )
    return fmt


@router.post("/imports")
async def import_mentions(
    request: Request, ctx: Import, body: BodyDep, format: str = Query(...)
) -> IngestRead:  # noqa: A002
    """A platform's payload or export as the body: `x`, `instagram`, `tiktok`, `youtube`, `app_store`,
    `google_reviews` (JSON), `google_play` (the reviews CSV), `rss` (an RSS or Atom document), `tajriba`."""
    fmt = _check_format(format)
    return await _store(request, lambda now: service.parse(_decoded(body, fmt), fmt, now=now), ctx=ctx)


@router.post("/webhooks/{key}")
async def webhook(request: Request, key: str, body: BodyDep, format: str = Query("tajriba")) -> IngestRead:  # noqa: A002
    """A listening provider's delivery, signed with the source's secret (Standard Webhooks headers
    `webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256 of "id.timestamp.body")."""
    fmt = _check_format(format)
    return await _store(
        request, lambda now: service.parse(_decoded(body, fmt), fmt, now=now), source_key=key, body=body
    )


# ---- mentions out ----------------------------------------------------------------------------------------------


@router.get("/mentions")
def list_mentions(
    wh: WarehouseDep,
    ctx: Read,
    start: date | None = None,
    end: date | None = None,
    query_id: int | None = None,
    platform: Annotated[list[str] | None, Query()] = None,
    sentiment: str | None = None,
    language: str | None = Query(None, max_length=8),
    dialect: str | None = Query(None, max_length=20),
    touchpoint_id: int | None = None,
    q: str | None = Query(None, max_length=200),
    topic: str | None = Query(None, max_length=64),
    limit: int = 50,
    offset: int = 0,
) -> MentionList:
    """The mention stream, newest first (text redacted for roles without pii:read)."""
    filters = service.between(
        ctx.workspace, start, end, query_id=query_id, platforms=platform or [], sentiment=sentiment,
        language=language, dialect=dialect, touchpoint_id=touchpoint_id, words=q, topic=topic,
    )  # fmt: skip
    rows, total = service.page(wh, ctx.workspace.id, filters, limit=limit, offset=offset)
    return MentionList(
        total=total,
        limit=limit,
        offset=offset,
        mentions=[MentionRead.model_validate(as_seen(r, ctx)) for r in rows],
    )


@router.get("/mentions/{mention_id}")
def get_mention(wh: WarehouseDep, ctx: Read, mention_id: str) -> MentionRead:
    row = service.one(wh, ctx.workspace.id, mention_id[:80])
    if row is None:
        raise NotFound(_("no such mention"))
    return MentionRead.model_validate(as_seen(row, ctx))


@router.post("/mentions/{mention_id}/replies", status_code=201)
def reply(db: DB, wh: WarehouseDep, ctx: Work, mention_id: str, body: ReplyIn) -> ReplyRead:
    """Keep a reply to a mention (from its case) for the provider to post."""
    if service.one(wh, ctx.workspace.id, mention_id[:80]) is None:
        raise NotFound(_("no such mention"))
    row = service.reply(
        db, workspace_id=ctx.workspace.id, mention_id=mention_id, data=body, user_id=None, actor=ctx
    )
    return ReplyRead.model_validate(row, from_attributes=True)


@router.get("/replies")
def list_replies(
    db: DB, ctx: Read, status: str | None = Query(None, pattern="^(pending|posted)$")
) -> ReplyList:
    """Replies to post (`status=pending`) or posted; the provider reads them and marks each posted."""
    rows = service.replies(db, workspace_id=ctx.workspace.id, status=status)
    return ReplyList(replies=[ReplyRead.model_validate(r, from_attributes=True) for r in rows])


@router.post("/replies/{reply_id}/posted")
def reply_posted(db: DB, ctx: Feed, reply_id: int) -> ReplyRead:
    row = service.mark_posted(db, workspace_id=ctx.workspace.id, reply_id=reply_id, actor=ctx)
    return ReplyRead.model_validate(row, from_attributes=True)


# ---- queries, sources ------------------------------------------------------------------------------------------


def _query(q: Any) -> QueryRead:
    return QueryRead.model_validate(q, from_attributes=True)


@router.get("/queries")
def list_queries(db: DB, ctx: Read) -> QueryList:
    return QueryList(queries=[_query(q) for q in service.list_queries(db, ctx.workspace.id)])


@router.post("/queries", status_code=201)
def create_query(db: DB, ctx: Manage, body: QueryIn) -> QueryRead:
    """A brand, competitor or topic to listen for; stored mentions are retagged in the background."""
    return _query(service.create_query(db, workspace=ctx.workspace, data=body, actor=ctx))


@router.put("/queries/{query_id}")
def update_query(db: DB, ctx: Manage, query_id: int, body: QueryIn) -> QueryRead:
    query = service.get_query(db, workspace_id=ctx.workspace.id, query_id=query_id)
    return _query(service.update_query(db, query=query, data=body, actor=ctx))


@router.delete("/queries/{query_id}", status_code=204)
def delete_query(db: DB, ctx: Manage, query_id: int) -> None:
    service.delete_query(
        db, query=service.get_query(db, workspace_id=ctx.workspace.id, query_id=query_id), actor=ctx
    )


def _source(s: Any, *, secret: bool = False) -> SourceRead:
    out = SourceRead.model_validate(s, from_attributes=True)
    return out if secret else out.model_copy(update={"secret": None})


@router.get("/sources")
def list_sources(db: DB, ctx: Manage) -> list[SourceRead]:
    return [_source(s) for s in service.list_sources(db, ctx.workspace.id)]


@router.post("/sources", status_code=201)
def create_source(db: DB, ctx: Manage, body: SourceIn) -> SourceRead:
    """A signed webhook (its secret is in this answer only) or an RSS/Atom feed read every `every_minutes`."""
    return _source(service.create_source(db, workspace=ctx.workspace, data=body, actor=ctx), secret=True)


@router.delete("/sources/{source_id}", status_code=204)
def delete_source(db: DB, ctx: Manage, source_id: int) -> None:
    service.delete_source(
        db, source=service.get_source(db, workspace_id=ctx.workspace.id, source_id=source_id), actor=ctx
    )


# ---- the dashboard ---------------------------------------------------------------------------------------------


@router.get("/overview")
def overview(
    db: DB, wh: WarehouseDep, ctx: Read, start: date | None = None, end: date | None = None
) -> Overview:
    """Totals, share of voice with intervals, sentiment per brand, volume per day, platforms, dialects, topics, top
    authors and the most engaged mentions over local days [start, end)."""
    data = service.overview(db, wh, workspace=ctx.workspace, start=start, end=end)
    data["engaged"] = [as_seen(r, ctx) for r in data["engaged"]]
    if not ctx.can("pii:read"):
        data["authors"] = [a | {"name": None} for a in data["authors"]]
    return Overview.model_validate(data)


@router.get("/spikes")
def spikes(
    wh: WarehouseDep,
    ctx: Read,
    query_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    days: int = Query(60, ge=1, le=366),
) -> SpikeList:
    """Spikes on local days [start, end) (default: the last `days` days) against the seasonal baseline, with
    their words, topics and examples."""
    last = end or Window.of(ctx.workspace).today() + timedelta(days=1)
    first = start or last - timedelta(days=days)
    if not timedelta(days=1) <= last - first <= timedelta(days=366):
        raise Invalid(_("ask for spikes over 1 to 366 days, the first before the last"), field="start")
    found = service.spikes(wh, workspace=ctx.workspace, query_id=query_id, start=first, end=last)
    for s in found:
        s["examples"] = [as_seen(r, ctx) for r in s["examples"]]
    return SpikeList.model_validate({"query_id": query_id, "spikes": found})
