"""The dashboard's numbers against an independent computation: pandas over the stored rows, and scipy's Wilson
interval for the shares."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from scipy import stats

from tajriba.social import service
from tajriba.social.connectors import Mention
from tajriba.social.schemas import QueryIn

WORDS = {
    "positive": ["التوصيل سريع والخدمة ممتازة", "great service, fast delivery", "تجربة رائعة شكرا"],
    "negative": ["الطلب تأخر والمندوب ما يرد", "terrible support, order late", "المنتج وصل مكسور"],
    "neutral": ["متى يبدأ العرض", "what time do you open", "هل يوجد فرع في جدة"],
}


class _Actor:
    def audit(self, *_a: object, **_k: object) -> None:
        pass


def test_overview_matches_pandas_and_scipy(app, db, ws) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(11)
    brands = {"Souqna": "سوقنا", "Rival": "منافس", "Other": "ثالث"}
    ids = {}
    for name, word in brands.items():
        kind = "brand" if name == "Souqna" else "competitor"
        ids[name] = service.create_query(
            db, workspace=ws, data=QueryIn(name=name, kind=kind, keywords=[word]), actor=_Actor()
        ).id
    items = []
    for i in range(300):
        named = rng.sample(list(brands.values()), rng.choice([0, 1, 1, 1, 2]))
        mood = rng.choice(list(WORDS))
        text = " ".join(named) + " " + rng.choice(WORDS[mood]) + f" {i}"
        items.append(Mention(platform=rng.choice(["x", "instagram", "news"]), text=text,
                             url=f"https://x.com/u/status/{i}", created_at=datetime(2026, 5, 1) + timedelta(hours=7 * i),
                             author_handle=f"u{i % 40}", author_followers=rng.randint(0, 5000)))  # fmt: skip
    wh = app.state.warehouse
    assert service.take(db, wh, workspace=ws, items=items, now=datetime(2026, 7, 1)).stored == 300
    db.commit()
    got = service.overview(db, wh, workspace=ws, start=date(2026, 5, 1), end=date(2026, 7, 1))
    rows = wh.frame(
        "SELECT m.mention_id, m.created_at, m.query_keys, m.platform, m.reach, e.sentiment FROM social_mentions m "
        "JOIN text_enrichments e ON e.source = 'mention' AND e.source_id = m.mention_id"
    )
    local = pd.to_datetime(rows["created_at"]).dt.tz_localize("UTC").dt.tz_convert("Asia/Riyadh")
    rows = rows[(local >= "2026-05-01") & (local < "2026-07-01")]
    assert got["totals"]["all"] == len(rows)
    for v in got["voice"]:
        mine = rows[rows["query_keys"].fillna("").str.contains(f"|{v['query_id']}|", regex=False)]
        assert v["mentions"] == len(mine)
        neg = int((mine["sentiment"] == "negative").sum())
        ci = stats.binomtest(neg, len(mine)).proportion_ci(confidence_level=0.95, method="wilson")
        assert v["negative"]["value"] == pytest.approx(neg / len(mine))
        assert (v["negative"]["low"], v["negative"]["high"]) == pytest.approx((ci.low, ci.high), abs=1e-9)
        total = sum(w["mentions"] for w in got["voice"])
        share = stats.binomtest(len(mine), total).proportion_ci(confidence_level=0.95, method="wilson")
        assert (v["share"]["low"], v["share"]["high"]) == pytest.approx((share.low, share.high), abs=1e-9)
    days = (
        local[(local >= "2026-05-01") & (local < "2026-07-01")]
        .dt.date.astype(str)
        .value_counts()
        .sort_index()
    )
    assert (
        dict(zip(got["volume"]["periods"], got["volume"]["series"][0]["counts"], strict=True))
        == days.to_dict()
    )
    platforms = rows["platform"].value_counts().to_dict()
    assert {p["key"]: p["mentions"] for p in got["platforms"]} == platforms
    assert got["totals"]["reach"] == int(rows["reach"].sum())
