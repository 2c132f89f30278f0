"""Mentions out of the payloads listening sources send or export, as plain rows (`Mention`).

Formats: `tajriba` (our JSON, docs/schemas/social-mention.schema.json), `x` (X API v2 search: `data` + `includes.users`),
`instagram` (Graph API comments or hashtag media), `tiktok` (Research API comments or videos), `youtube` (Data API
commentThreads), `app_store` (App Store Connect customerReviews), `google_play` (the Play Console's reviews CSV,
UTF-16 or UTF-8) and `google_reviews` (Business Profile reviews). A payload is all or nothing: one bad item and
the whole payload is refused, with every bad item named (its index and field), so nothing is half-stored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tajriba.errors import Invalid
from tajriba.i18n import _

PLATFORMS = (
    "x",
    "instagram",
    "tiktok",
    "youtube",
    "facebook",
    "app_store",
    "google_play",
    "google",
    "news",
    "web",
)
FORMATS = ("tajriba", "x", "instagram", "tiktok", "youtube", "app_store", "google_play", "google_reviews")
MAX_ITEMS = 10_000
MAX_TEXT = 20_000
MAX_COUNT = 10**13  # followers, likes, views: no account has more


@dataclass
class Mention:
    platform: str
    text: str
    created_at: datetime  # UTC, naive
    external_id: str | None = None
    url: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    author_followers: int | None = None
    author_verified: bool | None = None
    title: str | None = None
    language: str | None = None
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    views: int | None = None
    rating: float | None = None
    reply_to: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


class Problems:
    """The bad items of one payload, raised together."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str, str]] = []

    def add(self, index: int, name: str, message: str) -> None:
        self.items.append((index, name, message))

    def raise_any(self) -> None:
        if not self.items:
            return
        shown = "; ".join(
            _("item {index}, {field}: {message}").format(index=i, field=f, message=m)
            for i, f, m in self.items[:20]
        )
        more = len(self.items) - 20
        if more > 0:
            shown += "; " + _("and {n} more").format(n=more)
        i, f, _m = self.items[0]
        raise Invalid(
            _("{n} of the mentions were refused, nothing was stored: {problems}").format(
                n=len({i for i, _f, _m in self.items}), problems=shown
            ),
            field=f"mentions[{i}].{f}",
        )


