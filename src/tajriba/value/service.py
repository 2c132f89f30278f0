"""Value analytics on a workspace's warehouse: one run fits the models on the orders and stores a row per
customer in `customer_values`; the overview, cohort, movement and driver reads compute from the warehouse.

Orders that were cancelled do not count as purchases; returned orders do (the customer bought), their
value is kept. Days are UTC days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.metrics import service as metrics
from tajriba.value import cohorts, drivers, rfm
from tajriba.value.bgnbd import BetaGeoModel
from tajriba.value.clv import ClvSettings, customer_lifetime_value
from tajriba.value.gammagamma import GammaGammaModel
from tajriba.value.paretonbd import ParetoNBDModel
from tajriba.value.summary import summarize
from tajriba.warehouse import Warehouse
from tajriba.warehouse.schema import TABLES

# what other domains use of this package's modules, reached through this service only (docs/architecture.md)
RFM_SEGMENTS = rfm.SEGMENTS

_VALUE_COLUMNS = ", ".join(c for c in TABLES["customer_values"].column_names if c != "workspace_id")

MODELS: dict[str, type[BetaGeoModel] | type[ParetoNBDModel]] = {
    "bgnbd": BetaGeoModel,
    "pareto-nbd": ParetoNBDModel,
}
MIN_CUSTOMERS = 30
MIN_REPEAT_BUYERS = 10


@dataclass
class ValueRun:
    observation_end: dt.date
    customers: int
    model: str
    transaction_params: list[dict[str, Any]]
    spend_params: list[dict[str, Any]]
    log_likelihood: float
    settings: ClvSettings

    def to_dict(self) -> dict[str, Any]:
        return {
            "observation_end": self.observation_end.isoformat(),
            "customers": self.customers,
            "model": self.model,
            "transaction_model": self.transaction_params,
            "spend_model": self.spend_params,
            "log_likelihood": self.log_likelihood,
            "horizon_months": self.settings.horizon_months,
            "discount_rate": self.settings.discount_rate,
        }


def load_orders(wh: Warehouse, workspace_id: int, *, until: dt.datetime | None = None) -> pd.DataFrame:
    """customer_id, ordered_at, amount, items, channel, currency, late of the workspace's purchases."""
    query = (
        "SELECT customer_id, ordered_at, CAST(amount AS DOUBLE) AS amount, items, channel, currency, "
        "(delivered_at IS NOT NULL AND promised_delivery_at IS NOT NULL AND delivered_at > promised_delivery_at) AS late, "
        "(delivered_at IS NOT NULL AND promised_delivery_at IS NOT NULL) AS delivered "
        "FROM orders WHERE workspace_id = ? AND customer_id IS NOT NULL AND cancelled_at IS NULL "
        "AND coalesce(status, '') <> 'cancelled'"
    )
    params: list[Any] = [workspace_id]
    if until is not None:
        query += " AND ordered_at <= ?"
        params.append(until)
    return wh.frame(query + " ORDER BY ordered_at, order_id", params)


def _end(orders: pd.DataFrame, observation_end: dt.date | None) -> dt.date:
    if observation_end is not None:
        return observation_end
    return pd.Timestamp(orders["ordered_at"].max()).date()


def recompute(
    session: Session, wh: Warehouse, *, workspace_id: int, actor: Auditor, **options: Any
) -> ValueRun:
    """Someone's request to refit the models and store every customer's value (`compute`), audited."""
    run = compute(wh, workspace_id, **options)
    actor.audit(
        session, "value.compute", target_type="workspace", target_id=str(workspace_id), details=run.to_dict()
    )
    return run


