"""The enrichment pipeline: language -> normalisation -> sentiment and intents (text and clause) ->
aspects (topics with their polarity) -> PII.

`analyze(texts)` takes a batch and returns one `Analysis` per text, in order. Sentiment models are
chosen per language (Arabic, including Arabizi; Persian; English; anything else is scored by the
English model and marked by its language "other"); one intent model reads every language.

Intents (complaint, praise, question, four requests, suggestion) are independent probabilities, except
that complaint and praise exclude each other within one text or clause (`exclusive`); a text has an
intent when the whole text or one of its clauses has it with p >= 0.5. Each intent's decision threshold
is chosen after training (tajriba.text.train_cx) and the probabilities are shifted so that it falls at
0.5 (`at_half`). A text or clause with a question mark is a question (`asked`). A clause's polarity is
negative when it is a complaint (p >= 0.5, above praise), positive when it is praise, else its sentiment:
a complaint is negative however flat its tone ("the courier was three days late"). An aspect is a topic
the text mentions, with the polarity of the clauses that mention it (the whole text when it spans
clauses). A text is "mixed" when one clause is clearly negative and another clearly positive; a text the
sentiment model finds neutral but which is a complaint (or praise) and not the other is negative
(positive). The probabilities reported are the sentiment model's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tajriba.text import dialects, encoder, langid, models, pii
from tajriba.text.intents import INTENTS
from tajriba.text.normalize import fold
from tajriba.text.topics import Taxonomy
from tajriba.text.topics import default as default_taxonomy

SENTIMENT_MODELS = {"ar": "sentiment_ar", "fa": "sentiment_fa", "en": "sentiment_en", "other": "sentiment_en"}
MIXED_THRESHOLD = 0.6
INTENT_MODEL = "intent"
INTENT_THRESHOLD = 0.5
_COMPLAINT, _PRAISE, _QUESTION = (
    INTENTS.index("complaint"),
    INTENTS.index("praise"),
    INTENTS.index("question"),
)
QUESTION_MARK = 0.9
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
    intents: dict[str, float] = field(default_factory=dict)
    aspects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def intent_labels(self) -> list[str]:
        return [k for k, p in self.intents.items() if p >= INTENT_THRESHOLD]

    def as_dict(self) -> dict[str, Any]:
        """The public contract of `tajriba text classify` and POST /api/v1/text/analyze."""
        return {
            "language": self.language,
            "dialect": self.dialect,
            "sentiment": self.sentiment,
            "probabilities": self.probabilities,
            "intents": self.intent_labels,
            "intent_probabilities": self.intents,
            "aspects": self.aspects,
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


def _dialects(arabic: list[int], folded: list[str], model_dir: Path) -> dict[int, tuple[str, float]]:
    """The dialect (and its probability) of each Arabic text, by the text's index: the dialect model
    sharpened by marker words (tajriba.text.dialects)."""
    if not arabic:
        return {}
    dm = models.load("dialect_ar", model_dir)
    texts = [folded[i] for i in arabic]
    dp = dialects.sharpen(dm.predict_proba(texts), texts, dm.classes)
    out = {}
    for row, i in enumerate(arabic):
        j = int(np.argmax(dp[row]))
        out[i] = (dm.classes[j], round(float(dp[row, j]), 3))
    return out


def at_half(q: np.ndarray, thresholds: np.ndarray | None) -> np.ndarray:
    """Intent probabilities moved so that each intent's decision threshold falls at 0.5: the log-odds less
    the threshold's log-odds (a shift of the model's intercept), so every later rule reads p >= 0.5."""
    if thresholds is None:
        return q
    eps = 1e-6
    z = np.log(np.clip(q, eps, 1 - eps)) - np.log(np.clip(1 - q, eps, 1))
    t = np.clip(thresholds, eps, 1 - eps)
    return 1 / (1 + np.exp(-(z - np.log(t / (1 - t)))))


def asked(q: np.ndarray, folded: list[str]) -> np.ndarray:
    """A text or clause with a question mark (?, ؟) asks something: its question probability is at least
    QUESTION_MARK (the model alone misses questions worded unlike its training texts). It may still be a
    complaint too ("why is my order always late?")."""
    marked = np.fromiter(("?" in t or "؟" in t for t in folded), bool, len(folded))
    if marked.any():
        q = q.copy()
        q[marked, _QUESTION] = np.maximum(q[marked, _QUESTION], QUESTION_MARK)
    return q


def exclusive(q: np.ndarray) -> np.ndarray:
    """Intent probabilities with complaint and praise read as exclusive within one text or clause: each
    becomes its probability given that not both hold, q_c (1 - q_p) / (1 - q_c q_p). A clause rarely both
    praises and complains; a text that does has clauses that say each."""
    out = q.copy()
    c, r = q[:, _COMPLAINT], q[:, _PRAISE]
    both = np.maximum(1 - c * r, 1e-9)
    out[:, _COMPLAINT] = c * (1 - r) / both
    out[:, _PRAISE] = r * (1 - c) / both
    return out


def polarity(p: np.ndarray, q: np.ndarray, classes: tuple[str, ...]) -> str:
    """A clause's polarity from its sentiment `p` and intent probabilities `q` (see the module docstring)."""
    c, r = float(q[_COMPLAINT]), float(q[_PRAISE])
    if c >= INTENT_THRESHOLD and c >= r:
        return "negative"
    if r >= INTENT_THRESHOLD:
        return "positive"
    return _label(p, classes)


