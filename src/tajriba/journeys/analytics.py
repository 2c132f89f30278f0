"""Journey analytics on a workspace's own events: discovery and funnels over touchpoints or event names.

A case is a customer (or a session); an activity is the touchpoint the event was mapped to (events mapped to
none are left out) or the event's name. Ties in time are broken by message id, so results are repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import ibis

from tajriba.errors import Invalid
from tajriba.journeys import discovery, funnels

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from tajriba.warehouse import Warehouse

CASES = ("customer", "session")
ACTIVITIES = ("touchpoint", "event")
BREAKDOWNS = ("channel", "language", "persona")


@dataclass(frozen=True)
class Scope:
    """Which events: a period (UTC, end exclusive), a channel, a persona; and what a case and a step are."""

    case: str = "customer"
    activity: str = "touchpoint"
    start: datetime | None = None
    end: datetime | None = None
    channel: str | None = None
    persona: str | None = None
    # repeated steps in a row (three product pages, two chats) count as one step of the path
    collapse: bool = False

    def check(self) -> None:
        if self.case not in CASES:
            raise Invalid(f"case must be one of {', '.join(CASES)}", field="case")
        if self.activity not in ACTIVITIES:
            raise Invalid(f"activity must be one of {', '.join(ACTIVITIES)}", field="activity")
        if self.start and self.end and self.start >= self.end:
            raise Invalid("the period's start must be before its end", field="start")


def events_table(
    warehouse: Warehouse, *, workspace_id: int, scope: Scope, with_persona: bool = False
) -> ir.Table:
    """The workspace's events as `case_id, activity, ts, ord, channel, language` (and `persona`: the
    customer's, joined only when filtering or breaking down by it)."""
    scope.check()
    ev = warehouse.table("events", workspace_id=workspace_id)
    if scope.activity == "touchpoint":
        ev = ev.filter(ev.touchpoint_id.notnull())
        activity = ev.touchpoint_id.cast("string")
    else:
        activity = ev.event.fill_null(ev.type)
    case = ev.customer_id if scope.case == "customer" else ev.session_id
    ev = ev.filter(case.notnull())
    if scope.start:
        ev = ev.filter(ev.timestamp >= scope.start)
    if scope.end:
        ev = ev.filter(ev.timestamp < scope.end)
    if scope.channel:
        ev = ev.filter(ev.channel == scope.channel)
    t = ev.select(
        case_id=case,
        activity=activity,
        ts=ev.timestamp,
        ord=ev.message_id,
        channel=ev.channel,
        language=ev.language,
        customer_id=ev.customer_id,
    )
    if scope.collapse:
        w = ibis.window(group_by=t.case_id, order_by=[t.ts, t.ord])
        t = t.mutate(_prev=t.activity.lag().over(w))
        t = t.filter(t._prev.isnull() | (t._prev != t.activity)).drop("_prev")
    if not (with_persona or scope.persona):
        return t.drop("customer_id")
    customers = warehouse.table("customers", workspace_id=workspace_id).select(
        c_id="customer_id", persona="persona_key"
    )
    t = t.left_join(customers, t.customer_id == customers.c_id).drop("c_id", "customer_id")
    if scope.persona:
        t = t.filter(t.persona == scope.persona)
    return t


def discover(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    scope: Scope,
    names: dict[int, str] | None = None,
    max_variants: int = 50,
) -> dict[str, Any]:
    """Discovery on the workspace's events; touchpoint ids are given with their names."""
    result = discovery.discover(
        events_table(warehouse, workspace_id=workspace_id, scope=scope), max_variants=max_variants
    )
    if scope.activity == "touchpoint":
        result = _named(result, names or {})
    return result


def funnel(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    scope: Scope,
    steps: list[str],
    window_seconds: float | None = None,
    by: str | None = None,
    names: dict[int, str] | None = None,
) -> dict[str, Any]:
    """An ordered funnel over touchpoint ids (or event names) with an optional breakdown."""
    if by is not None and by not in BREAKDOWNS:
        raise Invalid(f"by must be one of {', '.join(BREAKDOWNS)}", field="by")
    if scope.activity == "touchpoint":
        bad = [s for s in steps if not s.isdigit()]
        if bad:
            raise Invalid(f"steps must be touchpoint ids; got {bad[0]!r}", field="steps")
    result = funnels.funnel(
        events_table(warehouse, workspace_id=workspace_id, scope=scope, with_persona=by == "persona"),
        steps=steps,
        window_seconds=window_seconds,
        by=by,
    )
    if scope.activity == "touchpoint":
        labels = names or {}
        for part in [result, *result["groups"]]:
            for step in part["steps"]:
                step["touchpoint_id"] = int(step["step"])
                step["name"] = labels.get(int(step["step"]), step["step"])
    return result


def _named(result: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    """Add names beside touchpoint ids (the ids stay the keys: names may repeat across journeys)."""

    def label(tp: str) -> str:
        return names.get(int(tp), tp)

    seen = {*result["start"], *result["end"]}
    for edge in result["dfg"]:
        edge["source_name"], edge["target_name"] = label(edge["source"]), label(edge["target"])
        seen.update((edge["source"], edge["target"]))
    for variant in result["variants"]:
        seen.update(variant["activities"])
    result["names"] = {tp: label(tp) for tp in sorted(seen)}
    return result
