"""Staffing-gap alerts: a day of the next week whose forecast needs more people than the team's schedule has,
told once per team and day through the alert rules' channels (in-app, e-mail, webhook) of the cases domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tajriba.cases import service as cases
from tajriba.errors import TajribaError
from tajriba.forecasting import plans
from tajriba.models import Workspace
from tajriba.models.base import utcnow
from tajriba.warehouse import Warehouse


def findings(
    session: Session, wh: Warehouse, workspace: Workspace, days: int, min_short: int
) -> list[dict[str, Any]]:
    """Per team with a schedule, the days of the next `days` with at least `min_short` intervals short."""
    out = []
    for team in plans.teams(session, workspace.id):
        try:
            plan = plans.plan(session, wh, workspace, team, days=min(days, plans.PLAN_DAYS))
        except TajribaError:  # too little history to forecast the team yet
            continue
        if not plan["scheduled_known"]:
            continue
        for day in plan["days"]:
            if day["short_intervals"] >= min_short and not day["closed"]:
                out.append({
                    "key": f"staffing:{team.name}:{day['day']}", "team": team.name, "day": day["day"],
                    "short_intervals": day["short_intervals"], "needed": day["needed"], "scheduled": day["scheduled"],
                    "service_level": day["service_level"],
                })  # fmt: skip
    return out


def run(session: Session, wh: Warehouse, *, now: datetime | None = None, force: bool = False) -> int:
    """Check the staffing-gap rules that are due (hourly); tell each team and day once."""
    now = now or utcnow()
    fired = 0
    for rule, settings in cases.due(session, "staffing_gap", now, force=force):
        workspace = session.get(Workspace, rule.workspace_id)
        if workspace is None:
            continue
        seen = set((rule.settings or {}).get("fired") or [])
        for finding in findings(session, wh, workspace, int(settings["days"]), int(settings["min_count"])):
            if finding["key"] in seen:
                continue
            seen.add(finding["key"])
            level = (
                "" if finding["service_level"] is None else f", service level {finding['service_level']:.0%}"
            )
            text = f"{finding['team']} {finding['day']}: {finding['short_intervals']} intervals short{level}"
            cases.tell(session, rule, settings, finding, text, now=now)
            fired += 1
        cases.remember(rule, seen, now)
    return fired
