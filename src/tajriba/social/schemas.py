"""Social listening in and out: `/api/v1/social` (mentions, queries, sources, replies, the dashboard's numbers).

Size: the API's request and answer models and the labels people see, declarations only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tajriba.i18n import N_
from tajriba.web.answers import Answer

PLATFORM_LABELS = {
    "x": N_("X (Twitter)"),
    "instagram": N_("Instagram"),
    "tiktok": N_("TikTok"),
    "youtube": N_("YouTube"),
    "facebook": N_("Facebook"),
    "app_store": N_("App Store"),
    "google_play": N_("Google Play"),
    "google": N_("Google reviews"),
    "news": N_("News and blogs"),
    "web": N_("Web"),
}
KIND_LABELS = {"brand": N_("Our brand"), "competitor": N_("Competitor"), "topic": N_("Topic")}
SOURCE_KIND_LABELS = {"webhook": N_("Signed webhook"), "feed": N_("RSS or Atom feed")}
Platform = Literal[
    "x", "instagram", "tiktok", "youtube", "facebook", "app_store", "google_play", "google", "news", "web"
]
Count = Field(default=None, ge=0, le=10**13)
Words = list[str]


class AuthorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handle: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    followers: int | None = Count
    verified: bool | None = None


class EngagementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    likes: int | None = Count
    shares: int | None = Count
    replies: int | None = Count
    views: int | None = Count


class MentionIn(BaseModel):
    """One public mention (docs/social.md): `url` or `id` identifies it (the same URL twice is one mention)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, min_length=1, max_length=200)
    platform: Platform = "web"
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    text: str = Field(min_length=1, max_length=20_000)
    title: str | None = Field(default=None, max_length=500)
    language: str | None = Field(default=None, max_length=8)
    created_at: datetime
    author: AuthorIn | None = None
    engagement: EngagementIn | None = None
    rating: float | None = Field(default=None, ge=0, le=10)
    reply_to: str | None = Field(default=None, max_length=200)
    properties: dict[str, Any] | None = None


class MentionBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mentions: list[MentionIn] = Field(min_length=1, max_length=10_000)


class IngestRead(Answer):
    received: int
    stored: int
    duplicates: int
    near_duplicates: int
    cases_opened: int
    ids: list[str]


class MentionRead(Answer):
    mention_id: str
    platform: str
    url: str | None
    author_handle: str | None
    author_name: str | None
    author_followers: int | None
    title: str | None
    text: str  # redacted for roles without pii:read
    created_at: datetime
    likes: int | None
    shares: int | None
    replies: int | None
    views: int | None
    reach: int | None
    engagement: int | None
    rating: float | None
    reply_to: str | None
    queries: list[int]
    touchpoint_id: int | None
    language: str | None
    dialect: str | None
    sentiment: str | None
    p_negative: float | None
    topics: list[str]
    intents: list[str]
    pii_count: int | None


class MentionList(Answer):
    total: int
    limit: int
    offset: int
    mentions: list[MentionRead]


class QueryIn(BaseModel):
    """A brand, competitor or topic to listen for. At least one keyword, hashtag or handle."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    kind: Literal["brand", "competitor", "topic"] = "brand"
    keywords: Words = Field(default_factory=list, max_length=100)
    hashtags: Words = Field(default_factory=list, max_length=100)
    handles: Words = Field(default_factory=list, max_length=100)
    exclusions: Words = Field(default_factory=list, max_length=100)
    languages: list[Literal["ar", "fa", "en"]] = Field(default_factory=list)
    active: bool = True


class QueryRead(Answer):
    id: int
    name: str
    kind: str
    keywords: list[str]
    hashtags: list[str]
    handles: list[str]
    exclusions: list[str]
    languages: list[str]
    active: bool
    updated_at: datetime


class QueryList(Answer):
    queries: list[QueryRead]


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["webhook", "feed"]
    name: str = Field(min_length=1, max_length=200)
    platform: Platform = "news"
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    every_minutes: int = Field(default=30, ge=5, le=1440)


class SourceRead(Answer):
    id: int
    kind: str
    name: str
    platform: str
    key: str
    url: str | None
    secret: str | None  # shown once, when a webhook source is created
    every_minutes: int
    active: bool
    last_run_at: datetime | None
    last_status: str | None
    last_error: str | None
    stored: int


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000)
    case_id: int | None = None


class ReplyRead(Answer):
    id: int
    mention_id: str
    case_id: int | None
    text: str
    status: str
    created_at: datetime
    posted_at: datetime | None


class ReplyList(Answer):
    replies: list[ReplyRead]


class Interval(Answer):
    value: float | None
    low: float | None
    high: float | None
    n: int


class VoiceRead(Answer):
    query_id: int
    name: str
    kind: str
    mentions: int
    share: Interval
    positive: Interval
    negative: Interval
    net: Interval


class SpikeRead(Answer):
    series: str
    start: datetime
    end: datetime
    observed: int
    expected: float
    ratio: float | None
    p_value: float
    peak_hour: datetime
    negative_too: bool = False
    terms: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    examples: list[MentionRead]


class Overview(Answer):
    start: str
    end: str
    totals: dict[str, Any]
    voice: list[VoiceRead]
    volume: dict[str, Any]
    platforms: list[dict[str, Any]]
    dialects: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    authors: list[dict[str, Any]]
    engaged: list[MentionRead]


class SpikeList(Answer):
    query_id: int | None
    spikes: list[SpikeRead]
