"""Platform payloads and feeds read into mentions: fields, times in UTC, all-or-nothing errors naming the item."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from tajriba.errors import Invalid
from tajriba.social import connectors, feeds

PAYLOADS = Path(__file__).parent / "payloads"


def load(name: str) -> object:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def test_x_v2_search_with_authors_metrics_and_replies() -> None:
    ms = connectors.parse(load("x_search.json"), "x")
    assert len(ms) == 3
    first, reply, english = ms
    assert first.url == "https://x.com/saudi_deals_hub/status/1862107748912345678"
    assert first.author_followers == 480211 and first.author_verified is True
    assert (first.likes, first.shares, first.replies, first.views) == (230, 44, 12, 18211)
    assert first.created_at == datetime(2025, 11, 28, 19, 12, 4) and first.language == "ar"
    assert reply.reply_to == "1862107748912345678" and reply.author_handle == "u_2244"
    assert english.views is None and english.author_handle is None  # its author is not in includes
    assert english.url == "https://x.com/i/status/1862110000000000001"
    assert connectors.parse({"meta": {"result_count": 0}}, "x") == []


def test_instagram_tiktok_youtube_app_store_google() -> None:
    ig = connectors.parse(load("instagram_comments.json"), "instagram")
    assert [m.author_handle for m in ig] == ["reem.k", "sara_88", "noura"]
    assert ig[1].reply_to == "17858893269000001" and ig[0].url == "https://www.instagram.com/p/DCx1abcXYZ/"
    tt = connectors.parse(load("tiktok_comments.json"), "tiktok")
    assert tt[0].created_at == datetime(2024, 12, 1, 8, 0) and tt[0].reply_to == "7312345678901234"
    assert tt[1].reply_to == "7445566778899001" and tt[1].likes == 8
    yt = connectors.parse(load("youtube_comment_threads.json"), "youtube")
    assert yt[0].text == 'تجربتي مع "نخلة" كانت ممتازة' and yt[0].replies == 1
    assert (
        yt[0].url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzTop1"
        and yt[0].author_handle == "@ahmad"
    )
    assert yt[1].reply_to == "UgzTop1"
    ap = connectors.parse(load("app_store_reviews.json"), "app_store")
    assert (
        ap[0].rating == 1
        and ap[0].title == "التطبيق يعلق"
        and ap[0].created_at == datetime(2025, 12, 3, 15, 10)
    )
    gr = connectors.parse(load("google_reviews.json"), "google_reviews")
    assert [m.rating for m in gr] == [2.0, 5.0] and gr[0].author_name == "Khalid"
    play = connectors.parse((PAYLOADS / "google_play_reviews.csv").read_bytes(), "google_play")
    assert [m.rating for m in play] == [1.0, 5.0] and play[1].language == "en"
    assert play[0].created_at == datetime(2025, 12, 1, 10, 0) and play[0].external_id == "gp:AOqpTOE1"


def test_a_bad_item_refuses_the_whole_payload_naming_it() -> None:
    payload = load("x_search.json")
    payload["data"][1]["created_at"] = "yesterday"  # type: ignore[index]
    payload["data"][2]["text"] = ""  # type: ignore[index]
    with pytest.raises(Invalid) as e:
        connectors.parse(payload, "x")
    message = e.value.message
    assert "2 of the mentions" in message and "item 1, created_at" in message and "item 2, text" in message
    assert e.value.field == "mentions[1].created_at"
    with pytest.raises(Invalid, match="item 0, created_at: Input should be a valid datetime"):
        connectors.parse({"mentions": [{"text": "hi", "created_at": "soon"}]}, "tajriba")
    with pytest.raises(Invalid, match="followers"):
        connectors.parse(
            {"mentions": [{"text": "hi", "created_at": "2025-01-01T00:00:00Z", "author": {"followers": -3}}]},
            "tajriba",
        )
    with pytest.raises(Invalid, match="lacks the columns"):
        connectors.parse(b"a,b\n1,2\n", "google_play")
    with pytest.raises(Invalid, match="unknown format"):
        connectors.parse({}, "myspace")


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>أخبار التجارة</title><language>ar-sa</language>
<item><title>متجر نخلة يتوسع في جدة</title><link>https://news.example.sa/2025/12/nakhla</link>
<description>&lt;p&gt;أعلن &lt;b&gt;متجر نخلة&lt;/b&gt; عن افتتاح مستودع جديد&lt;/p&gt;</description>
<pubDate>Tue, 02 Dec 2025 09:30:00 +0300</pubDate><guid>nakhla-1</guid></item>
<item><title>تأخر الشحنات في موسم التخفيضات</title><link>https://news.example.sa/2025/12/delays</link>
<description>شكاوى من تأخر التوصيل</description></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:b</id><updated>2025-12-02T10:00:00Z</updated>
<entry><title>Review: Nakhla's app</title><link href="https://blog.example.com/nakhla-app"/><id>urn:e1</id>
<updated>2025-12-02T10:00:00Z</updated><summary>Checkout is fast; delivery was late.</summary></entry></feed>"""


def test_rss_and_atom_with_arabic_titles() -> None:
    read = datetime(2025, 12, 5, 12, 0)
    ms = feeds.parse(RSS.encode(), read_at=read)
    assert [m.title for m in ms] == ["متجر نخلة يتوسع في جدة", "تأخر الشحنات في موسم التخفيضات"]
    assert ms[0].text == "متجر نخلة يتوسع في جدة. أعلن متجر نخلة عن افتتاح مستودع جديد"
    assert ms[0].created_at == datetime(2025, 12, 2, 6, 30) and ms[0].language == "ar"
    assert ms[1].created_at == read  # no date: the time it was read
    atom = feeds.parse(ATOM.encode(), read_at=read)
    assert atom[0].url == "https://blog.example.com/nakhla-app" and atom[0].platform == "news"
    assert atom[0].created_at == datetime(2025, 12, 2, 10, 0)


def test_broken_feeds_are_refused_whole() -> None:
    broken = RSS.replace("</item>\n<item>", "</itm>\n<item>", 1)
    with pytest.raises(Invalid, match="not well-formed XML") as e:
        feeds.parse(broken.encode())
    assert e.value.code == "broken_feed"
    with pytest.raises(Invalid, match="not an RSS or Atom feed"):
        feeds.parse(b"<html><body>hello</body></html>")
    no_link = RSS.replace("<link>https://news.example.sa/2025/12/delays</link>", "")
    with pytest.raises(Invalid, match="item 1, link"):
        feeds.parse(no_link.encode())


def test_the_documented_schema_is_the_models() -> None:
    from tajriba.social.schemas import MentionBatch

    doc = json.loads(
        (Path(__file__).parents[2] / "docs" / "schemas" / "social-mention.schema.json").read_text()
    )
    assert doc["$defs"] == MentionBatch.model_json_schema()["$defs"]
    assert doc["properties"] == MentionBatch.model_json_schema()["properties"]
