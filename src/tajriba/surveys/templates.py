"""Ready-made surveys in Arabic, Persian and English: the questions CX teams ask most.

Each template is a `Definition` as JSON; `build(key)` returns a fresh copy to edit. The wording follows
the standard question of each metric (Reichheld's NPS question; CES 2.0's "made it easy" statement).
"""

from __future__ import annotations

import copy
from typing import Any

from tajriba.surveys.definition import Definition


def _t(ar: str, fa: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fa": fa, "en": en}


_NPS_LOW = _t("غير محتمل إطلاقاً", "اصلاً احتمال ندارد", "Not at all likely")
_NPS_HIGH = _t("محتمل جداً", "بسیار محتمل", "Extremely likely")
_CSAT_LOW = _t("غير راضٍ إطلاقاً", "اصلاً راضی نیستم", "Very dissatisfied")
_CSAT_HIGH = _t("راضٍ جداً", "بسیار راضی", "Very satisfied")
_WHY = _t(
    "ما السبب الرئيسي لتقييمك؟",
    "دلیل اصلی امتیاز شما چیست؟",
    "What is the main reason for your score?",
)
_IMPROVE = _t(
    "ما الذي كان يمكننا فعله بشكل أفضل؟",
    "چه کاری را می‌توانستیم بهتر انجام دهیم؟",
    "What could we have done better?",
)
_CONTACT = _t(
    "أوافق على أن يتواصل معي فريق خدمة العملاء بخصوص إجاباتي",
    "موافقم که تیم خدمات مشتریان درباره پاسخ‌هایم با من تماس بگیرد",
    "I agree that the customer care team may contact me about my answers",
)
_THANKS = _t(
    "شكراً لك! رأيك يساعدنا على التحسن.",
    "سپاسگزاریم! نظر شما به ما کمک می‌کند بهتر شویم.",
    "Thank you! Your feedback helps us improve.",
)
_POOR = _t("سيئ", "بد", "Poor")
_EXCELLENT = _t("ممتاز", "عالی", "Excellent")
_LOW_SCORE = {"question": "csat", "op": "<=", "value": 3}

TEMPLATES: dict[str, dict[str, Any]] = {
    "post_purchase_csat": {
        "name": _t("رضا العملاء بعد الشراء", "رضایت پس از خرید", "Post-purchase CSAT"),
        "metric": "csat",
        "definition": {
            "languages": ["ar", "fa", "en"],
            "default_language": "ar",
            "title": _t("كيف كانت تجربة الشراء؟", "تجربه خرید شما چطور بود؟", "How was your purchase?"),
            "questions": [
                {
                    "key": "csat",
                    "type": "csat",
                    "scale": 5,
                    "required": True,
                    "title": _t(
                        "ما مدى رضاك عن تجربة الشراء اليوم؟",
                        "چقدر از تجربه خرید امروز راضی هستید؟",
                        "How satisfied are you with your purchase experience today?",
                    ),
                    "low_label": _CSAT_LOW,
                    "high_label": _CSAT_HIGH,
                },
                {
                    "key": "issue",
                    "type": "single",
                    "visible_if": _LOW_SCORE,
                    "title": _t(
                        "ما الذي أزعجك أكثر؟", "چه چیزی بیشتر آزارتان داد؟", "What bothered you most?"
                    ),
                    "choices": [
                        {"value": "payment", "label": _t("الدفع", "پرداخت", "Payment")},
                        {"value": "price", "label": _t("السعر", "قیمت", "Price")},
                        {
                            "value": "app",
                            "label": _t("التطبيق أو الموقع", "اپلیکیشن یا سایت", "App or website"),
                        },
                        {"value": "stock", "label": _t("توفر المنتج", "موجودی کالا", "Product availability")},
                    ],
                    "other": True,
                },
                {"key": "comment", "type": "text", "title": _IMPROVE},
                {"key": "contact", "type": "consent", "purpose": "contact", "title": _CONTACT},
            ],
            "thank_you": _THANKS,
        },
    },
    "post_delivery_ces": {
        "name": _t("سهولة الاستلام بعد التوصيل", "سهولت پس از تحویل", "Post-delivery CES"),
        "metric": "ces",
        "definition": {
            "languages": ["ar", "fa", "en"],
            "default_language": "ar",
            "title": _t("وصل طلبك!", "سفارش شما رسید!", "Your order arrived!"),
            "questions": [
                {
                    "key": "ces",
                    "type": "ces",
                    "required": True,
                    "title": _t(
                        "جعلت الشركة استلام طلبي سهلاً.",
                        "شرکت دریافت سفارشم را آسان کرد.",
                        "The company made it easy for me to receive my order.",
                    ),
                    "low_label": _t("لا أوافق بشدة", "کاملاً مخالفم", "Strongly disagree"),
                    "high_label": _t("أوافق بشدة", "کاملاً موافقم", "Strongly agree"),
                },
                {
                    "key": "delivery",
                    "type": "matrix",
                    "scale": 5,
                    "title": _t("قيّم التوصيل", "تحویل را ارزیابی کنید", "Rate the delivery"),
                    "rows": [
                        {"value": "speed", "label": _t("السرعة", "سرعت", "Speed")},
                        {"value": "courier", "label": _t("المندوب", "پیک", "Courier")},
                        {"value": "packaging", "label": _t("التغليف", "بسته‌بندی", "Packaging")},
                    ],
                    "low_label": _POOR,
                    "high_label": _EXCELLENT,
                },
                {"key": "comment", "type": "text", "title": _IMPROVE},
            ],
            "thank_you": _THANKS,
        },
    },
    "relationship_nps": {
        "name": _t("صافي نقاط الترويج للعلاقة", "NPS رابطه", "Relationship NPS"),
        "metric": "nps",
        "definition": {
            "languages": ["ar", "fa", "en"],
            "default_language": "ar",
            "title": _t("رأيك يهمنا", "نظر شما برای ما مهم است", "Your opinion matters"),
            "questions": [
                {
                    "key": "nps",
                    "type": "nps",
                    "required": True,
                    "title": _t(
                        "ما مدى احتمال أن توصي بنا لصديق أو زميل؟",
                        "چقدر احتمال دارد ما را به یک دوست یا همکار توصیه کنید؟",
                        "How likely are you to recommend us to a friend or colleague?",
                    ),
                    "low_label": _NPS_LOW,
                    "high_label": _NPS_HIGH,
                },
                {
                    "key": "reason",
                    "type": "text",
                    "title": _WHY,
                },
                {
                    "key": "improve",
                    "type": "multiple",
                    "visible_if": {"question": "nps", "op": "<=", "value": 8},
                    "title": _t(
                        "ما الذي يجب أن نحسّنه؟",
                        "چه چیزی را باید بهتر کنیم؟",
                        "What should we improve?",
                    ),
                    "choices": [
                        {"value": "delivery", "label": _t("التوصيل", "تحویل", "Delivery")},
                        {"value": "price", "label": _t("الأسعار", "قیمت‌ها", "Prices")},
                        {"value": "quality", "label": _t("جودة المنتجات", "کیفیت کالا", "Product quality")},
                        {"value": "support", "label": _t("خدمة العملاء", "پشتیبانی", "Customer service")},
                        {"value": "app", "label": _t("التطبيق", "اپلیکیشن", "The app")},
                    ],
                    "max_choices": 3,
                },
                {"key": "contact", "type": "consent", "purpose": "contact", "title": _CONTACT},
            ],
            "thank_you": _THANKS,
        },
    },
    "post_support_csat": {
        "name": _t("رضا العملاء بعد الدعم", "رضایت پس از پشتیبانی", "Post-support CSAT"),
        "metric": "csat",
        "definition": {
            "languages": ["ar", "fa", "en"],
            "default_language": "ar",
            "title": _t("كيف كانت خدمتنا؟", "خدمات ما چطور بود؟", "How did we do?"),
            "questions": [
                {
                    "key": "csat",
                    "type": "csat",
                    "scale": 5,
                    "required": True,
                    "title": _t(
                        "ما مدى رضاك عن المساعدة التي تلقيتها؟",
                        "چقدر از کمکی که دریافت کردید راضی هستید؟",
                        "How satisfied are you with the help you received?",
                    ),
                    "low_label": _CSAT_LOW,
                    "high_label": _CSAT_HIGH,
                },
                {
                    "key": "resolved",
                    "type": "single",
                    "required": True,
                    "title": _t("هل حُلّت مشكلتك؟", "آیا مشکل شما حل شد؟", "Was your issue resolved?"),
                    "choices": [
                        {"value": "yes", "label": _t("نعم", "بله", "Yes")},
                        {"value": "partly", "label": _t("جزئياً", "تا حدی", "Partly")},
                        {"value": "no", "label": _t("لا", "خیر", "No")},
                    ],
                },
                {
                    "key": "agent_rating",
                    "type": "rating",
                    "scale": 5,
                    "title": _t(
                        "قيّم الموظف الذي ساعدك",
                        "به کارشناسی که کمک کرد امتیاز دهید",
                        "Rate the agent who helped you",
                    ),
                },
                {"key": "comment", "type": "text", "title": _IMPROVE},
                {
                    "key": "contact",
                    "type": "consent",
                    "purpose": "contact",
                    "title": _CONTACT,
                    "visible_if": {"question": "resolved", "op": "!=", "value": "yes"},
                },
            ],
            "thank_you": _THANKS,
        },
    },
    "employee_nps": {
        "name": _t("صافي نقاط الترويج للموظفين", "eNPS کارکنان", "Employee NPS (eNPS)"),
        "metric": "nps",
        "definition": {
            "languages": ["ar", "fa", "en"],
            "default_language": "ar",
            "title": _t("استطلاع الموظفين", "نظرسنجی کارکنان", "Staff survey"),
            "intro": _t(
                "إجاباتك سرية ولا تُربط باسمك.",
                "پاسخ‌های شما محرمانه است و به نام شما پیوند نمی‌خورد.",
                "Your answers are confidential and not linked to your name.",
            ),
            "hidden_fields": ["team", "channel"],
            "questions": [
                {
                    "key": "enps",
                    "type": "nps",
                    "required": True,
                    "title": _t(
                        "ما مدى احتمال أن توصي بالعمل لدينا لصديق؟",
                        "چقدر احتمال دارد کار در اینجا را به یک دوست توصیه کنید؟",
                        "How likely are you to recommend working here to a friend?",
                    ),
                    "low_label": _NPS_LOW,
                    "high_label": _NPS_HIGH,
                },
                {
                    "key": "tools",
                    "type": "matrix",
                    "scale": 5,
                    "title": _t("قيّم ما يلي", "موارد زیر را ارزیابی کنید", "Rate the following"),
                    "rows": [
                        {"value": "tools", "label": _t("أدوات العمل", "ابزار کار", "Tools")},
                        {"value": "training", "label": _t("التدريب", "آموزش", "Training")},
                        {"value": "workload", "label": _t("عبء العمل", "حجم کار", "Workload")},
                    ],
                    "low_label": _POOR,
                    "high_label": _EXCELLENT,
                },
                {"key": "reason", "type": "text", "title": _WHY},
            ],
            "thank_you": _THANKS,
        },
    },
}


def build(key: str) -> tuple[dict[str, str], str, Definition]:
    """A template's names, primary metric and a fresh definition (raises KeyError for an unknown key)."""
    t = TEMPLATES[key]
    return dict(t["name"]), str(t["metric"]), Definition.model_validate(copy.deepcopy(t["definition"]))
