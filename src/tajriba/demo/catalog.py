"""The demo store's personas, journey, stages and touchpoint inventory (names in ar, fa, en)."""

from __future__ import annotations

from dataclasses import dataclass, field

STORE_NAME = {"ar": "متجر نخلة", "fa": "فروشگاه نخله", "en": "Nakhla Store"}

PERSONAS = [
    {
        "key": "busy_professional",
        "names": {"ar": "فيصل، الموظف المشغول", "fa": "فیصل، کارمند پرمشغله", "en": "Faisal, the busy professional"},
        "description": "موظف في الرياض، يطلب من الجوال في المساء ويريد توصيلًا سريعًا ودقيقًا.",
        "goals": ["توصيل في نفس اليوم أو اليوم التالي", "دفع سريع عبر Apple Pay أو مدى"],
        "needs": ["تتبع دقيق للشحنة", "رد سريع على واتساب"],
        "frustrations": ["تأخر المندوب دون إشعار", "الانتظار الطويل في مركز الاتصال"],
        "habits": ["يتسوق بين 9 مساءً و1 صباحًا", "يقرأ التقييمات قبل الشراء"],
        "channels": ["app", "whatsapp"],
        "languages": ["ar", "en"],
        "quote": "أبغى الطلب يوصل في وقته، وإذا تأخر قولوا لي بدري.",
        "desired_experience": "واثق ومطمئن: يعرف متى يصل طلبه ولا يحتاج أن يسأل.",
    },
    {
        "key": "deal_hunter",
        "names": {"ar": "منى، صائدة العروض", "fa": "منی، شکارچی تخفیف", "en": "Mona, the deal hunter"},
        "description": "مقيمة مصرية في جدة، تقارن الأسعار وتنتظر الجمعة البيضاء وعروض رمضان.",
        "goals": ["أفضل سعر وكوبونات", "استرجاع سهل إذا لم يعجبها المنتج"],
        "needs": ["أسعار واضحة دون رسوم مفاجئة", "الدفع عند الاستلام أو بالتقسيط"],
        "frustrations": ["رسوم شحن تظهر في آخر خطوة", "استرداد المبلغ يتأخر"],
        "habits": ["تتابع المؤثرين على إنستغرام وتيك توك", "تشتري بكميات في المواسم"],
        "channels": ["social", "web"],
        "languages": ["ar"],
        "quote": "لو السعر حلو والإرجاع سهل، هاشتري تاني وأقول لصحابي.",
        "desired_experience": "ذكية ومقدَّرة: تشعر أنها حصلت على صفقة عادلة دون مفاجآت.",
    },
    {
        "key": "family_planner",
        "names": {"ar": "مريم، مدبّرة المنزل", "fa": "مریم، برنامه‌ریز خانواده", "en": "Maryam, the family planner"},
        "description": "أم إيرانية مقيمة في الدمام تشتري مستلزمات الأسرة شهريًا وتفضّل الفارسية.",
        "goals": ["طلب شهري متكرر دون عناء", "منتجات أصلية بجودة ثابتة"],
        "needs": ["خدمة عملاء بلغتها أو بالإنجليزية", "تغليف سليم"],
        "frustrations": ["منتجات تالفة عند الاستلام", "نفاد المنتجات المعتادة"],
        "habits": ["تطلب أول كل شهر", "تجمع نقاط الولاء"],
        "channels": ["app", "email"],
        "languages": ["fa", "en"],
        "quote": "می‌خواهم هر ماه بدون دردسر همان چیزهایی را که لازم داریم سالم دریافت کنم.",
        "desired_experience": "مطمئن ووفية: تثق أن كل طلب يصل كاملًا وسليمًا.",
    },
]

STAGES = [
    ("awareness", {"ar": "الوعي", "fa": "آگاهی", "en": "Awareness"}),
    ("consideration", {"ar": "الاهتمام والمقارنة", "fa": "بررسی و مقایسه", "en": "Consideration"}),
    ("purchase", {"ar": "الشراء", "fa": "خرید", "en": "Purchase"}),
    ("delivery", {"ar": "التوصيل", "fa": "تحویل", "en": "Delivery"}),
    ("support", {"ar": "الدعم", "fa": "پشتیبانی", "en": "Support"}),
    ("loyalty", {"ar": "الولاء والتوصية", "fa": "وفاداری و توصیه", "en": "Loyalty and advocacy"}),
]


@dataclass(frozen=True)
class TouchpointDef:
    key: str
    stage: str
    names: dict[str, str]
    channel: str
    event: str
    direct: bool = True
    purpose: str = "inform"
    impact: str = "loyalty"
    owner_team: str = ""
    emotion: str = "confident"
    targets: dict[str, float] = field(default_factory=dict)
    page_path: str | None = None


def _tp(key: str, stage: str, ar: str, fa: str, en: str, channel: str, event: str, **kw: object) -> TouchpointDef:
    return TouchpointDef(key, stage, {"ar": ar, "fa": fa, "en": en}, channel, event, **kw)  # type: ignore[arg-type]


