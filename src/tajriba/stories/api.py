"""`GET /api/v1/stories`: the strongest positive customer stories (the same service as the page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tajriba.stories import service
from tajriba.stories.schemas import StoriesRead
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep
from tajriba.web.params import Day

router = APIRouter(prefix="/api/v1", tags=["stories"])
Read = Annotated[Context, Depends(RequireKey("feedback:read"))]


@router.get("/stories")
def stories(
    db: DB,
    wh: WarehouseDep,
    ctx: Read,
    touchpoint: int | None = None,
    start: Day | None = None,
    end: Day | None = None,
    min_chars: Annotated[int, Query(ge=0, le=2000)] = 40,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> StoriesRead:
    """High scores with rich comments and praise naming staff, best first, with the customer's consent to
    being quoted; texts redacted unless the key may read personal data."""
    result = service.stories(
        db,
        wh,
        ctx.workspace,
        touchpoint_id=touchpoint,
        start=start,
        end=end,
        min_chars=min_chars,
        limit=limit,
        show_personal_data=ctx.can("pii:read"),
    )
    return StoriesRead(workspace=ctx.workspace.slug, **result)
