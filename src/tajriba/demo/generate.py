"""Generate the demo store's customers, events, orders, survey responses, feedback and tickets.

Everything is vectorised with NumPy and deterministic for a seed. Experience drives outcomes:
late or damaged deliveries lower CSAT and NPS and raise tickets; load in peak weeks slows support.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import orjson
import pandas as pd

from tajriba.calendars import from_hijri
from tajriba.demo import people, texts
from tajriba.demo import surveys as demo_surveys
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


def generate(
    *,
    scale: float,
    seed: int,
    workspace_id: int,
    touchpoint_ids: dict[str, int],
    survey_ids: dict[str, int] | None = None,
) -> DemoData:
    """Generate all demo tables for one workspace (responses belong to `survey_ids`' demo surveys)."""
    rng = np.random.default_rng(seed)
    text_rng = random.Random(seed)
    weights, ramadan = day_weights()
    cdf = np.cumsum(weights) / weights.sum()
    load = weights / np.median(weights)  # >1 in busy days
    g = _Gen(
        rng, text_rng, scale, weights, cdf, load, ramadan, workspace_id, touchpoint_ids, lapse_seed=seed + 101
    )
    g.survey_ids = survey_ids or {}
    g.customers()
    g.sessions()
    g.orders_and_delivery()
    g.support()
    g.loyalty()
    g.surveys()
    g.social()
    return g.result()


def _ts(seconds: np.ndarray) -> np.ndarray:
    """Seconds since START -> numpy datetime64[us] (UTC)."""
    base = np.datetime64(START, "us")
    return base + (np.asarray(seconds) * 1e6).astype("int64").astype("timedelta64[us]")


class _Gen:
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

    # -- customers --------------------------------------------------------------------------------

    def customers(self) -> None:
        rng = self.rng
        n = max(50, int(round(20_000 * self.scale)))
        self.n = n
        origin = rng.choice(ORIGINS, size=n, p=[0.65, 0.17, 0.08, 0.10])
        persona = np.empty(n, dtype=object)
        for o, p in PERSONA_BY_ORIGIN.items():
            mask = origin == o
            persona[mask] = rng.choice(PERSONA_KEYS, size=int(mask.sum()), p=p)
        u = rng.random(n)
        variety = np.select(
            [origin == "gulf", origin == "egyptian", origin == "persian"],
            [
                np.where(u < 0.75, "gulf", "msa"),
                np.where(u < 0.8, "egyptian", "msa"),
                np.where(u < 0.85, "fa", "en"),
            ],
            "en",
        )
        country = rng.choice(["SA", "AE", "KW", "BH", "QA"], size=n, p=[0.88, 0.05, 0.03, 0.02, 0.02])
        city = np.where(
            country == "SA",
            rng.choice(people.SAUDI_CITIES[0], size=n, p=people.SAUDI_CITIES[1]),
            np.array([people.GCC.get(c, ("", ""))[0] for c in country], dtype=object),
        )
        names, emails = people.names_and_emails(rng, origin)
        phone = np.array(people.phones(rng, origin, country), dtype=object)
        email = np.array(emails, dtype=object)
        phone[rng.random(n) < 0.15] = None
        email[rng.random(n) < 0.08] = None
        preexisting = rng.random(n) < 0.35
        acq_day = self._sample_days(np.zeros(n))
        first_seen = np.where(preexisting, -rng.random(n) * 730 * 86400, self._sample_seconds_in_day(acq_day))
        activity = rng.lognormal(0.0, 0.9, size=n)
        activity *= np.array([PERSONA_ACTIVITY[p] for p in persona])
        self.origin, self.persona, self.variety, self.city = origin, persona, variety, city
        self.preexisting, self.acq_day, self.first_seen, self.activity = (
            preexisting,
            acq_day,
            first_seen,
            activity,
        )
        self.language = np.array([texts.LANGUAGE_OF[v] for v in variety], dtype=object)
        self.customer_ids = np.array([f"cus_{i:06d}" for i in range(n)], dtype=object)
        gender = rng.choice(["female", "male"], size=n)
        self.customers_df = pd.DataFrame(
            {
                "workspace_id": self.ws,
                "customer_id": self.customer_ids,
                "external_id": [f"U{100000 + i}" for i in range(n)],
                "name": names,
                "email": email,
                "phone": phone,
                "country": country,
                "city": city,
                "language": self.language,
                "gender": gender,
                "birth_year": rng.integers(1960, 2006, size=n).astype("int32"),
                "persona_key": persona,
                "acquisition_channel": rng.choice(
                    ["instagram", "tiktok", "google", "snapchat", "referral", "direct"],
                    size=n,
                    p=[0.22, 0.18, 0.2, 0.15, 0.1, 0.15],
                ),
                "traits": [
                    f'{{"origin":"{o}","newsletter":{str(bool(s)).lower()}}}'
                    for o, s in zip(origin, rng.random(n) < 0.45, strict=True)
                ],
                "first_seen_at": _ts(first_seen),
                "created_at": _ts(first_seen),
                "updated_at": _ts(first_seen),
            }
        )
        self.newsletter = np.array(['"newsletter":true' in t for t in self.customers_df["traits"]])

    # -- browsing and buying sessions -------------------------------------------------------------

    def sessions(self) -> None:
        rng, n = self.rng, self.n
        # customers lapse: 55 % stop coming after an exponential lifetime (mean 200 days), so recency,
        # churn risk and retention curves have something to find (a separate stream keeps the rest stable)
        lapse = self.lapse_rng
        lifetime = lapse.exponential(200.0, n)
        stays = lapse.random(n) < 0.45
        start_day = np.where(self.preexisting, 0, self.acq_day)
        end_day = np.where(stays, DAYS - 1, np.minimum(start_day + lifetime, DAYS - 1)).astype(int)
        lo = np.where(self.preexisting, 0.0, self.cdf[np.maximum(self.acq_day - 1, 0)])
        hi = np.maximum(self.cdf[end_day], lo)
        active_frac = np.where(self.preexisting, hi, hi - self.cdf[self.acq_day])
        lam = self.activity / self.activity.mean() * 13.0 * np.maximum(active_frac, 0.0)
        extra = rng.poisson(lam)
        first = (~self.preexisting).astype(int)
        count = extra + first
        cust = np.repeat(np.arange(n), count)
        days = self._sample_days(lo[cust], hi[cust])
        # a new customer's first session is on the day they were acquired
        first_pos = np.concatenate([[0], np.cumsum(count)[:-1]])
        is_first = np.zeros(cust.size, dtype=bool)
        is_first[first_pos[first.astype(bool)]] = True
        days = np.where(is_first, self.acq_day[cust], days)
        start = self._sample_seconds_in_day(days)
        start = np.where(is_first, np.maximum(start, self.first_seen[cust]), start)
        s = cust.size
        device = np.where(rng.random(s) < 0.62, "app", "web").astype(object)
        boost = np.clip(1 + 0.35 * (self.load[days] - 1), 0.8, 1.8)
        # steps in order: awareness, home, search, product, presales, cart, checkout, payment
        aware = (rng.random(s) < np.where(is_first, 0.9, 0.4)).astype(int)
        home = (rng.random(s) < 0.75).astype(int)
        search = rng.poisson(0.6, s)
        product = 1 + np.minimum(rng.poisson(2.0, s), 7)
        presales = (rng.random(s) < 0.04).astype(int)
        cart = rng.random(s) < np.clip(0.3 * boost, 0, 0.9)
        checkout = cart & (rng.random(s) < 0.66)
        pay_fail = checkout & (rng.random(s) < 0.08)
        paid = checkout & (rng.random(s) < np.where(pay_fail, 0.55, 0.82))
        steps = np.stack(
            [
                aware,
                home,
                search,
                product,
                presales,
                cart.astype(int),
                checkout.astype(int),
                (pay_fail | paid).astype(int) + (pay_fail & paid).astype(int),
            ],
            axis=1,
        )
        n_steps = steps.shape[1]
        per_session = steps.sum(axis=1)
        step_id = np.repeat(np.tile(np.arange(n_steps), s), steps.ravel())
        sess = np.repeat(np.arange(s), per_session)
        gaps = rng.exponential(45.0, sess.size)
        csum = np.cumsum(gaps)
        offsets = np.concatenate([[0.0], csum[np.cumsum(per_session)[:-1] - 1]])
        within = csum - np.repeat(offsets, per_session)
        seconds = start[sess] + within
        aware_tp = rng.choice(
            [TOUCHPOINT_INDEX[k] for k in ("social_ads", "influencers", "search_ads", "referral")],
            size=sess.size,
            p=[0.35, 0.2, 0.3, 0.15],
        )
        step_tp = np.array(
            [
                0,
                TOUCHPOINT_INDEX["home"],
                TOUCHPOINT_INDEX["site_search"],
                TOUCHPOINT_INDEX["product_page"],
                TOUCHPOINT_INDEX["presales_whatsapp"],
                TOUCHPOINT_INDEX["cart"],
                TOUCHPOINT_INDEX["checkout"],
                TOUCHPOINT_INDEX["payment"],
            ]
        )
        tp = np.where(step_id == 0, aware_tp, step_tp[step_id])
        ev_names = np.array([t.event for t in TOUCHPOINTS], dtype=object)[tp]
        # a failed payment shows first as "Payment Failed", then a retry may complete the order
        is_pay = step_id == 7
        first_pay = is_pay & np.concatenate([[True], (sess[1:] != sess[:-1]) | (step_id[:-1] != 7)])
        failed_here = first_pay & pay_fail[sess]
        ev_names = np.where(failed_here, "Payment Failed", ev_names)
        ev_names = np.where(is_pay & ~failed_here & ~paid[sess], "Payment Failed", ev_names)
        product_ids = rng.integers(1000, 1600, size=sess.size)
        props = np.full(sess.size, None, dtype=object)
        pmask = step_id == 3
        props[pmask] = [f'{{"product_id":"P{p}"}}' for p in product_ids[pmask]]
        self._add_events(cust[sess], seconds, tp, ev_names, channel=device[sess], props=props)
        # orders happen at the completing payment event
        order_event = is_pay & (ev_names == "Order Completed")
        self.order_cust = cust[sess[order_event]]
        self.order_seconds = seconds[order_event]
        self.order_day = np.clip((self.order_seconds + RIYADH_OFFSET_S) // 86400, 0, DAYS - 1).astype(int)
        self.order_device = device[sess[order_event]]
        self.order_pay_failed = pay_fail[sess[order_event]]

    # -- orders, delivery ------------------------------------------------------------------------

    def orders_and_delivery(self) -> None:
        rng = self.rng
        k = self.order_cust.size
        self.k = k
        persona = self.persona[self.order_cust]
        mean = np.select([persona == "busy_professional", persona == "deal_hunter"], [380.0, 210.0], 450.0)
        amount = np.round(rng.lognormal(np.log(mean) - 0.18, 0.6), 2)
        discount = np.where(
            self.load[self.order_day] > 1.5, np.round(amount * rng.uniform(0.1, 0.3, k), 2), 0.0
        )
        big_city = np.isin(self.city[self.order_cust], people.SAUDI_CITIES[0][:3])
        promised = np.where(big_city, rng.integers(1, 3, k), rng.integers(2, 6, k))
        p_late = np.clip(0.08 + 0.2 * (self.load[self.order_day] - 1), 0.05, 0.5)
        late = rng.random(k) < p_late
        delay = np.where(late, 1 + rng.geometric(0.45, k), 0)
        cancelled = rng.random(k) < 0.03
        damaged = ~cancelled & (rng.random(k) < 0.025)
        returned = ~cancelled & (rng.random(k) < np.where(damaged, 0.7, 0.045))
        delivered_s = self.order_seconds + (promised + delay) * 86400.0 + rng.normal(0, 3 * 3600, k)
        horizon = DAYS * 86400.0
        in_transit = delivered_s > horizon
        delivered = ~cancelled & ~in_transit
        self.late, self.delay, self.damaged, self.returned = late, delay, damaged, returned
        self.delivered, self.delivered_s, self.cancelled = delivered, delivered_s, cancelled
        self.order_ids = np.array([f"ORD-{260000 + i}" for i in range(k)], dtype=object)
        payment = np.where(
            self.order_pay_failed,
            "mada",
            rng.choice(
                ["mada", "apple_pay", "cash_on_delivery", "tabby", "visa"],
                size=k,
                p=[0.35, 0.25, 0.18, 0.12, 0.10],
            ),
        )
        status = np.select(
            [cancelled, returned & delivered, delivered], ["cancelled", "returned", "delivered"], "shipped"
        )
        self.orders_df = pd.DataFrame(
            {
                "workspace_id": self.ws,
                "order_id": self.order_ids,
                "customer_id": self.customer_ids[self.order_cust],
                "ordered_at": _ts(self.order_seconds),
                "tz": "Asia/Riyadh",
                "status": status,
                "channel": self.order_device,
                "touchpoint_id": self.tp_ids[TOUCHPOINT_INDEX["payment"]],
                "currency": "SAR",
                "amount": amount - discount,
                "discount": discount,
                "shipping": np.where(amount - discount >= 200, 0.0, 19.0),
                "items": (1 + rng.poisson(np.where(persona == "family_planner", 4.0, 1.2))).astype("int32"),
                "payment_method": payment,
                "city": self.city[self.order_cust],
                "promised_delivery_at": _ts(self.order_seconds + promised * 86400.0),
                "delivered_at": np.where(
                    delivered, _ts(np.minimum(delivered_s, horizon)), np.datetime64("NaT")
                ),
                "cancelled_at": np.where(cancelled, _ts(self.order_seconds + 3600.0), np.datetime64("NaT")),
                "returned_at": np.where(
                    returned & delivered, _ts(delivered_s + 3 * 86400.0), np.datetime64("NaT")
                ),
                "source": "demo",
                "properties": [
                    f'{{"late_days":{int(d)},"damaged":{str(bool(x)).lower()}}}'
                    for d, x in zip(delay, damaged, strict=True)
                ],
            }
        )
        # delivery-stage events
        oc = self.order_cust
        ok = ~cancelled
        self._add_events(
            oc[ok], self.order_seconds[ok] + 40.0, "order_confirmation", "Order Confirmation Sent"
        )
        n_track = rng.poisson(1.0 + 1.5 * late)
        n_track = np.where(ok, n_track, 0)
        tr_order = np.repeat(np.arange(k), n_track)
        span = np.minimum(delivered_s, horizon) - self.order_seconds
        tr_s = self.order_seconds[tr_order] + rng.random(tr_order.size) * span[tr_order]
        self._add_events(oc[tr_order], tr_s, "tracking", "Shipment Tracked", channel="app")
        self._add_events(oc[delivered], delivered_s[delivered], "courier", "Order Delivered")
        rr = returned & delivered & (delivered_s + 2 * 86400.0 < horizon)
        self._add_events(oc[rr], delivered_s[rr] + 2 * 86400.0, "returns", "Return Requested")

    # -- support tickets --------------------------------------------------------------------------

    def support(self) -> None:
        rng = self.rng
        k = self.k
        p = 0.035 + 0.3 * self.late + 0.5 * self.damaged + 0.35 * (self.returned & ~self.damaged)
        has = rng.random(k) < p
        idx = np.nonzero(has)[0]
        # pre-sales and general questions not tied to an order
        n_general = int(round(0.05 * self.n))
        gen_cust = rng.integers(0, self.n, n_general)
        gen_day = self._sample_days(np.zeros(n_general))
        t_order = self.order_seconds[idx] + rng.uniform(0.5, 1.0, idx.size) * (
            np.where(self.delivered[idx], self.delivered_s[idx], self.order_seconds[idx] + 3 * 86400.0)
            - self.order_seconds[idx]
        )
        created = np.concatenate([t_order, self._sample_seconds_in_day(gen_day)])
        cust = np.concatenate([self.order_cust[idx], gen_cust])
        order_id = np.concatenate([self.order_ids[idx], np.full(n_general, None, dtype=object)])
        category = np.concatenate(
            [
                np.select(
                    [self.damaged[idx], self.late[idx], self.returned[idx]],
                    ["damaged_item", "late_delivery", "refund"],
                    rng.choice(["payment", "address_change", "app_problem", "order_status"], size=idx.size),
                ),
                rng.choice(["product_question", "payment", "app_problem", "account"], size=n_general),
            ]
        )
        m = created.size
        channel = rng.choice(
            ["call_centre", "whatsapp", "email", "twitter"], size=m, p=[0.4, 0.45, 0.1, 0.05]
        )
        day = np.clip((created + RIYADH_OFFSET_S) // 86400, 0, DAYS - 1).astype(int)
        load = self.load[day]
        base_frt = {"call_centre": 3 * 60, "whatsapp": 12 * 60, "email": 6 * 3600, "twitter": 2 * 3600}
        frt = (
            np.array([base_frt[c] for c in channel])
            * rng.lognormal(0, 0.6, m)
            * (1 + 1.2 * (load - 1).clip(0))
        )
        res = frt + rng.lognormal(np.log(18 * 3600), 0.9, m) * (1 + 0.8 * (load - 1).clip(0))
        res = np.where(category == "refund", res + 3 * 86400.0, res)
        horizon = DAYS * 86400.0
        resolved = created + res < horizon
        stale = rng.random(m) < 0.01
        resolved &= ~stale
        responded = created + frt < horizon
        complaint = np.isin(category, ["damaged_item", "late_delivery", "refund"])
        reopened = (rng.random(m) < 0.06).astype("int32")
        agents = np.array(["نورة", "عبدالله", "سارة", "خالد", "ريم", "محمد", "Priya", "John"], dtype=object)
        self.tk_cust, self.tk_created, self.tk_frt, self.tk_res = cust, created, frt, res
        self.tk_resolved, self.tk_reopened = resolved, reopened
        self.ticket_ids = np.array([f"TCK-{50000 + i}" for i in range(m)], dtype=object)
        tp_key = np.where(channel == "call_centre", "call_centre", "support_chat")
        tp_key = np.where(category == "refund", "returns", tp_key)
        tp_idx = np.array([TOUCHPOINT_INDEX[t] for t in tp_key])
        self.tk_tp = tp_idx
        subject = [
            _SUBJECTS[c][texts.LANGUAGE_OF[self.variety[cu]]] for c, cu in zip(category, cust, strict=True)
        ]
        self.tickets_df = pd.DataFrame(
            {
                "workspace_id": self.ws,
                "ticket_id": self.ticket_ids,
                "customer_id": self.customer_ids[cust],
                "channel": channel,
                "touchpoint_id": self.tp_ids[tp_idx],
                "subject": subject,
                "category": category,
                "priority": np.where(complaint, "high", "normal"),
                "status": np.where(resolved, "resolved", np.where(responded, "pending", "new")),
                "is_complaint": complaint,
                "agent": _where_else_none(responded, agents[rng.integers(0, agents.size, m)]),
                "team": np.where(channel == "call_centre", "call_centre", "digital_care"),
                "created_at": _ts(created),
                "first_response_at": np.where(responded, _ts(created + frt), np.datetime64("NaT")),
                "resolved_at": np.where(resolved, _ts(created + res), np.datetime64("NaT")),
                "closed_at": np.where(resolved, _ts(created + res + 86400.0), np.datetime64("NaT")),
                "reopened": reopened,
                "tz": "Asia/Riyadh",
                "order_id": order_id,
                "source": "demo",
            }
        )
        ev_tp = np.where(
            channel == "call_centre", TOUCHPOINT_INDEX["call_centre"], TOUCHPOINT_INDEX["support_chat"]
        )
        names = np.where(channel == "call_centre", "Support Call", "Support Chat Started").astype(object)
        self._add_events(cust, created, ev_tp, names)
        # the customer's first message becomes a feedback text (tickets) or chat text (WhatsApp, Twitter)
        topic_of = {
            "damaged_item": "quality",
            "late_delivery": "delivery",
            "refund": "returns",
            "payment": "payment",
            "app_problem": "app",
            "address_change": "delivery",
            "order_status": "delivery",
            "product_question": "quality",
            "account": "app",
        }
        for i in range(m):
            polarity = texts.NEG if complaint[i] or rng.random() < 0.6 else texts.POS
            text, lang = self._text(
                int(cust[i]), polarity, topic_of[category[i]], days=int(rng.integers(2, 8))
            )
            self.fb.append(
                {
                    "feedback_id": f"fb-{self.ticket_ids[i]}",
                    "customer_id": self.customer_ids[cust[i]],
                    "source": "chat" if channel[i] in ("whatsapp", "twitter") else "ticket",
                    "text": text,
                    "language": lang,
                    "rating": None,
                    "touchpoint_id": int(self.tp_ids[tp_idx[i]]),
                    "channel": channel[i],
                    "ticket_id": self.ticket_ids[i],
                    "order_id": order_id[i],
                    "created_at": float(created[i]),
                }
            )

    # -- loyalty ---------------------------------------------------------------------------------

    def loyalty(self) -> None:
        rng = self.rng
        horizon = DAYS * 86400.0
        # newsletter opens: subscribers open about once a month while they are customers
        months_active = np.where(self.preexisting, 12.0, 12.0 * (1 - self.cdf[self.acq_day]))
        opens = np.where(self.newsletter, rng.poisson(1.1 * months_active), 0)
        cust = np.repeat(np.arange(self.n), opens)
        lo = np.where(self.preexisting, 0.0, self.cdf[self.acq_day])[cust]
        self._add_events(
            cust,
            self._sample_seconds_in_day(self._sample_days(lo)),
            "newsletter",
            "Email Opened",
            channel="email",
        )
        # loyalty points redeemed on some repeat orders
        redeem = rng.random(self.k) < 0.07
        self._add_events(
            self.order_cust[redeem],
            self.order_seconds[redeem] - 30.0,
            "loyalty_points",
            "Points Redeemed",
            channel="app",
        )
        # product reviews after delivery: rating follows the delivery and the product
        review = self.delivered & (rng.random(self.k) < 0.12) & (self.delivered_s + 86400.0 < horizon)
        idx = np.nonzero(review)[0]
        t = self.delivered_s[idx] + rng.uniform(0.3, 6, idx.size) * 86400.0
        t = np.minimum(t, horizon - 60)
        latent = 4.5 - 0.35 * self.delay[idx] - 2.0 * self.damaged[idx] + rng.normal(0, 0.8, idx.size)
        rating = np.clip(np.round(latent), 1, 5)
        self._add_events(self.order_cust[idx], t, "reviews", "Review Submitted")
        for j, i in enumerate(idx):
            r = float(rating[j])
            polarity = texts.POS if r >= 4 else texts.NEG
            topic = (
                "quality"
                if self.damaged[i] or rng.random() < 0.5
                else ("delivery" if self.late[i] else self.trng.choice(["price", "quality", "delivery"]))
            )
            mixed = "delivery" if (r == 3 and self.late[i] and topic != "delivery") else None
            text, lang = self._text(
                int(self.order_cust[i]), polarity, topic, days=int(self.delay[i]) or 2, mixed=mixed
            )
            self.fb.append(
                {
                    "feedback_id": f"fb-rev-{self.order_ids[i]}",
                    "customer_id": self.customer_ids[self.order_cust[i]],
                    "source": "review",
                    "text": text,
                    "language": lang,
                    "rating": r,
                    "touchpoint_id": int(self.tp_ids[TOUCHPOINT_INDEX["reviews"]]),
                    "channel": "web",
                    "order_id": self.order_ids[i],
                    "created_at": float(t[j]),
                }
            )

    # -- surveys ---------------------------------------------------------------------------------

    def surveys(self) -> None:
        rng = self.rng
        horizon = DAYS * 86400.0
        rows: list[dict[str, object]] = []
        # post-delivery CSAT (1-5) at the courier touchpoint: falls with every day of delay
        idx = np.nonzero(self.delivered & (rng.random(self.k) < 0.22))[0]
        t = self.delivered_s[idx] + rng.uniform(2, 30, idx.size) * 3600.0
        keep = t < horizon
        idx, t = idx[keep], t[keep]
        latent = 4.55 - 0.5 * self.delay[idx] - 1.8 * self.damaged[idx] + rng.normal(0, 0.7, idx.size)
        self._responses(
            rows,
            "csat",
            np.clip(np.round(latent), 1, 5),
            self.order_cust[idx],
            t,
            "courier",
            1,
            5,
            survey="delivery-csat",
            order_ids=self.order_ids[idx],
            topic_hint=np.where(self.damaged[idx], "quality", "delivery"),
            days=self.delay[idx],
            damaged=self.damaged[idx],
        )
        # post-purchase CSAT at checkout: a failed payment first lowers it
        idx = np.nonzero(rng.random(self.k) < 0.08)[0]
        t = self.order_seconds[idx] + rng.uniform(0.1, 3, idx.size) * 3600.0
        latent = 4.35 - 1.1 * self.order_pay_failed[idx] + rng.normal(0, 0.65, idx.size)
        self._responses(
            rows,
            "csat",
            np.clip(np.round(latent), 1, 5),
            self.order_cust[idx],
            t,
            "checkout",
            1,
            5,
            survey="checkout-csat",
            order_ids=self.order_ids[idx],
            topic_hint=np.where(self.order_pay_failed[idx], "payment", "app"),
            days=np.full(idx.size, 2),
        )
        # Customer Effort Score (1-7, 7 = very easy) after a resolved ticket
        idx = np.nonzero(self.tk_resolved & (rng.random(self.tk_cust.size) < 0.3))[0]
        t = self.tk_created[idx] + self.tk_res[idx] + rng.uniform(1, 12, idx.size) * 3600.0
        keep = t < horizon
        idx, t = idx[keep], t[keep]
        latent = (
            6.6
            - 0.55 * np.log1p(self.tk_frt[idx] / 600.0)
            - 0.45 * np.log1p(self.tk_res[idx] / 86400.0)
            - 1.2 * self.tk_reopened[idx]
            + rng.normal(0, 0.8, idx.size)
        )
        tp_keys = np.array([t_.key for t_ in TOUCHPOINTS], dtype=object)[self.tk_tp[idx]]
        for key in np.unique(tp_keys):
            m = tp_keys == key
            self._responses(
                rows,
                "ces",
                np.clip(np.round(latent[m]), 1, 7),
                self.tk_cust[idx][m],
                t[m],
                str(key),
                1,
                7,
                survey="support-ces",
                ticket_ids=self.ticket_ids[idx][m],
                topic_hint=np.where(self.tk_frt[idx][m] > 1800, "waiting", "staff"),
                days=np.full(int(m.sum()), 2),
            )
        # relationship NPS (0-10) in two waves; experience so far moves the score
        for wave_day in (140, 300):
            wave_s = wave_day * 86400.0
            eligible = np.nonzero((self.first_seen < wave_s) & (rng.random(self.n) < 0.16))[0]
            before = self.order_seconds < wave_s
            late_n = np.bincount(self.order_cust[before & self.late], minlength=self.n)
            dmg_n = np.bincount(self.order_cust[before & self.damaged], minlength=self.n)
            orders_n = np.bincount(self.order_cust[before], minlength=self.n)
            tk_n = np.bincount(self.tk_cust[self.tk_created < wave_s], minlength=self.n)
            e = eligible
            latent = (
                7.9
                - 1.1 * late_n[e]
                - 1.6 * np.minimum(dmg_n[e], 2)
                - 0.5 * np.minimum(tk_n[e], 3)
                + 0.35 * np.minimum(orders_n[e], 4)
                + rng.normal(0, 1.5, e.size)
            )
            t = wave_s + rng.uniform(0, 10, e.size) * 86400.0
            hint = np.where(late_n[e] > 0, "delivery", np.where(dmg_n[e] > 0, "quality", "price"))
            self._responses(
                rows,
                "nps",
                np.clip(np.round(latent), 0, 10),
                e,
                t,
                None,
                0,
                10,
                survey="relationship-nps",
                topic_hint=hint,
                days=np.full(e.size, 3),
            )
        self._step_answers(rows)
        self.responses_df = pd.DataFrame(rows)

    def _step_answers(self, rows: list[dict[str, object]]) -> None:
        """One-question CSAT after the steps no other survey covers, from the events at each step. Scores and
        picks come from a stream of their own; the comments' words from the shared text stream, so the texts
        generated after these (social posts) differ from a demo without them."""
        rng = self.step_rng
        cust = np.concatenate([p["customer"] for p in self.ev])
        secs = np.concatenate([p["seconds"] for p in self.ev])
        tps = np.concatenate([p["tp"] for p in self.ev])
        horizon = DAYS * 86400.0
        for key, (mean, topic) in demo_surveys.STEPS.items():
            at = np.nonzero(tps == TOUCHPOINT_INDEX[key])[0]
            if not at.size:
                continue
            k = min(at.size, max(15, int(round(0.012 * at.size))), int(round(600 * self.scale)) + 15)
            pick = rng.choice(at, size=k, replace=False)
            t = secs[pick] + rng.uniform(60, 3600, k)
            keep = (t > 0) & (t < horizon)
            pick, t = pick[keep], t[keep]
            scores = np.clip(np.round(rng.normal(mean, 0.95, pick.size)), 1, 5)
            self._responses(
                rows, "csat", scores, cust[pick], t, key, 1, 5, survey="step-csat", rng=rng,
                topic_hint=np.full(pick.size, topic), days=np.full(pick.size, 2),
            )  # fmt: skip

    def _responses(
        self,
        rows: list[dict[str, object]],
        metric: str,
        scores: np.ndarray,
        cust: np.ndarray,
        t: np.ndarray,
        tp_key: str | None,
        lo: int,
        hi: int,
        *,
        survey: str,
        order_ids: np.ndarray | None = None,
        ticket_ids: np.ndarray | None = None,
        topic_hint: np.ndarray,
        days: np.ndarray,
        damaged: np.ndarray | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        rng = self.rng if rng is None else rng
        comment = rng.random(scores.size) < 0.35
        span = hi - lo
        tp_id = int(self.tp_ids[TOUCHPOINT_INDEX[tp_key]]) if tp_key else None
        start = len(rows)
        survey_id = self.survey_ids.get(survey)
        spec = demo_surveys.BY_KEY[survey]
        text_key = "reason" if survey == "relationship-nps" else "comment"
        for i in range(scores.size):
            c = int(cust[i])
            rid = f"rsp-{metric}-{start + i:07d}"
            text = lang = None
            if comment[i]:
                rel = (scores[i] - lo) / span
                polarity = texts.POS if rel >= 0.7 else texts.NEG
                mixed = None
                if 0.45 <= rel < 0.7:
                    polarity = texts.NEG
                    mixed = "price" if topic_hint[i] != "price" else "app"
                text, lang = self._text(
                    c, polarity, str(topic_hint[i]), days=max(int(days[i]), 1), mixed=mixed
                )
            answers = demo_surveys.answers(
                survey,
                score=float(scores[i]),
                comment=text,
                hint=str(topic_hint[i]),
                delay=int(days[i]) if survey == "delivery-csat" else 0,
                damaged=bool(damaged[i]) if damaged is not None else False,
                rng=self.answer_rng,
            )
            rows.append(
                {
                    "workspace_id": self.ws,
                    "response_id": rid,
                    "survey_id": survey_id,
                    "customer_id": self.customer_ids[c],
                    "touchpoint_id": tp_id,
                    "order_id": order_ids[i] if order_ids is not None else None,
                    "ticket_id": ticket_ids[i] if ticket_ids is not None else None,
                    "channel": spec.channel,
                    "language": self.language[c],
                    "metric": metric,
                    "score": float(scores[i]),
                    "scale_min": lo,
                    "scale_max": hi,
                    "comment": text,
                    "answers": demo_surveys.payload(answers),
                    "started_at": float(t[i]) - float(rng.uniform(20, 240)),
                    "submitted_at": float(t[i]),
                    "tz": "Asia/Riyadh",
                    "source": "demo",
                }
            )
            if text is not None:
                self.fb.append(
                    {
                        "feedback_id": f"survey-{rid}-{text_key}",
                        "customer_id": self.customer_ids[c],
                        "source": "survey",
                        "text": text,
                        "language": lang,
                        "rating": float(scores[i]),
                        "touchpoint_id": tp_id,
                        "channel": rows[-1]["channel"],
                        "response_id": rid,
                        "properties": orjson.dumps({"survey_id": survey_id, "question": text_key}).decode(),
                        "created_at": float(t[i]),
                    }
                )

    # -- social posts ----------------------------------------------------------------------------

    def social(self) -> None:
        rng = self.rng
        m = int(round(0.2 * self.n))
        cust = rng.integers(0, self.n, m)
        day = self._sample_days(np.zeros(m))
        t = self._sample_seconds_in_day(day)
        # complaints go public more often in busy weeks
        neg = rng.random(m) < np.clip(0.45 + 0.15 * (self.load[day] - 1), 0.3, 0.8)
        topics = rng.choice(texts.TOPICS, size=m, p=[0.28, 0.14, 0.14, 0.1, 0.1, 0.08, 0.08, 0.08])
        tp_for = {
            "delivery": "courier",
            "price": "social_ads",
            "quality": "product_page",
            "staff": "call_centre",
            "app": "home",
            "payment": "payment",
            "returns": "returns",
            "waiting": "support_chat",
        }
        for i in range(m):
            c = int(cust[i])
            text, lang = self._text(
                c, texts.NEG if neg[i] else texts.POS, str(topics[i]), days=int(rng.integers(2, 9))
            )
            self.fb.append(
                {
                    "feedback_id": f"fb-soc-{i:06d}",
                    "customer_id": self.customer_ids[c],
                    "source": "social",
                    "text": text,
                    "language": lang,
                    "rating": None,
                    "touchpoint_id": int(self.tp_ids[TOUCHPOINT_INDEX[tp_for[str(topics[i])]]]),
                    "channel": "twitter" if rng.random() < 0.6 else "instagram",
                    "created_at": float(t[i]),
                    "url": f"https://x.com/i/status/{1850000000000000000 + i}",
                }
            )

    # -- assemble --------------------------------------------------------------------------------

    def result(self) -> DemoData:
        parts = self.ev
        cust = np.concatenate([p["customer"] for p in parts])
        seconds = np.concatenate([p["seconds"] for p in parts])
        seconds = np.clip(seconds, 0, DAYS * 86400.0 - 1)
        tp = np.concatenate([p["tp"] for p in parts])
        event = np.concatenate([p["event"] for p in parts])
        channel = np.concatenate([p["channel"] for p in parts])
        props = np.concatenate([p["props"] for p in parts])
        order = np.lexsort((cust, seconds))
        cust, seconds, tp, event, channel, props = (
            a[order] for a in (cust, seconds, tp, event, channel, props)
        )
        n = cust.size
        page_paths = np.array([t.page_path for t in TOUCHPOINTS], dtype=object)[tp]
        events = pd.DataFrame(
            {
                "workspace_id": self.ws,
                "message_id": [f"demo-{i:08d}" for i in range(n)],
                "customer_id": self.customer_ids[cust],
                "user_id": self.customers_df["external_id"].to_numpy()[cust],
                "type": np.where(event == "Page Viewed", "page", "track"),
                "event": event,
                "timestamp": _ts(seconds),
                "original_timestamp": _ts(seconds),
                "received_at": _ts(seconds + 0.35),
                "tz": "Asia/Riyadh",
                "touchpoint_id": self.tp_ids[tp],
                "channel": channel,
                "language": self.language[cust],
                "page_path": page_paths,
                "properties": props,
                "source": "demo",
            }
        )
        last_seen = events.groupby("customer_id")["timestamp"].max()
        customers = self.customers_df.copy()
        customers["last_seen_at"] = customers["customer_id"].map(last_seen)
        identities = pd.concat(
            [
                pd.DataFrame(
                    {
                        "kind": "user_id",
                        "value": customers["external_id"],
                        "customer_id": customers["customer_id"],
                    }
                ),
                pd.DataFrame(
                    {"kind": "email", "value": customers["email"], "customer_id": customers["customer_id"]}
                ),
                pd.DataFrame(
                    {"kind": "phone", "value": customers["phone"], "customer_id": customers["customer_id"]}
                ),
            ]
        ).dropna(subset=["value"])
        identities = identities.drop_duplicates(subset=["kind", "value"])
        identities["workspace_id"] = self.ws
        identities["source"] = "demo"
        identities["first_seen_at"] = identities["customer_id"].map(
            customers.set_index("customer_id")["first_seen_at"]
        )
        responses = self.responses_df
        for col in ("started_at", "submitted_at"):
            responses[col] = _ts(responses[col].to_numpy(dtype=float))
        feedback = pd.DataFrame(self.fb)
        feedback["workspace_id"] = self.ws
        feedback["created_at"] = _ts(feedback["created_at"].to_numpy(dtype=float))
        feedback["tz"] = "Asia/Riyadh"
        return DemoData(
            customers,
            identities,
            events,
            self.orders_df,
            responses,
            feedback,
            self.tickets_df,
            self._consents(),
        )

    def _consents(self) -> pd.DataFrame:
        """Marketing consents given at sign-up (newsletter readers), WhatsApp for some; a few withdraw later."""
        rng = self.rng
        n = self.n
        frames = []
        for purpose, given in (
            ("email_marketing", self.newsletter),
            ("whatsapp", rng.random(n) < 0.3),
            ("surveys", rng.random(n) < 0.6),
        ):
            idx = np.flatnonzero(given)
            at = self.first_seen[idx]
            frames.append(pd.DataFrame({"i": idx, "purpose": purpose, "granted": True, "seconds": at}))
            withdrawn = idx[rng.random(idx.size) < 0.08]
            later = self.first_seen[withdrawn] + rng.uniform(7, 180, withdrawn.size) * 86400
            frames.append(
                pd.DataFrame({"i": withdrawn, "purpose": purpose, "granted": False, "seconds": later})
            )
        df = pd.concat(frames, ignore_index=True)
        df["seconds"] = np.minimum(df["seconds"].to_numpy(), DAYS * 86400.0 - 1)
        return pd.DataFrame(
            {
                "workspace_id": self.ws,
                "consent_id": [f"demo-consent-{k}" for k in range(len(df))],
                "customer_id": self.customer_ids[df["i"].to_numpy()],
                "purpose": df["purpose"],
                "granted": df["granted"],
                "recorded_at": _ts(df["seconds"].to_numpy(dtype=float)),
                "source": np.where(df["purpose"] == "whatsapp", "whatsapp", "web"),
                "message_id": None,
            }
        )


def _where_else_none(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = values.astype(object)
    out[~mask] = None
    return out


_SUBJECTS = {
    "damaged_item": {"ar": "منتج تالف", "fa": "کالای آسیب‌دیده", "en": "Damaged item"},
    "late_delivery": {"ar": "تأخر التوصيل", "fa": "تأخیر در ارسال", "en": "Late delivery"},
    "refund": {"ar": "طلب استرداد", "fa": "درخواست بازپرداخت", "en": "Refund request"},
    "payment": {"ar": "مشكلة في الدفع", "fa": "مشکل پرداخت", "en": "Payment problem"},
    "address_change": {"ar": "تغيير العنوان", "fa": "تغییر آدرس", "en": "Change of address"},
    "app_problem": {"ar": "مشكلة في التطبيق", "fa": "مشکل اپلیکیشن", "en": "App problem"},
    "order_status": {"ar": "استفسار عن حالة الطلب", "fa": "پیگیری وضعیت سفارش", "en": "Order status"},
    "product_question": {"ar": "سؤال عن منتج", "fa": "سؤال دربارهٔ کالا", "en": "Product question"},
    "account": {"ar": "مشكلة في الحساب", "fa": "مشکل حساب کاربری", "en": "Account problem"},
}
