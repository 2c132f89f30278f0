"""Jinja2 environment with translations, locale-aware filters and the page renderer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from tajriba import __version__, calendars, i18n
from tajriba.calendars import CALENDAR_LABELS
from tajriba.permissions import ROLE_LABELS
from tajriba.security import csrf_token

TEMPLATES = Path(__file__).parent / "templates"


# Embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069) typed into a name can reverse the
# text around it on screen ("‮gpj.exe" shows as "exe.jpg"); every value a page shows drops them. The marks
# Arabic and Persian text legitimately needs (LRM, RLM, ALM, ZWNJ) stay.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def without_bidi_controls(value: object) -> object:
    """Jinja `finalize`: what every {{ expression }} prints, minus bidi embedding/override/isolate controls."""
    if isinstance(value, str):
        cleaned = value.translate(BIDI_CONTROLS)
        return type(value)(cleaned) if isinstance(value, Markup) else cleaned
    return value


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=without_bidi_controls,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    from tajriba import labels

    env.filters["own"] = own_words
    env.filters["channel"] = labels.channel_label
    env.filters["language"] = labels.language_label
    env.filters["sentiment"] = labels.sentiment_label
    env.filters["event"] = labels.event_label
    env.filters["trait"] = labels.trait_label
    env.filters["trait_value"] = labels.trait_value
    env.filters["country"] = labels.country_label
    env.filters["invitation_status"] = labels.invitation_status
    env.filters["skip_reason"] = labels.skip_reason
    env.filters["detail_key"] = labels.detail_key
    env.filters["detail_value"] = labels.detail_value
    env.filters["json_pairs"] = labels.json_pairs
    env.tests["named_event"] = labels.is_named_event
    env.globals.update(
        LOCALES=i18n.LOCALES,
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        CALENDARS=i18n.CALENDARS,
        CALENDAR_LABELS=CALENDAR_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        version=__version__,
    )
    return env


def own_words(value: object) -> Markup:
    """Someone's own words or name (a customer's comment, an agent's name) as they wrote it: isolated for
    bidi (a Latin name inside Arabic text keeps its place) and marked translate="no", which also tells the
    Latin-leak check that this is not the product speaking."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return Markup("–")
    return Markup('<bdi translate="no">{}</bdi>').format(value)


def interval(low: object, high: object) -> Markup:
    """Two formatted bounds as "[low – high]" in a left-to-right isolate: inside Arabic or Persian text the
    lower bound stays first and the brackets stay around the pair (the bidi algorithm would mirror them)."""
    return Markup('<bdi class="ci" dir="ltr">[{} – {}]</bdi>').format(low, high)


class Renderer:
    def __init__(self, secret: str, *, filters: dict[str, Any] | None = None) -> None:
        """`filters`: the domains' own template filters, registered by the app factory (e.g. `mask`)."""
        self.env = build_environment()
        self.env.filters.update(filters or {})
        self.secret = secret

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """Render a page (or, for an HTMX request, the template's partial when it exists)."""
        state = request.state
        locale = getattr(state, "locale", "en")
        calendar = getattr(state, "calendar", "gregorian")
        digits = getattr(state, "digits", "latn")
        i18n.set_locale(locale)

        def num(value: float | int | Decimal | None, decimals: int | None = None) -> str:
            return i18n.format_number(value, locale=locale, digits=digits, decimals=decimals)

        def pct(value: float | None, decimals: int = 1) -> str:
            return i18n.format_percent(value, locale=locale, digits=digits, decimals=decimals)

        def day(value: date | datetime | str | None, with_time: bool = False) -> str:
            tz = None
            ctx = getattr(state, "ctx", None)
            if ctx is not None:
                tz = ctx.workspace.timezone
            return calendars.format_date(
                value, locale=locale, calendar=calendar, digits=digits, tz=tz, with_time=with_time
            )

        def ci(
            low: float | None, high: float | None, decimals: int | None = None, percent: bool = False
        ) -> Markup:
            """An interval, isolated left to right so it reads "[low – high]" inside Arabic and Persian text."""
            if low is None or high is None:
                return Markup("")
            if percent:
                return interval(pct(low, decimals or 0), pct(high, decimals or 0))
            return interval(num(low, decimals), num(high, decimals))

        base = {
            "interval": interval,
            "request": request,
            "locale": locale,
            "dir": i18n.DIRECTION.get(locale, "ltr"),
            "calendar": calendar,
            "digits": digits,
            "user": getattr(state, "user", None),
            "ctx": getattr(state, "ctx", None),
            "csrf_token": csrf_token(self.secret, getattr(state, "csrf_cookie", "")),
            "request_id": getattr(state, "request_id", ""),
            "num": num,
            "pct": pct,
            "day": day,
            "ci": ci,
        }
        base.update(context)
        name = template
        if request.headers.get("hx-request") and not request.headers.get("hx-boosted"):
            partial = template.replace(".html", ".partial.html")
            if (TEMPLATES / partial).is_file():
                name = partial
        html = self.env.get_template(name).render(base)
        return HTMLResponse(html, status_code=status)


def attachment(content: bytes, media_type: str, filename: str) -> Response:
    """A download: the body with its type and a file name for the browser to save it as."""
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def error_text(exc: Exception) -> str:
    """What a form page shows for a rejected input: `field: reason` for validation errors, else the message."""
    from pydantic import ValidationError

    from tajriba.errors import TajribaError

    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        return f"{field}: {first.get('msg', '').removeprefix('Value error, ')}"
    return exc.message if isinstance(exc, TajribaError) else str(exc)
