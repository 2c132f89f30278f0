"""Experience linked to outcomes: what customers did after they answered.

For each customer, their first answer in the chosen range (one per customer, so a frequent answerer does not
count twice) is put in a group:
- NPS: promoter 9-10, passive 7-8, detractor 0-6;
- CSAT: good (top-2-box of the answer's scale) vs bad (bottom two), the middle left out;
- CES: easy (5-7 on 1-7) vs difficult (1-3), the middle left out.
Outcomes over the `days` after the answer, from the orders table (cancelled orders left out):
- repeat: bought again (share, Wilson interval);
- spend: money spent in the window (mean, t interval), in the workspace currency;
- churned: no order in the `churn_days` after the answer (share, Wilson interval).
Only answers whose whole window lies before the end of the data are used, so late answers with short
follow-up do not look like churn. Differences (first group minus last: promoters - detractors, good - bad)
carry Welch / normal intervals and p-values (`metrics.estimates.compare_groups`). These are associations, not
causes: the page says so.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tajriba import periods
from tajriba.errors import Invalid
from tajriba.metrics import estimates, scores
from tajriba.periods import Window

if TYPE_CHECKING:
    from tajriba.models.accounts import Workspace
    from tajriba.warehouse import Warehouse

GROUPS = {
    "nps": ("promoter", "passive", "detractor"),
    "csat": ("good", "bad"),
    "ces": ("easy", "difficult"),
}
OUTCOMES = (("repeat", "share"), ("spend", "mean"), ("churned", "share"))


def outcomes(
    wh: Warehouse,
    workspace: Workspace,
    *,
    metric: str = "nps",
    days: int = 90,
    churn_days: int = 180,
    start: date | None = None,
    end: date | None = None,
    touchpoint_id: int | None = None,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """Outcome rows per experience group and the differences between the best and worst groups."""
    scores.check_metric(metric)
    if not 1 <= days <= 730 or not 1 <= churn_days <= 1095:
        raise Invalid("days must be 1-730 and churn_days 1-1095", field="days")
    tz = periods.zone_of(workspace)
    lo, hi = Window(tz, start, end).utc()
    where = ["r.workspace_id = ?", "r.metric = ?", "r.score IS NOT NULL", "r.customer_id IS NOT NULL"]
    params: list[Any] = [workspace.id, metric]
    for clause, value in (
        ("r.touchpoint_id = ?", touchpoint_id),
        ("r.submitted_at >= ?", lo),
        ("r.submitted_at < ?", hi),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    default_lo, default_hi = scores.default_scale(metric)
    data_end_sql = (
        "(SELECT max(ordered_at) FROM orders WHERE workspace_id = ?)"
        if as_of is None
        else "CAST(? AS TIMESTAMP)"
    )
    data_end_param: Any = workspace.id if as_of is None else as_of.replace(tzinfo=None)
    frame = wh.frame(
        f"""
        WITH answers AS (
            SELECT r.customer_id, arg_min(r.score, r.submitted_at) AS score,
                   arg_min(COALESCE(r.scale_min, {default_lo}), r.submitted_at) AS smin,
                   arg_min(COALESCE(r.scale_max, {default_hi}), r.submitted_at) AS smax,
                   min(r.submitted_at) AS answered_at
            FROM survey_responses r WHERE {" AND ".join(where)} GROUP BY r.customer_id
        ), data_end AS (SELECT {data_end_sql} AS end_at)
        SELECT a.customer_id, a.score, a.smin, a.smax,
               count(o.order_id) FILTER (o.ordered_at <= a.answered_at + INTERVAL {days} DAY) AS orders,
               COALESCE(sum(o.amount) FILTER (o.ordered_at <= a.answered_at + INTERVAL {days} DAY), 0) AS spend,
               count(o.order_id) FILTER (o.ordered_at <= a.answered_at + INTERVAL {churn_days} DAY) AS orders_churn,
               a.answered_at + INTERVAL {days} DAY <= (SELECT end_at FROM data_end) AS full_window,
               a.answered_at + INTERVAL {churn_days} DAY <= (SELECT end_at FROM data_end) AS full_churn_window
        FROM answers a
        LEFT JOIN orders o ON o.workspace_id = ? AND o.customer_id = a.customer_id
             AND o.ordered_at > a.answered_at AND o.cancelled_at IS NULL
        GROUP BY ALL
        """,
        [*params, data_end_param, workspace.id],
    )
    frame["group"] = _groups(metric, frame)
    frame = frame[frame["group"] != ""]
    return _estimates(workspace, frame, metric=metric, days=days, churn_days=churn_days)


def _estimates(
    workspace: Workspace, frame: pd.DataFrame, *, metric: str, days: int, churn_days: int
) -> dict[str, Any]:
    """Repeat purchase and spend over `days` after the answer (customers followed that long) and churn over
    `churn_days`, per group, with the difference between the best and the worst group."""
    full = frame[frame["full_window"].fillna(False).astype(bool)].copy()
    full["repeat"] = (full["orders"] > 0).astype(float)
    full["spend"] = full["spend"].astype(float)
    churn = frame[frame["full_churn_window"].fillna(False).astype(bool)].copy()
    churn["churned"] = (churn["orders_churn"] == 0).astype(float)
    order = GROUPS[metric]
    rows: list[dict[str, Any]] = []
    differences: list[dict[str, Any]] = []
    for outcome, kind in OUTCOMES:
        data = churn if outcome == "churned" else full
        table = estimates.outcome_by_group(data, group="group", outcome=outcome, kind=kind, order=order)
        rows.extend({"outcome": outcome, **_plain_row(r)} for r in table.to_dict("records"))
        diff = estimates.compare_groups(
            data, group="group", outcome=outcome, first=order[0], second=order[-1], kind=kind
        )
        differences.append({"outcome": outcome, **_plain_row(diff)})
    return {
        "metric": metric,
        "groups": list(order),
        "days": days,
        "churn_days": churn_days,
        "currency": workspace.currency,
        "answers": len(frame),
        "followed": len(full),
        "rows": rows,
        "differences": differences,
    }


def _groups(metric: str, frame: pd.DataFrame) -> np.ndarray:
    s = frame["score"].to_numpy(dtype=float)
    if metric == "nps":
        return scores.nps_groups(s)
    smin, smax = frame["smin"].to_numpy(dtype=float), frame["smax"].to_numpy(dtype=float)
    if metric == "csat":
        good, bad = s >= smax - 1, s <= smin + 1
        return np.where(good, "good", np.where(bad, "bad", ""))
    pos = (s - smin) * 6
    width = smax - smin
    return np.where(pos >= 4 * width, "easy", np.where(pos <= 2 * width, "difficult", ""))


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float):
            v = None if v != v else round(v, 4)
        out[k] = v
    return out