def when(value: Any) -> datetime:
    """A time as ISO 8601 (a zone or Z; none is UTC) or Unix seconds/milliseconds, as naive UTC."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(_("expected a time (ISO 8601 or Unix seconds)"))
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    text = str(value).strip()
    if text.isdigit():
        return when(int(text))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            _("expected a time (ISO 8601 or Unix seconds), got {value}").format(value=repr(text[:40]))
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    if not 2000 <= parsed.year <= 2100:
        raise ValueError(_("the year {year} is out of range").format(year=parsed.year))
    return parsed


def count(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(_("expected a whole number, got {value}").format(value=repr(value)[:40]))
    try:
        n = int(float(value))
    except ValueError:
        raise ValueError(_("expected a whole number, got {value}").format(value=repr(value)[:40])) from None
    if not 0 <= n <= MAX_COUNT:
        raise ValueError(_("expected a number between 0 and {top}").format(top=MAX_COUNT))
    return n


def short(value: Any, limit: int = 500) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise ValueError(_("expected text"))
    text = str(value).strip()
    return text[:limit] or None


def _check(m: Mention) -> Mention:
    if not isinstance(m.text, str) or not m.text.strip():
        raise FieldError("text", _("the text is empty"))
    if len(m.text) > MAX_TEXT:
        raise FieldError("text", _("the text is longer than {n} characters").format(n=MAX_TEXT))
    if m.platform not in PLATFORMS:
        raise FieldError(
            "platform",
            _("unknown platform {value}: expected one of {values}").format(
                value=repr(m.platform), values=", ".join(PLATFORMS)
            ),
        )
    if m.url is not None and not m.url.lower().startswith(("https://", "http://")):
        raise FieldError("url", _("the url must start with https:// or http://"))
    if m.created_at > datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1):
        raise FieldError(
            "created_at", _("the time is in the future: {value}").format(value=m.created_at.isoformat())
        )
    if m.rating is not None and not 0 <= m.rating <= 10:
        raise FieldError("rating", _("the rating must be between 0 and 10"))
    return m


def _each(items: Iterable[Any], build: Callable[[Any], Mention]) -> list[Mention]:
    """Every item built and checked; every failure collected."""
    problems, out = Problems(), []
    for i, item in enumerate(items):
        if i >= MAX_ITEMS:
            raise Invalid(
                _("at most {n} mentions in one payload").format(n=MAX_ITEMS),
                field="mentions",
                code="too_many",
            )
        try:
            if not isinstance(item, dict):
                raise ValueError(_("expected an object"))
            out.append(_check(build(item)))
        except KeyError as e:
            problems.add(i, str(e.args[0]), _("missing"))
        except (ValueError, TypeError, AttributeError) as e:
            problems.add(i, _field_of(e), str(e))
    problems.raise_any()
    return out


def _field_of(e: Exception) -> str:
    return getattr(e, "field", None) or "item"


class FieldError(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.field = name


def _get(item: dict[str, Any], name: str, convert: Callable[[Any], Any], *path: str) -> Any:
    """item[name] (or item[path...][name]) converted; a conversion error names the field."""
    value: Any = item
    for step in path:
        value = value.get(step) if isinstance(value, dict) else None
    raw = value.get(name) if isinstance(value, dict) else None
    try:
        return convert(raw)
    except ValueError as e:
        raise FieldError(".".join([*path, name]), str(e)) from None


def from_schema(item: Any) -> Mention:
    """A mention in our own format (schemas.MentionIn), checked by its model."""
    from pydantic import ValidationError

    from tajriba.social.schemas import MentionIn

    try:
        return to_mention(MentionIn.model_validate(item))
    except ValidationError as e:
        first = e.errors()[0]
        raise FieldError(".".join(str(p) for p in first["loc"]) or "item", first["msg"]) from None


def from_models(items: list[Any]) -> list[Mention]:
    """Checked schemas.MentionIn items (the API's body) as mentions, every bad one named."""
    problems, out = Problems(), []
    for i, m in enumerate(items):
        try:
            out.append(_check(to_mention(m)))
        except ValueError as e:
            problems.add(i, _field_of(e), str(e))
    problems.raise_any()
    return out


def to_mention(m: Any) -> Mention:
    """A checked schemas.MentionIn as a Mention."""
    created = (
        m.created_at if m.created_at.tzinfo is None else m.created_at.astimezone(UTC).replace(tzinfo=None)
    )
    author, engaged = m.author, m.engagement
    return Mention(
        platform=m.platform,
        text=m.text,
        created_at=created,
        external_id=m.id,
        url=m.url,
        author_handle=author.handle if author else None,
        author_name=author.name if author else None,
        author_followers=author.followers if author else None,
        author_verified=author.verified if author else None,
        title=m.title,
        language=m.language,
        likes=engaged.likes if engaged else None,
        shares=engaged.shares if engaged else None,
        replies=engaged.replies if engaged else None,
        views=engaged.views if engaged else None,
        rating=m.rating,
        reply_to=m.reply_to,
        properties=m.properties or {},
    )


def _items(payload: Any, *keys: str) -> list[Any]:
    """The list under `keys` (a bare list is the list itself)."""
    value = payload
    for key in keys:
        if isinstance(value, list):
            break
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, list):
        raise Invalid(
            _("expected a list of mentions under {path}").format(path=".".join(keys) or "the body"),
            field=".".join(keys) or "body",
        )
    return value


def parse(payload: Any, fmt: str) -> list[Mention]:
    """The mentions of a payload in format `fmt` (FORMATS)."""
    from tajriba.social import platforms

    if fmt == "tajriba":
        return _each(_items(payload, "mentions"), from_schema)
    if fmt == "google_play":
        return _each(play_rows(payload), platforms.google_play)
    readers = {
        "x": platforms.x,
        "instagram": platforms.instagram,
        "tiktok": platforms.tiktok,
        "youtube": platforms.youtube,
        "app_store": platforms.app_store,
        "google_reviews": platforms.google_reviews,
    }
    if fmt not in readers:
        raise Invalid(
            _("unknown format {value}: expected one of {values}").format(
                value=repr(fmt), values=", ".join(FORMATS)
            ),
            field="format",
        )
    items, build = readers[fmt](payload)
    return _each(items, build)


def play_rows(payload: Any) -> list[dict[str, Any]]:
    """The rows of a Play Console reviews CSV (bytes in UTF-16 with its BOM, as exported, or UTF-8)."""
    if isinstance(payload, bytes):
        if payload.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = payload.decode("utf-16")
        else:
            try:
                text = payload.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise Invalid(_("the file is neither UTF-8 nor UTF-16"), field="file") from None
    elif isinstance(payload, str):
        text = payload
    else:
        raise Invalid(_("expected the reviews CSV file"), field="file")
    reader = csv.DictReader(io.StringIO(text))
    needed = {"Review Text", "Review Submit Date and Time", "Star Rating"}
    missing = needed - set(reader.fieldnames or [])
    if missing:
        raise Invalid(
            _("the CSV lacks the columns {columns}").format(columns=", ".join(sorted(missing))), field="file"
        )
    return list(reader)
