"""create_app(settings): engines, session factory, warehouse, routers, error handlers and the worker."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, StatementError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tajriba import __version__
from tajriba import wiring as _wiring  # noqa: F401  (job handlers and workspace set-up, on import)
from tajriba.config import Settings
from tajriba.db.session import make_engine, make_session_factory
from tajriba.errors import Invalid, TajribaError, TooManyRequests
from tajriba.i18n import LOCALES, N_, _, set_locale
from tajriba.web.deps import CSRF_COOKIE, LOCALE_COOKIE, SAFE_METHODS, Directory, LoginRequired
from tajriba.web.params import check_ids
from tajriba.web.render import Renderer

log = logging.getLogger("tajriba")
# what a page says (in the reader's language) for the validation errors a hand-edited address causes
VALIDATION_PROBLEMS = {
    "int_parsing": N_("expected a whole number"),
    "int_type": N_("expected a whole number"),
    "float_parsing": N_("expected a number"),
    "bool_parsing": N_("expected yes or no"),
    "date_parsing": N_("expected a date as YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("expected a date as YYYY-MM-DD"),
    "datetime_parsing": N_("expected a date and time"),
    "missing": N_("required, but empty"),
    "greater_than_equal": N_("too small"),
    "less_than_equal": N_("too large"),
    "string_too_long": N_("too long"),
    "literal_error": N_("not one of the allowed values"),
    "value_error": N_("not a valid value"),
}
STATIC = Path(__file__).parent / "web" / "static"
JSON_PREFIXES = ("/api/", "/v1/", "/healthz")
NO_BROWSER_STATE = ("/v1/", "/api/", "/static/", "/batch", "/b")
INGEST_PREFIXES = ("/v1/", "/batch", "/b")
# Scripts only from our own files (no inline script, no eval: markup declares behaviour, tajriba.js acts);
# inline style attributes stay allowed (charts and bars size themselves with them). Respondent pages may be
# embedded in the customer's own site; nothing else may be framed. FastAPI's /api/docs page loads Swagger UI
# with an inline script and is exempt.
_CSP_BASE = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)
CSP = _CSP_BASE + "; frame-ancestors 'none'"
CSP_EMBEDDABLE = _CSP_BASE + "; frame-ancestors *"
# the survey preview sits in a frame beside the builder: our own pages may frame it, nobody else
CSP_SAME_ORIGIN = _CSP_BASE + "; frame-ancestors 'self'"
CSP_EXEMPT = ("/api/docs",)


def create_app(settings: Settings, *, start_worker: bool | None = None) -> FastAPI:
    """Build the application; stores are opened here, the worker starts with the app's lifespan."""
    from tajriba.db import migrate
    from tajriba.warehouse import open_warehouse

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url, pool_size=settings.threads + 4)
    migrate.upgrade(engine)
    warehouse = open_warehouse(settings.warehouse_address)
    warehouse.create_schema()
    run_worker = settings.worker if start_worker is None else start_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        from tajriba.ingest.buffer import Ingestor

        # every sync route runs in this pool; the database pool holds one connection per thread (plus the
        # worker's and the ingest thread's), so no route ever waits for a connection
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        from tajriba.ingest.rules import RulesCache

        app.state.ingest_rules = RulesCache(app.state.session_factory)
        # the tracking API's flushes write through a handle of their own: they never queue behind the
        # survey answers and jobs that share the main handle's write lock (DuckDB isolates the two)
        ingest_handle = warehouse.cursor()
        app.state.ingestor = Ingestor(ingest_handle, app.state.ingest_rules.get)
        app.state.ingestor.start()
        worker = None
        if run_worker:
            from tajriba.jobs.worker import Worker

            worker = Worker(app.state.session_factory, settings=settings, warehouse=warehouse)
            worker.start()
        app.state.worker = worker
        yield
        app.state.ingestor.stop()
        ingest_handle.close()
        if worker is not None:
            worker.stop()
        warehouse.close()
        engine.dispose()

    app = FastAPI(
        title="Tajriba",
        version=__version__,
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        dependencies=[Depends(check_ids)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.warehouse = warehouse
    # the domains' parts of the web shell (imported here, like the routers, so importing the module stays light)
    from tajriba.accounts import service as accounts_service
    from tajriba.customers import service as customers_service
    from tajriba.journeys import service as journeys_service
    from tajriba.value import service as value_service

    app.state.renderer = Renderer(settings.secret, filters={"mask": customers_service.mask})
    directory: Directory = accounts_service
    # the customer profile page shows parts other domains own (customers sits below them)
    app.state.profile_sections = (journeys_service.profile_section, value_service.profile_section)
    app.state.directory = directory
    app.state.started_at = time.time()
    app.state.write_keys = {}
    # SQLite: requests that write take turns (web.deps.write_turn); PostgreSQL lets them run together
    app.state.write_turn = anyio.Lock() if engine.dialect.name == "sqlite" else None

    _install_middleware(app, settings)
    _install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _include_routers(app)
    return app


def routers() -> list[APIRouter]:
    """Every router of the application, in the order they are included (tests walk these routes)."""
    from tajriba.accounts import api as accounts_api
    from tajriba.accounts import pages as accounts_pages
    from tajriba.cases import api as cases_api
    from tajriba.cases import pages as cases_pages
    from tajriba.customers import api as customers_api
    from tajriba.customers import pages as customers_pages
    from tajriba.goals import api as goals_api
    from tajriba.goals import pages as goals_pages
    from tajriba.ingest import api as ingest_api
    from tajriba.ingest import pages as ingest_pages
    from tajriba.ingest.imports import pages as import_pages
    from tajriba.journeys import analytics_api as journey_analytics_api
    from tajriba.journeys import api as journeys_api
    from tajriba.journeys import pages as journeys_pages
    from tajriba.metrics import api as metrics_api
    from tajriba.overview import api as overview_api
    from tajriba.overview import pages as overview_pages
    from tajriba.reports import pages as reports_pages
    from tajriba.stories import api as stories_api
    from tajriba.stories import pages as stories_pages
    from tajriba.surveys import api as surveys_api
    from tajriba.surveys import pages as surveys_pages
    from tajriba.surveys import respondent
    from tajriba.text import api as text_api
    from tajriba.text import pages as text_pages
    from tajriba.value import api as value_api
    from tajriba.value import pages as value_pages
    from tajriba.web import health

    return [
        health.router,
        ingest_api.router,
        respondent.router,
        accounts_pages.router,
        overview_pages.router,
        value_pages.router,
        text_pages.router,
        journeys_pages.router,
        customers_pages.router,
        ingest_pages.router,
        import_pages.router,
        accounts_api.router,
        customers_api.router,
        ingest_api.rules_router,
        overview_api.router,
        journeys_api.router,
        journeys_api.touchpoints_router,
        journeys_api.personas_router,
        journeys_api.items_router,
        journey_analytics_api.analytics_router,
        value_api.router,
        text_api.router,
        metrics_api.router,
        surveys_api.router,
        surveys_pages.router,
        goals_api.router,
        goals_pages.router,
        stories_api.router,
        stories_pages.router,
        cases_api.router,
        cases_pages.router,
        reports_pages.router,
        reports_pages.shared_router,
    ]


def _include_routers(app: FastAPI) -> None:
    for router in routers():
        app.include_router(router)


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(RequestContext, settings=settings)


class BodyTooLarge(StarletteHTTPException):
    """A request body over its route's limit (413); raised while the body is read, so nothing is buffered."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            _("The request body is larger than {limit} bytes, the limit for this address.").format(
                limit=limit
            ),
        )


def body_limit(path: str, settings: Settings) -> int | None:
    """The largest body a path accepts: uploads of import files, the tracking API (its own limit), the rest."""
    if path.startswith(INGEST_PREFIXES):
        return None  # the tracking API reads its body with its own limit and Segment-style errors
    if path.startswith("/w/") and path.rstrip("/").endswith("/imports"):
        return settings.upload_max_bytes
    return settings.api_max_body_bytes


def _limited(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def receive_limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_limited


class RequestContext:
    """Per request: an id, the CSRF cookie (set when missing), the locale, and the security headers.

    A plain ASGI middleware (not `@app.middleware("http")`, whose BaseHTTPMiddleware runs the app in a
    second task and copies the response stream): the respondent pages have to stay fast."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.default_locale = settings.default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        limit = body_limit(path, self.settings)
        if limit is not None and scope["method"] not in SAFE_METHODS:
            length = request.headers.get("content-length", "")
            # a declared length over the limit is refused before a byte is read (the handlers render it)
            too_long = length.isdigit() and int(length) > limit
            receive = _refuse(limit) if too_long else _limited(receive, limit)
        request_id = request.headers.get("x-request-id") or secrets.token_hex(8)
        request.state.request_id = request_id
        cookie = request.cookies.get(CSRF_COOKIE)
        new_cookie = None
        if not cookie and not path.startswith(NO_BROWSER_STATE):
            new_cookie = cookie = secrets.token_urlsafe(24)
        request.state.csrf_cookie = cookie or ""
        if path.startswith(("/api/", "/v1/")):
            locale = api_locale(request.headers.get("accept-language"))
            request.state.api_locale = locale
        else:
            locale = request.cookies.get(LOCALE_COOKIE) or self.default_locale
        set_locale(locale)
        request.state.locale = locale
        frame = not path.startswith(("/v1/", "/s/"))
        own_frame = path.startswith("/w/") and path.endswith("/preview")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in (
                    ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "same-origin"),
                ):
                    if name not in headers:
                        headers[name] = value
                if frame and "X-Frame-Options" not in headers:
                    headers["X-Frame-Options"] = "SAMEORIGIN" if own_frame else "DENY"
                if not path.startswith(CSP_EXEMPT) and "Content-Security-Policy" not in headers:
                    headers["Content-Security-Policy"] = (
                        CSP_SAME_ORIGIN if own_frame else CSP if frame else CSP_EMBEDDABLE
                    )
                if request.url.scheme == "https":  # behind a TLS proxy (X-Forwarded-Proto)
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
                if new_cookie:
                    headers.append(
                        "set-cookie", _csrf_cookie_header(new_cookie, secure=request.url.scheme == "https")
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _refuse(limit: int) -> Receive:
    async def receive_nothing() -> Message:
        raise BodyTooLarge(limit)

    return receive_nothing


def _csrf_cookie_header(value: str, *, secure: bool) -> str:
    holder = Response()
    holder.set_cookie(CSRF_COOKIE, value, httponly=True, samesite="lax", secure=secure, path="/")
    return holder.headers["set-cookie"]


def api_locale(accept_language: str | None) -> str:
    """The API answers in the first of ar, fa, en that Accept-Language names, else in English."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LOCALES:
            return code
    return "en"


def wants_json(request: Request) -> bool:
    return (
        request.url.path.startswith(JSON_PREFIXES)
        or "application/json" in request.headers.get("accept", "").split(",")[0]
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request):
            return JSONResponse(exc.to_dict(), status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(TajribaError)
    async def _expected(request: Request, exc: TajribaError) -> Response:
        headers = {}
        if isinstance(exc, TooManyRequests):
            headers["Retry-After"] = str(exc.retry_after)
        if wants_json(request):
            return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)
        return _error_page(request, exc.status, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = first.get("loc", ())
        loc = [str(p) for p in where if p not in ("body", "query", "path", "form")]
        field = ".".join(loc) or None
        if wants_json(request):
            message = _("Invalid value for {field}: {problem}").format(
                field=field or "request", problem=first.get("msg", "invalid")
            )
            return JSONResponse(
                TajribaError(message, code="invalid", status=422, field=field).to_dict(), status_code=422
            )
        if where[:1] == ("path",):  # /w/demo/cases/abc on a page: an address that does not exist
            return _error_page(request, 404, _("Not found."))
        problem = _(VALIDATION_PROBLEMS.get(str(first.get("type", "")), N_("not a valid value")))
        return _error_page(
            request,
            422,
            _("Invalid value for {field}: {problem}").format(field=field or "?", problem=problem),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = _("Page not found.") if exc.status_code == 404 else str(exc.detail)
        if wants_json(request):
            code = {404: "not_found", 413: "too_large"}.get(exc.status_code, "http_error")
            return JSONResponse({"error": {"code": code, "message": message}}, status_code=exc.status_code)
        return _error_page(request, exc.status_code, message)

    @app.exception_handler(OverflowError)
    @app.exception_handler(UnicodeEncodeError)
    @app.exception_handler(StatementError)
    async def _rejected(request: Request, exc: Exception) -> Response:
        rejected = _unstorable(exc)
        if rejected is not None:  # a value the databases cannot hold: the caller's mistake, not ours
            return await _expected(request, Invalid(rejected))
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        rid = getattr(request.state, "request_id", "-")
        log.exception("unhandled error request_id=%s path=%s", rid, request.url.path)
        message = _("Something went wrong on our side. Reference: {rid}").format(rid=rid)
        if wants_json(request):
            return JSONResponse(
                {"error": {"code": "internal", "message": message}},
                status_code=500,
                headers={"X-Request-ID": rid},
            )
        response = _error_page(request, 500, message)
        response.headers["X-Request-ID"] = rid
        return response


def _unstorable(exc: Exception) -> str | None:
    """The message for a value the databases cannot hold (a number past 64 bits, a lone surrogate), else None."""
    cause = exc.orig if isinstance(exc, StatementError) else exc
    if isinstance(cause, OverflowError):
        return _("A number in the request is too large.")
    if isinstance(cause, UnicodeEncodeError):  # JSON may carry lone surrogates ("\\ud800")
        return _("The request holds text that is not valid Unicode.")
    if isinstance(exc, DataError):
        return _("A value in the request cannot be stored: {problem}").format(problem=str(exc.orig)[:200])
    return None


def _error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    renderer: Renderer = request.app.state.renderer
    # The request's transaction is over (rolled back): error pages show no workspace navigation.
    request.state.ctx = None
    titles = {
        401: _("Please log in"),
        403: _("Not allowed"),
        404: _("Not found"),
        413: _("Too large"),
        422: _("Check your input"),
        429: _("Too many attempts"),
        500: _("Server error"),
    }
    response = renderer.page(
        request, "error.html", status=status, title=titles.get(status, _("Error")), message=message
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
