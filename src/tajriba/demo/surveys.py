"""The demo store's four surveys, the answers its customers gave to each question, and its invitations.

Every demo response belongs to one of these surveys and carries the whole answer set a respondent would
have submitted (the metric question, the follow-up choice or matrix, the open comment), so the survey list,
the results pages and the exports show the same numbers as the metrics pages. Invitations that went
unanswered are drawn from a separate random stream, so adding them leaves the rest of the demo unchanged.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import orjson
import pandas as pd

from tajriba.surveys.definition import Definition
from tajriba.surveys.templates import build


def _t(ar: str, fa: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fa": fa, "en": en}


@dataclass(frozen=True)
class DemoSurvey:
    key: str
    name: str  # the store's own name for it, in Arabic
    template: str
    touchpoint: str | None  # None: each answer keeps the touchpoint of the ticket it follows
    channel: str  # how its invitations went out
    rate: float  # the share of invitations answered
    link_days: int


SURVEYS = (
    DemoSurvey("delivery-csat", "رضا العملاء بعد التوصيل", "post_purchase_csat", "courier", "sms", 0.31, 7),
    DemoSurvey("checkout-csat", "رضا العملاء بعد الشراء", "post_purchase_csat", "checkout", "email", 0.12, 7),
    DemoSurvey("support-ces", "سهولة حل المشكلة", "post_delivery_ces", None, "email", 0.27, 7),
    DemoSurvey("relationship-nps", "صافي نقاط الترويج للعلاقة", "relationship_nps", None, "email", 0.22, 14),
    # one question after a step of the journey (in the app or by link): each answer keeps its step
    DemoSurvey("step-csat", "كيف كانت هذه الخطوة؟", "post_purchase_csat", None, "link", 1.0, 7),
)
# the steps the one-question survey follows, how well each goes (mean CSAT 1-5) and what people talk about
STEPS = {
    "social_ads": (3.3, "price"),
    "influencers": (3.9, "quality"),
    "search_ads": (3.6, "price"),
    "referral": (4.3, "staff"),
    "home": (4.1, "app"),
    "product_page": (4.0, "quality"),
    "site_search": (3.4, "app"),
    "presales_whatsapp": (4.0, "waiting"),
    "cart": (3.8, "price"),
    "payment": (3.4, "payment"),
    "order_confirmation": (4.4, "app"),
    "tracking": (3.5, "delivery"),
    "loyalty_points": (3.7, "price"),
    "newsletter": (3.6, "price"),
}
BY_KEY = {s.key: s for s in SURVEYS}

_ISSUES = {
    "delivery-csat": [
        ("late", _t("تأخر التوصيل", "تأخیر در تحویل", "Late delivery")),
        ("damaged", _t("وصل الطلب تالفاً", "سفارش آسیب‌دیده رسید", "Damaged order")),
        ("courier", _t("تعامل المندوب", "رفتار پیک", "The courier")),
    ],
}


def definition(spec: DemoSurvey) -> Definition:
    """The survey as the demo team set it up: a template, adapted to the touchpoint it measures."""
    _names, _metric, base = build(spec.template)
    data = copy.deepcopy(base.model_dump(mode="json"))
    questions = data["questions"]
    if spec.key == "delivery-csat":
        data["title"] = _t("وصل طلبك!", "سفارش شما رسید!", "Your order arrived!")
        questions[0]["title"] = _t(
            "ما مدى رضاك عن توصيل طلبك؟",
            "چقدر از تحویل سفارشتان راضی هستید؟",
            "How satisfied are you with the delivery of your order?",
        )
        issue = questions[1]
        issue["choices"] = [{"value": v, "label": label} for v, label in _ISSUES["delivery-csat"]]
        issue["other"] = True
        # the delivery aspects, rated by everyone
        ces = build("post_delivery_ces")[2].model_dump(mode="json")
        questions.insert(1, next(q for q in ces["questions"] if q["type"] == "matrix"))
    elif spec.key == "step-csat":
        data["title"] = _t("رأيك في هذه الخطوة", "نظر شما دربارهٔ این مرحله", "About this step")
        questions[0]["title"] = _t("كيف كانت هذه الخطوة؟", "این مرحله چطور بود؟", "How was this step?")
        data["questions"] = [questions[0], next(q for q in questions if q["type"] == "text")]
    elif spec.key == "support-ces":
        data["title"] = _t("شكراً لتواصلك معنا", "از تماس شما سپاسگزاریم", "Thanks for contacting us")
        questions[0]["title"] = _t(
            "جعلت الشركة حل مشكلتي سهلاً.",
            "شرکت حل مشکلم را آسان کرد.",
            "The company made it easy to solve my problem.",
        )
        data["questions"] = [q for q in questions if q["type"] != "matrix"]
    return Definition.model_validate(data)


def answers(
    key: str,
    *,
    score: float,
    comment: str | None,
    hint: str,
    delay: int = 0,
    damaged: bool = False,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """One respondent's whole answer set, consistent with their score and what happened to them."""
    s = int(score)
    out: dict[str, Any] = {}
    if key == "delivery-csat":
        out["csat"] = s
        speed = 5 - min(delay, 3) + int(rng.integers(-1, 1))
        out["delivery"] = {
            "speed": int(np.clip(speed, 1, 5)),
            "courier": int(np.clip(s + rng.integers(-1, 2), 1, 5)),
            "packaging": int(np.clip((2 if damaged else 5) + rng.integers(-1, 1), 1, 5)),
        }
        if s <= 3:
            out["issue"] = "damaged" if damaged else ("late" if delay > 0 else "courier")
        if comment:
            out["comment"] = comment
    elif key == "checkout-csat":
        out["csat"] = s
        if s <= 3:
            out["issue"] = "payment" if hint == "payment" else ("app" if hint == "app" else "price")
        if comment:
            out["comment"] = comment
    elif key == "step-csat":
        out["csat"] = s
        if comment:
            out["comment"] = comment
    elif key == "support-ces":
        out["ces"] = s
        if comment:
            out["comment"] = comment
    else:
        out["nps"] = s
        if comment:
            out["reason"] = comment
        if s <= 8:
            picked = [hint if hint in ("delivery", "quality", "price") else "support"]
            if rng.random() < 0.35:
                picked.append(str(rng.choice(["app", "support", "price"])))
            out["improve"] = list(dict.fromkeys(picked))
    return out


