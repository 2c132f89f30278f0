"""What the value pages and API report beside the customers' values: order value, customers by value,
cohorts with their retention projection, RFM segment movement, outcomes by experience and key drivers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from tajriba.errors import Invalid
from tajriba.metrics import service as metrics
from tajriba.value import cohorts, drivers, rfm
from tajriba.value.frames import VALUE_COLUMNS, load_orders, observation_end_of, plain, records, values_frame
from tajriba.value.summary import summarize
from tajriba.warehouse import Warehouse


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
        f"SELECT {VALUE_COLUMNS} FROM customer_values WHERE {where} ORDER BY {orders_by[sort]}, customer_id "
        "LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    return {"total": int(total), "customers": records(frame)}


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
            "points": records(proj),
        }
    return {
        "calendar": calendar,
        "cohorts": records(table),
        "new_vs_returning": records(cohorts.new_vs_returning(orders, calendar=calendar)),
        "projection": projection,
    }


def segment_movement(wh: Warehouse, workspace_id: int, *, days: int = 90) -> dict[str, Any]:
    """RFM segments now vs ``days`` earlier, from the order log."""
    if not 1 <= days <= 3650:
        raise Invalid("days must be between 1 and 3650", field="days")
    orders = load_orders(wh, workspace_id)
    if orders.empty:
        return {"days": days, "segments": list(rfm.SEGMENTS), "matrix": []}
    end = observation_end_of(orders, None)
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


def latest_nps(wh: Warehouse, workspace_id: int) -> pd.DataFrame:
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
    frame = values.merge(latest_nps(wh, workspace_id), on="customer_id", how="inner")
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
            out["by_nps"].extend({"outcome": outcome, **r} for r in records(table))
            diff = metrics.compare_groups(
                frame, group="group", outcome=outcome, first="promoter", second="detractor", kind=kind
            )
            out["differences"].append({"outcome": outcome, **{k: plain(v) for k, v in diff.items()}})
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
        out["delivery"] = records(table)
        out["delivery_difference"] = {
            k: plain(v)
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
    nps = latest_nps(wh, workspace_id)
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
    return {"drivers": records(table), "r2": table.attrs["r2"], "n": table.attrs["n"], "reason": None}


def revenue_by_month(warehouse: Warehouse, *, workspace_id: int) -> list[dict[str, Any]]:
    """Orders, revenue and buying customers per calendar month."""
    t = warehouse.table("orders", workspace_id=workspace_id)
    rows = warehouse.execute(
        t.group_by(month=t.ordered_at.truncate("M"))
        .aggregate(orders=t.count(), revenue=t.amount.sum(), customers=t.customer_id.nunique())
        .order_by("month")
    )
    return rows.to_dict("records")
