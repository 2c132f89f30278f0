"""Every running SLA clock of a workspace recomputed at once (after its calendars or policies change): the
clocks read as columns, one vectorised business-time sum per (calendar, policy), one executemany back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.cases import business_time as bt
from tajriba.cases.sla import ALWAYS_OPEN, aware
from tajriba.models import BusinessCalendar, Case, SlaPolicy, Team
from tajriba.models.cases import NEVER


def recompute(session: Session, *, workspace_id: int) -> int:
    """Recompute the due and warning times of every running clock in the workspace: the clocks are read as
    columns, each (calendar, policy) group is one vectorised `business_time.add`, and the times are written
    back in one executemany. Returns the clocks updated."""
    from sqlalchemy import bindparam, update

    frame, policies = _running_clocks(session, workspace_id)
    if frame is None:
        return 0
    updates: list[dict[str, Any]] = []
    for (cal, policy_id), g in frame.groupby(["calendar", "sla_policy_id"], sort=False):
        updates += _due_rows(cal, policies[int(policy_id)], g)
    session.execute(
        update(Case.__table__)  # type: ignore[arg-type]
        .where(Case.__table__.c.id == bindparam("b_id"))
        .values(
            first_response_due_at=bindparam("b_first"),
            next_response_due_at=bindparam("b_next"),
            resolution_due_at=bindparam("b_res"),
            queue_at=bindparam("b_queue"),
            warn_due_at=bindparam("b_warn"),
        ),
        updates,
    )
    session.expire_all()
    return len(updates)


CLOCK_COLUMNS = (
    Case.id,
    Case.team_id,
    Case.sla_policy_id,
    Case.clock_running_since,
    Case.clock_consumed_s,
    Case.next_response_from_s,
    Case.first_response_at,
    Case.resolved_at,
)


def _running_clocks(session: Session, workspace_id: int) -> tuple[pd.DataFrame | None, dict[int, SlaPolicy]]:
    """The running clocks as columns, each with its calendar (the team's, else the policy's), and the
    policies by id; no frame when no clock runs."""
    rows = session.execute(
        select(*CLOCK_COLUMNS).where(
            Case.workspace_id == workspace_id,
            Case.clock_running_since.is_not(None),
            Case.sla_policy_id.is_not(None),
        )
    ).all()
    policies = {
        p.id: p for p in session.scalars(select(SlaPolicy).where(SlaPolicy.workspace_id == workspace_id))
    }
    if not rows:
        return None, policies
    teams = {
        t.id: t.calendar_id for t in session.scalars(select(Team).where(Team.workspace_id == workspace_id))
    }
    calendars = {
        c.id: bt.stored(c.definition)
        for c in session.scalars(
            select(BusinessCalendar).where(BusinessCalendar.workspace_id == workspace_id)
        )
    }
    frame = pd.DataFrame(rows, columns=[c.key for c in CLOCK_COLUMNS])
    frame = frame[frame["sla_policy_id"].isin(list(policies))]

    def cal_of(team_id: Any, policy_id: int) -> bt.Calendar:
        cal_id = teams.get(int(team_id)) if pd.notna(team_id) else None
        cal_id = cal_id or policies[policy_id].calendar_id
        return calendars.get(cal_id, ALWAYS_OPEN) if cal_id else ALWAYS_OPEN

    frame["calendar"] = [
        cal_of(t, int(p)) for t, p in zip(frame["team_id"], frame["sla_policy_id"], strict=True)
    ]
    return frame, policies


def _due_rows(cal: bt.Calendar, policy: SlaPolicy, g: pd.DataFrame) -> list[dict[str, Any]]:
    """Due times (first response, next response, resolution, warning) of one group's clocks, as rows for
    the executemany."""
    since = pd.to_datetime(g["clock_running_since"], utc=True).astype("int64").to_numpy() / 1e6
    consumed = g["clock_consumed_s"].to_numpy(dtype=float)
    nan = np.full(len(g), np.nan)
    first = np.where(g["first_response_at"].isna(), (policy.first_response_minutes or np.nan) * 60, np.nan)
    nxt_from = g["next_response_from_s"].to_numpy(dtype=float)
    nxt = nxt_from + (policy.next_response_minutes or np.nan) * 60
    res = np.where(g["resolved_at"].isna(), (policy.resolution_minutes or np.nan) * 60, np.nan)
    warn = np.fmin(
        np.fmin(first * policy.warn_at, res * policy.warn_at),
        nxt_from + (nxt - nxt_from) * policy.warn_at,
    )
    due = {}
    for name, level in (("first", first), ("next", nxt), ("res", res), ("warn", warn)):
        ok = ~np.isnan(level)
        out = nan.copy()
        if ok.any():
            out[ok] = due_times(cal, since[ok], consumed[ok], level[ok])
        due[name] = out
    return [
        {
            "b_id": int(case_id),
            "b_first": _at(due["first"][k]),
            "b_next": _at(due["next"][k]),
            "b_res": _at(due["res"][k]),
            "b_queue": _at(due["res"][k]) or NEVER,
            "b_warn": _at(due["warn"][k]),
        }
        for k, case_id in enumerate(g["id"].to_numpy())
    ]


def _at(epoch: float) -> datetime | None:
    return None if np.isnan(epoch) else aware(float(epoch))


def due_times(
    cal: bt.Calendar, running_since: np.ndarray, consumed: np.ndarray, target: np.ndarray
) -> np.ndarray:
    """Due times (epoch seconds) of many clocks at once: NaN where a clock is paused (running_since NaN)."""
    return bt.add(cal, running_since, np.maximum(target - consumed, 0.0))
