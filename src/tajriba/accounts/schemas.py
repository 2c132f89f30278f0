"""What the accounts API answers: the key's workspace and role, members, keys."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class WorkspaceRead(BaseModel):
    slug: str
    name: str
    default_locale: str
    calendar: str
    timezone: str | None
    currency: str


class KeyRef(BaseModel):
    id: int
    name: str


class MeRead(BaseModel):
    """Who is asking: the key's workspace, its role there, and the key."""

    workspace: WorkspaceRead
    role: str
    key: KeyRef | None


class MemberRead(BaseModel):
    id: int
    email: str
    name: str
    role: str


class MembersRead(BaseModel):
    members: list[MemberRead]


class KeyRead(BaseModel):
    """An API key or write key as listed (the secret itself is shown once, when it is made)."""

    id: int
    name: str
    kind: str
    role: str
    prefix: str
    created_at: datetime
    revoked: bool


class KeysRead(BaseModel):
    keys: list[KeyRead]
