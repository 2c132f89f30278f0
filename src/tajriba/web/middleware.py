"""What every request passes through (a plain ASGI middleware): an id, the CSRF cookie, the locale, the
security headers (CSP, framing) and the body limits."""

from __future__ import annotations

import secrets

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tajriba.config import Settings
from tajriba.i18n import LOCALES, _, set_locale
from tajriba.web.deps import CSRF_COOKIE, LOCALE_COOKIE, SAFE_METHODS

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


class BodyTooLarge(StarletteHTTPException):
    """A request body over its route's limit (413); raised while the body is read, so nothing is buffered."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            _("The request body is larger than {limit} bytes, the limit for this address.").format(
                limit=limit
            ),
        )


HISTORY_UPLOADS = ("/staffing/contacts", "/staffing/schedule")  # a contact centre's year, a month's schedule
HISTORY_MAX_BYTES = 32 << 20


def body_limit(path: str, settings: Settings) -> int | None:
    """The largest body a path accepts: uploads of import files, the tracking API (its own limit), a contact
    centre's interval history or schedule (32 MiB: a year of half hours for a few teams), the rest."""
    if path.startswith(INGEST_PREFIXES):
        return None  # the tracking API reads its body with its own limit and Segment-style errors
    if path.startswith("/w/") and path.rstrip("/").endswith("/imports"):
        return settings.upload_max_bytes
    if path.rstrip("/").endswith(HISTORY_UPLOADS):
        return max(HISTORY_MAX_BYTES, settings.api_max_body_bytes)
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
