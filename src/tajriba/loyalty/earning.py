"""Earning in batches: orders (the orders table and `Order Completed` events) become ledger awards, refunds and
cancellations (`Order Refunded`/`Order Cancelled` events, a cancelled or returned order) reverse them.

A batch reads the orders placed since the programme's watermark (less a day, for late arrivals), drops those
already awarded (the key "order:<id>" is in the ledger), enrols customers new to the programme when it
auto-enrols, computes the points on columns (`points`), writes the rows in bulk and raises the members who
now qualify for a higher tier. Running it twice awards nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from tajriba.loyalty import ledger, members, points, tiers
from tajriba.models.accounts import Workspace
from tajriba.models.loyalty import LoyaltyCampaign, LoyaltyProgramme, LoyaltyRule, LoyaltyTransfer

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse

T = LoyaltyTransfer
LATE = timedelta(days=1)
REFUND_EVENTS = ("Order Refunded", "Order Cancelled")
_ORDERS = (
    "SELECT order_id, customer_id, ordered_at, status, channel, CAST(amount AS DOUBLE) AS amount, "
    "json_extract_string(properties, '$.category') AS category FROM orders "
    "WHERE workspace_id = ? AND customer_id IS NOT NULL AND ordered_at >= ? AND ordered_at < ? "
    "UNION ALL SELECT json_extract_string(properties, '$.order_id'), customer_id, timestamp, 'completed', channel, "
    "CAST(coalesce(json_extract_string(properties, '$.total'), json_extract_string(properties, '$.revenue')) AS DOUBLE), "
    "json_extract_string(properties, '$.category') FROM events WHERE workspace_id = ? AND event = 'Order Completed' "
    "AND customer_id IS NOT NULL AND timestamp >= ? AND timestamp < ?"
)
_REFUNDS = (
    "SELECT json_extract_string(properties, '$.order_id'), event, "
    "CAST(json_extract_string(properties, '$.total') AS DOUBLE), message_id FROM events "
    "WHERE workspace_id = ? AND event IN ('Order Refunded', 'Order Cancelled') AND timestamp >= ? AND timestamp < ?"
)


@dataclass
class Earned:
    orders: int = 0
    awarded: int = 0
    points: int = 0
    campaign_points: int = 0
    enrolled: int = 0
    upgraded: int = 0
    reversed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def read_orders(
    warehouse: Warehouse, *, workspace: Workspace, since: datetime, until: datetime
) -> pd.DataFrame:
    """Orders placed in [since, until) with their local day and month, first order first, one row per id."""
    frame = warehouse.frame(_ORDERS, [workspace.id, since, until, workspace.id, since, until])
    frame = frame.dropna(subset=["order_id", "amount"]).drop_duplicates("order_id")
    frame = frame.sort_values(["ordered_at", "order_id"], kind="stable").reset_index(drop=True)
    local = pd.to_datetime(frame["ordered_at"]).dt.tz_localize("UTC").dt.tz_convert(workspace.timezone)
    frame["day"] = local.dt.date
    frame["month"] = local.dt.strftime("%Y-%m")
    return frame


def _awarded(session: Session, workspace_id: int, order_ids: list[str]) -> set[str]:
    any_order = session.scalar(
        select(T.id).where(T.workspace_id == workspace_id, T.key >= "order:", T.key < "order;").limit(1)
    )
    if any_order is None:
        return set()
    done: set[str] = set()
    for start in range(0, len(order_ids), 5000):
        keys = [f"order:{o}" for o in order_ids[start : start + 5000]]
        done.update(
            k[6:]
            for k in session.scalars(select(T.key).where(T.workspace_id == workspace_id, T.key.in_(keys)))
        )
    return done


def _prior(
    session: Session, workspace_id: int, frame: pd.DataFrame, tz: str
) -> tuple[dict[Any, int], dict[Any, int]]:
    """Points already in the ledger per (customer, rule, period) and per (customer, campaign), for the caps."""
    by_rule: dict[Any, int] = defaultdict(int)
    by_campaign: dict[Any, int] = defaultdict(int)
    if frame.empty:
        return by_rule, by_campaign
    since = pd.Timestamp(frame["ordered_at"].min()).tz_localize("UTC").to_pydatetime() - timedelta(days=366)
    rows = session.execute(
        select(T.customer_id, T.reason, T.occurred_at, T.points).where(
            T.workspace_id == workspace_id,
            T.kind.in_(("earn", "bonus")),
            T.occurred_at >= since,
            T.customer_id.in_(frame["customer_id"].unique().tolist())
            if frame["customer_id"].nunique() < 5000
            else true(),
        )
    ).all()
    if not rows:
        return by_rule, by_campaign
    prior = pd.DataFrame(rows, columns=["customer_id", "reason", "at", "points"])
    month = pd.to_datetime(prior["at"], utc=True).dt.tz_convert(tz).dt.strftime("%Y-%m")
    for cid, reason, m, p in zip(prior["customer_id"], prior["reason"], month, prior["points"], strict=True):
        kind, _, ref = reason.partition(":")
        if kind == "rule":
            by_rule[(cid, int(ref), m)] += p
            by_rule[(cid, int(ref), m[:4])] += p
        elif kind == "campaign":
            by_campaign[(cid, int(ref))] += p
    return by_rule, by_campaign


def _rules_and_campaigns(session: Session, ws: int) -> tuple[list[points.OrderRule], list[points.Campaign]]:
    rules = [
        points.OrderRule(r.id, r.points_per_unit, r.channel, r.category, r.cap_points, r.cap_period)
        for r in session.scalars(
            select(LoyaltyRule).where(
                LoyaltyRule.workspace_id == ws, LoyaltyRule.trigger == "order", LoyaltyRule.active
            )
        )
    ]
    campaigns = [
        points.Campaign(
            c.id,
            c.starts_on,
            c.ends_on,
            c.multiplier,
            c.bonus_points,
            float(c.min_amount) if c.min_amount is not None else None,
            c.cap_points,
            c.holdout_share,
            c.holdout_key,
        )
        for c in session.scalars(select(LoyaltyCampaign).where(LoyaltyCampaign.workspace_id == ws))
    ]
    return rules, campaigns


def _rows(
    frame: pd.DataFrame, ws: int, kind: str, ref: str, expiry: timedelta, now: datetime
) -> pd.DataFrame:
    """Ledger rows (programme -> member) for awards of one kind, on columns."""
    when = pd.to_datetime(frame["ordered_at"])  # the warehouse's naive UTC
    refs = frame[ref].astype("int64")
    return pd.DataFrame(
        {
            "workspace_id": ws,
            "key": "order:" + frame["order_id"].astype(str),
            "leg": frame["leg"].astype("int64"),
            "customer_id": frame["customer_id"],
            "kind": kind,
            "debit": ledger.PROGRAMME,
            "credit": ledger.MEMBER,
            "points": frame["points"].astype("int64"),
            "lot_id": None,
            "expires_at": when + expiry,
            "reason": ("rule:" if kind == "earn" else "campaign:") + refs.astype(str),
            "spend": frame["amount"].astype(float) if kind == "earn" else None,
            "campaign_id": refs if kind == "bonus" else None,
            "note": None,
            "occurred_at": when,
            "created_at": now,
        }
    )


def earn_orders(
    session: Session,
    warehouse: Warehouse,
    *,
    workspace: Workspace,
    programme: LoyaltyProgramme,
    now: datetime,
    since: datetime | None = None,
) -> Earned:
    """Award the points of the orders placed since the watermark (or `since`) up to `now`; move the watermark."""
    start = since or (
        programme.earned_through - LATE if programme.earned_through else datetime(1970, 1, 1, tzinfo=UTC)
    )
    naive = {
        "since": start.astimezone(UTC).replace(tzinfo=None),
        "until": now.astimezone(UTC).replace(tzinfo=None),
    }
    frame = read_orders(warehouse, workspace=workspace, **naive)
    result = Earned(orders=len(frame))
    live = frame[~frame["status"].isin(("cancelled", "returned"))]
    done = _awarded(session, workspace.id, live["order_id"].tolist())
    todo = live[~live["order_id"].isin(done)].reset_index(drop=True)
    first = todo.groupby("customer_id", sort=False)["ordered_at"].min()
    tier_of, new = members.enrol_many(
        session, programme=programme, first_seen=first, create=programme.auto_enrol
    )
    result.enrolled = len(new)
    todo = todo[todo["customer_id"].isin(list(tier_of))].reset_index(drop=True)
    awards = awards_for(session, todo, workspace, programme, tier_of, now)
    ledger.insert_new(session, awards, checked=True)
    if len(awards):
        result.awarded = int(awards["key"].nunique())
        result.points = int(awards.loc[awards["kind"] == "earn", "points"].sum())
        result.campaign_points = int(awards.loc[awards["kind"] == "bonus", "points"].sum())
        touched = awards["customer_id"].unique()
        result.upgraded = tiers.upgrade_many(
            session,
            programme=programme,
            tier_of={c: tier_of[c] for c in touched},
            now=now,
            known=_standings(awards, new, now - timedelta(days=programme.qualification_days)),
        )
    result.reversed = _reverse_gone(session, warehouse, frame, workspace=workspace, **naive, now=now)
    programme.earned_through = now
    session.flush()
    return result


def _standings(awards: pd.DataFrame, new: set[str], since: datetime) -> dict[str, tiers.Standing]:
    """Qualifying points and spend of members enrolled by this batch: all their ledger rows are its awards."""
    from decimal import Decimal

    mine = awards[
        awards["customer_id"].isin(list(new))
        & (awards["occurred_at"] > since.astimezone(UTC).replace(tzinfo=None))
    ]
    sums = mine.assign(spend=mine["spend"].fillna(0.0)).groupby("customer_id")[["points", "spend"]].sum()
    return {
        c: tiers.Standing(int(p), Decimal(str(round(float(s), 4))))
        for c, p, s in zip(sums.index, sums["points"], sums["spend"], strict=True)
    }


def awards_for(
    session: Session,
    todo: pd.DataFrame,
    workspace: Workspace,
    programme: LoyaltyProgramme,
    tier_of: dict[str, str],
    now: datetime,
) -> pd.DataFrame:
    if todo.empty:
        return pd.DataFrame()
    rules, campaigns = _rules_and_campaigns(session, workspace.id)
    multipliers = {t.key: t.multiplier for t in tiers.tiers_of(session, workspace.id)}
    mult = todo["customer_id"].map(tier_of).map(multipliers).fillna(1.0).to_numpy(float)
    by_rule, by_campaign = _prior(session, workspace.id, todo, workspace.timezone)
    base = points.base_awards(todo, rules, mult, by_rule)
    extra = points.campaign_awards(base, campaigns, by_campaign)
    base = base.assign(leg=base.groupby("order_id").cumcount())
    first_extra_leg = base.groupby("order_id")["leg"].max() + 1
    extra = extra.assign(
        leg=extra["order_id"].map(first_extra_leg).to_numpy() + extra.groupby("order_id").cumcount()
    )
    expiry = timedelta(days=programme.expiry_days)
    return pd.concat(
        [
            _rows(base, workspace.id, "earn", "rule_id", expiry, now),
            _rows(extra.assign(amount=0.0), workspace.id, "bonus", "campaign_id", expiry, now),
        ],
        ignore_index=True,
    )


def _reverse_gone(
    session: Session,
    warehouse: Warehouse,
    frame: pd.DataFrame,
    *,
    workspace: Workspace,
    since: datetime,
    until: datetime,
    now: datetime,
) -> int:
    """Reverse the awards of orders now cancelled or returned, and of refund events (a share of the order when the
    refund names a total below the order's)."""
    from tajriba.loyalty import transactions

    gone = frame[frame["status"].isin(("cancelled", "returned"))]["order_id"].tolist()
    todo: list[tuple[str, float | None, str]] = [
        (o, None, "cancelled") for o in _awarded(session, workspace.id, gone)
    ]
    for order_id, event, total, message_id in warehouse.sql(_REFUNDS, [workspace.id, since, until]):
        if order_id and event == "Order Refunded" and total is not None:
            todo.append((order_id, float(total), f"refund:{message_id}"))
        elif order_id:
            todo.append((order_id, None, "cancelled"))
    count = 0
    for order_id, share_or_total, tag in todo:
        posted = transactions.reverse_order(
            session, workspace_id=workspace.id, order_id=order_id, refunded=share_or_total, tag=tag, now=now
        )
        count += posted is not None and not posted.replay
    return count
