"""Public posts about the store."""

from __future__ import annotations

import numpy as np

from tajriba.demo import texts
from tajriba.demo.catalog import TOUCHPOINT_INDEX
from tajriba.demo.world import World


class Social(World):
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
