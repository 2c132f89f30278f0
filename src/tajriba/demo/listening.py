"""The demo's social listening: the store (Nakhla) and two competitors (Sidra, Waha) mentioned over the demo year
on X, Instagram, TikTok, YouTube, the app stores, Google reviews and the news, in Gulf and Egyptian Arabic, MSA,
Arabizi, Persian and English, and a delivery failure on White Friday night that sets off a spike of complaints
(with retweets, which dedupe drops, and an influencer whose complaint opens a case).

Own random stream (seed + 25), so the rest of the demo is unchanged; volumes follow the store's daily demand
(sales peaks, Ramadan) and an hour-of-day rhythm that moves to the night in Ramadan."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from tajriba.audit import System
from tajriba.db.session import transaction
from tajriba.demo import texts
from tajriba.demo.world import DAYS, START, day_weights
from tajriba.models import Workspace
from tajriba.social import service
from tajriba.social.connectors import Mention
from tajriba.social.schemas import QueryIn, SourceIn
from tajriba.warehouse import Warehouse

BRANDS: dict[str, dict[str, Any]] = {
    "nakhla": {
        "query": QueryIn(name="Nakhla", kind="brand", keywords=["متجر نخلة", "نخلة", "nakhla", "na5la"],
                         hashtags=["#متجر_نخلة", "#نخلة"], handles=["@nakhlastore"], exclusions=["نخلة التمر", "زراعة النخيل"]),
        "ar": "متجر نخلة", "fa": "فروشگاه نخله", "en": "Nakhla", "tag": "#متجر_نخلة", "handle": "@nakhlastore",
        "arabizi": "na5la", "per_day": 20, "negative": 0.34,
    },
    "sidra": {
        "query": QueryIn(name="Sidra", kind="competitor", keywords=["سدرة", "sidra", "sedra"], hashtags=["#سدرة"]),
        "ar": "سدرة", "fa": "سدره", "en": "Sidra", "tag": "#سدرة", "handle": "@sidrashop",
        "arabizi": "sedra", "per_day": 14, "negative": 0.30,
    },
    "waha": {
        "query": QueryIn(name="Waha", kind="competitor", keywords=["واحة", "waha"], hashtags=["#واحة_للتسوق"]),
        "ar": "واحة", "fa": "واحه", "en": "Waha", "tag": "#واحة_للتسوق", "handle": "@wahamarket",
        "arabizi": "wa7a", "per_day": 9, "negative": 0.38,
    },
}  # fmt: skip
VARIETIES = (("gulf", 0.36), ("egyptian", 0.2), ("msa", 0.14), ("fa", 0.08), ("en", 0.17), ("arabizi", 0.05))
PLATFORMS = (("x", 0.42), ("instagram", 0.16), ("tiktok", 0.1), ("youtube", 0.05), ("google_play", 0.1),
             ("app_store", 0.05), ("google", 0.06), ("news", 0.06))  # fmt: skip
ARABIZI = {
    "positive": [
        "{b} wallah momtaz, el tawseel kan sarii3",
        "jarabt {b} w 3agabni kteer",
        "{b} ase3arhom 7elwa",
    ],
    "negative": [
        "{b} ta2akhar el tawseel {d} ayam",
        "{b} ma7ad yrod 3ala el jawal",
        "el tatbee8 ta3 {b} ye3'lag",
    ],
}
# where each topic's public mentions land on the demo journey (as the feedback posts of parts/social.py)
TOPIC_TOUCHPOINTS = {
    "delivery": "courier", "price": "product_page", "quality": "product_page", "staff": "call_centre",
    "website_app": "home", "payment": "payment", "returns": "returns", "waiting": "support_chat",
    "communication": "tracking", "packaging": "courier", "availability": "product_page", "offers": "social_ads",
}  # fmt: skip
WHITE_FRIDAY_FAILURE = datetime(2025, 11, 28, 19)  # local (Riyadh) evening the couriers stopped
FAILURE = {
    "open": ["", "والله ", "يا جماعة ", "صراحة ", "بجد ", "للأسف ", "الحين ", "ايش القصة؟ "],
    "clause": [
        "طلبات الجمعة البيضاء من {b} ما وصلت", "{b} الطلب متأخر وما فيه أي تحديث للتوصيل",
        "الشحنة من {b} معلقة من الصبح", "{b} ألغوا توصيل طلبي بدون ما يبلغوني", "{b} الطلب اتأخر والمندوب مش بيرد خالص",
        "المندوب حق {b} ما جاء ولا اتصل", "طلبي من {b} مكتوب تم الشحن وهو ما تحرك", "{b} التتبع واقف من أمس",
        "كل طلبات عروض {b} متأخرة", "{b} المندوب قال الطلب رجع للمستودع", "ما وصلني شي من {b} للحين",
        "{b} وعدوني بالتوصيل اليوم وما وصل",
    ],
    "more": ["", "", " وخدمة العملاء ما ترد", " والجوال مقفل", " وكلمتهم ثلاث مرات", " والعرض خلص",
             " وأبي فلوسي", " ومحد يعطينا جواب"],
    "close": ["", "", " 😡", " 💔", " 🙄", "!!", " الله يهديكم", " آخر مرة"],
}  # fmt: skip


def _hour_weights(ramadan: bool) -> np.ndarray:
    hours = np.arange(24)
    if ramadan:  # quiet afternoons, busy after iftar until suhoor
        w = 0.25 + np.exp(-(((hours - 22) % 24) ** 2) / 8) * 2 + np.exp(-((hours - 1) ** 2) / 4)
    else:
        w = 0.15 + np.exp(-((hours - 13) ** 2) / 18) + 1.3 * np.exp(-((hours - 21) ** 2) / 6)
    return w / w.sum()


class _Authors:
    def __init__(self, rng: random.Random, n: int = 4000) -> None:
        self.rng = rng
        self.handles = [f"user{i:04d}" for i in range(n)]
        self.followers = [int(min(rng.paretovariate(1.1) * 60, 400_000)) for _ in range(n)]
        self.followers[:12] = [rng.randint(80_000, 600_000) for _ in range(12)]  # influencers

    def pick(self) -> tuple[str, int]:
        i = min(int(self.rng.expovariate(1 / 900)), len(self.handles) - 1)
        return self.handles[i], self.followers[i]


def _text(
    rng: random.Random, brand: dict[str, Any], variety: str, polarity: str, topic: str
) -> tuple[str, str]:
    if variety == "arabizi":
        return rng.choice(ARABIZI[polarity]).format(b=brand["arabizi"], d=rng.randint(2, 6)), "ar"
    body = texts.compose(rng, variety=variety, polarity=polarity, topic=topic, days=rng.randint(2, 8))
    lang = texts.LANGUAGE_OF[variety]
    name = brand["en"] if lang == "en" else brand[lang]
    form = rng.random()
    if form < 0.4:
        return f"{name}: {body}", lang
    if form < 0.7:
        return f"{body} {brand['tag']}", lang
    if form < 0.85:
        return f"{brand['handle']} {body}", lang
    return f"{body} ({name})", lang


def _engagement(rng: random.Random, followers: int, polarity: str) -> tuple[int, int, int]:
    base = followers * rng.uniform(0.002, 0.02) * (1.6 if polarity == "negative" else 1.0)
    likes = int(base)
    return likes, int(base * rng.uniform(0.05, 0.3)), int(base * rng.uniform(0.02, 0.2))


def mentions(seed: int = 7, scale: float = 1.0) -> list[Mention]:
    """The demo year's mentions (UTC times)."""
    rng = random.Random(seed + 25)
    weights, ramadan = day_weights()
    weights = weights / weights.mean()
    authors = _Authors(rng)
    names = list(BRANDS)
    out: list[Mention] = []
    for d in range(DAYS):
        day = START.date() + timedelta(days=d)
        hours = _hour_weights(bool(ramadan[d]))
        for key in names:
            brand = BRANDS[key]
            n = np.random.default_rng(seed * 1000 + d * 7 + names.index(key)).poisson(
                brand["per_day"] * scale * weights[d]
            )
            for _ in range(int(n)):
                out.append(_one(rng, brand, day, hours, authors))
    out += _failure(rng, authors, scale)
    return out


