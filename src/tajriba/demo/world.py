"""The demo's shared, seeded world: the calendar of the demo year, the random streams, and the state each
part of the store (customers, sessions, orders, support, loyalty, surveys, social) adds for the next ones."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from tajriba.calendars import from_hijri
from tajriba.demo import texts
from tajriba.demo.catalog import TOUCHPOINT_INDEX, TOUCHPOINTS

START = datetime(2025, 11, 1)
DAYS = 365
#: the end of the demo's year: what the demo's derived numbers (customer values) are computed as of
END = START + timedelta(days=DAYS)
RIYADH_OFFSET_S = 3 * 3600

ORIGINS = np.array(["gulf", "egyptian", "persian", "english"])
PERSONA_KEYS = np.array(["busy_professional", "deal_hunter", "family_planner"])
PERSONA_BY_ORIGIN = {
    "gulf": [0.5, 0.3, 0.2],
    "egyptian": [0.25, 0.55, 0.2],
    "persian": [0.2, 0.2, 0.6],
    "english": [0.6, 0.25, 0.15],
}
LOCAL_HOURS = np.array(
    [
        0.7,
        0.4,
        0.2,
        0.1,
        0.08,
        0.08,
        0.1,
        0.2,
        0.35,
        0.5,
        0.6,
        0.65,
        0.6,
        0.6,
        0.65,
        0.7,
        0.75,
        0.8,
        0.9,
        1.0,
        1.15,
        1.3,
        1.25,
        1.0,
    ]
)
PERSONA_ACTIVITY = {"busy_professional": 0.8, "deal_hunter": 1.25, "family_planner": 1.0}
RAMADAN_HOURS = np.array(
    [
        1.3,
        1.2,
        0.9,
        0.5,
        0.2,
        0.08,
        0.06,
        0.06,
        0.1,
        0.2,
        0.3,
        0.35,
        0.4,
        0.45,
        0.5,
        0.5,
        0.5,
        0.4,
        0.3,
        0.6,
        0.9,
        1.2,
        1.4,
        1.4,
    ]
)


def peaks() -> dict[str, tuple[date, date, float]]:
    """The demo year's seasonal peaks: (first day, last day, demand factor). Islamic dates from Umm al-Qura."""
    ramadan_start = from_hijri(1447, 9, 1)
    eid_fitr = from_hijri(1447, 10, 1)
    eid_adha = from_hijri(1447, 12, 10)
    return {
        "singles_day": (date(2025, 11, 11), date(2025, 11, 11), 1.6),
        "white_friday": (date(2025, 11, 24), date(2025, 11, 30), 2.2),
        "ramadan": (ramadan_start, eid_fitr - timedelta(days=11), 1.45),
        "ramadan_last_ten": (eid_fitr - timedelta(days=10), eid_fitr - timedelta(days=1), 2.1),
        "eid_al_fitr": (eid_fitr, eid_fitr + timedelta(days=2), 0.75),
        "before_eid_al_adha": (eid_adha - timedelta(days=7), eid_adha - timedelta(days=1), 1.35),
        "national_day": (date(2026, 9, 18), date(2026, 9, 24), 1.9),
    }


def day_weights() -> tuple[np.ndarray, np.ndarray]:
    """Relative demand for each day of the demo year, and whether each day is in Ramadan."""
    days = np.array([START.date() + timedelta(days=d) for d in range(DAYS)])
    dow = np.array([d.weekday() for d in days])
    w = np.where(np.isin(dow, [3, 4]), 1.15, np.where(dow == 5, 1.05, 1.0))
    w = w * (1 + 0.2 * np.arange(DAYS) / DAYS)
    ramadan = np.zeros(DAYS, dtype=bool)
    for name, (first, last, factor) in peaks().items():
        mask = (days >= first) & (days <= last)
        w = np.where(mask, w * factor, w)
        if name.startswith("ramadan"):
            ramadan |= mask
    white_friday = days == date(2025, 11, 28)
    return np.where(white_friday, w * 1.4, w), ramadan


@dataclass
class DemoData:
    customers: pd.DataFrame
    identities: pd.DataFrame
    events: pd.DataFrame
    orders: pd.DataFrame
    responses: pd.DataFrame
    feedback: pd.DataFrame
    tickets: pd.DataFrame
    consents: pd.DataFrame


def _ts(seconds: np.ndarray) -> np.ndarray:
    """Seconds since START -> numpy datetime64[us] (UTC)."""
    base = np.datetime64(START, "us")
    return base + (np.asarray(seconds) * 1e6).astype("int64").astype("timedelta64[us]")


