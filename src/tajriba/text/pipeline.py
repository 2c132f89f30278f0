"""The enrichment pipeline: language -> normalisation -> sentiment (text and clause) -> topics -> PII.

`analyze(texts)` takes a batch and returns one `Analysis` per text, in order. Sentiment models are
chosen per language (Arabic, including Arabizi; Persian; English; anything else is scored by the
English model and marked by its language "other"). A text is "mixed" when one of its clauses is
confidently positive and another confidently negative. A topic's sentiment is the mean probability
over the clauses that mention it (the whole text when it spans clauses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tajriba.text import langid, models, pii
from tajriba.text.normalize import fold
from tajriba.text.topics import Taxonomy
from tajriba.text.topics import default as default_taxonomy

SENTIMENT_MODELS = {"ar": "sentiment_ar", "fa": "sentiment_fa", "en": "sentiment_en", "other": "sentiment_en"}
MIXED_THRESHOLD = 0.6
# clause boundaries: sentence punctuation, and contrast words written as they read after fold()
# (Persian ولی folds to ولي, إلا أن to الا ان)
CONTRAST_WORDS = (
    "لكن",
    "ولكن",
    "بس",
    "إلا أن",
    "غير أن",
    "اما",
    "ولی",
    "ولي",
    "but",
    "however",
    "although",
    "though",
)
_CLAUSE = re.compile(
    r"[.!?؟؛;\n…]+|\s(?:"
    + "|".join(sorted({re.escape(fold(w)) for w in CONTRAST_WORDS}, key=len, reverse=True))
    + r")\s",
    re.IGNORECASE,
)


@dataclass
class Analysis:
    language: str
    dialect: str | None
    dialect_score: float | None
    sentiment: str
    probabilities: dict[str, float]
    topics: list[dict[str, str]]
    pii: list[pii.Span]
    redacted: str
    arabizi: bool = False
    normalized: str = ""
    clauses: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The public contract of `tajriba text classify` and POST /api/v1/text/analyze."""
        return {
            "language": self.language,
            "dialect": self.dialect,
            "sentiment": self.sentiment,
            "probabilities": self.probabilities,
            "topics": self.topics,
            "pii": [s.as_dict() for s in self.pii],
            "redacted": self.redacted,
        }


def _units(
    languages: list[str], folded: list[str]
) -> tuple[dict[str, list[str]], list[tuple[str, int, list[tuple[int, int, int]]]]]:
    """Every text, and every clause of a text with more than one, in one batch per sentiment model; for each
    text its model, its own index in the batch and its clauses' (start, end, index)."""
    units: dict[str, list[str]] = {}
    where: list[tuple[str, int, list[tuple[int, int, int]]]] = []
    for language, f in zip(languages, folded, strict=True):
        model = SENTIMENT_MODELS[language]
        bucket = units.setdefault(model, [])
        whole = len(bucket)
        bucket.append(f)
        parts = clauses(f)
        spans = []
        if len(parts) > 1:
            for a, b in parts:
                spans.append((a, b, len(bucket)))
                bucket.append(f[a:b])
        where.append((model, whole, spans))
    return units, where


def _dialects(arabic: list[int], folded: list[str]) -> dict[int, tuple[str, float]]:
    """The dialect (and its probability) of each Arabic text, by the text's index."""
    if not arabic:
        return {}
    dm = models.load("dialect_ar")
    dp = dm.predict_proba([folded[i] for i in arabic])
    out = {}
    for row, i in enumerate(arabic):
        j = int(np.argmax(dp[row]))
        out[i] = (dm.classes[j], round(float(dp[row, j]), 3))
    return out


def _sentiment(p: np.ndarray, cls: tuple[str, ...], clause_info: list[dict[str, Any]]) -> str:
    """The text's sentiment; "mixed" when one clause is clearly positive and another clearly negative."""
    pos, neg = cls.index("positive"), cls.index("negative")
    if (
        clause_info
        and any(c["p"][pos] > MIXED_THRESHOLD for c in clause_info)
        and any(c["p"][neg] > MIXED_THRESHOLD for c in clause_info)
    ):
        return "mixed"
    return _label(p, cls)


def clauses(folded: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty clause of a folded text."""
    out, last = [], 0
    for m in _CLAUSE.finditer(folded):
        if folded[last : m.start()].strip():
            out.append((last, m.start()))
        last = m.end()
    if folded[last:].strip():
        out.append((last, len(folded)))
    return out


def _label(p: np.ndarray, classes: tuple[str, ...]) -> str:
    return classes[int(np.argmax(p))]


def analyze(
    texts: list[str], *, taxonomy: Taxonomy | None = None, with_clauses: bool = False
) -> list[Analysis]:
    """Enrich a batch of texts (see the module docstring)."""
    taxonomy = taxonomy or default_taxonomy()
    n = len(texts)
    if n == 0:
        return []
    # a lone surrogate (JSON allows "\\udbda") is no character: read it as U+FFFD like any broken byte
    texts = [t.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for t in texts]
    langs = langid.identify_batch(texts)
    folded = [fold(t) for t in texts]
    units, where = _units([lang.language for lang in langs], folded)
    probs = {name: models.load(name).predict_proba(batch) for name, batch in units.items()}
    classes = {name: models.load(name).classes for name in units}
    dialects = _dialects([i for i, lang in enumerate(langs) if lang.language == "ar"], folded)
    spans_pii = pii.detect_batch(texts)
    out = []
    for i in range(n):
        model, whole, units_of_text = where[i]
        cls = classes[model]
        p = probs[model][whole]
        clause_info = [
            {"start": a, "end": b, "sentiment": _label(probs[model][k], cls), "p": probs[model][k]}
            for a, b, k in units_of_text
        ]
        label = _sentiment(p, cls, clause_info)
        topic_out = []
        for key, found in taxonomy.spans(folded[i]).items():
            inside = [c["p"] for c in clause_info if any(c["start"] <= s and e <= c["end"] for s, e in found)]
            tp = np.mean(inside, axis=0) if inside else p
            topic_out.append({"topic": key, "sentiment": _label(tp, cls)})
        dialect = dialects.get(i)
        out.append(
            Analysis(
                language=langs[i].language,
                dialect=dialect[0] if dialect else None,
                dialect_score=dialect[1] if dialect else None,
                sentiment=label,
                probabilities={c: round(float(p[j]), 4) for j, c in enumerate(cls)},
                topics=topic_out,
                pii=spans_pii[i],
                redacted=pii.redact(texts[i], spans_pii[i]),
                arabizi=langs[i].arabizi,
                normalized=folded[i],
                clauses=[
                    {"start": c["start"], "end": c["end"], "sentiment": c["sentiment"]} for c in clause_info
                ]
                if with_clauses
                else [],
            )
        )
    return out
