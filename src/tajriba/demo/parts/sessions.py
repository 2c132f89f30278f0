"""Browsing and buying sessions: the events of visits, searches, carts and checkouts."""

from __future__ import annotations

import numpy as np

from tajriba.demo.catalog import TOUCHPOINT_INDEX, TOUCHPOINTS
from tajriba.demo.world import DAYS, RIYADH_OFFSET_S, World


class Sessions(World):
    def sessions(self) -> None:
        """Visits, the funnel steps of each (awareness to payment) as events, and the orders they complete."""
        cust, days, start, is_first = self._visits()
        device, steps, pay_fail, paid = self._funnel(days, is_first)
        sess, step_id, seconds = self._step_times(steps, start)
        tp, ev_names, props = self._step_events(sess, step_id, pay_fail, paid)
        self._add_events(cust[sess], seconds, tp, ev_names, channel=device[sess], props=props)
        # orders happen at the completing payment event
        order_event = (step_id == 7) & (ev_names == "Order Completed")
        self.order_cust = cust[sess[order_event]]
        self.order_seconds = seconds[order_event]
        self.order_day = np.clip((self.order_seconds + RIYADH_OFFSET_S) // 86400, 0, DAYS - 1).astype(int)
        self.order_device = device[sess[order_event]]
        self.order_pay_failed = pay_fail[sess[order_event]]

    def _visits(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each customer's visits (customer, day, start second, whether it is their first) while they stay."""
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
        return cust, days, start, is_first

    def _funnel(self, days: np.ndarray, is_first: np.ndarray) -> tuple[np.ndarray, ...]:
        """Device and how far each visit goes: awareness, home, search, product, presales, cart, checkout,
        payment (a failed payment may be retried); busy days convert better."""
        rng = self.rng
        s = days.size
        device = np.where(rng.random(s) < 0.62, "app", "web").astype(object)
        boost = np.clip(1 + 0.35 * (self.load[days] - 1), 0.8, 1.8)
        aware = (rng.random(s) < np.where(is_first, 0.9, 0.4)).astype(int)
        home = (rng.random(s) < 0.75).astype(int)
        search = rng.poisson(0.6, s)
        product = 1 + np.minimum(rng.poisson(2.0, s), 7)
        presales = (rng.random(s) < 0.04).astype(int)
        cart = rng.random(s) < np.clip(0.3 * boost, 0, 0.9)
        checkout = cart & (rng.random(s) < 0.66)
        pay_fail = checkout & (rng.random(s) < 0.08)
        paid = checkout & (rng.random(s) < np.where(pay_fail, 0.55, 0.82))
        payments = (pay_fail | paid).astype(int) + (pay_fail & paid).astype(int)
        steps = np.stack(
            [aware, home, search, product, presales, cart.astype(int), checkout.astype(int), payments], axis=1
        )
        return device, steps, pay_fail, paid

    def _step_times(self, steps: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One row per step taken (its visit, its step, its second), steps about 45 seconds apart."""
        s, n_steps = steps.shape
        per_session = steps.sum(axis=1)
        step_id = np.repeat(np.tile(np.arange(n_steps), s), steps.ravel())
        sess = np.repeat(np.arange(s), per_session)
        gaps = self.rng.exponential(45.0, sess.size)
        csum = np.cumsum(gaps)
        offsets = np.concatenate([[0.0], csum[np.cumsum(per_session)[:-1] - 1]])
        within = csum - np.repeat(offsets, per_session)
        return sess, step_id, start[sess] + within

    def _step_events(
        self, sess: np.ndarray, step_id: np.ndarray, pay_fail: np.ndarray, paid: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each step's touchpoint, event name and properties (the product viewed)."""
        rng = self.rng
        aware_tp = rng.choice(
            [TOUCHPOINT_INDEX[k] for k in ("social_ads", "influencers", "search_ads", "referral")],
            size=sess.size,
            p=[0.35, 0.2, 0.3, 0.15],
        )
        steps = ("home", "site_search", "product_page", "presales_whatsapp", "cart", "checkout", "payment")
        step_tp = np.array([0, *(TOUCHPOINT_INDEX[k] for k in steps)])
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
        return tp, ev_names, props
