"""The pipeline: clauses, mixed sentiment and per-topic sentiment in the three languages."""

from __future__ import annotations

import pytest

from tajriba.text.normalize import fold
from tajriba.text.pipeline import analyze, clauses


@pytest.mark.parametrize(
    "text",
    [
        "الأكل لذيذ جدا لكن التوصيل سيء جدا",
        "The food was delicious, but the delivery was terrible.",
        "غذا خیلی خوشمزه بود ولی پیک خیلی بد بود",  # ولی after fold is ولي
    ],
)
def test_praise_then_complaint_is_mixed_and_the_topic_takes_its_clause(text: str) -> None:
    result = analyze([text], with_clauses=True)[0]
    assert [c["sentiment"] for c in result.clauses] == ["positive", "negative"]
    assert result.sentiment == "mixed"
    assert {"topic": "delivery", "sentiment": "negative"} in result.topics


def test_clauses_split_at_punctuation_and_contrast_words_only() -> None:
    folded = fold("Great app. Fast delivery! But the price، however, is high")
    parts = [folded[a:b].strip() for a, b in clauses(folded)]
    assert parts == ["great app", "fast delivery", "the price، however, is high"]
    assert clauses("") == [] and clauses("...") == []
    assert analyze([]) == []


def test_complaint_and_praise_exclude_each_other_within_one_clause() -> None:
    import numpy as np

    from tajriba.text.pipeline import exclusive

    q = np.array([[0.8, 0.8, 0.3], [0.9, 0.1, 0.6], [0.2, 0.0, 0.9]])
    out = exclusive(q)
    # q_c (1 - q_p) / (1 - q_c q_p), by hand: 0.16 / 0.36, 0.81 / 0.91, 0.2 / 1
    np.testing.assert_allclose(out[:, 0], [0.16 / 0.36, 0.81 / 0.91, 0.2], rtol=1e-6)
    np.testing.assert_allclose(out[:, 1], [0.16 / 0.36, 0.01 / 0.91, 0.0], atol=1e-9)
    np.testing.assert_array_equal(out[:, 2], q[:, 2])  # other intents untouched


def test_each_intent_threshold_moves_to_one_half() -> None:
    import numpy as np

    from tajriba.text.pipeline import at_half

    q = np.array([[0.35, 0.5], [0.2, 0.9]])
    out = at_half(q, np.array([0.35, 0.5]))
    assert abs(out[0, 0] - 0.5) < 1e-9 and abs(out[0, 1] - 0.5) < 1e-9
    # log-odds shift by hand: logit(0.2) - logit(0.35) = log(0.25) - log(0.35 / 0.65)
    expected = 1 / (1 + np.exp(-(np.log(0.25) - np.log(0.35 / 0.65))))
    assert abs(out[1, 0] - expected) < 1e-9 and abs(out[1, 1] - 0.9) < 1e-9
    assert at_half(q, None) is q


@pytest.mark.parametrize(
    ("text", "intents", "aspects"),
    [
        ("delivery was late but the product is great", {"complaint", "praise"},
         {"delivery": "negative", "quality": "positive"}),
        ("التوصيل تأخر بس المنتج ممتاز", {"complaint", "praise"}, {"delivery": "negative", "quality": "positive"}),
        ("أبي أسترجع فلوسي، المنتج وصل خربان", {"complaint", "request_refund"}, {"quality": "negative"}),
        ("where is my order?", {"question"}, {}),
    ],
)  # fmt: skip
def test_intents_per_clause_and_aspect_polarity(text: str, intents: set, aspects: dict) -> None:  # type: ignore[type-arg]
    result = analyze([text])[0]
    assert set(result.intent_labels) == intents
    found = {a["aspect"]: a["sentiment"] for a in result.aspects}
    assert {k: found.get(k) for k in aspects} == aspects
    # topics carry the same polarity (pain points and trends read them)
    assert all({"topic": k, "sentiment": v} in result.topics for k, v in aspects.items())
