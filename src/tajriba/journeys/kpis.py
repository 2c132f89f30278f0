"""Per-touchpoint KPIs from the warehouse, with their uncertainty: one aggregate query per source.

Sources: survey responses tied to a touchpoint (CSAT, CES, NPS), feedback texts about it (star ratings;
text sentiment joins when the text pipeline stores it), events mapped to it (volume, and how many
customers' journeys end there), tickets raised there (first-response and resolution times), and orders
(on-time delivery, for touchpoints whose purpose is to deliver). The emotion curve puts every response
and rating on one -1..+1 scale: 2 (score - scale minimum) / (scale maximum - scale minimum) - 1.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import ibis

from tajriba.errors import Invalid
from tajriba.metrics import service as metrics

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from tajriba.warehouse import Warehouse

DEFAULT_SCALES = {"csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}


@dataclass(frozen=True)
class Filters:
    """Which data: customers of a persona (or segment), a period of days [start, end), a channel, a language."""

    persona: str | None = None
    start: date | None = None
    end: date | None = None
    channel: str | None = None
    language: str | None = None
    # the workspace's time zone: a period's days are its local days, as on the metrics pages
    tz: str = "UTC"

    def check(self) -> None:
        if self.start and self.end and self.start >= self.end:
            raise Invalid("the period's start must be before its end", field="start")

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) local days as naive UTC instants (`metrics.periods.Window`, as every analytic)."""
        from zoneinfo import ZoneInfo

        from tajriba.periods import Window

        return Window(ZoneInfo(self.tz or "UTC"), self.start, self.end).utc()

    def with_period(self, start: date | None, end: date | None) -> Filters:
        return replace(self, start=start, end=end)

    def in_zone(self, tz: str | None) -> Filters:
        return replace(self, tz=tz or "UTC")


@dataclass
class TouchpointKpis:
    kpis: dict[str, metrics.Estimate]
    sums: dict[str, tuple[int, float, float]]  # kpi -> (n, sum, sum of squares), for differences of means
    nps_counts: tuple[int, int, int] | None
    emotion: metrics.Estimate
    emotion_sums: tuple[int, float, float]
    volume: int
    customers: int


def _scoped(
    warehouse: Warehouse,
    table: str,
    *,
    workspace_id: int,
    filters: Filters,
    ts: str,
    customers: ir.Table | None,
) -> ir.Table:
    """`table` under the filters; tables without a language column (tickets, orders) go by the customer's."""
    t = warehouse.table(table, workspace_id=workspace_id)
    start, end = filters.bounds()
    if start:
        t = t.filter(t[ts] >= start)
    if end:
        t = t.filter(t[ts] < end)
    if filters.channel:
        t = t.filter(t.channel == filters.channel)
    if filters.language and "language" in t.columns:
        t = t.filter(t.language == filters.language)
    elif filters.language:
        people = warehouse.table("customers", workspace_id=workspace_id)
        people = people.filter(people.language == filters.language)
        t = t.semi_join(people, t.customer_id == people.customer_id)
    if customers is not None:
        t = t.semi_join(customers, t.customer_id == customers.customer_id)
    return t


def segment_customers(
    warehouse: Warehouse, *, workspace_id: int, filters: Filters, persona_rule: dict | None
) -> ir.Table | None:
    """Customers of the persona filter: its segment rule, or the profiles' persona key when it has none."""
    if not filters.persona:
        return None
    from tajriba.customers import service as customers

    return customers.segment_members(
        warehouse, workspace_id=workspace_id, rule=persona_rule, persona_key=filters.persona
    )


