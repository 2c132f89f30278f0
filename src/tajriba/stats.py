"""Row counts of every table in both stores (used by `tajriba stats` and operators)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tajriba.models import Workspace
from tajriba.models.base import Base
from tajriba.warehouse import Warehouse


def table_counts(
    session: Session, warehouse: Warehouse, *, workspace: Workspace | None = None
) -> dict[str, object]:
    """Count rows per table; with a workspace, only its rows (tables without one are skipped)."""
    ws = workspace
    app_counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        query = select(func.count()).select_from(table)
        if ws is not None:
            if "workspace_id" not in table.c:
                continue
            query = query.where(table.c.workspace_id == ws.id)
        app_counts[table.name] = int(session.scalar(query) or 0)
    out: dict[str, object] = {"database": app_counts, "warehouse": warehouse.counts(ws.id if ws else None)}
    if ws is not None:
        out["workspace"] = ws.slug
    return out
