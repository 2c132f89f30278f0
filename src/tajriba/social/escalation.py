"""Negative mentions that many people can see become cases (the closed loop).

A stored mention opens a case when it is negative (its sentiment, or a complaint among its intents), its reach
(the author's followers, else its views) or its engagement is at least the workspace's threshold (settings
`social.case_reach`, default 5,000; `social.case_engagement`, default 200), and it matches one of the workspace's
brand queries (when it has any). The case is routed like any other (the team in `social.case_team_id`, else the
touchpoint's owner), `urgent` at ten times the threshold, `high` otherwise. Its subject is the redacted text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from tajriba.cases import service as cases_service
from tajriba.models import Workspace

DEFAULT_REACH = 5_000
DEFAULT_ENGAGEMENT = 200


def thresholds(settings: dict[str, Any] | None) -> dict[str, Any]:
    social = (settings or {}).get("social") or {}
    return {
        "case_reach": int(social.get("case_reach", DEFAULT_REACH)),
        "case_engagement": int(social.get("case_engagement", DEFAULT_ENGAGEMENT)),
        "case_team_id": social.get("case_team_id"),
    }


@dataclass(frozen=True)
class Candidate:
    signal: Any  # cases_service.Signal
    loud: bool


def candidates(listening: Any, rows: pd.DataFrame, results: list[Any]) -> list[Candidate]:
    """The stored mentions that call for a case (see the module's doc)."""
    cfg = thresholds(listening.settings)
    out: list[Candidate] = []
    loud_enough = (rows["reach"].fillna(0) >= cfg["case_reach"]) | (
        rows["engagement"].fillna(0) >= cfg["case_engagement"]
    )
    for i in np.flatnonzero(loud_enough.to_numpy()):
        row, result = rows.iloc[int(i)].to_dict(), results[int(i)]
        if result.sentiment != "negative" and "complaint" not in result.intent_labels:
            continue
        reach, engaged = _num(row["reach"]), _num(row["engagement"])
        raw = row["query_keys"]
        keys = {int(k) for k in raw.strip("|").split("|") if k} if isinstance(raw, str) else set()
        if listening.brands and not keys & listening.brands:
            continue
        signal = cases_service.Signal(
            source="mention",
            source_id=row["mention_id"],
            customer_id=None,
            touchpoint_id=_int_or_none(row["touchpoint_id"]),
            channel=row["platform"],
            language=result.language,
            at=pd.Timestamp(row["created_at"]).to_pydatetime().replace(tzinfo=UTC),
            summary=_summary(row, result.redacted),
        )
        loud = reach >= 10 * cfg["case_reach"] or engaged >= 10 * cfg["case_engagement"]
        out.append(Candidate(signal, loud))
    return out


def open_cases(session: Session, *, workspace: Workspace, found: list[Candidate]) -> int:
    """Open (or attach to) a case for each candidate; returns how many were opened."""
    team_id = thresholds(workspace.settings)["case_team_id"]
    opened = 0
    for c in found:
        _case, new = cases_service.open_or_attach(
            session,
            workspace_id=workspace.id,
            signal=c.signal,
            rule_id=None,
            priority="urgent" if c.loud else "high",
            team_id=team_id,
            dedupe_days=0,
        )
        opened += int(new)
    return opened


def _num(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _summary(row: dict[str, Any], redacted: str) -> str:
    who = row["author_handle"] or row["author_name"] or ""
    head = f"@{who} ({row['platform']}): " if who else f"({row['platform']}) "
    return (head + redacted)[:300]
