"""What the journeys pages share: the permissions they ask for, rendering with the journeys vocabulary,
redirects within the workspace, and reading form fields (names per language, lines, optional numbers)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.journeys import journey_map, schemas
from tajriba.models import Membership, User
from tajriba.web.deps import DB, Context, Require

Read = Annotated[Context, Depends(Require("journeys:read"))]
Write = Annotated[Context, Depends(Require("journeys:write"))]
DEFAULT_STAGES = [
    ("awareness", "Awareness"),
    ("consideration", "Consideration"),
    ("purchase", "Purchase"),
    ("delivery", "Delivery"),
    ("support", "Support"),
    ("loyalty", "Loyalty and advocacy"),
]


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("active", "journeys")
    context.setdefault("vocab", schemas)
    return request.app.state.renderer.page(request, template, status=status, **context)


def back(ctx: Context, path: str) -> RedirectResponse:
    return RedirectResponse(f"/w/{ctx.workspace.slug}{path}", status_code=303)


def members(db: DB, ctx: Context) -> list[tuple[int, str]]:
    rows = db.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == ctx.workspace.id)
        .order_by(User.name)
    )
    return [(int(i), str(n)) for i, n in rows]


def names(form: FormData, prefix: str = "name") -> dict[str, str]:
    return {
        loc: str(v).strip()
        for loc in schemas.LOCALES
        if (v := form.get(f"{prefix}_{loc}")) and str(v).strip()
    }


def lines(value: Any) -> list[str]:
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def opt_int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def map_filters(
    persona: str | None = None,
    start: str | None = None,
    end: str | None = None,
    channel: str | None = None,
    language: str | None = None,
) -> journey_map.Filters:
    """The map's filters from a page's query: persona key, period [start, end) by day, channel, language."""

    def day(value: str | None, field: str) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise Invalid(_("Use a date like 2026-03-31."), field=field) from None

    return journey_map.Filters(
        persona=persona or None,
        start=day(start, "start"),
        end=day(end, "end"),
        channel=channel or None,
        language=language or None,
    )