def _where_else_none(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = values.astype(object)
    out[~mask] = None
    return out


class World:
    """The state every part shares; each part is a class of methods over it (tajriba/demo/parts)."""

    # what the parts add, in the order they run (customers -> sessions -> orders -> support -> ... -> tables)
    survey_ids: dict[str, int]
    n: int
    customer_ids: np.ndarray
    origin: np.ndarray
    variety: np.ndarray
    language: np.ndarray
    persona: np.ndarray
    city: np.ndarray
    activity: np.ndarray
    acq_day: np.ndarray
    first_seen: np.ndarray
    preexisting: np.ndarray
    newsletter: np.ndarray
    customers_df: pd.DataFrame
    k: int
    order_ids: np.ndarray
    order_cust: np.ndarray
    order_day: np.ndarray
    order_seconds: np.ndarray
    order_device: np.ndarray
    order_pay_failed: np.ndarray
    cancelled: np.ndarray
    delivered: np.ndarray
    delivered_s: np.ndarray
    delay: np.ndarray
    late: np.ndarray
    damaged: np.ndarray
    returned: np.ndarray
    orders_df: pd.DataFrame
    ticket_ids: np.ndarray
    tk_cust: np.ndarray
    tk_tp: np.ndarray
    tk_created: np.ndarray
    tk_frt: np.ndarray
    tk_res: np.ndarray
    tk_resolved: np.ndarray
    tk_reopened: np.ndarray
    tickets_df: pd.DataFrame
    responses_df: pd.DataFrame

    def __init__(
        self,
        rng: np.random.Generator,
        text_rng: random.Random,
        scale: float,
        weights: np.ndarray,
        cdf: np.ndarray,
        load: np.ndarray,
        ramadan: np.ndarray,
        workspace_id: int,
        touchpoint_ids: dict[str, int],
        *,
        lapse_seed: int = 0,
    ) -> None:
        self.rng, self.trng, self.scale = rng, text_rng, scale
        self.lapse_rng = np.random.default_rng(lapse_seed)
        # the follow-up answers of each response (choices, matrix rows): a stream of their own
        self.answer_rng = np.random.default_rng(lapse_seed + 101)
        self.step_rng = np.random.default_rng(lapse_seed + 202)
        self.shop_rng = np.random.default_rng(
            lapse_seed + 303
        )  # products and the loyalty campaign (parts/shop.py)
        self.survey_ids: dict[str, int] = {}
        self.weights, self.cdf, self.load, self.ramadan = weights, cdf, load, ramadan
        self.ws = workspace_id
        self.tp_ids = np.array([touchpoint_ids[t.key] for t in TOUCHPOINTS], dtype=np.int32)
        self.ev: list[dict[str, np.ndarray]] = []
        self.fb: list[dict[str, object]] = []

    # -- helpers ----------------------------------------------------------------------------------

    def _sample_days(self, lo_cdf: np.ndarray, hi_cdf: np.ndarray | None = None) -> np.ndarray:
        hi = 1.0 if hi_cdf is None else hi_cdf
        u = lo_cdf + self.rng.random(lo_cdf.size) * (hi - lo_cdf)
        return np.minimum(np.searchsorted(self.cdf, u), DAYS - 1)

    def _sample_seconds_in_day(self, days: np.ndarray) -> np.ndarray:
        n = days.size
        normal = self.rng.choice(24, size=n, p=LOCAL_HOURS / LOCAL_HOURS.sum())
        late = self.rng.choice(24, size=n, p=RAMADAN_HOURS / RAMADAN_HOURS.sum())
        hour = np.where(self.ramadan[days], late, normal)
        return days * 86400.0 + hour * 3600.0 + self.rng.random(n) * 3600.0 - RIYADH_OFFSET_S

    def _add_events(
        self,
        customer: np.ndarray,
        seconds: np.ndarray,
        tp: str | np.ndarray,
        event: str | np.ndarray,
        channel: np.ndarray | str | None = None,
        props: np.ndarray | None = None,
    ) -> None:
        n = customer.size
        if n == 0:
            return
        tp_idx = np.full(n, TOUCHPOINT_INDEX[tp]) if isinstance(tp, str) else tp
        names = np.full(n, event, dtype=object) if isinstance(event, str) else event
        chans = np.array([t.channel for t in TOUCHPOINTS], dtype=object)[tp_idx]
        if channel is not None:
            chan_arr = np.full(n, channel, dtype=object) if isinstance(channel, str) else channel
            chans = np.where(np.isin(chans, ["web", "app"]), chan_arr, chans)
        self.ev.append(
            {
                "customer": customer,
                "seconds": seconds,
                "tp": tp_idx,
                "event": names,
                "channel": chans,
                "props": props if props is not None else np.full(n, None, dtype=object),
            }
        )

    def _text(
        self, customer: int, polarity: str, topic: str, days: int = 3, mixed: str | None = None
    ) -> tuple[str, str]:
        variety = self.variety[customer]
        return texts.compose(
            self.trng, variety=variety, polarity=polarity, topic=topic, days=days, mixed_topic=mixed
        ), texts.LANGUAGE_OF[variety]
