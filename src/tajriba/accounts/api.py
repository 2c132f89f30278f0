"""JSON API for accounts: who am I, members and keys of the key's workspace."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from tajriba.accounts import service
from tajriba.accounts.schemas import KeyRead, KeyRef, KeysRead, MemberRead, MembersRead, MeRead, WorkspaceRead
from tajriba.web.deps import DB, Context, RequireKey

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me")
def me(ctx: Annotated[Context, Depends(RequireKey("workspace:read"))]) -> MeRead:
    """The key's workspace and role."""
    return MeRead(
        workspace=WorkspaceRead.model_validate(ctx.workspace, from_attributes=True),
        role=ctx.role,
        key=KeyRef(id=ctx.key.id, name=ctx.key.name) if ctx.key else None,
    )


@router.get("/members")
def members(db: DB, ctx: Annotated[Context, Depends(RequireKey("members:manage"))]) -> MembersRead:
    """The workspace's members and their roles."""
    rows = service.list_members(db, workspace=ctx.workspace)
    return MembersRead(members=[MemberRead(id=u.id, email=u.email, name=u.name, role=r) for u, r in rows])


@router.get("/keys")
def keys(db: DB, ctx: Annotated[Context, Depends(RequireKey("keys:manage"))]) -> KeysRead:
    """The workspace's API keys and write keys (never their secrets)."""
    rows = service.list_keys(db, workspace=ctx.workspace)
    return KeysRead(
        keys=[
            KeyRead(
                id=k.id, name=k.name, kind=k.kind, role=k.role, prefix=k.prefix, created_at=k.created_at,
                revoked=k.revoked_at is not None,
            )
            for k in rows
        ]
    )  # fmt: skip
