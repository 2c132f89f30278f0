"""What the stories API answers: the strongest positive customer stories, best first."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from tajriba.web.answers import Answer


class StoryRead(Answer):
    """One story: the customer's words (redacted unless the reader may see personal data), the scores they
    gave with it, the staff it names, whether they agreed to be quoted, and its rank."""

    source: str
    source_id: str
    text: str
    language: str | None
    customer_id: str | None
    touchpoint_id: int | None
    channel: str | None
    origin: str | None
    created_at: datetime
    scores: str | None
    rating: float | None
    sentiment: str | None
    p_positive: float | None
    staff: list[str]
    consent: Literal["granted", "withdrawn", "not_asked"]
    rank: float


class StoriesRead(Answer):
    workspace: str
    candidates: int
    naming_staff: int
    stories: list[StoryRead]
