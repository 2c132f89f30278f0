"""`/api/v1/goals`: goals with their progress, projection and status (the same service as the goals pages)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from tajriba.goals import service
from tajriba.goals.schemas import GoalCreate, GoalRead, GoalsRead
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep

router = APIRouter(prefix="/api/v1/goals", tags=["goals"])
Read = Annotated[Context, Depends(RequireKey("metrics:read"))]
Write = Annotated[Context, Depends(RequireKey("goals:write"))]


def _measured(db: DB, wh: WarehouseDep, ctx: Context, goal: service.Goal) -> GoalRead:
    return GoalRead.model_validate(
        service.named(db, ctx.workspace.id, [service.measure(db, wh, ctx.workspace, goal)])[0]
    )


@router.get("")
def list_goals(db: DB, wh: WarehouseDep, ctx: Read) -> GoalsRead:
    """Every live goal, measured: current value, baseline, progress, projection at the due date, status."""
    return GoalsRead.model_validate(
        {"workspace": ctx.workspace.slug, **service.dashboard(db, wh, ctx.workspace)}
    )


@router.post("", status_code=201)
def create_goal(db: DB, wh: WarehouseDep, ctx: Write, body: GoalCreate) -> GoalRead:
    goal = service.create_goal(db, workspace_id=ctx.workspace.id, data=body, actor=ctx)
    return _measured(db, wh, ctx, goal)


@router.get("/{goal_id}")
def get_goal(db: DB, wh: WarehouseDep, ctx: Read, goal_id: int) -> GoalRead:
    """One goal with its weekly series (value and interval per week since the start date)."""
    return _measured(db, wh, ctx, service.get_goal(db, ctx.workspace.id, goal_id))


@router.put("/{goal_id}")
def update_goal(db: DB, wh: WarehouseDep, ctx: Write, goal_id: int, body: GoalCreate) -> GoalRead:
    goal = service.update_goal(db, goal=service.get_goal(db, ctx.workspace.id, goal_id), data=body, actor=ctx)
    return _measured(db, wh, ctx, goal)


@router.delete("/{goal_id}", status_code=204)
def archive_goal(db: DB, ctx: Write, goal_id: int) -> Response:
    """Archive the goal (kept for the audit trail, gone from lists)."""
    service.archive_goal(db, goal=service.get_goal(db, ctx.workspace.id, goal_id), actor=ctx)
    return Response(status_code=204)
