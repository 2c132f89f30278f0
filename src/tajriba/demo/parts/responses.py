"""Survey answers at each step of the journey, shaped by what happened to the customer."""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd

from tajriba.demo import surveys as demo_surveys
from tajriba.demo import texts
from tajriba.demo.catalog import TOUCHPOINT_INDEX, TOUCHPOINTS
from tajriba.demo.world import DAYS, World

RESPONSE_COLUMNS = (
    "workspace_id", "response_id", "survey_id", "customer_id", "touchpoint_id", "order_id", "ticket_id",
    "channel", "language", "metric", "score", "scale_min", "scale_max", "comment", "answers", "started_at",
    "submitted_at", "tz", "source",
)  # fmt: skip


class Responses(World):
    def surveys(self) -> None:
        """Every survey's answers, shaped by what happened to each customer before."""
        rows: list[dict[str, object]] = []
        self._delivery_csat(rows)
        self._checkout_csat(rows)
        self._support_ces(rows)
        self._relationship_nps(rows)
        self._step_answers(rows)
        self.responses_df = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)

    def _delivery_csat(self, rows: list[dict[str, object]]) -> None:
        """Post-delivery CSAT (1-5) at the courier touchpoint: falls with every day of delay."""
        rng = self.rng
        horizon = DAYS * 86400.0
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

    def _checkout_csat(self, rows: list[dict[str, object]]) -> None:
        """Post-purchase CSAT at checkout: a failed payment first lowers it."""
        rng = self.rng
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

    def _support_ces(self, rows: list[dict[str, object]]) -> None:
        """Customer Effort Score (1-7, 7 = very easy) after a resolved ticket."""
        rng = self.rng
        horizon = DAYS * 86400.0
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

    def _relationship_nps(self, rows: list[dict[str, object]]) -> None:
        """Relationship NPS (0-10) in two waves; experience so far moves the score."""
        rng = self.rng
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
        """Append one response row per score (a third with a comment, which also becomes feedback)."""
        rng = self.rng if rng is None else rng
        comment = rng.random(scores.size) < 0.35
        start = len(rows)
        base = self._response_base(survey, metric, tp_key, lo, hi)
        for i in range(scores.size):
            c = int(cust[i])
            text, lang = (
                self._comment(c, (scores[i] - lo) / (hi - lo), str(topic_hint[i]), int(days[i]))
                if comment[i]
                else (None, None)
            )
            delay = int(days[i]) if survey == "delivery-csat" else 0
            broken = bool(damaged[i]) if damaged is not None else False
            answers = demo_surveys.answers(
                survey, score=float(scores[i]), comment=text, hint=str(topic_hint[i]), delay=delay,
                damaged=broken, rng=self.answer_rng,
            )  # fmt: skip
            rows.append(
                base
                | {
                    "response_id": f"rsp-{metric}-{start + i:07d}",
                    "customer_id": self.customer_ids[c],
                    "order_id": order_ids[i] if order_ids is not None else None,
                    "ticket_id": ticket_ids[i] if ticket_ids is not None else None,
                    "language": self.language[c],
                    "score": float(scores[i]),
                    "comment": text,
                    "answers": demo_surveys.payload(answers),
                    "started_at": float(t[i]) - float(rng.uniform(20, 240)),
                    "submitted_at": float(t[i]),
                }
            )
            if text is not None:
                self._survey_feedback(
                    rows[-1], text, lang, "reason" if survey == "relationship-nps" else "comment"
                )

    def _response_base(
        self, survey: str, metric: str, tp_key: str | None, lo: int, hi: int
    ) -> dict[str, object]:
        """What every response of one survey and metric shares."""
        return {
            "workspace_id": self.ws,
            "survey_id": self.survey_ids.get(survey),
            "touchpoint_id": int(self.tp_ids[TOUCHPOINT_INDEX[tp_key]]) if tp_key else None,
            "channel": demo_surveys.BY_KEY[survey].channel,
            "metric": metric,
            "scale_min": lo,
            "scale_max": hi,
            "tz": "Asia/Riyadh",
            "source": "demo",
        }

    def _comment(self, customer: int, rel: float, hint: str, days: int) -> tuple[str, str]:
        """A comment in the customer's words: praise at the top of the scale, a complaint at the bottom, and in
        between a complaint that mentions a second subject."""
        polarity = texts.POS if rel >= 0.7 else texts.NEG
        mixed = None
        if 0.45 <= rel < 0.7:
            polarity = texts.NEG
            mixed = "price" if hint != "price" else "app"
        return self._text(customer, polarity, hint, days=max(days, 1), mixed=mixed)

    def _survey_feedback(self, row: dict[str, object], text: str, lang: str | None, text_key: str) -> None:
        """A response's comment as a feedback text, as a stored survey answer would give it."""
        self.fb.append(
            {
                "feedback_id": f"survey-{row['response_id']}-{text_key}",
                "customer_id": row["customer_id"],
                "source": "survey",
                "text": text,
                "language": lang,
                "rating": row["score"],
                "touchpoint_id": row["touchpoint_id"],
                "channel": row["channel"],
                "response_id": row["response_id"],
                "properties": orjson.dumps({"survey_id": row["survey_id"], "question": text_key}).decode(),
                "created_at": row["submitted_at"],
            }
        )
