"""Queries: Arabic spelling variants, clitics, Persian letters, hashtags, handles, exclusions and Arabizi; near-
duplicate fingerprints; canonical URLs."""

from __future__ import annotations

from types import SimpleNamespace

from tajriba.social import matching
from tajriba.social.connectors import Mention
from tajriba.social.mentions import canonical_url, mention_id


def q(i: int, **kw: object) -> matching.Compiled:
    fields = {"keywords": [], "hashtags": [], "handles": [], "exclusions": [], "languages": []} | kw
    return matching.compile_query(SimpleNamespace(id=i, **fields))


NAKHLA = q(1, keywords=["متجر نخلة", "نخلة", "nakhla"], hashtags=["#متجر_نخلة"], handles=["@nakhlastore"],
           exclusions=["نخلة التمر"])  # fmt: skip
JARIR = q(2, keywords=["جرير"])
RAJHI = q(3, keywords=["الراجحي"])
AR_ONLY = q(4, keywords=["نخلة"], languages=["ar"])


def hits(text: str, author: str | None = None, language: str | None = None) -> list[int]:
    return matching.matches([NAKHLA, JARIR, RAJHI, AR_ONLY], text, author=author, language=language)


def test_spelling_variants_and_clitics() -> None:
    assert hits("طلبت من نخله أمس", language="ar") == [1, 4]  # ة written ه
    assert hits("طلبت من نخلـــة أمس") == [1]  # tatweel; the Arabic-only query needs the language
    assert hits("والنخلة؟") == []  # "the palm tree": a keyword without the article does not take it
    assert hits("وبنخلة ما في شي", language="ar") == [1, 4]  # و + ب clitics
    assert hits("فروشگاه نخله خیلی خوب بود", language="fa") == [1]  # Persian, not an Arabic-only query
    assert hits("للراجحي فرع جديد") == [3]  # لل + the article folded
    assert hits("الرّاجحي") == [3]  # shadda
    assert hits("نخلتين في الحديقة") == []  # another word
    assert hits("زرعت نخلة التمر في البيت") == []  # the exclusion
    assert hits("NAKHLA delivery was quick") == [1]
    assert hits("nakhlas") == []


def test_hashtags_and_handles() -> None:
    assert hits("اليوم #متجر_نخلة عنده عروض") == [1]
    assert hits("#متجر_نخله") == [1]  # folded hashtag
    assert hits("#نخلة_التمر_الذهبي") == []  # keyword inside the hashtag, then the exclusion's words
    assert hits("thanks @nakhlastore") == [1]
    assert hits("a reply", author="nakhlastore") == [1]


def test_arabizi_by_consonant_skeleton() -> None:
    assert hits("na5la el tawseel ta2akhar") == [1]  # خ as 5
    assert hits("nakhla w jarir") == [1, 2]
    assert hits("garir 3ndhom 3rood") == [2]  # Egyptian ج as g
    assert hits("raj7i bank") == [3]  # ح as 7, the article dropped
    assert hits("el rajhi") == [3]
    assert hits("the jury arrived") == []  # j-r-y: y is no consonant class, so no r-r
    assert matching.skeleton_arabic("الراجحي") == matching.skeleton_latin("alrajhi") == "rjh"


def test_keys_and_fingerprints() -> None:
    assert matching.keys([4, 1]) == "|1|4|" and matching.keys([]) is None
    a = matching.fingerprint("RT @x: والله المندوب ما جاء للحين!! https://t.co/abc")
    b = matching.fingerprint("والله المندوب ما جاء للحيـــن 😡")
    assert a is not None and a == b
    assert matching.fingerprint("شكرا جزيلا") is None  # too short to call a copy
    assert matching.fingerprint("the courier never came today") != matching.fingerprint(
        "the courier came today"
    )


def test_urls_name_one_post() -> None:
    assert canonical_url("http://twitter.com/u/status/1?s=20&t=abc#x") == "https://x.com/u/status/1"
    assert canonical_url("https://www.Instagram.com/p/abc/?utm_source=ig") == "https://instagram.com/p/abc"
    assert canonical_url("https://news.example.sa/a?id=7") == "https://news.example.sa/a?id=7"
    from datetime import datetime

    at = datetime(2025, 1, 1)
    one = Mention(platform="x", text="a", created_at=at, url="https://x.com/u/status/1?s=20")
    two = Mention(platform="web", text="b", created_at=at, url="https://twitter.com/u/status/1")
    assert mention_id(one) == mention_id(two)
    three = Mention(platform="app_store", text="c", created_at=at, external_id="9")
    assert mention_id(three) != mention_id(
        Mention(platform="google", text="c", created_at=at, external_id="9")
    )
