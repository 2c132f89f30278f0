"""Loyalty: points earned and redeemed, and the newsletter."""

from __future__ import annotations

import numpy as np

from tajriba.demo import texts
from tajriba.demo.catalog import TOUCHPOINT_INDEX
from tajriba.demo.world import DAYS, World


class Loyalty(World):
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
