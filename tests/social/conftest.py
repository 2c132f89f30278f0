"""A workspace that listens for a brand (Noon-like "نون") and two competitors, with API keys per role."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tajriba.accounts import service as accounts
from tajriba.models import Workspace
from tests.conftest import make_workspace


@pytest.fixture
def ws(db: Session) -> Workspace:
    return make_workspace(db)


def keys(
    db: Session, ws: Workspace, roles: tuple[str, ...] = ("admin", "analyst", "agent", "viewer")
) -> dict[str, Any]:
    out = {role: accounts.create_key(db, workspace=ws, kind="api", name=role, role=role)[1] for role in roles}
    db.commit()
    return {role: {"Authorization": f"Bearer {key}"} for role, key in out.items()}


BRANDS = [
    {
        "name": "Souqna",
        "kind": "brand",
        "keywords": ["سوقنا", "souqna"],
        "hashtags": ["#سوقنا"],
        "handles": ["@souqna"],
    },
    {"name": "Jarir", "kind": "competitor", "keywords": ["جرير"], "exclusions": ["جرير الشاعر"]},
    {"name": "Extra", "kind": "competitor", "keywords": ["اكسترا", "extra stores"]},
]


def mention(i: int, text: str, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "platform": "x",
        "url": f"https://x.com/u{i}/status/{1000 + i}",
        "text": text,
        "created_at": "2026-11-27T18:00:00+03:00",
        "author": {"handle": f"u{i}", "followers": 100},
    }
    out.update(kw)
    return out