def compute(
    wh: Warehouse,
    workspace_id: int,
    *,
    observation_end: dt.date | None = None,
    model: str = "bgnbd",
    settings: ClvSettings | None = None,
    computed_at: dt.datetime | None = None,
) -> ValueRun:
    """Fit the purchase and spend models on the workspace's orders and store each customer's value."""
    if model not in MODELS:
        raise Invalid(f"model must be one of {', '.join(MODELS)}", field="model")
    settings = settings or ClvSettings()
    settings.check()
    orders = load_orders(wh, workspace_id)
    if orders.empty:
        raise Invalid("this workspace has no orders yet: import orders first", field="orders")
    end = _end(orders, observation_end)
    summary = _fit_summary(orders, end)
    tm = MODELS[model]().fit(summary["frequency"], summary["recency"], summary["T"])
    gg = GammaGammaModel().fit(summary["frequency"], summary["monetary_value"])
    at = computed_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    frame = _values(workspace_id, orders, summary, tm, gg, settings, model=model, end=end, at=at)
    with wh.transaction():
        wh.run("DELETE FROM customer_values WHERE workspace_id = ?", [workspace_id])
        wh.append("customer_values", frame)
    return ValueRun(
        observation_end=end,
        customers=len(frame),
        model=model,
        transaction_params=tm.summary.to_dict(orient="records"),
        spend_params=gg.summary.to_dict(orient="records"),
        log_likelihood=tm.log_likelihood_,
        settings=settings,
    )


def _fit_summary(orders: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """Each customer's frequency, recency, age and spend (in weeks) up to `end`, checked to be enough to fit."""
    summary = summarize(
        orders,
        customer="customer_id",
        datetime="ordered_at",
        amount="amount",
        observation_end=end,
        unit="week",
    )
    if len(summary) < MIN_CUSTOMERS:
        raise Invalid(
            f"{len(summary)} customers bought before {end}: the models need at least {MIN_CUSTOMERS}",
            field="orders",
        )
    repeaters = int((summary["frequency"] > 0).sum())
    if repeaters < MIN_REPEAT_BUYERS:
        raise Invalid(
            f"{repeaters} repeat buyers: the models need at least {MIN_REPEAT_BUYERS}", field="orders"
        )
    return summary


def _values(
    workspace_id: int,
    orders: pd.DataFrame,
    summary: pd.DataFrame,
    tm: Any,
    gg: GammaGammaModel,
    settings: ClvSettings,
    *,
    model: str,
    end: dt.date,
    at: dt.datetime,
) -> pd.DataFrame:
    """The customer_values rows: RFM summary, P(alive), expected purchases and spend, CLV with its interval."""
    f, r, t = summary["frequency"], summary["recency"], summary["T"]
    values = customer_lifetime_value(
        tm, gg, f, r, t, summary["monetary_value"], settings=settings, interval=True
    )
    horizon = settings.horizon_months * 365.25 / 12 / 7
    scores = rfm.rfm_table(summary)
    ids = summary["customer_id"].astype(str)
    return pd.DataFrame(
        {
            "workspace_id": workspace_id,
            "customer_id": ids,
            "computed_at": at,
            "observation_end": pd.Timestamp(end),
            "model": model,
            "orders": orders.groupby("customer_id").size().reindex(ids).fillna(0).astype(int).to_numpy(),
            "frequency": f.astype(int),
            "recency_days": r * 7,
            "age_days": t * 7,
            "days_since_last": summary["since_last"] * 7,
            "total_spend": summary["total_spend"],
            "mean_spend": summary["mean_spend"],
            "p_alive": tm.probability_alive(f, r, t),
            "expected_purchases": tm.conditional_expected_purchases(horizon, f, r, t),
            "expected_spend": gg.conditional_expected_average_profit(f, summary["monetary_value"]),
            "clv": values["clv"].to_numpy(),
            "clv_low": values["clv_low"].to_numpy(),
            "clv_high": values["clv_high"].to_numpy(),
            "rfm": scores["rfm"].to_numpy(),
            "segment": scores["segment"].to_numpy(),
            "currency": orders.groupby("customer_id")["currency"].first().reindex(ids).to_numpy(),
            "horizon_months": settings.horizon_months,
            "discount_rate": settings.discount_rate,
        }
    )


def values_frame(wh: Warehouse, workspace_id: int) -> pd.DataFrame:
    return wh.frame("SELECT * FROM customer_values WHERE workspace_id = ?", [workspace_id])


def customer_value(wh: Warehouse, workspace_id: int, customer_id: str) -> dict[str, Any] | None:
    """The stored value row of one customer (None before the first run or for non-buyers)."""
    frame = wh.frame(
        f"SELECT {_VALUE_COLUMNS} FROM customer_values WHERE workspace_id = ? AND customer_id = ?",
        [workspace_id, customer_id],
    )
    return _records(frame)[0] if len(frame) else None


def _plain(v: Any) -> Any:
    if v is pd.NaT or (isinstance(v, float) and not math.isfinite(v)):
        return None
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _histogram(values: np.ndarray, bins: int = 12) -> list[dict[str, float]]:
    if values.size == 0:
        return []
    top = float(np.quantile(values, 0.99)) or float(values.max()) or 1.0
    edges = np.linspace(0, top, bins + 1)
    counts, _ = np.histogram(np.clip(values, 0, top), bins=edges)
    return [
        {"low": float(a), "high": float(b), "customers": int(c)}
        for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)
    ]


