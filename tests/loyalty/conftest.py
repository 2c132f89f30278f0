"""A workspace with a loyalty programme, and helpers to read the ledger."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.loyalty import service
from tajriba.models import LoyaltyProgramme, LoyaltyTransfer, Workspace
from tests.conftest import make_workspace

T0 = datetime(2026, 1, 1, 9, tzinfo=UTC)


@pytest.fixture
def ws(db: Session) -> Workspace:
    return make_workspace(db)


@pytest.fixture
def programme(db: Session, ws: Workspace) -> LoyaltyProgramme:
    prog = service.start_programme(db, workspace_id=ws.id, name="Tajriba Rewards")
    db.commit()
    return prog


def rows(db: Session, ws_id: int) -> list[LoyaltyTransfer]:
    return list(db.scalars(select(LoyaltyTransfer).where(LoyaltyTransfer.workspace_id == ws_id)))
