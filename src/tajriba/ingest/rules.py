"""Per-workspace ingestion settings, read from the application database and cached briefly."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from tajriba.customers import service as customers
from tajriba.ingest.mapping import load_rules
from tajriba.ingest.writer import WorkspaceRules
from tajriba.models import Workspace

CACHE_S = 30.0


class RulesCache:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self._cache: dict[int, tuple[WorkspaceRules, float]] = {}
        self._lock = threading.Lock()

    def forget(self, workspace_id: int) -> None:
        """Drop a workspace's cached settings (after its rules change)."""
        with self._lock:
            self._cache.pop(workspace_id, None)

    def get(self, workspace_id: int) -> WorkspaceRules:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(workspace_id)
            if hit and hit[1] > now:
                return hit[0]
        with self.factory() as session:
            ws = session.get(Workspace, workspace_id)
            settings = dict(ws.settings or {}) if ws else {}
            touchpoints = load_rules(session, workspace_id=workspace_id)
        rules = WorkspaceRules(
            policy=customers.IdentityPolicy.from_settings(settings),
            region=str(settings.get("region", "SA")),
            touchpoints=touchpoints,
        )
        with self._lock:
            self._cache[workspace_id] = (rules, now + CACHE_S)
        return rules
