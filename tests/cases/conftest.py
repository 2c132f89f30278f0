"""Shared set-up for the cases tests: a shop with a team, survey answers and feedback in the warehouse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from tajriba.cases import business_time as bt
from tajriba.models import BusinessCalendar, CaseRule, SlaPolicy, Team, TeamMember
from tests.conftest import make_user, make_workspace


class Actor:
    user = None

    def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
        pass


def responses(
    ws_id: int, rows: list[tuple[str, str | None, int | None, str, float, str | None]], at: datetime
) -> pd.DataFrame:
    """(response id, customer, touchpoint, metric, score, comment) -> survey_responses rows."""
    return pd.DataFrame(
        {
            "workspace_id": ws_id,
            "response_id": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "touchpoint_id": pd.array([r[2] for r in rows], dtype="Int32"),
            "metric": [r[3] for r in rows],
            "score": [r[4] for r in rows],
            "scale_min": pd.array([0 if r[3] == "nps" else 1 for r in rows], dtype="Int32"),
            "scale_max": pd.array([{"nps": 10, "csat": 5, "ces": 7}[r[3]] for r in rows], dtype="Int32"),
            "comment": [r[5] for r in rows],
            "language": "ar",
            "channel": "app",
            "submitted_at": [at + timedelta(seconds=i) for i in range(len(rows))],
        }
    )


@pytest.fixture
def shop(app, db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "caseshop")
    agents = [make_user(db, f"agent{i}@shop.example", workspace=ws, role="agent") for i in range(3)]
    lead = make_user(db, "lead@shop.example", workspace=ws, role="admin")
    cal = BusinessCalendar(
        workspace_id=ws.id, name="Riyadh", definition=bt.to_dict(bt.for_country("SA", ramadan=None))
    )
    db.add(cal)
    db.flush()
    team = Team(workspace_id=ws.id, name="Care", lead_id=lead.id, calendar_id=cal.id, routing="round_robin")
    db.add(team)
    db.flush()
    for i, a in enumerate(agents):
        db.add(
            TeamMember(
                workspace_id=ws.id, team_id=team.id, user_id=a.id, languages=["ar"] if i < 2 else ["en"]
            )
        )
    since = datetime(2026, 1, 1, tzinfo=UTC)
    rule = CaseRule(
        workspace_id=ws.id,
        name="Detractors",
        position=0,
        priority="high",
        team_id=team.id,
        since=since,
        conditions={"signal": "score", "metric": "nps", "dedupe_days": 14},
    )
    policy = SlaPolicy(
        workspace_id=ws.id,
        name="Standard",
        first_response_minutes=60,
        resolution_minutes=8 * 60,
        warn_at=0.75,
    )
    db.add_all([rule, policy])
    db.commit()
    return {
        "ws": ws,
        "agents": agents,
        "lead": lead,
        "team": team,
        "rule": rule,
        "policy": policy,
        "cal": cal,
        "wh": app.state.warehouse,
        "at": datetime(2026, 12, 6, 7, 0, tzinfo=UTC),
    }
