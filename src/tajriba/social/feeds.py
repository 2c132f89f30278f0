"""RSS and Atom feeds (news sites, blogs, a brand's own press page) read into mentions with feedparser.

A feed is fetched (http or https only, 20 s, at most 5 MB), parsed, and either every entry becomes a mention or
none does: a feed that is not well-formed XML, not RSS or Atom, or has an entry without a link and text is
refused with the reason, so a broken feed never leaves half its entries stored. An entry's text is its summary
(or content, or title) without markup; its time the published (else updated) time, else the time it was read.
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.social.connectors import Mention, Problems, _check, short

MAX_BYTES = 5_000_000
TIMEOUT = 20.0
_TAGS = re.compile(r"<[^>]+>")


def fetch(url: str) -> bytes:
    """The feed's bytes; a clear error when it cannot be read."""
    if not url.lower().startswith(("http://", "https://")):
        raise Invalid(_("a feed's address must start with https:// or http://"), field="url")
    request = urllib.request.Request(url, headers={"User-Agent": "Tajriba social listening"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (http(s) checked above)
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as e:
        raise Invalid(_("the feed answered HTTP {status}").format(status=e.code), field="url") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise Invalid(
            _("the feed could not be read: {reason}").format(reason=str(reason)[:200]), field="url"
        ) from None
    if len(body) > MAX_BYTES:
        raise Invalid(_("the feed is larger than {n} MB").format(n=MAX_BYTES // 1_000_000), field="url")
    return body


def plain(markup: str) -> str:
    """Text without tags and entities, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(_TAGS.sub(" ", markup))).strip()


def parse(body: bytes, *, platform: str = "news", read_at: datetime | None = None) -> list[Mention]:
    """Every entry of an RSS or Atom document as a mention (all or none)."""
    import feedparser

    parsed = feedparser.parse(body)
    problem = parsed.get("bozo_exception")
    fatal = problem is not None and not isinstance(
        problem, feedparser.CharacterEncodingOverride | feedparser.NonXMLContentType
    )
    if fatal:
        line = getattr(problem, "getLineNumber", lambda: None)()
        where = _(" (line {line})").format(line=line) if line else ""
        raise Invalid(
            _("the feed is not well-formed XML{where}: {reason}; nothing was stored").format(
                where=where, reason=str(getattr(problem, "getMessage", lambda: problem)())[:200]
            ),
            field="feed",
            code="broken_feed",
        )
    if not parsed.get("version"):
        raise Invalid(
            _("this is not an RSS or Atom feed; nothing was stored"), field="feed", code="broken_feed"
        )
    now = read_at or datetime.now(UTC).replace(tzinfo=None)
    language = short((parsed.get("feed") or {}).get("language"), 8)
    problems, out = Problems(), []
    for i, entry in enumerate(parsed.get("entries", [])):
        try:
            out.append(_check(_entry(entry, platform=platform, now=now, language=language)))
        except ValueError as e:
            problems.add(i, getattr(e, "field", "entry"), str(e))
    problems.raise_any()
    return out


def _entry(entry: Any, *, platform: str, now: datetime, language: str | None) -> Mention:
    from tajriba.social.connectors import FieldError

    title = plain(entry.get("title", "") or "")
    content = entry.get("content") or []
    body = entry.get("summary") or (content[0].get("value") if content else "") or ""
    text = plain(body) or title
    link = entry.get("link")
    if not link and not entry.get("id"):
        raise FieldError("link", _("an entry has neither a link nor an id"))
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    created = datetime(*stamp[:6]) if stamp else now
    return Mention(
        platform=platform,
        text=text if title in text or not title else f"{title}. {text}",
        title=short(title),
        created_at=created,
        external_id=short(entry.get("id")),
        url=short(link, 2000),
        author_name=short(entry.get("author")),
        language=(language or "").split("-")[0] or None,
    )
