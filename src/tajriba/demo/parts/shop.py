"""The shop's products in each order (for next-best offers) and the Ramadan double-points campaign's effect.

Each customer likes one or two themes (by persona); an order holds one to three products, mostly from their themes,
so that products bought together are learnable. Members outside the campaign's holdout buy a little more during
Ramadan and the month after, so the campaign's lift shows on the loyalty page. Both draw from their own random
streams, so the rest of the demo stays as it was.
"""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pandas as pd

from tajriba.demo.world import START, World, _ts
from tajriba.loyalty.points import in_holdout

THEMES = {
    "coffee": ("qahwa-saudi", "dallah-pot", "finjan-cups", "dates-sukkari", "dates-ajwa"),
    "fragrance": ("oud-oil", "bakhoor", "mabkhara-burner", "musk-tahara", "perfume-gift-set"),
    "fashion": ("abaya-black", "shemagh-red", "thobe-white", "hijab-silk", "sandals-leather"),
    "kids": ("school-bag", "lunch-box", "kids-abaya", "crayons-set", "story-book-ar"),
    "electronics": ("phone-case", "fast-charger", "earbuds", "power-bank", "smart-watch"),
    "home": ("prayer-mat", "quran-stand", "incense-holder", "ramadan-lantern", "serving-tray"),
}
LIKES = {  # persona -> themes and their weights
    "busy_professional": {"electronics": 3, "coffee": 2, "fragrance": 2, "fashion": 1},
    "deal_hunter": {"fashion": 3, "electronics": 2, "home": 1, "coffee": 1},
    "family_planner": {"kids": 3, "home": 2, "coffee": 2, "fashion": 1},
}
RAMADAN_HOLDOUT_KEY = "demo:ramadan-1447"
RAMADAN_HOLDOUT = 0.2
RAMADAN_LIFT = 0.15  # the extra chance a treated member orders during the campaign


class Shop(World):
    def products(self) -> None:
        """Add `products` (Segment's e-commerce list) to every order's properties."""
        rng = self.shop_rng
        names = list(THEMES)
        favourite = {}
        for cu in np.unique(self.order_cust):
            likes = LIKES[str(self.persona[cu])]
            themes, weights = list(likes), np.array(list(likes.values()), dtype=float)
            favourite[int(cu)] = rng.choice(themes, size=2, replace=False, p=weights / weights.sum())
        props = []
        for cu, old in zip(self.order_cust, self.orders_df["properties"], strict=True):
            count = int(rng.integers(1, 4))
            picks = []
            for _ in range(count):
                theme = (
                    favourite[int(cu)][0 if rng.random() < 0.6 else 1]
                    if rng.random() < 0.85
                    else names[rng.integers(len(names))]
                )
                picks.append(THEMES[str(theme)][int(rng.integers(5))])
            base = json.loads(old)
            base["products"] = [
                {"product_id": p, "category": _theme_of(p), "quantity": 1} for p in dict.fromkeys(picks)
            ]
            props.append(json.dumps(base))
        self.orders_df["properties"] = props

    def ramadan_campaign(self, starts_day: int, days: int) -> None:
        """Extra orders from the members outside the campaign's holdout, over its days and the month after."""
        rng = self.shop_rng
        first = self.orders_df.groupby("customer_id")["ordered_at"].min()
        start = pd.Timestamp(START + timedelta(days=starts_day))
        members = first[first < start].index.to_numpy()
        treated = np.array([not in_holdout(RAMADAN_HOLDOUT_KEY, c, RAMADAN_HOLDOUT) for c in members])
        buyers = members[treated & (rng.random(members.size) < RAMADAN_LIFT)]
        seconds = (starts_day + rng.uniform(0, days + 30, buyers.size)) * 86400.0
        amount = np.round(rng.lognormal(np.log(300), 0.5, buyers.size), 2)
        extra = pd.DataFrame(
            {
                "workspace_id": self.ws,
                "order_id": [f"ORD-R{i:05d}" for i in range(buyers.size)],
                "customer_id": buyers,
                "ordered_at": _ts(seconds),
                "tz": "Asia/Riyadh",
                "status": "delivered",
                "channel": "app",
                "touchpoint_id": self.orders_df["touchpoint_id"].iloc[0],
                "currency": "SAR",
                "amount": amount,
                "discount": 0.0,
                "shipping": 0.0,
                "items": 1,
                "payment_method": "mada",
                "source": "demo",
                "properties": [
                    json.dumps({"products": [{"product_id": p, "category": _theme_of(p), "quantity": 1}]})
                    for p in rng.choice(THEMES["coffee"] + THEMES["home"], size=buyers.size)
                ],
            }
        )
        self.orders_df = pd.concat([self.orders_df, extra], ignore_index=True)


def _theme_of(product: str) -> str:
    return next(t for t, items in THEMES.items() if product in items)
