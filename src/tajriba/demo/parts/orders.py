"""Orders and their delivery: late, damaged and returned parcels that later answers remember."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tajriba.demo import people
from tajriba.demo.catalog import TOUCHPOINT_INDEX
from tajriba.demo.world import DAYS, World, _ts


class Orders(World):
    def orders_and_delivery(self) -> None:
        """Orders at the completing payments, their delivery (late in busy weeks, sometimes damaged or
        returned), the orders table and the delivery-stage events."""
        amount, discount, promised = self._fulfilment()
        self.orders_df = self._order_table(amount, discount, promised)
        self._delivery_events()

    def _fulfilment(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Amounts and discounts by persona and load, promised days by city, and what went wrong."""
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
        return amount, discount, promised

    def _order_table(self, amount: np.ndarray, discount: np.ndarray, promised: np.ndarray) -> pd.DataFrame:
        rng, k = self.rng, self.k
        persona = self.persona[self.order_cust]
        cancelled, returned, delivered = self.cancelled, self.returned, self.delivered
        delivered_s, horizon = self.delivered_s, DAYS * 86400.0
        delay, damaged = self.delay, self.damaged
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
        return pd.DataFrame(
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

    def _delivery_events(self) -> None:
        """Confirmation, tracking (more when late), delivery and return requests."""
        rng, k = self.rng, self.k
        cancelled, late, returned, delivered = self.cancelled, self.late, self.returned, self.delivered
        delivered_s, horizon = self.delivered_s, DAYS * 86400.0
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
