"""Goals: create, change, list, and measure them against the data (measure.py, re-exported here).

A goal's figures come from the metrics module (the same numbers as every other page):
- current: the metric over the last `CURRENT_DAYS` local days up to today, or up to the last day with data
  when the feed stopped earlier (`as_of` says which), from the start date when that is later, with its interval;
- baseline: the metric over the `CURRENT_DAYS` days before the start date (None without data);
- progress: (current - baseline) / (target - baseline), 0 to 1, when there is a baseline that misses the
  target;
- series: the metric per week since the start date, with intervals;
- projection: the weighted line through the weekly values (`metrics.trend`) at the due date, with its band;
  with fewer than three weeks the current value and its interval stand in for it.
Status (docs/metrics.md, "Goals"):
- on_track: the projected value meets the target;
- at_risk: it misses, but the better end of its band reaches the target;
- off_track: even the better end of the band misses;
- achieved / missed: after the due date, by the current value; no_data: fewer than `min_n` answers (or
  tickets, invitations) in the current window;
- uncertain: the projection's band spans more than half of the values the measure can take (for a measure
  without an upper bound, more than twice the larger of the current value and the target): too little data
  to project, so the projection is not shown as a number.
Shares (top-2-box, easy, within target, response rate) are in percent for goals and their targets.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from tajriba.errors import Invalid, NotFound
from tajriba.goals.measure import CURRENT_DAYS as CURRENT_DAYS
from tajriba.goals.measure import METRICS as METRICS
from tajriba.goals.measure import RANGES as RANGES
from tajriba.goals.measure import SCOPES as SCOPES
from tajriba.goals.measure import STATUSES as STATUSES
from tajriba.goals.measure import MetricSpec as MetricSpec
from tajriba.goals.measure import Reading as Reading
from tajriba.goals.measure import as_dict as as_dict
from tajriba.goals.measure import measure as measure
from tajriba.goals.schemas import GoalCreate
from tajriba.i18n import localized
from tajriba.models.accounts import Membership, User
from tajriba.models.goals import Goal
from tajriba.models.journeys import Journey, Persona, Stage, Touchpoint

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tajriba.audit import Auditor
    from tajriba.models.accounts import Workspace
    from tajriba.warehouse import Warehouse


def _check(session: Session, workspace_id: int, data: GoalCreate) -> None:
    spec = METRICS[data.metric]
    if data.scope not in spec.scopes:
        raise Invalid(
            f"{data.metric} can be set for: {', '.join(spec.scopes)} (not {data.scope})", field="scope"
        )
    if data.due_date <= data.start_date:
        raise Invalid("the due date must be after the start date", field="due_date")
    low, high = (0, 100) if spec.percent else RANGES.get(data.metric, (0, math.inf))
    if not (low <= data.target <= high) or math.isnan(data.target):
        shown = f"{low} to {high}" if high != math.inf else f"{low} or more"
        raise Invalid(f"the target for {data.metric} must be {shown}", field="target")
    if data.scope == "company":
        if data.scope_id is not None:
            raise Invalid("a company-wide goal has no scope_id", field="scope_id")
    else:
        model: Any = {"journey": Journey, "stage": Stage, "touchpoint": Touchpoint, "persona": Persona}[
            data.scope
        ]
        if data.scope_id is None:
            raise Invalid(f"choose the {data.scope} this goal is for", field="scope_id")
        found = session.scalar(
            select(model.id).where(model.id == data.scope_id, model.workspace_id == workspace_id)
        )
        if found is None:
            raise Invalid(f"no {data.scope} {data.scope_id} in this workspace", field="scope_id")
    if data.owner_id is not None:
        member = session.scalar(
            select(Membership.user_id).where(
                Membership.user_id == data.owner_id, Membership.workspace_id == workspace_id
            )
        )
        if member is None:
            raise Invalid(f"user {data.owner_id} is not a member of this workspace", field="owner_id")


def create_goal(session: Session, *, workspace_id: int, data: GoalCreate, actor: Auditor) -> Goal:
    _check(session, workspace_id, data)
    goal = Goal(workspace_id=workspace_id, **data.model_dump())
    session.add(goal)
    session.flush()
    actor.audit(
        session,
        "goal.create",
        target_type="goal",
        target_id=str(goal.id),
        details=data.model_dump(mode="json"),
    )
    return goal


def update_goal(session: Session, *, goal: Goal, data: GoalCreate, actor: Auditor) -> Goal:
    _check(session, goal.workspace_id, data)
    for key, value in data.model_dump().items():
        setattr(goal, key, value)
    actor.audit(
        session,
        "goal.update",
        target_type="goal",
        target_id=str(goal.id),
        details=data.model_dump(mode="json"),
    )
    return goal


def archive_goal(session: Session, *, goal: Goal, actor: Auditor) -> None:
    goal.archived = True
    actor.audit(session, "goal.archive", target_type="goal", target_id=str(goal.id))


def get_goal(session: Session, workspace_id: int, goal_id: int) -> Goal:
    goal = session.get(Goal, goal_id)
    if goal is None or goal.workspace_id != workspace_id or goal.archived:
        raise NotFound("goal not found")
    return goal


def list_goals(session: Session, workspace_id: int) -> list[Goal]:
    return list(
        session.scalars(
            select(Goal)
            .where(Goal.workspace_id == workspace_id, Goal.archived.is_(False))
            .order_by(Goal.due_date, Goal.id)
        )
    )


# -- measuring ------------------------------------------------------------------------------------------


def dashboard(
    session: Session, wh: Warehouse, workspace: Workspace, *, now: datetime | None = None
) -> dict[str, Any]:
    """Every live goal measured, with counts per status and the names of scopes and owners."""
    goals = named(
        session,
        workspace.id,
        [measure(session, wh, workspace, g, now=now) for g in list_goals(session, workspace.id)],
    )
    counts = {s: sum(g["status"] == s for g in goals) for s in STATUSES}
    return {"goals": goals, "counts": counts}


def named(session: Session, workspace_id: int, measured: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Measured goals with the names of their scope and owner (`scope_name`, `owner_name`)."""
    names = scope_names(session, workspace_id)
    ids = [g["owner_id"] for g in measured if g["owner_id"]]
    owners = {int(i): str(n) for i, n in session.execute(select(User.id, User.name).where(User.id.in_(ids)))}
    for g in measured:
        g["scope_name"] = names.get((g["scope"], g["scope_id"]))
        g["owner_name"] = owners.get(g["owner_id"])
    return measured


def scope_names(session: Session, workspace_id: int) -> dict[tuple[str, int | None], str]:
    out: dict[tuple[str, int | None], str] = {}
    for scope, model in (
        ("journey", Journey),
        ("stage", Stage),
        ("touchpoint", Touchpoint),
        ("persona", Persona),
    ):
        for i, name, names in session.execute(
            select(model.id, model.name, model.names).where(model.workspace_id == workspace_id)
        ):
            out[(scope, i)] = localized(name, names)
    return out