def payload(answers_: dict[str, Any], hidden: dict[str, Any] | None = None) -> str:
    """The `answers` column as the survey service writes it."""
    return orjson.dumps({"answers": answers_, "hidden": hidden or {}}).decode()


def invitations(
    responses: pd.DataFrame, survey_ids: dict[str, int], workspace_id: int, *, seed: int
) -> list[dict[str, Any]]:
    """Invitation rows: one completed per answer that came by invitation, and the unanswered ones around it.

    Unanswered invitations copy a respondent's send time (so their periods match the answers') and expire.
    """
    rng = np.random.default_rng(seed + 303)
    rows: list[dict[str, Any]] = []
    key_of = {v: k for k, v in survey_ids.items()}
    for survey_id, group in responses.groupby("survey_id", sort=True):
        spec = BY_KEY[key_of[int(survey_id)]]
        first = group[~group["response_id"].str.contains(":", regex=False)]
        submitted = list(pd.to_datetime(first["submitted_at"]).dt.tz_localize("UTC").dt.to_pydatetime())
        sent = [
            t - timedelta(hours=float(h))
            for t, h in zip(submitted, rng.uniform(0.2, 20, len(first)), strict=True)
        ]
        for rid, customer, lang, at, done in zip(
            first["response_id"], first["customer_id"], first["language"], sent, submitted, strict=True
        ):
            rows.append(
                _invitation(workspace_id, int(survey_id), spec, customer, lang, at, "completed", done, rid)
            )
        missed = int(round(len(first) * (1 - spec.rate) / spec.rate))
        if not missed or not len(first):
            continue
        pick = rng.integers(0, len(first), missed)
        shift = rng.uniform(-3, 3, missed)
        customers = first["customer_id"].to_numpy()
        langs = first["language"].to_numpy()
        for i, d in zip(pick, shift, strict=True):
            at = sent[int(i)] + timedelta(days=float(d))
            rows.append(
                _invitation(
                    workspace_id, int(survey_id), spec, customers[i], langs[i], at, "expired", None, None
                )
            )
    return rows


def _invitation(
    workspace_id: int,
    survey_id: int,
    spec: DemoSurvey,
    customer: Any,
    language: Any,
    sent: Any,
    status: str,
    completed: Any,
    response_id: Any,
) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "survey_id": survey_id,
        "customer_id": customer,
        "channel": spec.channel,
        "language": language,
        "hidden": {},
        "status": status,
        "scheduled_at": sent,
        "sent_at": sent,
        "expires_at": sent + timedelta(days=spec.link_days),
        "completed_at": completed,
        "response_id": response_id,
        "attempts": 1,
        "created_at": sent,
    }