TOUCHPOINTS: list[TouchpointDef] = [
    _tp("social_ads", "awareness", "إعلانات وسائل التواصل", "تبلیغات شبکه‌های اجتماعی", "Social media ads", "social",
        "Ad Clicked", direct=False, purpose="inspire", impact="differentiation", owner_team="التسويق الرقمي",
        emotion="curious"),
    _tp("influencers", "awareness", "محتوى المؤثرين", "محتوای اینفلوئنسرها", "Influencer content", "social",
        "Influencer Link Opened", direct=False, purpose="inspire", impact="referral", owner_team="التسويق الرقمي",
        emotion="inspired"),
    _tp("search_ads", "awareness", "محركات البحث", "موتورهای جستجو", "Search engine ads", "web", "Search Ad Clicked",
        direct=False, purpose="educate", impact="differentiation", owner_team="التسويق الرقمي", emotion="curious"),
    _tp("referral", "awareness", "توصية الأصدقاء", "توصیهٔ دوستان", "Word of mouth and referrals", "word_of_mouth",
        "Referral Link Opened", direct=False, purpose="inspire", impact="referral", owner_team="الولاء",
        emotion="trusting"),
    _tp("home", "consideration", "الصفحة الرئيسية للموقع والتطبيق", "صفحهٔ اصلی سایت و اپ", "Website and app home",
        "web", "Page Viewed", purpose="inform", impact="differentiation", owner_team="المنتج الرقمي",
        emotion="confident", page_path="/"),
    _tp("product_page", "consideration", "صفحة المنتج", "صفحهٔ محصول", "Product page", "web", "Product Viewed",
        purpose="educate", impact="repeat_purchase", owner_team="المنتج الرقمي", emotion="confident",
        targets={"csat": 4.2}),
    _tp("site_search", "consideration", "البحث في المتجر", "جستجو در فروشگاه", "On-site search", "app",
        "Products Searched", purpose="inform", impact="repeat_purchase", owner_team="المنتج الرقمي",
        emotion="in_control"),
    _tp("presales_whatsapp", "consideration", "استفسارات ما قبل الشراء عبر واتساب", "پرسش‌های پیش از خرید در واتساپ",
        "Pre-sales questions on WhatsApp", "whatsapp", "WhatsApp Message Sent", purpose="sell", impact="loyalty",
        owner_team="المبيعات", emotion="reassured", targets={"first_response_min": 15}),
    _tp("cart", "purchase", "سلة المشتريات", "سبد خرید", "Cart", "web", "Product Added", purpose="sell",
        impact="repeat_purchase", owner_team="المنتج الرقمي", emotion="in_control"),
    _tp("checkout", "purchase", "إتمام الطلب", "تکمیل سفارش", "Checkout", "web", "Checkout Started", purpose="sell",
        impact="repeat_purchase", owner_team="المنتج الرقمي", emotion="confident", targets={"csat": 4.3, "ces": 5.5}),
    _tp("payment", "purchase", "الدفع (مدى، Apple Pay، تابي، الدفع عند الاستلام)", "پرداخت", "Payment", "web",
        "Order Completed", purpose="receive_payment", impact="repeat_purchase", owner_team="المالية",
        emotion="secure", targets={"csat": 4.4}),
    _tp("order_confirmation", "delivery", "رسالة تأكيد الطلب", "پیامک تأیید سفارش", "Order confirmation SMS",
        "sms", "Order Confirmation Sent", purpose="inform", impact="loyalty", owner_team="العمليات",
        emotion="reassured"),
    _tp("tracking", "delivery", "تتبع الشحنة", "پیگیری مرسوله", "Shipment tracking", "app", "Shipment Tracked",
        purpose="inform", impact="loyalty", owner_team="العمليات", emotion="in_control"),
    _tp("courier", "delivery", "التوصيل بالمندوب", "تحویل توسط پیک", "Courier delivery", "delivery",
        "Order Delivered", purpose="deliver", impact="repeat_purchase", owner_team="الخدمات اللوجستية",
        emotion="delighted", targets={"csat": 4.3, "on_time_share": 0.9}),
    _tp("call_centre", "support", "مركز الاتصال", "مرکز تماس", "Call centre", "call_centre", "Support Call",
        purpose="support", impact="loyalty", owner_team="خدمة العملاء", emotion="heard",
        targets={"ces": 5.5, "first_response_min": 5, "resolution_h": 24}),
    _tp("support_chat", "support", "الدعم عبر واتساب والمحادثة", "پشتیبانی واتساپ و گفتگو", "WhatsApp and chat support",
        "whatsapp", "Support Chat Started", purpose="support", impact="loyalty", owner_team="خدمة العملاء",
        emotion="heard", targets={"ces": 5.5, "first_response_min": 10, "resolution_h": 24}),
    _tp("returns", "support", "الإرجاع والاسترداد", "مرجوعی و بازپرداخت", "Returns and refunds", "web",
        "Return Requested", purpose="retain", impact="loyalty", owner_team="العمليات", emotion="treated_fairly",
        targets={"resolution_h": 72}),
    _tp("loyalty_points", "loyalty", "برنامة نقاط الولاء", "باشگاه امتیاز وفاداری", "Loyalty points programme", "app",
        "Points Redeemed", purpose="retain", impact="repeat_purchase", owner_team="الولاء", emotion="valued"),
    _tp("reviews", "loyalty", "تقييمات المنتجات", "نقد و امتیاز محصولات", "Product reviews", "web",
        "Review Submitted", purpose="retain", impact="referral", owner_team="تجربة العملاء", emotion="heard"),
    _tp("newsletter", "loyalty", "النشرة البريدية والعروض", "خبرنامه و پیشنهادها", "Newsletter and offers", "email",
        "Email Opened", direct=True, purpose="retain", impact="repeat_purchase", owner_team="التسويق الرقمي",
        emotion="valued"),
]

TOUCHPOINT_INDEX = {t.key: i for i, t in enumerate(TOUCHPOINTS)}