CALL_COLUMNS = [
    "customer_id",
    "segment",
    "orders",
    "total_spend",
    "days_since_last",
    "p_alive",
    "clv",
    "clv_low",
    "clv_high",
    "name",
    "phone",
    "called_at",
]


def _calls(wh: Warehouse, workspace_id: int, values: pd.DataFrame, size: int) -> pd.DataFrame:
    """Customers to call first: valuable (high past spend) and slipping (high churn risk), with name and
    phone; those called in the last CALLED_DAYS days wait at the end of the list, marked."""
    calls = values[values["frequency"] > 0].assign(score=lambda f: (1 - f["p_alive"]) * f["total_spend"])
    called = last_called(wh, workspace_id, calls["customer_id"].tolist())
    calls = calls.assign(called_at=calls["customer_id"].map(called))
    calls = calls.assign(_called=calls["called_at"].notna()).sort_values(
        ["_called", "score"], ascending=[True, False]
    )
    calls = calls.head(size)
    contacts = _contacts(wh, workspace_id, calls["customer_id"].tolist())
    return calls.assign(
        name=calls["customer_id"].map(lambda c: contacts.get(c, (None, None))[0]),
        phone=calls["customer_id"].map(lambda c: contacts.get(c, (None, None))[1]),
    )


def overview(
    wh: Warehouse,
    workspace_id: int,
    *,
    call_list: int = 20,
    orders: pd.DataFrame | None = None,
    values: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """What the value page shows: totals, CLV distribution, segments, churn-risk call list, order value."""
    values = values_frame(wh, workspace_id) if values is None else values
    if values.empty:
        return {"computed": False}
    clv = values["clv"].to_numpy(dtype=float)
    mean = metrics.mean(clv)
    orders = load_orders(wh, workspace_id) if orders is None else orders
    return {
        "computed": True,
        "computed_at": _plain(values["computed_at"].iloc[0].to_pydatetime()),
        "observation_end": _plain(values["observation_end"].iloc[0].to_pydatetime().date()),
        "model": values["model"].iloc[0],
        "currency": values["currency"].dropna().iloc[0] if values["currency"].notna().any() else None,
        "customers": len(values),
        "clv_mean": mean.to_dict(),
        "clv_total": float(clv.sum()),
        "clv_histogram": _histogram(clv),
        "expected_active": float(values["p_alive"].sum()),
        "segments": _records(rfm.segment_counts(values)),
        "call_list": _records(_calls(wh, workspace_id, values, call_list)[CALL_COLUMNS]),
        "order_value": order_value(orders),
    }


CALL_EVENT = "Retention Call"
CALLED_DAYS = 30


def _contacts(wh: Warehouse, workspace_id: int, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """Name and phone of each customer (for the call list)."""
    if not ids:
        return {}
    rows = wh.sql(
        "SELECT customer_id, name, phone FROM customers WHERE workspace_id = ? AND list_contains(?, customer_id)",
        [workspace_id, ids],
    )
    return {str(c): (n, p) for c, n, p in rows}


def last_called(
    wh: Warehouse, workspace_id: int, ids: list[str], *, days: int = CALLED_DAYS
) -> dict[str, Any]:
    """When each of these customers was last called from the call list, within `days` days."""
    if not ids:
        return {}
    rows = wh.sql(
        "SELECT customer_id, max(timestamp) FROM events WHERE workspace_id = ? AND event = ? "
        "AND list_contains(?, customer_id) AND timestamp >= now()::TIMESTAMP - to_days(?) GROUP BY 1",
        [workspace_id, CALL_EVENT, ids, days],
    )
    return {str(c): t for c, t in rows}


def mark_called(wh: Warehouse, workspace_id: int, customer_id: str, *, by_user: int | None) -> None:
    """Record that someone called the customer: an event on the customer's timeline, which also moves them to the
    end of the call list for CALLED_DAYS days."""
    import uuid
    from datetime import UTC, datetime

    import orjson
    import pyarrow as pa

    found = wh.sql(
        "SELECT 1 FROM customers WHERE workspace_id = ? AND customer_id = ?", [workspace_id, customer_id[:64]]
    )
    if not found:
        from tajriba.errors import NotFound

        raise NotFound("No such customer.", field="customer_id")
    now = datetime.now(UTC).replace(tzinfo=None)
    wh.append(
        "events",
        pa.Table.from_pylist(
            [
                {
                    "workspace_id": workspace_id,
                    "message_id": f"call-{uuid.uuid4().hex}",
                    "customer_id": customer_id,
                    "type": "track",
                    "event": CALL_EVENT,
                    "timestamp": now,
                    "received_at": now,
                    "channel": "call_centre",
                    "properties": orjson.dumps({"by_user": by_user}).decode(),
                    "source": "tajriba",
                }
            ]
        ),
    )


def order_value(orders: pd.DataFrame, *, by: str | None = None) -> list[dict[str, Any]]:
    """Average order value (t interval), items per order, repeat purchase rate (Wilson), per group."""
    if orders.empty:
        return []
    groups = [(None, orders)] if by is None else list(orders.groupby(orders[by].fillna("-").astype(str)))
    rows = []
    for key, part in groups:
        aov = metrics.mean(part["amount"].to_numpy(dtype=float))
        items = part["items"].dropna().to_numpy(dtype=float)
        days = part[["customer_id"]].assign(day=part["ordered_at"].dt.normalize()).drop_duplicates()
        per_customer = days.groupby("customer_id").size()
        repeat = metrics.wilson(int((per_customer > 1).sum()), int(per_customer.size))
        rows.append(
            {
                "group": key,
                "orders": len(part),
                "customers": int(per_customer.size),
                "aov": aov.to_dict(),
                "items_per_order": float(items.mean()) if items.size else None,
                "repeat_rate": repeat.to_dict(),
            }
        )
    return rows


ORDER_VALUE_BY = ("channel", "segment", "persona")


def order_value_by(
    wh: Warehouse, workspace_id: int, *, by: str | None = None, orders: pd.DataFrame | None = None
) -> list[dict[str, Any]]:
    """Order value for the workspace, whole or by order channel, RFM segment or persona."""
    if by is not None and by not in ORDER_VALUE_BY:
        raise Invalid(f"by must be one of {', '.join(ORDER_VALUE_BY)}", field="by")
    orders = load_orders(wh, workspace_id) if orders is None else orders
    if by == "segment":
        seg = wh.frame(
            "SELECT customer_id, segment FROM customer_values WHERE workspace_id = ?", [workspace_id]
        )
        orders = orders.merge(seg, on="customer_id", how="left")
    elif by == "persona":
        per = wh.frame(
            "SELECT customer_id, persona_key AS persona FROM customers WHERE workspace_id = ?", [workspace_id]
        )
        orders = orders.merge(per, on="customer_id", how="left")
    return order_value(orders, by=by)


def customers(
    wh: Warehouse,
    workspace_id: int,
    *,
    segment: str | None = None,
    sort: str = "churn",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Customers with their value, filtered by RFM segment, sorted by churn risk, CLV or spend."""
    orders_by = {"churn": "(1 - p_alive) * total_spend DESC", "clv": "clv DESC", "spend": "total_spend DESC"}
    if sort not in orders_by:
        raise Invalid(f"sort must be one of {', '.join(orders_by)}", field="sort")
    if segment is not None and segment not in rfm.SEGMENTS:
        raise Invalid(
            f"unknown segment {segment!r}; expected one of {', '.join(rfm.SEGMENTS)}", field="segment"
        )
    if not 1 <= limit <= 1000 or offset < 0:
        raise Invalid("limit must be 1-1000 and offset >= 0", field="limit")
    where = "workspace_id = ?"
    params: list[Any] = [workspace_id]
    if segment:
        where += " AND segment = ?"
        params.append(segment)
    total = wh.sql(f"SELECT count(*) FROM customer_values WHERE {where}", params)[0][0]
    frame = wh.frame(
        f"SELECT {_VALUE_COLUMNS} FROM customer_values WHERE {where} ORDER BY {orders_by[sort]}, customer_id "
        "LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return {"total": int(total), "customers": _records(frame)}


def cohort_report(
    wh: Warehouse,
    workspace_id: int,
    *,
    calendar: str = "gregorian",
    horizon: int = 12,
    orders: pd.DataFrame | None = None,
) -> dict[str, Any]:
    orders = load_orders(wh, workspace_id) if orders is None else orders
    if orders.empty:
        return {"cohorts": [], "new_vs_returning": [], "projection": None}
    table = cohorts.cohort_table(orders, calendar=calendar)
    sizes = table.groupby("cohort")["cohort_size"].first()
    projection = None
    complete = table[table["complete"]].groupby("cohort").size()
    candidates = [c for c in sizes.sort_values(ascending=False).index if complete.get(c, 0) >= 3]
    if candidates:
        proj = cohorts.project_retention(table, candidates[0], horizon=horizon)
        projection = {
            "cohort": candidates[0],
            "alpha": proj.attrs["alpha"],
            "beta": proj.attrs["beta"],
            "points": _records(proj),
        }
    return {
        "calendar": calendar,
        "cohorts": _records(table),
        "new_vs_returning": _records(cohorts.new_vs_returning(orders, calendar=calendar)),
        "projection": projection,
    }


def segment_movement(wh: Warehouse, workspace_id: int, *, days: int = 90) -> dict[str, Any]:
    """RFM segments now vs ``days`` earlier, from the order log."""
    if not 1 <= days <= 3650:
        raise Invalid("days must be between 1 and 3650", field="days")
    orders = load_orders(wh, workspace_id)
    if orders.empty:
        return {"days": days, "segments": list(rfm.SEGMENTS), "matrix": []}
    end = _end(orders, None)
    start = end - dt.timedelta(days=days)

    def table_at(day: dt.date) -> pd.DataFrame:
        part = orders[orders["ordered_at"] < pd.Timestamp(day) + pd.Timedelta(days=1)]
        if part.empty:
            return pd.DataFrame({"customer_id": [], "segment": []})
        s = summarize(
            part,
            customer="customer_id",
            datetime="ordered_at",
            amount="amount",
            observation_end=day,
            unit="day",
        )
        return rfm.rfm_table(s)

    matrix = rfm.movement(table_at(start), table_at(end))
    return {
        "days": days,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "segments": list(matrix.index),
        "matrix": matrix.to_numpy().tolist(),
    }


def _latest_nps(wh: Warehouse, workspace_id: int) -> pd.DataFrame:
    return wh.frame(
        "SELECT customer_id, arg_max(score, submitted_at) AS nps FROM survey_responses "
        "WHERE workspace_id = ? AND metric = 'nps' AND customer_id IS NOT NULL AND score IS NOT NULL GROUP BY 1",
        [workspace_id],
    )


def experience(
    wh: Warehouse,
    workspace_id: int,
    *,
    orders: pd.DataFrame | None = None,
    values: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Spend, repeat rate, churn risk and CLV by NPS group, and repeat rate after late vs on-time delivery."""
    values = values_frame(wh, workspace_id) if values is None else values
    out: dict[str, Any] = {"by_nps": [], "differences": [], "delivery": []}
    if values.empty:
        return out
    frame = values.merge(_latest_nps(wh, workspace_id), on="customer_id", how="inner")
    if not frame.empty:
        frame["group"] = drivers.nps_group(frame["nps"])
        frame["repeat"] = (frame["frequency"] > 0).astype(float)
        frame["churn_risk"] = 1 - frame["p_alive"]
        for outcome, kind in (
            ("total_spend", "mean"),
            ("repeat", "share"),
            ("churn_risk", "mean"),
            ("clv", "mean"),
        ):
            table = metrics.outcome_by_group(
                frame, group="group", outcome=outcome, kind=kind, order=drivers.NPS_GROUPS
            )
            out["by_nps"].extend({"outcome": outcome, **r} for r in _records(table))
            diff = metrics.compare_groups(
                frame, group="group", outcome=outcome, first="promoter", second="detractor", kind=kind
            )
            out["differences"].append({"outcome": outcome, **{k: _plain(v) for k, v in diff.items()}})
    # first delivered order late or on time -> did the customer buy again afterwards?
    orders = load_orders(wh, workspace_id) if orders is None else orders
    delivered = orders[orders["delivered"]]
    if not delivered.empty:
        first = delivered.sort_values("ordered_at").groupby("customer_id").first()
        later = orders.groupby("customer_id")["ordered_at"].max()
        first = first.assign(again=(later.reindex(first.index) > first["ordered_at"]).astype(float))
        first["experience"] = np.where(first["late"], "late", "on_time")
        table = metrics.outcome_by_group(
            first, group="experience", outcome="again", kind="share", order=("on_time", "late")
        )
        out["delivery"] = _records(table)
        out["delivery_difference"] = {
            k: _plain(v)
            for k, v in metrics.compare_groups(
                first, group="experience", outcome="again", first="on_time", second="late", kind="share"
            ).items()
        }
    return out


def key_drivers(
    wh: Warehouse, workspace_id: int, *, target: str = "nps", bootstrap: int = 200
) -> dict[str, Any]:
    """Which touchpoints' CSAT/CES explain customers' NPS: Shapley importance vs performance."""
    if target != "nps":
        raise Invalid("target must be 'nps' (the relationship score)", field="target")
    per_tp = wh.frame(
        "SELECT customer_id, touchpoint_id, metric, avg((score - scale_min) / nullif(scale_max - scale_min, 0)) AS s "
        "FROM survey_responses WHERE workspace_id = ? AND metric IN ('csat', 'ces') AND touchpoint_id IS NOT NULL "
        "AND customer_id IS NOT NULL AND score IS NOT NULL GROUP BY 1, 2, 3",
        [workspace_id],
    )
    nps = _latest_nps(wh, workspace_id)
    if per_tp.empty or nps.empty:
        return {"drivers": [], "reason": "no_data"}
    per_tp["driver"] = per_tp["metric"] + ":" + per_tp["touchpoint_id"].astype(str)
    wide = per_tp.pivot_table(index="customer_id", columns="driver", values="s").reset_index()
    frame = wide.merge(nps, on="customer_id")
    # keep drivers answered by enough of the NPS respondents; with sparse answers, fill the missing with the
    # driver's mean (documented: it shrinks importances rather than dropping most customers)
    counts = frame.drop(columns=["customer_id", "nps"]).notna().sum()
    chosen = list(counts[counts >= 30].sort_values(ascending=False).index[: drivers.MAX_DRIVERS])
    if not chosen:
        return {"drivers": [], "reason": "too_few_answers"}
    filled = frame[[*chosen, "nps"]].copy()
    filled[chosen] = filled[chosen].fillna(filled[chosen].mean())
    try:
        table = drivers.key_drivers(filled, target="nps", drivers=chosen, bootstrap=bootstrap)
    except Invalid as exc:
        return {"drivers": [], "reason": exc.message}
    table["performance"] = table["performance"] * 100
    split = table["driver"].str.split(":", n=1, expand=True)
    table["metric"], table["touchpoint_id"] = split[0], split[1].astype(int)
    return {"drivers": _records(table), "r2": table.attrs["r2"], "n": table.attrs["n"], "reason": None}


def profile_section(
    session: object,
    wh: Warehouse,
    *,
    workspace_id: int,
    customer_id: str,
    locale: str,
    can: Callable[[str], bool],
) -> dict[str, object]:
    """What a customer's profile page shows from this domain: lifetime value and RFM segment, to those allowed."""
    allowed = can("value:read")
    return {
        "value": customer_value(wh, workspace_id, customer_id) if allowed else None,
        "can_value": allowed,
        "segment_labels": rfm.SEGMENTS,
    }


def revenue_by_month(warehouse: Warehouse, *, workspace_id: int) -> list[dict[str, Any]]:
    """Orders, revenue and buying customers per calendar month."""
    t = warehouse.table("orders", workspace_id=workspace_id)
    rows = warehouse.execute(
        t.group_by(month=t.ordered_at.truncate("M"))
        .aggregate(orders=t.count(), revenue=t.amount.sum(), customers=t.customer_id.nunique())
        .order_by("month")
    )
    return rows.to_dict("records")
