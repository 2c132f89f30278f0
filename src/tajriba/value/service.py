"""Value analytics on a workspace's warehouse (reports.py, calls.py and frames.py re-exported here): one run
fits the models on the orders and stores a row per customer in `customer_values`; the overview, cohort,
movement and driver reads compute from the warehouse.

Orders that were cancelled do not count as purchases; returned orders do (the customer bought), their
value is kept. Days are UTC days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.metrics import service as metrics
from tajriba.value import rfm
from tajriba.value.bgnbd import BetaGeoModel
from tajriba.value.calls import CALL_COLUMNS, calls_to_make
from tajriba.value.calls import CALL_EVENT as CALL_EVENT
from tajriba.value.calls import CALLED_DAYS as CALLED_DAYS
from tajriba.value.calls import last_called as last_called
from tajriba.value.calls import mark_called as mark_called
from tajriba.value.clv import ClvSettings, customer_lifetime_value
from tajriba.value.frames import VALUE_COLUMNS, histogram, observation_end_of, plain, records
from tajriba.value.frames import load_orders as load_orders
from tajriba.value.frames import values_frame as values_frame
from tajriba.value.gammagamma import GammaGammaModel
from tajriba.value.paretonbd import ParetoNBDModel
from tajriba.value.reports import ORDER_VALUE_BY as ORDER_VALUE_BY
from tajriba.value.reports import cohort_report as cohort_report
from tajriba.value.reports import customers as customers
from tajriba.value.reports import experience as experience
from tajriba.value.reports import key_drivers as key_drivers
from tajriba.value.reports import order_value
from tajriba.value.reports import order_value_by as order_value_by
from tajriba.value.reports import revenue_by_month as revenue_by_month
from tajriba.value.reports import segment_movement as segment_movement
from tajriba.value.summary import summarize
from tajriba.warehouse import Warehouse

# what other domains use of this package's modules, reached through this service only (docs/architecture.md)
RFM_SEGMENTS = rfm.SEGMENTS


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
    end = observation_end_of(orders, observation_end)
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


def customer_value(wh: Warehouse, workspace_id: int, customer_id: str) -> dict[str, Any] | None:
    """The stored value row of one customer (None before the first run or for non-buyers)."""
    frame = wh.frame(
        f"SELECT {VALUE_COLUMNS} FROM customer_values WHERE workspace_id = ? AND customer_id = ?",
        [workspace_id, customer_id],
    )
    return records(frame)[0] if len(frame) else None


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
        "computed_at": plain(values["computed_at"].iloc[0].to_pydatetime()),
        "observation_end": plain(values["observation_end"].iloc[0].to_pydatetime().date()),
        "model": values["model"].iloc[0],
        "currency": values["currency"].dropna().iloc[0] if values["currency"].notna().any() else None,
        "customers": len(values),
        "clv_mean": mean.to_dict(),
        "clv_total": float(clv.sum()),
        "clv_histogram": histogram(clv),
        "expected_active": float(values["p_alive"].sum()),
        "segments": records(rfm.segment_counts(values)),
        "call_list": records(calls_to_make(wh, workspace_id, values, call_list)[CALL_COLUMNS]),
        "order_value": order_value(orders),
    }


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
