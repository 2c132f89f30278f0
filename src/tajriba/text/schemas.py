"""What the text API reads (texts to analyse) and answers: analyses, the feedback explorer, topic summaries,
pain points, topic trends, emerging clusters, the workspace's taxonomy and reprocessing."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tajriba.i18n import N_
from tajriba.text.intents import Intent as Intent
from tajriba.web.answers import Answer

MAX_TEXTS = 1000


class AnalyzeIn(BaseModel):
    text: str | None = Field(None, description="One text; or use texts")
    texts: list[str] | None = Field(None, description=f"Up to {MAX_TEXTS} texts, answered in order")
    encoder: bool = Field(
        False,
        description="Also read intents with the sentence encoder: more accurate, about 25 short texts/s",
    )


class TopicMention(Answer):
    """A topic a text mentions and the sentiment of the clause that mentions it."""

    topic: str
    sentiment: str


class PiiSpan(Answer):
    """Personal data found at [start, end) of the text (characters)."""

    type: str
    start: int
    end: int


class AspectMention(Answer):
    """An aspect (a topic) the text judges: the polarity of the clauses that mention it (a complaint about it
    is negative, praise positive) and those clauses' intents."""

    aspect: str
    sentiment: str
    intents: list[str]


class AnalysisRead(Answer):
    language: str
    dialect: str | None
    sentiment: str
    probabilities: dict[str, float]
    intents: list[str] = Field(
        description="complaint, praise, question, request_refund, request_cancel, "
        "request_change, request_contact, suggestion: those with probability >= 0.5"
    )
    intent_probabilities: dict[str, float]
    aspects: list[AspectMention]
    topics: list[TopicMention]
    pii: list[PiiSpan]
    redacted: str


class AnalysesRead(Answer):
    """One analysis per text sent, in order, with the versions of the model and taxonomy that made them."""

    model_version: str
    taxonomy_version: str
    results: list[AnalysisRead]


class FeedbackItem(Answer):
    """A stored text (redacted) with its analysis."""

    source: str
    source_id: str
    origin: str | None
    touchpoint_id: int | None
    channel: str | None
    created_at: datetime | None
    redacted: str | None
    language: str | None
    dialect: str | None
    sentiment: str | None
    p_positive: float | None
    p_negative: float | None
    intents: list[str] = Field(default_factory=list, description="intents found (complaint, question...)")
    topics: list[TopicMention]
    pii_count: int | None


class FeedbackRead(Answer):
    total: int
    by_sentiment: dict[str, int]
    complaints: int = Field(description="how many of the matching texts are complaints")
    items: list[FeedbackItem]


class TopicCount(Answer):
    """Mentions of a topic and the shares of them that are negative and positive."""

    topic: str
    n: int
    negative: float | None
    positive: float | None


class TopicsRead(Answer):
    topics: list[TopicCount]


class PainPoint(Answer):
    """One of a touchpoint's most negative topics, with up to two example quotes (redacted)."""

    touchpoint_id: int
    topic: str
    mentions: int
    negative: float
    negative_share: float | None
    quotes: list[str]


class PainPointsRead(Answer):
    pain_points: list[PainPoint]


class TopicSeries(Answer):
    """Mentions of a topic per period (the answer's `periods`), and the negative ones."""

    topic: str
    counts: list[int]
    negative: list[int]


class TopicTrendRead(Answer):
    periods: list[str]
    series: list[TopicSeries]


class Cluster(Answer):
    """Texts no topic matched that belong together: a label from its top terms, its size and examples."""

    label: str
    terms: list[str]
    size: int
    examples: list[str]


class EmergingRead(Answer):
    clusters: list[Cluster]


class TopicRead(Answer):
    key: str
    names: dict[str, str]
    keywords: dict[str, list[str]]
    patterns: list[str]


class TaxonomyRead(Answer):
    version: str
    topics: list[TopicRead]


class ReprocessRead(Answer):
    """Texts waiting for enrichment, and the queued job (none when nothing is pending)."""

    pending: int
    job_id: int | None


# the Arabic dialect groups the pipeline tells apart, as people read them
DIALECT_NAMES = {
    "msa": N_("Modern Standard Arabic"),
    "gulf": N_("Gulf"),
    "egyptian": N_("Egyptian"),
    "levantine": N_("Levantine"),
    "maghrebi": N_("Maghrebi"),
}
