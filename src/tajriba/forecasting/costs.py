"""What slow answers cost a team, from the workspace's own history: the CSAT and NPS of contacts answered within
the team's target and after it, each with its interval, and the differences (the metrics module's estimates).
Shown beside the staffing plan, so that a gap in the schedule reads as experience lost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from tajriba.forecasting.plans import team_source
from tajriba.models import StaffingTeam, Workspace
from tajriba.periods import Window
from tajriba.warehouse import Warehouse


def slow_answers(
    wh: Warehouse, workspace: Workspace, team: StaffingTeam, *, days: int = 365
) -> dict[str, Any]:
    """What a slow answer costs this team over the last `days` days, each figure with its 95 % interval and the
    differences (slow minus quick) with theirs (the metrics module's estimates).

    From the contact centre's history when the team has one: the mean CSAT of intervals that met the team's
    target (its share answered within the target time) and of those that missed it (`unit` intervals). Else
    from its tickets: the CSAT (the ticket's rating, else the linked CSAT answer) and NPS (linked answers) of
    tickets first answered within the target time and after it (`unit` tickets)."""
    window = Window.of(workspace)
    end = window.today() + timedelta(days=1)
    low, high = Window(window.zone, end - timedelta(days=days), end).utc()
    if team_source(wh, workspace, team) == "contacts":
        found = wh.frame(
            "SELECT CASE WHEN answered_within >= ? * answered THEN 'quick' ELSE 'slow' END AS speed, csat, "
            "CAST(NULL AS DOUBLE) AS nps FROM contact_intervals WHERE workspace_id = ? AND team = ? AND answered > 0 "
            "AND answered_within IS NOT NULL AND starts_at >= ? AND starts_at < ?",
            [team.target_level, workspace.id, team.name, low, high],
        )
        return _cost(found, "intervals", team, days)
    found = wh.frame(
        "SELECT CASE WHEN epoch(t.first_response_at) - epoch(t.created_at) <= ? THEN 'quick' ELSE 'slow' END AS speed, "
        "coalesce(t.satisfaction, c.score) AS csat, r.score AS nps FROM tickets t "
        "LEFT JOIN survey_responses r ON r.workspace_id = t.workspace_id AND r.ticket_id = t.ticket_id AND r.metric = 'nps' "
        "LEFT JOIN survey_responses c ON c.workspace_id = t.workspace_id AND c.ticket_id = t.ticket_id AND c.metric = 'csat' "
        "WHERE t.workspace_id = ? AND t.team = ? "
        "AND t.first_response_at IS NOT NULL AND t.created_at >= ? AND t.created_at < ?",
        [team.target_seconds, workspace.id, team.name, low, high],
    )
    return _cost(found, "tickets", team, days)


def _cost(found: pd.DataFrame, unit: str, team: StaffingTeam, days: int) -> dict[str, Any]:
    """CSAT and NPS with intervals per speed ('quick', 'slow'), and their differences."""
    from tajriba.metrics import service as metrics

    out: dict[str, Any] = {"threshold_seconds": team.target_seconds, "target_level": team.target_level,
                           "days": days, "unit": unit}  # fmt: skip
    groups = {}
    for speed in ("quick", "slow"):
        part = found[found["speed"] == speed]
        groups[speed] = part
        scores = part["nps"].dropna().to_numpy(float)
        kinds = metrics.nps_groups(scores) if scores.size else np.array([])
        counts = [int((kinds == g).sum()) for g in ("promoter", "passive", "detractor")]
        out[speed] = {"count": len(part), "csat": metrics.mean(part["csat"].dropna().to_numpy(float)).to_dict(),
                      "nps": metrics.nps(*counts).to_dict(), "nps_counts": counts}  # fmt: skip
    both = pd.concat(groups.values())
    out["csat_difference"] = metrics.compare_groups(
        both, group="speed", outcome="csat", first="slow", second="quick"
    )
    q, s = out["quick"]["nps_counts"], out["slow"]["nps_counts"]
    if sum(q) > 1 and sum(s) > 1:
        diff = metrics.difference_normal(  # b - a: slow minus quick
            out["quick"]["nps"]["value"], metrics.nps_se(*q), out["slow"]["nps"]["value"], metrics.nps_se(*s)
        )
        out["nps_difference"] = diff.to_dict()
    else:
        out["nps_difference"] = metrics.NO_DIFFERENCE.to_dict()
    return out
