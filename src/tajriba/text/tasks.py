"""Job handlers of the text domain: enrichment of new and stale texts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.db.session import transaction
from tajriba.jobs.service import handler
from tajriba.warehouse import Warehouse


@handler("text.enrich")
def text_enrich(
    *, factory: sessionmaker[Session], warehouse: Warehouse, workspace_id: int, settings: Any = None, **_: Any
) -> dict[str, Any]:
    """Enrich the workspace's new and stale texts (tajriba.text.service); resumes where a failed run stopped.
    The setting `text_encoder` adds the encoder stage."""
    from tajriba.models import Workspace
    from tajriba.text import service as text_service
    from tajriba.text import topics

    with transaction(factory) as session:
        ws = session.get(Workspace, workspace_id)
        if ws is None:
            raise LookupError(f"workspace {workspace_id} no longer exists")
        taxonomy = topics.for_workspace(ws.settings)
    encoder_stage = bool(getattr(settings, "text_encoder", False))
    return text_service.enrich(warehouse, workspace_id, taxonomy, encoder_stage=encoder_stage).as_dict()
