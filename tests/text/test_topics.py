"""Topic rules in Arabic, Persian and English; workspace edits; emerging-topic discovery."""

from __future__ import annotations

import pytest

from tajriba.errors import Invalid
from tajriba.text.normalize import fold
from tajriba.text.topics import default, discover, for_workspace, parse


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("التوصيل تأخر والمندوب ما رد علينا", {"delivery", "communication"}),
        ("وبالتوصيل السريع", {"delivery"}),  # clitics before the keyword
        ("الأسعار غالية مرة", {"price"}),  # alef variant and suffix
        ("الموظفة كانت محترمة جداً", {"staff"}),
        ("ما في مقاس متوفر", {"availability"}),
        ("پیک خیلی دیر رسید و غذا سرد بود", {"delivery", "quality"}),
        ("قیمت‌ها گران است", {"price"}),  # ZWNJ before a suffix
        ("پشتیبانی جواب نداد", {"staff", "communication"}),
        ("The driver delivered it late", {"delivery"}),
        ("Way too expensive for the quality", {"price", "quality"}),
        ("The app keeps crashing at checkout", {"website_app", "payment"}),
        ("I want a refund", {"returns"}),
        ("دیروز رفتم", set()),  # "دیر" (late) is not a prefix of "دیروز" (yesterday)
        ("apple pie", set()),  # "app" matches only the whole word
    ],
)
def test_shipped_taxonomy_matches(text: str, topics: set[str]) -> None:
    assert set(default().match(fold(text))) == topics


def test_every_shipped_topic_is_named_and_has_keywords_in_three_languages() -> None:
    taxonomy = default()
    assert len(taxonomy.topics) >= 11
    for t in taxonomy.topics:
        assert set(t.names) == {"ar", "fa", "en"}
        assert all(t.keywords.get(lang) for lang in ("ar", "fa", "en")), t.key


def test_workspace_taxonomy_adds_topics_patterns_and_a_content_version() -> None:
    data = default().as_dict()
    data["topics"].append(
        {
            "key": "parking",
            "names": {"en": "Parking", "ar": "المواقف"},
            "keywords": {"ar": ["مواقف"], "en": ["parking*"]},
            "patterns": [r"\bp\d\b"],
        }
    )
    ws = for_workspace({"taxonomy": data})
    assert ws.version.startswith("ws-") and ws.version != default().version
    assert "parking" in ws.match(fold("ما فيه مواقف للسيارات"))
    assert "parking" in ws.match(fold("level P2 was full"))
    assert for_workspace({"taxonomy": data}).version == ws.version  # same content, same version
    assert for_workspace({}).version == default().version


@pytest.mark.parametrize(
    ("topics", "message"),
    [
        ([{"key": "Bad Key", "names": {"en": "x"}}], "topics[0].key"),
        ([{"key": "a1", "names": {"en": "x"}}, {"key": "a1", "names": {"en": "y"}}], "appears twice"),
        ([{"key": "ok", "names": {}}], "topics[0].names"),
        ([{"key": "ok", "names": {"en": "x"}, "keywords": {"de": ["x"]}}], "unknown language 'de'"),
        ([{"key": "ok", "names": {"en": "x"}, "patterns": ["(unclosed"]}], "topics[0].patterns[0]"),
    ],
)
def test_bad_taxonomies_are_named_by_topic_and_field(topics: list, message: str) -> None:
    with pytest.raises(Invalid) as err:
        parse({"topics": topics})
    assert message in err.value.message


def test_discover_groups_similar_unmatched_texts_and_labels_them() -> None:
    texts = [
        "the parking lot was full again",
        "no parking spaces left near the branch",
        "parking full, had to leave",
    ] * 4 + [
        "prayer room closed during prayer time",
        "the prayer room was locked",
        "no prayer room open at maghrib",
    ] * 4
    clusters = discover(texts, k=2)
    assert len(clusters) == 2 and sum(c["size"] for c in clusters) == len(texts)
    labels = {c["terms"][0] for c in clusters}
    assert labels == {"parking", "prayer"}
    for c in clusters:
        assert len({"prayer" in texts[i] for i in c["members"]}) == 1  # each cluster is pure
    assert discover(["one"]) == []
    # words seen once are left out of the vocabulary, wherever they sort
    once = discover(
        [
            "aardvark parking full",
            "parking full zebra",
            "parking full again",
            "quiet prayer room",
            "prayer room locked",
            "prayer room closed",
        ],
        k=2,
    )
    assert sorted(tuple(sorted(c["terms"][:2])) for c in once) == [("full", "parking"), ("prayer", "room")]


def _alternation(words: list[str]) -> str:
    """The keywords as a plain alternation, longest first: what the trie must match like (the reference)."""
    import re

    from tajriba.text.topics import _ARABIC_SCRIPT, _SUFFIXES

    out = []
    for word in words:
        body = fold(word.rstrip("*"))
        regex = r"\s+".join(re.escape(part) for part in body.split())
        if word.endswith("*"):
            regex += r"\w*"
        elif _ARABIC_SCRIPT.search(body):
            regex += _SUFFIXES
        out.append(regex)
    return "|".join(out)


def test_the_keyword_trie_finds_the_same_spans_as_the_alternation(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The shipped taxonomy over every CX-set text and the topic examples: spans, topic and position, equal."""
    from tajriba.text import cxset, topics

    texts = [fold(e.text) for e in cxset.cx_set()] + [
        fold("Delivery was delayed, the courier didn't answer, refund please"),
        fold("الطلبيه وصلات ناقصه والليفرور ما جاوبش"),
        fold("پیک دیر رسید و کیفیت غذا بد بود"),
    ]
    tax = topics.default()
    trie = topics.Taxonomy(tax.topics, tax.version)
    monkeypatch.setattr(topics, "_trie_regex", _alternation)
    plain = topics.Taxonomy(tax.topics, tax.version)
    assert trie._keywords.pattern != plain._keywords.pattern  # type: ignore[union-attr]
    found = [trie.spans(t) for t in texts]
    assert found == [plain.spans(t) for t in texts]
    assert sum(map(len, found)) > 3000  # most texts mention a topic: the comparison is not of empty answers