def compute(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    touchpoints: list[Any],
    filters: Filters,
    persona_rule: dict | None = None,
) -> dict[int, TouchpointKpis]:
    """KPIs of each touchpoint (keyed by id) under the filters."""
    filters.check()
    customers = segment_customers(
        warehouse, workspace_id=workspace_id, filters=filters, persona_rule=persona_rule
    )
    ids = [t.id for t in touchpoints]
    acc: dict[int, dict[str, Any]] = {i: {"kpis": {}, "sums": {}, "emo": [0, 0.0, 0.0]} for i in ids}
    _responses(warehouse, workspace_id, filters, customers, ids, acc)
    _feedback(warehouse, workspace_id, filters, customers, ids, acc)
    _events(warehouse, workspace_id, filters, customers, ids, acc)
    _tickets(warehouse, workspace_id, filters, customers, ids, acc)
    deliver = [t.id for t in touchpoints if t.business_purpose == "deliver"]
    if deliver:
        on_time = _on_time(warehouse, workspace_id, filters, customers)
        for i in deliver:
            acc[i]["kpis"]["on_time_share"] = on_time
    out = {}
    for i in ids:
        a = acc[i]
        n, s, ss = a["emo"]
        out[i] = TouchpointKpis(
            kpis=a["kpis"],
            sums=a["sums"],
            nps_counts=a.get("nps_counts"),
            emotion=metrics.mean_from_sums(n, s, ss),
            emotion_sums=(n, s, ss),
            volume=a.get("volume", 0),
            customers=a.get("customers", 0),
        )
    return out


def _responses(warehouse, workspace_id, filters, customers, ids, acc) -> None:
    t = _scoped(
        warehouse,
        "survey_responses",
        workspace_id=workspace_id,
        filters=filters,
        ts="submitted_at",
        customers=customers,
    )
    t = t.filter(t.touchpoint_id.isin(ids), t.score.notnull(), t.metric.isin(list(DEFAULT_SCALES)))
    lo = t.scale_min.fill_null(
        ibis.cases(*[(t.metric == m, a) for m, (a, _) in DEFAULT_SCALES.items()])
    ).cast("float64")
    hi = t.scale_max.fill_null(
        ibis.cases(*[(t.metric == m, b) for m, (_, b) in DEFAULT_SCALES.items()])
    ).cast("float64")
    unit = (t.score - lo) / (hi - lo)
    # CSAT on 1..5 and CES on 1..7 whatever scale a survey used; NPS stays 0..10
    value = ibis.cases(
        *[(t.metric == m, a + (b - a) * unit) for m, (a, b) in DEFAULT_SCALES.items() if m != "nps"],
        else_=t.score,
    )
    u = t.select(tp=t.touchpoint_id, metric=t.metric, v=value, e=2 * unit - 1, score=t.score)
    rows = warehouse.execute(
        u.group_by(["tp", "metric"]).aggregate(
            n=u.count(),
            s=u.v.sum(),
            ss=(u.v * u.v).sum(),
            es=u.e.sum(),
            ess=(u.e * u.e).sum(),
            promoters=(u.score >= metrics.PROMOTER_MIN).sum(),
            detractors=(u.score <= metrics.DETRACTOR_MAX).sum(),
        )
    )
    for r in rows.to_dict("records"):
        a, n = acc[int(r["tp"])], int(r["n"])
        if r["metric"] == "nps":
            p, d = int(r["promoters"]), int(r["detractors"])
            a["kpis"]["nps"] = metrics.nps(p, n - p - d, d)
            a["nps_counts"] = (p, n - p - d, d)
        else:
            a["kpis"][r["metric"]] = metrics.mean_from_sums(n, float(r["s"]), float(r["ss"]))
            a["sums"][r["metric"]] = (n, float(r["s"]), float(r["ss"]))
        _add_emotion(a, n, float(r["es"]), float(r["ess"]))


def _add_emotion(a: dict[str, Any], n: int, s: float, ss: float) -> None:
    a["emo"][0] += n
    a["emo"][1] += s
    a["emo"][2] += ss


