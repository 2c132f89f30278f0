"""How audit entries and erased records name a person: a digest of their id, never the id (SEC-2)."""

from __future__ import annotations

import hashlib


def subject_token(workspace_id: int, customer_id: str) -> str:
    return hashlib.sha256(f"{workspace_id}:{customer_id}".encode()).hexdigest()[:20]
