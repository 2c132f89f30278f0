"""The Segment/RudderStack-compatible tracking API under /v1 (contract: shared/contracts/segment)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from tajriba.accounts import service as accounts
from tajriba.db.session import transaction
from tajriba.errors import Unauthorized
from tajriba.ingest import mapping
from tajriba.ingest.buffer import Ingestor, Saturated
from tajriba.ingest.messages import TYPES, IngestError
from tajriba.ingest.parsers import Parsers
from tajriba.ingest.schemas import ReappliedRead, RuleCreate, RuleRead, RulesRead
from tajriba.ingest.segment import MAX_REQUEST_BYTES, SHORT_PATHS, basic_auth_user
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep

log = logging.getLogger("tajriba.ingest")

router = APIRouter(tags=["tracking"])
OK = b'{"success":true}'
KEY_CACHE_S = 60.0
BAD_KEY_CACHE_S = 5.0
RAW_LIMIT = MAX_REQUEST_BYTES + 64 * 1024  # a gzip body may be slightly larger than what it holds


def _cors(request: Request, response: Response) -> Response:
    origin = request.headers.get("origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


def _error(request: Request, err: IngestError, headers: dict[str, str] | None = None) -> Response:
    return _cors(request, JSONResponse(err.body(), status_code=err.status, headers=headers))


async def _read(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > RAW_LIMIT:
        raise IngestError(
            400, "too_large", f"request body is {length} bytes; the limit is {MAX_REQUEST_BYTES} bytes"
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > RAW_LIMIT:
            raise IngestError(400, "too_large", f"request body is over {MAX_REQUEST_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _workspace_for_key(request: Request, key: str | None) -> int:
    """Resolve a write key to its workspace, cached for a minute (revocation takes effect within it).

    A cache miss reads the application database in the thread pool, never on the event loop; unknown keys
    are remembered for a few seconds too, so a flood of bad keys does not reach the database."""
    if not key:
        raise IngestError(401, "missing_write_key", "send the write key as HTTP Basic username or 'writeKey'")
    cache: dict[str, tuple[int | None, float]] = request.app.state.write_keys
    hit = cache.get(key)
    now = time.monotonic()
    if hit is None or hit[1] <= now:
        workspace_id = await run_in_threadpool(_lookup_key, request.app.state.session_factory, key)
        if len(cache) > 10_000:
            cache.clear()
        hit = (workspace_id, now + (KEY_CACHE_S if workspace_id is not None else BAD_KEY_CACHE_S))
        cache[key] = hit
    if hit[0] is None:
        raise IngestError(401, "invalid_write_key", "invalid write key")
    return hit[0]


def _lookup_key(session_factory: Any, key: str) -> int | None:
    with transaction(session_factory, mode="reads") as session:  # a last-used stamp at most
        try:
            return accounts.resolve_key(session, token=key, kind="write").workspace_id
        except Unauthorized:
            return None


async def _ingest(request: Request, path_type: str | None) -> Response:
    received_at = datetime.now(UTC)
    try:
        raw = await _read(request)
        parsers: Parsers = request.app.state.parsers
        parsed, body_key = await parsers.parse(
            raw, request.headers.get("content-encoding"), path_type=path_type, received_at=received_at
        )
        key = (
            basic_auth_user(request.headers.get("authorization"))
            or body_key
            or request.query_params.get("writeKey")
        )
        workspace_id = await _workspace_for_key(request, key)
        ingestor: Ingestor = request.app.state.ingestor
        await ingestor.submit(workspace_id, parsed)
    except IngestError as err:
        return _error(request, err)
    except Saturated as exc:
        busy = IngestError(503, "saturated", f"busy: {exc}; retry shortly")
        return _error(request, busy, {"Retry-After": "1", "X-RateLimit-Reset": "1"})
    except Exception:  # noqa: BLE001 - storing failed: 500 makes every client resend the batch
        log.exception("a tracking request failed")
        failed = IngestError(500, "store_failed", "the events could not be stored; retry")
        return _error(request, failed, {"Retry-After": "1"})
    return _cors(request, Response(OK, media_type="application/json"))


def _route(path: str, path_type: str | None) -> None:
    async def endpoint(request: Request) -> Response:
        return await _ingest(request, path_type)

    endpoint.__name__ = f"ingest_{path.strip('/').replace('/', '_')}"
    router.add_api_route(path, endpoint, methods=["POST"], include_in_schema=path == "/v1/batch")


for _path in ("/v1/batch", "/v1/b", "/batch", "/b"):
    _route(_path, None)
for _type in TYPES:
    _route(f"/v1/{_type}", _type)
for _short, _type in SHORT_PATHS.items():
    _route(f"/v1/{_short}", _type)


@router.post("/v1/m", include_in_schema=False)
async def telemetry(request: Request) -> Response:
    """analytics.js telemetry: accepted and discarded."""
    await _read(request)
    return _cors(request, Response(OK, media_type="application/json"))


@router.options("/v1/{rest:path}", include_in_schema=False)
async def preflight(request: Request, rest: str) -> Response:
    """CORS preflight for browsers (analytics.js sends Authorization and X-Retry-Count)."""
    headers = {
        "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
        "Access-Control-Allow-Headers": request.headers.get("access-control-request-headers")
        or "Content-Type, Authorization, X-Retry-Count",
        "Access-Control-Max-Age": "900",
    }
    return _cors(request, Response(status_code=204, headers=headers))


@router.get("/v1/projects/{write_key}/settings", include_in_schema=False)
async def project_settings(request: Request, write_key: str) -> Response:
    """What analytics.js loads at start when its cdnURL points here."""
    try:
        await _workspace_for_key(request, write_key)
    except IngestError as err:
        return _error(request, err)
    host = request.headers.get("host", "localhost")
    body = {
        "integrations": {
            "Segment.io": {"apiKey": write_key, "apiHost": f"{host}/v1", "protocol": request.url.scheme}
        },
        "plan": {"track": {"__default": {"enabled": True}}, "identify": {"__default": {"enabled": True}}},
    }
    return _cors(request, JSONResponse(body))


# -- touchpoint rules (JSON API, token auth) ------------------------------------------------------


rules_router = APIRouter(prefix="/api/v1/touchpoint-rules", tags=["tracking"])


@rules_router.get("")
def list_rules(db: DB, ctx: Annotated[Context, Depends(RequireKey("journeys:read"))]) -> RulesRead:
    """Rules in the order they are tried; the first match maps an event to its touchpoint."""
    rules = mapping.list_rules(db, workspace=ctx.workspace)
    return RulesRead(rules=[RuleRead.model_validate(r, from_attributes=True) for r in rules])


@rules_router.post("", status_code=201)
def create_rule(
    request: Request,
    db: DB,
    ctx: Annotated[Context, Depends(RequireKey("journeys:write"))],
    rule_in: RuleCreate,
) -> RuleRead:
    rule = mapping.create_rule(db, workspace=ctx.workspace, **rule_in.model_dump(), actor=ctx)
    request.app.state.ingest_rules.forget(ctx.workspace.id)
    return RuleRead.model_validate(rule, from_attributes=True)


@rules_router.delete("/{rule_id}", status_code=204)
def delete_rule(
    request: Request, db: DB, ctx: Annotated[Context, Depends(RequireKey("journeys:write"))], rule_id: int
) -> Response:
    mapping.delete_rule(db, workspace=ctx.workspace, rule_id=rule_id, actor=ctx)
    request.app.state.ingest_rules.forget(ctx.workspace.id)
    return Response(status_code=204)


@rules_router.post("/reapply")
def reapply_rules(
    db: DB, wh: WarehouseDep, ctx: Annotated[Context, Depends(RequireKey("journeys:write"))]
) -> ReappliedRead:
    """Map stored tracking events again with the current rules."""
    return ReappliedRead(events=mapping.reapply_rules(db, wh, workspace=ctx.workspace, actor=ctx))