def _feedback(warehouse, workspace_id, filters, customers, ids, acc) -> None:
    t = _scoped(
        warehouse,
        "feedback_texts",
        workspace_id=workspace_id,
        filters=filters,
        ts="created_at",
        customers=customers,
    )
    # comments left on a survey are feedback too, but their score is already counted as a response
    t = t.filter(t.touchpoint_id.isin(ids), t.response_id.isnull())
    r = t.rating
    e = (r - 1) / 2 - 1
    rows = warehouse.execute(
        t.group_by(tp=t.touchpoint_id).aggregate(
            texts=t.count(),
            n=r.count(),
            s=r.sum(),
            ss=(r * r).sum(),
            pos=(r >= 4).sum(),
            es=e.sum(),
            ess=(e * e).sum(),
        )
    )
    for row in rows.to_dict("records"):
        a, n = acc[int(row["tp"])], int(row["n"])
        a["feedback"] = int(row["texts"])
        if n:
            a["kpis"]["rating"] = metrics.mean_from_sums(n, float(row["s"]), float(row["ss"]))
            a["sums"]["rating"] = (n, float(row["s"]), float(row["ss"]))
            a["kpis"]["positive_share"] = metrics.wilson(int(row["pos"]), n)
            _add_emotion(a, n, float(row["es"]), float(row["ess"]))


def _events(warehouse, workspace_id, filters, customers, ids, acc) -> None:
    t = _scoped(
        warehouse, "events", workspace_id=workspace_id, filters=filters, ts="timestamp", customers=customers
    )
    t = t.filter(t.touchpoint_id.notnull(), t.customer_id.notnull())
    volume = warehouse.execute(
        t.group_by(tp=t.touchpoint_id).aggregate(events=t.count(), customers=t.customer_id.nunique())
    )
    last = t.group_by("customer_id").aggregate(tp=t.touchpoint_id.argmax(t.timestamp))
    ends = warehouse.execute(last.group_by("tp").aggregate(n=last.count()))
    ended = {int(k): int(v) for k, v in zip(ends["tp"], ends["n"], strict=True)}
    for row in volume.to_dict("records"):
        tp = int(row["tp"])
        if tp not in acc:
            continue
        a = acc[tp]
        a["volume"], a["customers"] = int(row["events"]), int(row["customers"])
        a["kpis"]["drop_off"] = metrics.wilson(ended.get(tp, 0), a["customers"])


def _tickets(warehouse, workspace_id, filters, customers, ids, acc) -> None:
    t = _scoped(
        warehouse,
        "tickets",
        workspace_id=workspace_id,
        filters=filters,
        ts="created_at",
        customers=customers,
    )
    t = t.filter(t.touchpoint_id.isin(ids))
    created = t.created_at.epoch_seconds()
    rows = warehouse.execute(
        t.select(
            tp=t.touchpoint_id,
            frt=(t.first_response_at.epoch_seconds() - created) / 60.0,
            res=(t.resolved_at.epoch_seconds() - created) / 3600.0,
        )
    )
    values: dict[int, dict[str, list[float]]] = defaultdict(
        lambda: {"first_response_min": [], "resolution_h": []}
    )
    for tp, frt, res in zip(rows["tp"], rows["frt"], rows["res"], strict=True):
        v = values[int(tp)]
        if frt == frt and frt is not None:
            v["first_response_min"].append(float(frt))
        if res == res and res is not None:
            v["resolution_h"].append(float(res))
    for tp, v in values.items():
        for kpi, xs in v.items():
            if xs:
                acc[tp]["kpis"][kpi] = metrics.median(xs)


def _on_time(warehouse, workspace_id, filters, customers) -> metrics.Estimate:
    t = _scoped(
        warehouse,
        "orders",
        workspace_id=workspace_id,
        filters=filters,
        ts="ordered_at",
        customers=customers,
    )
    t = t.filter(t.delivered_at.notnull(), t.promised_delivery_at.notnull())
    row = warehouse.execute(
        t.aggregate(n=t.count(), on_time=(t.delivered_at <= t.promised_delivery_at).sum())
    ).iloc[0]
    n = int(row["n"])
    return metrics.wilson(int(row["on_time"] or 0), n) if n else metrics.EMPTY
