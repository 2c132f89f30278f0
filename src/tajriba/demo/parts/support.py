"""Support tickets: complaints after bad deliveries, slower answers in busy weeks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tajriba.demo import texts
from tajriba.demo.catalog import TOUCHPOINT_INDEX
from tajriba.demo.world import DAYS, RIYADH_OFFSET_S, World, _ts, _where_else_none

COMPLAINTS = ("damaged_item", "late_delivery", "refund")
AGENTS = np.array(["نورة", "عبدالله", "سارة", "خالد", "ريم", "محمد", "Priya", "John"], dtype=object)
BASE_FIRST_RESPONSE_S = {"call_centre": 3 * 60, "whatsapp": 12 * 60, "email": 6 * 3600, "twitter": 2 * 3600}
TOPIC_OF = {
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


class Support(World):
    def support(self) -> None:
        """Tickets after bad deliveries and general questions, their handling times, table, events and texts."""
        cust, created, order_id, category = self._tickets_raised()
        channel, frt, res, resolved, responded, reopened = self._handling(created, category)
        complaint = np.isin(category, COMPLAINTS)
        self.tk_cust, self.tk_created, self.tk_frt, self.tk_res = cust, created, frt, res
        self.tk_resolved, self.tk_reopened = resolved, reopened
        self.ticket_ids = np.array([f"TCK-{50000 + i}" for i in range(created.size)], dtype=object)
        tp_key = np.where(channel == "call_centre", "call_centre", "support_chat")
        tp_key = np.where(category == "refund", "returns", tp_key)
        self.tk_tp = np.array([TOUCHPOINT_INDEX[t] for t in tp_key])
        self.tickets_df = self._ticket_table(
            cust, created, order_id, category, channel, frt, res, resolved, responded, reopened, complaint
        )
        ev_tp = np.where(
            channel == "call_centre", TOUCHPOINT_INDEX["call_centre"], TOUCHPOINT_INDEX["support_chat"]
        )
        names = np.where(channel == "call_centre", "Support Call", "Support Chat Started").astype(object)
        self._add_events(cust, created, ev_tp, names)
        self._first_messages(cust, created, order_id, category, channel, complaint)

    def _tickets_raised(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Who opens a ticket, when, about which order and what: after late, damaged or returned orders, plus
        pre-sales and general questions not tied to an order."""
        rng = self.rng
        p = 0.035 + 0.3 * self.late + 0.5 * self.damaged + 0.35 * (self.returned & ~self.damaged)
        idx = np.nonzero(rng.random(self.k) < p)[0]
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
                    list(COMPLAINTS),
                    rng.choice(["payment", "address_change", "app_problem", "order_status"], size=idx.size),
                ),
                rng.choice(["product_question", "payment", "app_problem", "account"], size=n_general),
            ]
        )
        return cust, created, order_id, category

    def _handling(self, created: np.ndarray, category: np.ndarray) -> tuple[np.ndarray, ...]:
        """Channel, first-response and resolution times (slower in busy days), and which tickets are
        answered, resolved (a few stay open) and reopened within the demo year."""
        rng = self.rng
        m = created.size
        channel = rng.choice(
            ["call_centre", "whatsapp", "email", "twitter"], size=m, p=[0.4, 0.45, 0.1, 0.05]
        )
        day = np.clip((created + RIYADH_OFFSET_S) // 86400, 0, DAYS - 1).astype(int)
        load = self.load[day]
        frt = (
            np.array([BASE_FIRST_RESPONSE_S[c] for c in channel])
            * rng.lognormal(0, 0.6, m)
            * (1 + 1.2 * (load - 1).clip(0))
        )
        res = frt + rng.lognormal(np.log(18 * 3600), 0.9, m) * (1 + 0.8 * (load - 1).clip(0))
        res = np.where(category == "refund", res + 3 * 86400.0, res)
        horizon = DAYS * 86400.0
        resolved = (created + res < horizon) & ~(rng.random(m) < 0.01)
        responded = created + frt < horizon
        reopened = (rng.random(m) < 0.06).astype("int32")
        return channel, frt, res, resolved, responded, reopened

    def _ticket_table(
        self,
        cust: np.ndarray,
        created: np.ndarray,
        order_id: np.ndarray,
        category: np.ndarray,
        channel: np.ndarray,
        frt: np.ndarray,
        res: np.ndarray,
        resolved: np.ndarray,
        responded: np.ndarray,
        reopened: np.ndarray,
        complaint: np.ndarray,
    ) -> pd.DataFrame:
        subject = [
            _SUBJECTS[c][texts.LANGUAGE_OF[self.variety[cu]]] for c, cu in zip(category, cust, strict=True)
        ]
        m = created.size
        return pd.DataFrame(
            {
                "workspace_id": self.ws,
                "ticket_id": self.ticket_ids,
                "customer_id": self.customer_ids[cust],
                "channel": channel,
                "touchpoint_id": self.tp_ids[self.tk_tp],
                "subject": subject,
                "category": category,
                "priority": np.where(complaint, "high", "normal"),
                "status": np.where(resolved, "resolved", np.where(responded, "pending", "new")),
                "is_complaint": complaint,
                "agent": _where_else_none(responded, AGENTS[self.rng.integers(0, AGENTS.size, m)]),
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

    def _first_messages(
        self,
        cust: np.ndarray,
        created: np.ndarray,
        order_id: np.ndarray,
        category: np.ndarray,
        channel: np.ndarray,
        complaint: np.ndarray,
    ) -> None:
        """The customer's first message becomes a feedback text (tickets) or chat text (WhatsApp, Twitter)."""
        rng = self.rng
        for i in range(created.size):
            polarity = texts.NEG if complaint[i] or rng.random() < 0.6 else texts.POS
            text, lang = self._text(
                int(cust[i]), polarity, TOPIC_OF[category[i]], days=int(rng.integers(2, 8))
            )
            self.fb.append(
                {
                    "feedback_id": f"fb-{self.ticket_ids[i]}",
                    "customer_id": self.customer_ids[cust[i]],
                    "source": "chat" if channel[i] in ("whatsapp", "twitter") else "ticket",
                    "text": text,
                    "language": lang,
                    "rating": None,
                    "touchpoint_id": int(self.tp_ids[self.tk_tp[i]]),
                    "channel": channel[i],
                    "ticket_id": self.ticket_ids[i],
                    "order_id": order_id[i],
                    "created_at": float(created[i]),
                }
            )


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