def _one(
    rng: random.Random, brand: dict[str, Any], day: date, hours: np.ndarray, authors: _Authors
) -> Mention:
    variety = rng.choices([v for v, _ in VARIETIES], [w for _, w in VARIETIES])[0]
    polarity = "negative" if rng.random() < brand["negative"] else "positive"
    topic = rng.choice(texts.TOPICS)
    text, lang = _text(rng, brand, variety, polarity, topic)
    platform = rng.choices([p for p, _ in PLATFORMS], [w for _, w in PLATFORMS])[0]
    hour = int(rng.choices(range(24), hours.tolist())[0])
    local = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), rng.randint(0, 59))
    return _mention(rng, platform, text, lang, local, authors, polarity)


def _mention(
    rng: random.Random, platform: str, text: str, lang: str, local: datetime, authors: _Authors, polarity: str
) -> Mention:
    handle, followers = authors.pick()
    at = local - timedelta(hours=3)  # Riyadh is UTC+3 all year
    serial = rng.getrandbits(48)
    review = platform in ("google_play", "app_store", "google")
    likes, shares, replies = _engagement(rng, followers, polarity)
    stars = float(rng.choice([1, 2]) if polarity == "negative" else rng.choice([4, 5]))
    urls = {
        "x": f"https://x.com/{handle}/status/{serial}",
        "instagram": f"https://www.instagram.com/p/{serial:x}/",
        "tiktok": f"https://www.tiktok.com/@{handle}/video/{serial}",
        "youtube": f"https://www.youtube.com/watch?v={serial:x}&lc={serial}",
        "news": f"https://news.example.sa/{local:%Y/%m/%d}/{serial:x}",
    }
    return Mention(
        platform=platform,
        text=text,
        created_at=at,
        external_id=str(serial),
        url=urls.get(platform),
        author_handle=None if review or platform == "news" else handle,
        author_name=None,
        author_followers=None if review or platform == "news" else followers,
        language=lang,
        likes=None if review else likes,
        shares=None if review else shares,
        replies=None if review else replies,
        views=followers * rng.randint(2, 6) if platform in ("tiktok", "youtube") else None,
        rating=stars if review else None,
    )


