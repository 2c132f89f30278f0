"""JSON API for accounts: who am I, members and keys of the key's workspace."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from tajriba.accounts import service
from tajriba.web.deps import DB, Context, RequireKey

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me")
def me(ctx: Annotated[Context, Depends(RequireKey("workspace:read"))]) -> dict[str, Any]:
    """The key's workspace and role."""
    ws = ctx.workspace
    return {
        "workspace": {
            "slug": ws.slug,
            "name": ws.name,
            "default_locale": ws.default_locale,
            "calendar": ws.calendar,
            "timezone": ws.timezone,
            "currency": ws.currency,
        },
        "role": ctx.role,
        "key": {"id": ctx.key.id, "name": ctx.key.name} if ctx.key else None,
    }


@router.get("/members")
def members(db: DB, ctx: Annotated[Context, Depends(RequireKey("members:manage"))]) -> dict[str, Any]:
    rows = service.list_members(db, workspace=ctx.workspace)
    return {"members": [{"id": u.id, "email": u.email, "name": u.name, "role": r} for u, r in rows]}


@router.get("/keys")
def keys(db: DB, ctx: Annotated[Context, Depends(RequireKey("keys:manage"))]) -> dict[str, Any]:
    rows = service.list_keys(db, workspace=ctx.workspace)
    return {
        "keys": [
            {
                "id": k.id,
                "name": k.name,
                "kind": k.kind,
                "role": k.role,
                "prefix": k.prefix,
                "created_at": k.created_at.isoformat(),
                "revoked": k.revoked_at is not None,
            }
            for k in rows
        ]
    }
