"""Pages: customer search and the customer profile with its timeline."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from tajriba.customers import service
from tajriba.customers.consent import PURPOSE_LABELS
from tajriba.errors import Invalid, TajribaError
from tajriba.i18n import _
from tajriba.web.deps import DB, Context, FormDep, Require, WarehouseDep, verify_csrf
from tajriba.web.render import error_text

router = APIRouter(
    prefix="/w/{workspace}/customers", dependencies=[Depends(verify_csrf)], include_in_schema=False
)


def _render(request: Request, template: str, **context: object) -> Response:
    return request.app.state.renderer.page(request, template, **context)


@router.get("")
def customers_page(
    request: Request,
    wh: WarehouseDep,
    ctx: Annotated[Context, Depends(Require("customers:read"))],
    q: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    rows, total = service.search_customers(
        wh,
        workspace_id=ctx.workspace.id,
        query=q,
        page=page,
        region=(ctx.workspace.settings or {}).get("region", "SA"),
    )
    if not ctx.can("pii:read"):
        rows = [service.masked_row(r) for r in rows]
    return _render(
        request,
        "customers.html",
        active="customers",
        rows=rows,
        total=total,
        q=q or "",
        page=page,
        per_page=50,
    )


@router.get("/{customer_id}")
def customer_page(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: Annotated[Context, Depends(Require("customers:read"))],
    customer_id: str,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    consent_error: str | None = None,
    consent_done: str | None = None,
) -> Response:
    profile = service.get_profile(wh, workspace_id=ctx.workspace.id, customer_id=customer_id)
    if profile["customer_id"] != customer_id:
        return RedirectResponse(
            f"/w/{ctx.workspace.slug}/customers/{profile['customer_id']}", status_code=303
        )
    if not ctx.can("pii:read"):
        profile = service.masked_profile(profile)
    items, more = service.timeline(wh, workspace_id=ctx.workspace.id, customer_id=customer_id, page=page)
    if not ctx.can("pii:read"):
        items = service.masked_timeline(items)
    sections: dict[str, object] = {}
    for section in request.app.state.profile_sections:  # the parts other domains own (see app.py)
        sections.update(
            section(
                db,
                wh,
                workspace_id=ctx.workspace.id,
                customer_id=customer_id,
                locale=request.state.locale,
                can=ctx.can,
            )
        )
    return _render(
        request,
        "customer.html",
        **sections,
        purpose_labels=PURPOSE_LABELS,
        consent_channels=service.CONSENT_CHANNELS,
        consent_error=consent_error,
        consent_done=consent_done,
        active="customers",
        p=profile,
        items=items,
        more=more,
        page=page,
    )


@router.post("/{customer_id}/consents")
def record_consent(
    db: DB,
    wh: WarehouseDep,
    ctx: Annotated[Context, Depends(Require("consents:record"))],
    customer_id: str,
    form: FormDep,
) -> Response:
    """A decision the customer told an agent: one form for granting and withdrawing."""
    back = f"/w/{ctx.workspace.slug}/customers/{quote(customer_id, safe='')}"
    change = {
        "purpose": str(form.get("purpose") or ""),
        "granted": form.get("granted") == "yes",
        "explicit": form.get("explicit") == "yes",
        "channel": str(form.get("channel") or ""),
        "language": str(form.get("language") or "") or None,
    }
    try:
        if form.get("granted") not in ("yes", "no"):
            raise Invalid(_("Choose whether the customer agrees or withdraws."), field="granted")
        service.record_consent_given(
            db, wh, workspace_id=ctx.workspace.id, customer_id=customer_id, change=change, actor=ctx
        )
    except TajribaError as exc:
        query = urlencode({"consent_error": error_text(exc)})
        return RedirectResponse(f"{back}?{query}#consents", status_code=303)
    return RedirectResponse(f"{back}?consent_done=1#consents", status_code=303)


@router.post("/merges/{merge_id}/undo")
def undo_merge(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: Annotated[Context, Depends(Require("identities:manage"))],
    merge_id: str,
) -> Response:
    service.undo_merge(db, wh, workspace_id=ctx.workspace.id, merge_id=merge_id, actor=ctx)
    back = request.headers.get("referer") or f"/w/{ctx.workspace.slug}/customers"
    return RedirectResponse(back if back.startswith("/") or "/w/" in back else "/", status_code=303)