def _clear(p: np.ndarray, q: np.ndarray, classes: tuple[str, ...], side: str) -> bool:
    """Whether a clause is clearly `side` ("positive" or "negative"): by its intent or its sentiment."""
    if polarity(p, q, classes) != side:
        return False
    intent = _COMPLAINT if side == "negative" else _PRAISE
    return bool(q[intent] >= INTENT_THRESHOLD or p[classes.index(side)] > MIXED_THRESHOLD)


def _sentiment(p: np.ndarray, q: np.ndarray, cls: tuple[str, ...], clause_info: list[dict[str, Any]]) -> str:
    """The text's sentiment (see the module docstring)."""
    if any(_clear(c["p"], c["q"], cls, "positive") for c in clause_info) and any(
        _clear(c["p"], c["q"], cls, "negative") for c in clause_info
    ):
        return "mixed"
    label = _label(p, cls)
    if label == "neutral":
        c, r = q[_COMPLAINT] >= INTENT_THRESHOLD, q[_PRAISE] >= INTENT_THRESHOLD
        if c != r:
            return "negative" if c else "positive"
    return label


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


def _aspects(
    spans: dict[str, list[tuple[int, int]]],
    clause_info: list[dict[str, Any]],
    p: np.ndarray,
    q: np.ndarray,
    cls: tuple[str, ...],
) -> list[dict[str, Any]]:
    """Each topic the text mentions with the polarity and intents of the clauses that mention it."""
    out = []
    for key, found in spans.items():
        inside = [c for c in clause_info if any(c["start"] <= s and e <= c["end"] for s, e in found)]
        tp = np.mean([c["p"] for c in inside], axis=0) if inside else p
        tq = np.max([c["q"] for c in inside], axis=0) if inside else q
        intents = [INTENTS[j] for j in np.flatnonzero(tq >= INTENT_THRESHOLD)]
        out.append({"aspect": key, "sentiment": polarity(tp, tq, cls), "intents": intents})
    return out


def analyze(
    texts: list[str],
    *,
    taxonomy: Taxonomy | None = None,
    with_clauses: bool = False,
    model_dir: Path = models.MODEL_DIR,
    encoder_stage: bool = False,
) -> list[Analysis]:
    """Enrich a batch of texts (see the module docstring); `encoder_stage` adds the slower, more accurate
    reading of intents (tajriba.text.encoder)."""
    taxonomy = taxonomy or default_taxonomy()
    n = len(texts)
    if n == 0:
        return []
    # a lone surrogate (JSON allows "\\udbda") is no character: read it as U+FFFD like any broken byte
    texts = [t.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for t in texts]
    langs = langid.identify_batch(texts)
    folded = [fold(t) for t in texts]
    units, where = _units([lang.language for lang in langs], folded)
    intent_model = models.load(INTENT_MODEL, model_dir)
    probs, iprobs, classes = {}, {}, {}
    for name, batch in units.items():
        model = models.load(name, model_dir)
        probs[name], q = models.predict_together([model, intent_model], batch)
        thresholds = intent_model.thresholds
        if encoder_stage:
            q = (q + encoder.intents(batch, model_dir)) / 2
            thresholds = encoder.load(model_dir).thresholds
        iprobs[name] = asked(at_half(exclusive(q), thresholds), batch)
        classes[name] = model.classes
    dialect_of = _dialects([i for i, lang in enumerate(langs) if lang.language == "ar"], folded, model_dir)
    spans_pii = pii.detect_batch(texts)
    return [
        _result(i, texts[i], folded[i], langs[i], where[i], probs, iprobs, classes, dialect_of, spans_pii[i],
                taxonomy, with_clauses)
        for i in range(n)
    ]  # fmt: skip


def _result(
    i: int,
    text: str,
    folded: str,
    lang: langid.Language,
    where: tuple[str, int, list[tuple[int, int, int]]],
    probs: dict[str, np.ndarray],
    iprobs: dict[str, np.ndarray],
    classes: dict[str, tuple[str, ...]],
    dialect_of: dict[int, tuple[str, float]],
    spans_pii: list[pii.Span],
    taxonomy: Taxonomy,
    with_clauses: bool,
) -> Analysis:
    model, whole, units_of_text = where
    cls = classes[model]
    p, q = probs[model][whole], iprobs[model][whole]
    clause_info = [
        {"start": a, "end": b, "p": probs[model][k], "q": iprobs[model][k]} for a, b, k in units_of_text
    ]
    q_text = np.max([q, *(c["q"] for c in clause_info)], axis=0)
    aspects = _aspects(taxonomy.spans(folded), clause_info, p, q, cls)
    dialect = dialect_of.get(i)
    return Analysis(
        language=lang.language,
        dialect=dialect[0] if dialect else None,
        dialect_score=dialect[1] if dialect else None,
        sentiment=_sentiment(p, q_text, cls, clause_info),
        probabilities={c: round(float(p[j]), 4) for j, c in enumerate(cls)},
        topics=[{"topic": a["aspect"], "sentiment": a["sentiment"]} for a in aspects],
        pii=spans_pii,
        redacted=pii.redact(text, spans_pii),
        arabizi=lang.arabizi,
        normalized=folded,
        clauses=[
            {"start": c["start"], "end": c["end"], "sentiment": polarity(c["p"], c["q"], cls)}
            for c in clause_info
        ]
        if with_clauses
        else [],
        intents={name: round(float(q_text[j]), 4) for j, name in enumerate(INTENTS)},
        aspects=aspects,
    )
