"""Workspace overview and the first views of each domain, computed in the warehouse (one query per widget;
survey and service KPIs from the metrics module, so every page shows the same figure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ibis

from tajriba.metrics import service as metrics
from tajriba.warehouse import Warehouse

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tajriba.models.accounts import Workspace


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


def _events(warehouse: Warehouse, workspace_id: int, out: Overview) -> None:
    """Events: how many, the first and last, and per week (weeks without events shown as zero)."""
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


def overview(session: Session, warehouse: Warehouse, workspace: Workspace) -> Overview:
    """Headline numbers of one workspace."""
    workspace_id = workspace.id
    out = Overview()
    customers = warehouse.table("customers", workspace_id=workspace_id)
    out.customers = int(warehouse.execute(customers.count()))

    _events(warehouse, workspace_id, out)

    orders = warehouse.table("orders", workspace_id=workspace_id)
    row = warehouse.execute(orders.aggregate(n=orders.count(), revenue=orders.amount.sum())).iloc[0]
    out.orders = int(row["n"])
    out.revenue = Decimal(str(row["revenue"])) if row["revenue"] is not None and out.orders else Decimal(0)
    out.average_order_value = (out.revenue / out.orders).quantize(Decimal("0.01")) if out.orders else None

    # NPS, CSAT and CES as the metrics module defines them (CSAT on other scales mapped to 1-5)
    for metric in ("nps", "csat", "ces"):
        rows = metrics.metric_table(session, warehouse, workspace, metrics.Query(metric=metric, min_n=1))[
            "rows"
        ]
        if rows:
            setattr(out, metric, rows[0]["value"])
            setattr(out, f"{metric}_n", int(rows[0]["n"]))
    # one survey answer may be several rows (`<id>`, `<id>:<question>`): count answers, not rows
    out.responses = int(
        warehouse.sql(
            "SELECT count(DISTINCT split_part(response_id, ':', 1)) FROM survey_responses WHERE workspace_id = ?",
            [workspace_id],
        )[0][0]
    )

    feedback = warehouse.table("feedback_texts", workspace_id=workspace_id)
    langs = warehouse.execute(
        feedback.group_by("language").aggregate(n=feedback.count()).order_by(ibis.desc("n"))
    )
    out.feedback_languages = [
        {"language": lang, "n": int(n)} for lang, n in zip(langs["language"], langs["n"], strict=True)
    ]
    out.feedback = sum(d["n"] for d in out.feedback_languages)

    service = metrics.service_kpis(warehouse, workspace, metrics.TicketQuery(min_n=1))
    if service["rows"]:
        row = service["rows"][0]
        out.tickets, out.open_tickets = int(row["n"]), int(row["open"])
        out.median_first_response_min = row["first_response_median"]
        out.median_resolution_h = row["resolution_median"]
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
