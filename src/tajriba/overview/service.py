"""Workspace overview and the first views of each domain, computed in the warehouse (one query per widget)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import ibis

from tajriba.warehouse import Warehouse


@dataclass
class Overview:
    customers: int = 0
    events: int = 0
    first_event: datetime | None = None
    last_event: datetime | None = None
    orders: int = 0
    revenue: Decimal = Decimal(0)
    average_order_value: Decimal | None = None
    responses: int = 0
    nps: float | None = None
    nps_n: int = 0
    csat: float | None = None
    csat_n: int = 0
    ces: float | None = None
    ces_n: int = 0
    feedback: int = 0
    tickets: int = 0
    open_tickets: int = 0
    median_first_response_min: float | None = None
    median_resolution_h: float | None = None
    weekly: list[dict[str, Any]] = field(default_factory=list)
    feedback_languages: list[dict[str, Any]] = field(default_factory=list)


def overview(warehouse: Warehouse, *, workspace_id: int) -> Overview:
    """Headline numbers of one workspace."""
    out = Overview()
    customers = warehouse.table("customers", workspace_id=workspace_id)
    out.customers = int(warehouse.execute(customers.count()))

    events = warehouse.table("events", workspace_id=workspace_id)
    row = warehouse.execute(
        events.aggregate(n=events.count(), first=events["timestamp"].min(), last=events["timestamp"].max())
    ).iloc[0]
    out.events, out.first_event, out.last_event = int(row["n"]), _dt(row["first"]), _dt(row["last"])
    weekly = warehouse.execute(
        events.group_by(week=events["timestamp"].truncate("W"))
        .aggregate(events=events.count())
        .order_by("week")
    )
    out.weekly = complete_weeks(
        [
            {"week": _dt(w).date(), "events": int(n)}
            for w, n in zip(weekly["week"], weekly["events"], strict=True)
        ],
        first=out.first_event,
        last=out.last_event,
    )

    orders = warehouse.table("orders", workspace_id=workspace_id)
    row = warehouse.execute(orders.aggregate(n=orders.count(), revenue=orders.amount.sum())).iloc[0]
    out.orders = int(row["n"])
    out.revenue = Decimal(str(row["revenue"])) if row["revenue"] is not None and out.orders else Decimal(0)
    out.average_order_value = (out.revenue / out.orders).quantize(Decimal("0.01")) if out.orders else None

    responses = warehouse.table("survey_responses", workspace_id=workspace_id)
    scores = warehouse.execute(
        responses.group_by("metric").aggregate(
            n=responses.count(),
            mean=responses.score.mean(),
            promoters=(responses.score >= 9).cast("int").sum(),
            detractors=(responses.score <= 6).cast("int").sum(),
        )
    )
    for rec in scores.to_dict("records"):
        n = int(rec["n"])
        out.responses += n
        if rec["metric"] == "nps" and n:
            out.nps, out.nps_n = 100.0 * (int(rec["promoters"]) - int(rec["detractors"])) / n, n
        elif rec["metric"] == "csat" and n:
            out.csat, out.csat_n = float(rec["mean"]), n
        elif rec["metric"] == "ces" and n:
            out.ces, out.ces_n = float(rec["mean"]), n

    feedback = warehouse.table("feedback_texts", workspace_id=workspace_id)
    langs = warehouse.execute(
        feedback.group_by("language").aggregate(n=feedback.count()).order_by(ibis.desc("n"))
    )
    out.feedback_languages = [
        {"language": lang, "n": int(n)} for lang, n in zip(langs["language"], langs["n"], strict=True)
    ]
    out.feedback = sum(d["n"] for d in out.feedback_languages)

    tickets = warehouse.table("tickets", workspace_id=workspace_id)
    first_response = tickets.first_response_at.epoch_seconds() - tickets.created_at.epoch_seconds()
    resolution = tickets.resolved_at.epoch_seconds() - tickets.created_at.epoch_seconds()
    row = warehouse.execute(
        tickets.aggregate(
            n=tickets.count(),
            open=tickets.resolved_at.isnull().cast("int").sum(),
            frt=first_response.median(),
            res=resolution.median(),
        )
    ).iloc[0]
    out.tickets = int(row["n"])
    out.open_tickets = int(row["open"] or 0)
    out.median_first_response_min = None if _isnull(row["frt"]) else float(row["frt"]) / 60
    out.median_resolution_h = None if _isnull(row["res"]) else float(row["res"]) / 3600
    return out


def complete_weeks(
    weeks: list[dict[str, Any]], *, first: datetime | None, last: datetime | None
) -> list[dict[str, Any]]:
    """Keep only weeks the data covers entirely, so a partial first or last week does not look like a drop."""
    if first is None or last is None:
        return []
    from datetime import timedelta

    return [
        w
        for w in weeks
        if w["week"] >= first.date() and w["week"] + timedelta(days=7) <= last.date() + timedelta(days=1)
    ]


def responses_by_touchpoint(warehouse: Warehouse, *, workspace_id: int) -> list[dict[str, Any]]:
    """Response count and mean score per touchpoint and metric."""
    t = warehouse.table("survey_responses", workspace_id=workspace_id)
    rows = warehouse.execute(
        t.group_by(["touchpoint_id", "metric"])
        .aggregate(n=t.count(), mean=t.score.mean())
        .order_by(["touchpoint_id", "metric"])
    )
    return rows.to_dict("records")


def revenue_by_month(warehouse: Warehouse, *, workspace_id: int) -> list[dict[str, Any]]:
    t = warehouse.table("orders", workspace_id=workspace_id)
    rows = warehouse.execute(
        t.group_by(month=t.ordered_at.truncate("M"))
        .aggregate(orders=t.count(), revenue=t.amount.sum(), customers=t.customer_id.nunique())
        .order_by("month")
    )
    return rows.to_dict("records")


def _dt(value: Any) -> Any:
    if value is None or _isnull(value):
        return None
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    return value


def _isnull(value: Any) -> bool:
    try:
        return bool(value != value)  # NaN / NaT
    except TypeError:
        return False
