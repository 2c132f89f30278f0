"""How well the loop closes: recovery rate (detractors whose follow-up is good, Wilson interval), whether
recovered customers bought again, SLA compliance, first-response and resolution times (the one definition in
`metrics.tickets.time_kpis`), backlog by age, cases by root cause, touchpoint and source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.i18n import localized
from tajriba.metrics import service as metrics
from tajriba.metrics.service import AGE_BANDS, targets, time_kpis
from tajriba.models import Case, RootCause, Touchpoint, Workspace
from tajriba.models.base import utcnow
from tajriba.warehouse import Warehouse


def _seconds(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return ((later - earlier).dt.total_seconds()).to_numpy(dtype=float)


def frame(
    session: Session, *, workspace_id: int, start: datetime | None = None, end: datetime | None = None
) -> pd.DataFrame:
    stmt = select(
        Case.id,
        Case.customer_id,
        Case.source,
        Case.touchpoint_id,
        Case.root_cause_id,
        Case.status,
        Case.metric,
        Case.score,
        Case.opened_at,
        Case.first_response_at,
        Case.resolved_at,
        Case.sla_state,
        Case.follow_up_score,
        Case.recovered,
        Case.auto_closed,
    ).where(Case.workspace_id == workspace_id)
    if start is not None:
        stmt = stmt.where(Case.opened_at >= start)
    if end is not None:
        stmt = stmt.where(Case.opened_at < end)
    rows = session.execute(stmt).all()
    out = pd.DataFrame([r._asdict() for r in rows])
    if out.empty:
        return out
    for col in ("opened_at", "first_response_at", "resolved_at"):
        out[col] = pd.to_datetime(out[col], utc=True)
    return out


def summary(
    session: Session,
    warehouse: Warehouse,
    *,
    workspace: Workspace,
    start: datetime | None = None,
    end: datetime | None = None,
    level: float = 0.95,
    locale: str = "en",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The closed-loop report of the workspace over cases opened in [start, end)."""
    now = now or utcnow()
    f = frame(session, workspace_id=workspace.id, start=start, end=end)
    if f.empty:
        return {"cases": 0, "open": 0}
    z = metrics.z_value(level)
    now_ts = pd.Timestamp(now)
    goal = targets(workspace)
    times = time_kpis(
        _seconds(f["first_response_at"], f["opened_at"]),
        _seconds(f["resolved_at"], f["opened_at"]),
        ((now_ts - f["opened_at"]).dt.total_seconds()).to_numpy(dtype=float),
        frt_limit=goal["first_response_minutes"] * 60,
        res_limit=goal["resolution_hours"] * 3600,
        z=z,
        level=level,
    )
    followed = f[_detractors(f) & f["follow_up_score"].notna()]
    recovered = followed[followed["recovered"].astype(bool)]
    recovery = metrics.wilson(len(recovered), len(followed), level=level)
    sla = f[f["sla_state"].isin(("met", "breached"))]
    compliance = metrics.wilson(int((sla["sla_state"] == "met").sum()), len(sla), level=level)
    open_cases = f[f["resolved_at"].isna()]
    ages = ((now_ts - open_cases["opened_at"]).dt.total_seconds() / 86400).to_numpy(dtype=float)
    return {
        "cases": len(f),
        "open": len(open_cases),
        "recovery": {**recovery.to_dict(), "recovered": len(recovered)},
        "bought_again": bought_again(warehouse, workspace_id=workspace.id, cases=followed, level=level),
        "sla_compliance": compliance.to_dict(),
        "times": times,
        "targets": goal,
        "backlog": [
            {
                "band": f"{lo}-{hi}" if hi is not None else f"{lo}+",
                "cases": int(((ages >= lo) & (ages < (hi or np.inf))).sum()),
            }
            for lo, hi in AGE_BANDS
        ],
        **_breakdowns(session, f, workspace_id=workspace.id, locale=locale),
    }


def _detractors(f: pd.DataFrame) -> pd.Series:
    """Cases opened from a low score (NPS detractor, CSAT 1-2, CES difficult)."""
    return f.apply(
        lambda r: (
            r["metric"] in metrics.METRICS
            and r["score"] is not None
            and not pd.isna(r["score"])
            and metrics.is_low(r["metric"], float(r["score"]))
        ),
        axis=1,
    )


def _breakdowns(
    session: Session, f: pd.DataFrame, *, workspace_id: int, locale: str
) -> dict[str, list[dict[str, Any]]]:
    """Cases by root cause, touchpoint and source, most first, named in the reader's language."""
    from tajriba.cases.root_causes import label

    causes = {
        r.id: r for r in session.scalars(select(RootCause).where(RootCause.workspace_id == workspace_id))
    }
    tps = {
        t.id: localized(t.name, t.names)
        for t in session.scalars(select(Touchpoint).where(Touchpoint.workspace_id == workspace_id))
    }

    def counted(column: str, name: Any) -> list[dict[str, Any]]:
        counts = f[column].value_counts(dropna=False)
        return sorted(
            (
                {
                    "key": None if pd.isna(k) else (int(k) if isinstance(k, float | np.integer) else k),
                    "label": name(k),
                    "cases": int(v),
                }
                for k, v in counts.items()
            ),
            key=lambda r: -r["cases"],
        )

    return {
        "by_root_cause": counted(
            "root_cause_id", lambda k: "" if pd.isna(k) else label(causes.get(int(k)), locale)
        ),
        "by_touchpoint": counted("touchpoint_id", lambda k: "" if pd.isna(k) else tps.get(int(k), str(k))),
        "by_source": counted("source", lambda k: str(k)),
    }


def bought_again(
    warehouse: Warehouse, *, workspace_id: int, cases: pd.DataFrame, level: float
) -> dict[str, Any]:
    """Share of followed-up detractors with an order after their case was resolved: recovered vs not."""
    with_customer = cases[cases["customer_id"].notna() & cases["resolved_at"].notna()]
    if with_customer.empty:
        return {"recovered": metrics.EMPTY.to_dict(), "not_recovered": metrics.EMPTY.to_dict()}
    probe = pd.DataFrame(
        {
            "customer_id": with_customer["customer_id"].astype(str),
            "resolved_at": with_customer["resolved_at"].dt.tz_convert(None),
            "recovered": with_customer["recovered"].astype(bool),
        }
    )
    with warehouse.register("case_probe", probe):
        got = warehouse.frame(
            "SELECT p.customer_id, p.recovered, EXISTS (SELECT 1 FROM orders o WHERE o.workspace_id = $ws AND "
            "o.customer_id = p.customer_id AND o.ordered_at > p.resolved_at) AS bought FROM case_probe p",
            {"ws": workspace_id},
        )
    out = {}
    for name, flag in (("recovered", True), ("not_recovered", False)):
        part = got[got["recovered"] == flag]
        out[name] = metrics.wilson(int(part["bought"].sum()), len(part), level=level).to_dict()
    return out
