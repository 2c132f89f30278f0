"""What the survey pages share: the permissions they ask for, question type names, rendering, redirects
within the workspace, and reading optional numbers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from tajriba.i18n import N_
from tajriba.web.deps import Context, Require

Read = Annotated[Context, Depends(Require("surveys:read"))]
Write = Annotated[Context, Depends(Require("surveys:write"))]


TYPE_LABELS = {
    "nps": N_("NPS (0-10)"),
    "csat": N_("CSAT (1-5 or 1-10)"),
    "ces": N_("Customer Effort Score (1-7)"),
    "rating": N_("Star rating"),
    "single": N_("Single choice"),
    "multiple": N_("Multiple choice"),
    "text": N_("Open text"),
    "matrix": N_("Matrix (rate several aspects)"),
    "consent": N_("Consent"),
}


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("active", "surveys")
    return request.app.state.renderer.page(request, template, status=status, **context)


def back(ctx: Context, path: str, **query: str) -> RedirectResponse:
    from urllib.parse import urlencode

    suffix = ("?" + urlencode(query)) if query else ""
    return RedirectResponse(f"/w/{ctx.workspace.slug}{path}{suffix}", status_code=303)


def opt_int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


CONDITION_OPS = ("=", "!=", "<=", ">=", "<", ">", "between", "in", "answered", "not_answered")
