"""Points for a batch of orders, on columns (no I/O): the earning rules, tier multipliers, caps, campaigns.

- Each order earns by the most specific active order rule that matches it (channel and category > category >
  channel > neither): floor(amount x points_per_unit x the member's tier multiplier).
- A rule's cap limits what one member earns by it per calendar month (or year) of the workspace's zone,
  counting what the ledger already holds for that period (`prior`), in order time.
- A campaign adds floor(base x (multiplier - 1)) + bonus_points to each order placed on its days (local dates)
  at or above its minimum amount, except for members in its holdout, up to its cap per member over the campaign.
Every award is one ledger row: reason "rule:<id>" for the base points, "campaign:<id>" for a campaign's extra.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class OrderRule:
    id: int
    points_per_unit: float
    channel: str | None = None
    category: str | None = None
    cap_points: int | None = None
    cap_period: str = "month"

    @property
    def specificity(self) -> int:
        return 2 * (self.category is not None) + (self.channel is not None)


@dataclass(frozen=True)
class Campaign:
    id: int
    starts_on: date
    ends_on: date
    multiplier: float = 1.0
    bonus_points: int = 0
    min_amount: float | None = None
    cap_points: int | None = None
    holdout_share: float = 0.0
    holdout_key: str = ""


def in_holdout(key: int | str, customer_id: str, share: float) -> bool:
    """Whether the customer is in the random holdout named by `key`: a stable hash of both, below `share`."""
    if share <= 0:
        return False
    digest = hashlib.blake2b(f"{key}:{customer_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def _capped(points: np.ndarray, groups: pd.Series, prior: np.ndarray, cap: int) -> np.ndarray:
    """Points within the cap per group, in row order: what the group earned before each row counts."""
    before = pd.Series(points).groupby(groups.to_numpy()).cumsum().to_numpy() - points + prior
    return np.clip(cap - before, 0, points).astype(np.int64)


def base_awards(
    orders: pd.DataFrame,
    rules: list[OrderRule],
    multiplier: np.ndarray,
    prior: Mapping[tuple[str, int, str], int],
) -> pd.DataFrame:
    """One row per awarded order: order_id, customer_id, rule_id, points (orders sorted by time, caps applied).
    `orders` has order_id, customer_id, ordered_at, day (local date), month ("2026-03"), channel, category,
    amount; `multiplier` the tier multiplier per order; `prior` the points already earned per (customer, rule,
    period)."""
    rule_at = np.full(len(orders), -1)
    for i, rule in sorted(enumerate(rules), key=lambda r: r[1].specificity):
        mask = np.ones(len(orders), dtype=bool)
        if rule.channel is not None:
            mask &= (orders["channel"] == rule.channel).to_numpy()
        if rule.category is not None:
            mask &= (orders["category"] == rule.category).to_numpy()
        rule_at[mask] = i
    keep = rule_at >= 0
    out = orders.loc[keep, ["order_id", "customer_id", "ordered_at", "day", "month", "amount"]].copy()
    chosen = rule_at[keep]
    rates = np.array([r.points_per_unit for r in rules] or [0.0])[chosen]
    out["rule_id"] = np.array([r.id for r in rules] or [0])[chosen]
    out["points"] = np.floor(out["amount"].to_numpy(float) * rates * multiplier[keep] + 1e-9).astype(np.int64)
    for i, rule in enumerate(rules):
        if rule.cap_points is None:
            continue
        rows = np.nonzero(chosen == i)[0]
        if rows.size == 0:
            continue
        sub = out.iloc[rows]
        period = sub["month"] if rule.cap_period == "month" else sub["month"].str[:4]
        done = np.array(
            [prior.get((c, rule.id, p), 0) for c, p in zip(sub["customer_id"], period, strict=True)],
            dtype=np.int64,
        )
        groups = sub["customer_id"] + "|" + period
        out.iloc[rows, out.columns.get_loc("points")] = _capped(
            sub["points"].to_numpy(), groups, done, rule.cap_points
        )
    return out[out["points"] > 0]


def campaign_awards(
    base: pd.DataFrame, campaigns: list[Campaign], prior: Mapping[tuple[str, int], int]
) -> pd.DataFrame:
    """A campaign's extra points per order of `base_awards` (order_id, customer_id, campaign_id, points);
    `prior` the extra points each member already has from each campaign."""
    frames = []
    order_base = (
        base.groupby("order_id", sort=False)
        .agg(
            customer_id=("customer_id", "first"),
            ordered_at=("ordered_at", "first"),
            day=("day", "first"),
            amount=("amount", "first"),
            points=("points", "sum"),
        )
        .reset_index()
    )
    for c in campaigns:
        mask = ((order_base["day"] >= c.starts_on) & (order_base["day"] <= c.ends_on)).to_numpy()
        if c.min_amount is not None:
            mask &= (order_base["amount"] >= c.min_amount).to_numpy()
        sub = order_base[mask]
        if sub.empty:
            continue
        held_ids = {
            cid for cid in sub["customer_id"].unique() if in_holdout(c.holdout_key, cid, c.holdout_share)
        }
        held = sub["customer_id"].isin(held_ids).to_numpy()
        sub = sub[~held]
        extra = (
            np.floor(sub["points"].to_numpy() * (c.multiplier - 1) + 1e-9).astype(np.int64) + c.bonus_points
        )
        if c.cap_points is not None:
            done = np.array([prior.get((cid, c.id), 0) for cid in sub["customer_id"]], dtype=np.int64)
            extra = _capped(extra, sub["customer_id"], done, c.cap_points)
        frames.append(
            pd.DataFrame(
                {
                    "order_id": sub["order_id"].to_numpy(),
                    "customer_id": sub["customer_id"].to_numpy(),
                    "ordered_at": sub["ordered_at"].to_numpy(),
                    "campaign_id": c.id,
                    "points": extra,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["order_id", "customer_id", "ordered_at", "campaign_id", "points"])
    out = pd.concat(frames, ignore_index=True)
    return out[out["points"] > 0]