def _failure(rng: random.Random, authors: _Authors, scale: float) -> list[Mention]:
    """White Friday night: the couriers' system fails; complaints pile up for about a day, many retweeted."""
    out: list[Mention] = []
    brand = BRANDS["nakhla"]
    for i in range(int(360 * scale)):
        local = WHITE_FRIDAY_FAILURE + timedelta(minutes=rng.expovariate(1 / 240))
        name = brand["en"] if i % 6 == 5 else rng.choice([brand["ar"], brand["tag"], brand["handle"]])
        text = "".join(rng.choice(FAILURE[part]) for part in ("open", "clause", "more", "close")).format(
            b=name
        )
        if i % 6 == 5:
            text = rng.choice(["White Friday order from {b} never arrived", "{b} delivery failed, nobody answers",
                               "Still waiting for my {b} White Friday order, tracking frozen"]).format(b=name)  # fmt: skip
        m = _mention(rng, "x", text, "ar", local, authors, "negative")
        out.append(m)
        if rng.random() < 0.25:  # a retweet: the same words, another account
            copy = _mention(
                rng,
                "x",
                "RT " + text,
                "ar",
                local + timedelta(minutes=rng.randint(1, 90)),
                authors,
                "negative",
            )
            out.append(copy)
    star = _mention(rng, "x", "@nakhlastore طلبي من الجمعة البيضاء ما وصل والمندوب ما يرد، وين خدمة العملاء؟ 😡",
                    "ar", WHITE_FRIDAY_FAILURE + timedelta(hours=2), authors, "negative")  # fmt: skip
    star.author_handle, star.author_followers = "saudi_deals_hub", 480_000
    return [*out, star]


def run(
    factory: sessionmaker[Session],
    warehouse: Warehouse,
    *,
    workspace_id: int,
    seed: int,
    scale: float,
    touchpoint_ids: dict[str, int],
) -> dict[str, Any]:
    """Queries, the topic map and a webhook source, then a year of mentions stored as a provider would send them."""
    from tajriba.demo.world import END

    actor = System("demo")
    with transaction(factory) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        for brand in BRANDS.values():
            service.create_query(session, workspace=workspace, data=brand["query"], actor=actor)
        mapping: dict[str, int | None] = {t: touchpoint_ids[k] for t, k in TOPIC_TOUCHPOINTS.items()}
        service.set_topic_touchpoints(
            session,
            workspace=workspace,
            mapping=mapping,
            touchpoint_ids=set(touchpoint_ids.values()),
            actor=actor,
        )
        service.create_source(
            session,
            workspace=workspace,
            data=SourceIn(kind="webhook", name="Listening provider", platform="x"),
            actor=actor,
        )
    items = sorted(mentions(seed, scale), key=lambda m: m.created_at)
    counts = {"mentions": 0, "mention_duplicates": 0, "social_cases": 0}
    for start in range(0, len(items), 5000):
        with transaction(factory) as session:
            workspace = session.get(Workspace, workspace_id)
            assert workspace is not None
            report = service.take(
                session, warehouse, workspace=workspace, items=items[start : start + 5000], now=END
            )
        counts["mentions"] += report.stored
        counts["mention_duplicates"] += report.duplicates + report.near_duplicates
        counts["social_cases"] += report.cases_opened
    return counts


__all__ = ["run", "mentions", "UTC"]
