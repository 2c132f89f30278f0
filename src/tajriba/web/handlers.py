"""How errors reach people: JSON with a code, a message and the field for API clients; a page in the
reader's language for browsers; a 500 with a reference to quote, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, OperationalError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tajriba.errors import Busy, Invalid, RetryLater, TajribaError
from tajriba.i18n import N_, _
from tajriba.web.deps import LoginRequired
from tajriba.web.render import Renderer

log = logging.getLogger("tajriba")
JSON_PREFIXES = ("/api/", "/v1/", "/healthz")
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


def install(app: FastAPI) -> None:
    """Register the handlers: the most specific error first, anything else last."""
    app.add_exception_handler(LoginRequired, _login)  # type: ignore[arg-type]
    app.add_exception_handler(TajribaError, _expected)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    for kind in (OverflowError, UnicodeEncodeError, StatementError):
        app.add_exception_handler(kind, _rejected)
    app.add_exception_handler(Exception, _unexpected)


def wants_json(request: Request) -> bool:
    return (
        request.url.path.startswith(JSON_PREFIXES)
        or "application/json" in request.headers.get("accept", "").split(",")[0]
    )


async def _login(request: Request, exc: LoginRequired) -> Response:
    if wants_json(request):
        return JSONResponse(exc.to_dict(), status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    from urllib.parse import quote

    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


async def _expected(request: Request, exc: TajribaError) -> Response:
    headers = {}
    if isinstance(exc, RetryLater):
        headers["Retry-After"] = str(exc.retry_after)
    if wants_json(request):
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)
    return _error_page(request, exc.status, exc.message, headers)


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


async def _http(request: Request, exc: StarletteHTTPException) -> Response:
    message = _("Page not found.") if exc.status_code == 404 else str(exc.detail)
    if wants_json(request):
        code = {404: "not_found", 413: "too_large"}.get(exc.status_code, "http_error")
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=exc.status_code)
    return _error_page(request, exc.status_code, message)


async def _rejected(request: Request, exc: Exception) -> Response:
    rejected = _unstorable(exc)
    if rejected is not None:  # a value the databases cannot hold: the caller's mistake, not ours
        return await _expected(request, Invalid(rejected))
    if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
        # SQLite's write lock held past the busy timeout: the transaction was rolled back, nothing half-done;
        # the caller may simply try again (logged: a lock held that long is worth a look)
        log.warning("database locked past the busy timeout request_id=%s path=%s",
                    getattr(request.state, "request_id", "-"), request.url.path)  # fmt: skip
        return await _expected(request, Busy(_("The database is busy; try again in a few seconds.")))
    return await _unexpected(request, exc)


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
