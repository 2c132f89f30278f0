"""What the public respondent page is built from: the page itself (in the respondent's language, right to left
where it reads so), the closed page, the survey's cached definition, and what keeps the page from abuse (a
per-address limit on posted screens, a honeypot field, the cookie keeping a public link's progress)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tajriba import i18n
from tajriba.errors import TooManyRequests
from tajriba.i18n import _
from tajriba.models import Survey, SurveyInvitation
from tajriba.surveys.definition import Definition, pick
from tajriba.web.ratelimit import per_minute

COOKIE = "tjs_"


HONEYPOT = "website"


@lru_cache(maxsize=256)
def parsed(raw: bytes) -> Definition:
    return Definition.model_validate_json(raw)


def definition_cached(survey: Survey) -> Definition:
    """The survey's definition, validated once per content (these pages only read it; keyed by its JSON, so an
    edited survey is never served stale)."""
    return parsed(orjson.dumps(survey.definition))


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    locale = context["locale"]
    i18n.set_locale(locale)
    env = request.app.state.renderer.env
    context.setdefault("digits", "native" if locale in ("ar", "fa") else "latn")

    def n(value: int | float | str) -> str:
        return i18n.apply_digits(str(value), locale, context["digits"])

    html = env.get_template(template).render(
        dir=i18n.DIRECTION.get(locale, "ltr"),
        n=n,
        t=lambda texts: pick(texts, locale, context["fallback"]),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def closed(
    request: Request, survey: Survey | None, message: str, status: int, locale: str | None = None
) -> HTMLResponse:
    definition = definition_cached(survey) if survey is not None else None
    loc = locale or (definition.default_language if definition else "ar")
    i18n.set_locale(loc)
    return page(
        request,
        "respond/closed.html",
        status=status,
        locale=loc,
        fallback=loc,
        title=pick(definition.title, loc, definition.default_language) if definition else "",
        message=message,
    )


def limit(request: Request) -> None:
    """A per-address cap on posted screens (a flood of answers from one address is refused for a minute)."""
    ip = request.client.host if request.client else "unknown"
    wait = per_minute(
        request.app.state, "survey_limiter", request.app.state.settings.survey_rate_per_minute
    ).hit(ip)
    if wait:
        raise TooManyRequests(
            _("Too many answers from this address; try again in a minute."), retry_after=int(wait) + 1
        )


def refused(
    request: Request,
    survey: Survey,
    inv: SurveyInvitation | None,
    form: dict[str, Any],
    token: str,
    locale: str,
) -> Response | None:
    """The answer to a post that must not be recorded (closed survey, used link, a bot), or None."""
    if survey.status != "active":
        return closed(request, survey, _("This survey is closed."), 410, locale)
    if inv is not None and inv.completed_at is not None:
        return closed(request, survey, _("You have already answered this survey. Thank you!"), 410, locale)
    if form.get(HONEYPOT):  # a bot filled the invisible field: thank it and keep nothing
        return RedirectResponse(f"/s/{token}/done?lang={locale}", status_code=303)
    return None


def remember(
    response: Response, survey: Survey, inv: SurveyInvitation | None, cookie: str | None
) -> Response:
    """A public link's respondent keeps their progress token in a cookie (30 days, /s/ only)."""
    if cookie and inv is None:
        response.set_cookie(
            f"{COOKIE}{survey.id}", cookie, max_age=30 * 86400, httponly=True, samesite="lax", path="/s/"
        )
    return response
