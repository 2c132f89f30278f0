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
