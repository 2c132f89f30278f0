"""Retention cohorts by first-purchase month (Gregorian or Hijri), revenue curves, new vs returning buyers,
and the projection of a cohort's retention with the shifted-beta-geometric model.

- A customer belongs to the cohort of the month of her first order; period k is the k-th month after it.
- retention(c, k) = share of cohort c's customers with an order in period k (period 0 is 1 by definition).
- revenue(c, k) = revenue of cohort c in period k per customer acquired; ``cumulative_revenue`` sums it.
- Months whose end is after the observation end are incomplete; they are flagged ``complete = False`` and
  left out of the projection.
- Projection: retention in a non-contractual business is not monotone (customers come back), so the curve
  fitted is its running minimum, read as "still buying by period k"; `ShiftedBetaGeoModel.fit_survival` fits
  alpha, beta to those counts and projects S(k) with an interval from the parameters' sampling distribution.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from tajriba.calendars import to_hijri
from tajriba.errors import Invalid
from tajriba.value.sbg import ShiftedBetaGeoModel

CALENDARS = ("gregorian", "hijri")


def _month_index(days: pd.Series, calendar: str) -> tuple[np.ndarray, dict[int, str]]:
    """Month number (year * 12 + month - 1) per day in the chosen calendar, and labels 'YYYY-MM'."""
    if calendar not in CALENDARS:
        raise Invalid(f"calendar must be one of {', '.join(CALENDARS)}", field="calendar")
    uniq, inverse = np.unique(days.to_numpy(dtype="datetime64[D]"), return_inverse=True)
    index = np.empty(uniq.size, dtype=np.int64)
    for i, d in enumerate(uniq.astype(object)):
        y, m = (d.year, d.month) if calendar == "gregorian" else to_hijri(d)[:2]
        index[i] = y * 12 + m - 1
    labels = {int(v): f"{v // 12:04d}-{v % 12 + 1:02d}" for v in np.unique(index)}
    return index[inverse.ravel()], labels


def _frame(orders: pd.DataFrame, customer: str, when: str, amount: str | None) -> pd.DataFrame:
    for role, col in (("customer", customer), ("datetime", when), ("amount", amount)):
        if col is not None and col not in orders.columns:
            raise Invalid(f"the {role} column {col!r} is not in the orders", field=role)
    if orders.empty:
        raise Invalid("no orders: cohorts need at least one order", field="orders")
    day = pd.to_datetime(orders[when], errors="coerce")
    if day.isna().any():
        row = int(day.isna().to_numpy().argmax())
        raise Invalid(f"row {row + 1}: {when!r} is not a date: {orders[when].iloc[row]!r}", field=when)
    if getattr(day.dt, "tz", None) is not None:
        day = day.dt.tz_localize(None)
    frame = pd.DataFrame(
        {"customer": orders[customer].astype(str).to_numpy(), "day": day.dt.normalize().to_numpy()}
    )
    frame["amount"] = pd.to_numeric(orders[amount], errors="coerce").to_numpy() if amount else 0.0
    if frame["amount"].isna().any() or (frame["amount"] < 0).any():
        bad = frame["amount"].isna() | (frame["amount"] < 0)
        row = int(bad.to_numpy().argmax())
        raise Invalid(f"row {row + 1}: amount must be a number >= 0", field=amount or "amount")
    return frame


def cohort_table(
    orders: pd.DataFrame,
    *,
    customer: str = "customer_id",
    datetime: str = "ordered_at",
    amount: str | None = "amount",
    calendar: str = "gregorian",
    observation_end: dt.date | None = None,
) -> pd.DataFrame:
    """Long table: cohort, period, cohort_size, customers, retention, revenue, cumulative_revenue, complete."""
    frame = _frame(orders, customer, datetime, amount)
    end = pd.Timestamp(observation_end) if observation_end else frame["day"].max()
    frame = frame[frame["day"] <= end]
    if frame.empty:
        raise Invalid("no orders on or before the observation end", field="observation_end")
    month, _labels = _month_index(frame["day"], calendar)
    frame = frame.assign(month=month)
    first = frame.groupby("customer")["month"].transform("min")
    frame = frame.assign(cohort=first, period=frame["month"] - first)
    sizes = frame.groupby("cohort")["customer"].nunique()
    active = frame.groupby(["cohort", "period"]).agg(
        customers=("customer", "nunique"), revenue=("amount", "sum")
    )
    end_month = int(_month_index(pd.Series([end]), calendar)[0][0])
    end_is_last_day = _month_index(pd.Series([end + pd.Timedelta(days=1)]), calendar)[0][0] != end_month
    # every (cohort, period) up to the observation end, the months nobody bought in included
    grid = pd.DataFrame(
        [(int(c), p) for c in sizes.index for p in range(end_month - int(c) + 1)],
        columns=["cohort", "period"],
    )
    out = grid.merge(active.reset_index(), on=["cohort", "period"], how="left")
    size = out["cohort"].map(sizes).astype(int)
    out["customers"] = out["customers"].fillna(0).astype(int)
    last = end_month - out["cohort"]
    out = pd.DataFrame(
        {
            "cohort": [f"{c // 12:04d}-{c % 12 + 1:02d}" for c in out["cohort"]],
            "period": out["period"],
            "cohort_size": size,
            "customers": out["customers"],
            "retention": out["customers"] / size,
            "revenue": out["revenue"].fillna(0.0).astype(float) / size,
            "complete": (out["period"] < last) | bool(end_is_last_day),
        }
    )
    out["cumulative_revenue"] = out.groupby("cohort")["revenue"].cumsum()
    return out


def new_vs_returning(
    orders: pd.DataFrame,
    *,
    customer: str = "customer_id",
    datetime: str = "ordered_at",
    amount: str | None = "amount",
    calendar: str = "gregorian",
) -> pd.DataFrame:
    """Per month: first-time and returning buyers, and the revenue of each."""
    frame = _frame(orders, customer, datetime, amount)
    month, labels = _month_index(frame["day"], calendar)
    frame = frame.assign(month=month)
    first_day = frame.groupby("customer")["day"].transform("min")
    frame["returning"] = frame["day"] > first_day
    grouped = frame.groupby(["month", "returning"]).agg(
        customers=("customer", "nunique"), revenue=("amount", "sum")
    )
    rows = []
    for m in sorted(frame["month"].unique()):
        row: dict[str, Any] = {"month": labels[int(m)]}
        for flag, name in ((False, "new"), (True, "returning")):
            c, r = grouped.loc[(m, flag)].tolist() if (m, flag) in grouped.index else (0, 0.0)
            row[f"{name}_customers"], row[f"{name}_revenue"] = int(c), float(r)
        rows.append(row)
    return pd.DataFrame(rows)


def project_retention(table: pd.DataFrame, cohort: str, *, horizon: int = 12) -> pd.DataFrame:
    """sBG projection of one cohort's retention to ``horizon`` periods, with a 95 % interval."""
    rows = table[(table["cohort"] == cohort) & table["complete"]].sort_values("period")
    if rows.empty:
        raise Invalid(f"no complete periods for cohort {cohort!r}", field="cohort")
    if len(rows) < 3:
        raise Invalid(
            f"cohort {cohort!r} has {len(rows)} complete months; projecting needs at least 3 (the first and two more)",
            field="cohort",
        )
    size = int(rows["cohort_size"].iloc[0])
    observed = rows["retention"].to_numpy()
    survival = np.minimum.accumulate(observed)
    model = ShiftedBetaGeoModel().fit_survival(np.round(survival * size))
    periods = np.arange(0, horizon + 1)
    low, high = model.survival_interval(periods)
    out = pd.DataFrame(
        {
            "period": periods,
            "projected": model.survival(periods),
            "ci_low": low,
            "ci_high": high,
        }
    )
    out["observed"] = pd.Series(observed).reindex(periods).to_numpy()
    out.attrs["alpha"], out.attrs["beta"] = model.params_["alpha"], model.params_["beta"]
    return out
