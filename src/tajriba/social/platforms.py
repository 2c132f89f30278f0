"""The official payloads of each platform, read into `connectors.Mention`: each reader returns the payload's
items and the function that builds one mention from one item. Field names follow the platforms' documented
responses (X API v2, Instagram Graph API, TikTok Research API, YouTube Data API v3, App Store Connect API,
Google Play Console reviews export, Google Business Profile API); tests replay recorded payloads
(tests/social/payloads/), since this machine cannot reach the platforms."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tajriba.i18n import _
from tajriba.social.connectors import FieldError, Mention, _get, _items, count, short, when

Reader = tuple[list[Any], Callable[[Any], Mention]]


def x(payload: Any) -> Reader:
    """X API v2 (recent/full-archive search, mentions timeline) with `expansions=author_id`."""
    users = {}
    for user in _obj(_obj(payload).get("includes")).get("users") or []:
        if isinstance(user, dict) and "id" in user:
            users[str(user["id"])] = user
    empty = _obj(_obj(payload).get("meta")).get("result_count") == 0 and "data" not in _obj(payload)
    items = [] if empty else _items(payload, "data")

    def build(item: dict[str, Any]) -> Mention:
        tweet_id = _get(item, "id", short)
        if not tweet_id:
            raise FieldError("id", _("missing"))
        user = users.get(str(item.get("author_id")), {})
        handle = user.get("username")
        replied = next(
            (
                r.get("id")
                for r in item.get("referenced_tweets") or []
                if isinstance(r, dict) and r.get("type") == "replied_to"
            ),
            None,
        )
        return Mention(
            platform="x",
            text=_get(item, "text", _str),
            created_at=_get(item, "created_at", when),
            external_id=tweet_id,
            url=f"https://x.com/{handle or 'i'}/status/{tweet_id}"
            if handle
            else f"https://x.com/i/status/{tweet_id}",
            author_handle=handle,
            author_name=user.get("name"),
            author_followers=_get(user, "followers_count", count, "public_metrics") if user else None,
            author_verified=bool(user.get("verified")) if user else None,
            language=None if item.get("lang") in (None, "und", "qme", "zxx") else str(item["lang"])[:8],
            likes=_get(item, "like_count", count, "public_metrics"),
            shares=_sum(
                _get(item, "retweet_count", count, "public_metrics"),
                _get(item, "quote_count", count, "public_metrics"),
            ),
            replies=_get(item, "reply_count", count, "public_metrics"),
            views=_get(item, "impression_count", count, "public_metrics"),
            reply_to=str(replied) if replied else None,
            properties={"conversation_id": item.get("conversation_id")}
            if item.get("conversation_id")
            else {},
        )

    return items, build


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _obj(value: Any) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else (a platform left it out or sent null)."""
    return value if isinstance(value, dict) else {}


def _sum(*values: int | None) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def instagram(payload: Any) -> Reader:
    """Instagram Graph API: a media object's `comments` (with their `replies`), or hashtag search media."""
    items: list[Any] = []
    for item in _items(payload, "data"):
        items.append(item)
        for reply in _obj(_obj(item).get("replies")).get("data") or []:
            if isinstance(reply, dict):
                items.append({**reply, "parent_id": reply.get("parent_id") or item.get("id")})
    permalink = _obj(payload).get("media_permalink")

    def build(item: dict[str, Any]) -> Mention:
        is_post = "caption" in item
        owner = _obj(item.get("from"))
        return Mention(
            platform="instagram",
            text=_get(item, "caption" if is_post else "text", _str),
            created_at=_get(item, "timestamp", when),
            external_id=_get(item, "id", short),
            url=_get(item, "permalink", lambda v: short(v, 2000)) if is_post else permalink,
            author_handle=short(item.get("username") or owner.get("username")),
            likes=_get(item, "like_count", count),
            replies=_get(item, "comments_count", count) if is_post else None,
            reply_to=None if is_post else short(item.get("parent_id")),
            properties={"kind": "post" if is_post else "comment"},
        )

    return items, build


def tiktok(payload: Any) -> Reader:
    """TikTok Research API: video comments (`data.comments`) or a video query (`data.videos`)."""
    videos = "videos" in _obj(_obj(payload).get("data"))
    items = _items(payload, "data", "videos" if videos else "comments")

    def build(item: dict[str, Any]) -> Mention:
        if videos:
            handle = short(item.get("username"))
            vid = _get(item, "id", short)
            return Mention(
                platform="tiktok",
                text=_get(item, "video_description", _str),
                created_at=_get(item, "create_time", when),
                external_id=vid,
                url=f"https://www.tiktok.com/@{handle}/video/{vid}" if handle and vid else None,
                author_handle=handle,
                likes=_get(item, "like_count", count),
                shares=_get(item, "share_count", count),
                replies=_get(item, "comment_count", count),
                views=_get(item, "view_count", count),
                properties={"region_code": item.get("region_code")} if item.get("region_code") else {},
            )
        parent = short(item.get("parent_comment_id"))
        video = short(item.get("video_id"))
        return Mention(
            platform="tiktok",
            text=_get(item, "text", _str),
            created_at=_get(item, "create_time", when),
            external_id=_get(item, "id", short),
            likes=_get(item, "like_count", count),
            replies=_get(item, "reply_count", count),
            reply_to=parent if parent and parent != video else video,
            properties={"video_id": video} if video else {},
        )

    return items, build


def youtube(payload: Any) -> Reader:
    """YouTube Data API v3 `commentThreads.list` (snippet, replies): each thread's top comment and its replies."""
    items: list[Any] = []
    for thread in _items(payload, "items"):
        if not isinstance(thread, dict):
            items.append(thread)
            continue
        snippet = _obj(thread.get("snippet"))
        top = _obj(snippet.get("topLevelComment"))
        items.append({**top, "videoId": snippet.get("videoId"), "replyCount": snippet.get("totalReplyCount")})
        for reply in _obj(thread.get("replies")).get("comments") or []:
            items.append({**reply, "videoId": snippet.get("videoId")})

    def build(item: dict[str, Any]) -> Mention:
        s = _obj(item.get("snippet"))
        cid, video = _get(item, "id", short), short(item.get("videoId") or s.get("videoId"))
        channel = short(s.get("authorChannelUrl"), 2000)
        return Mention(
            platform="youtube",
            text=_get(s, "textOriginal", _str) or _get(s, "textDisplay", _str),
            created_at=_get(s, "publishedAt", when),
            external_id=cid,
            url=f"https://www.youtube.com/watch?v={video}&lc={cid}" if video and cid else None,
            author_handle=channel.rsplit("/", 1)[-1] if channel else None,
            author_name=short(s.get("authorDisplayName")),
            likes=_get(s, "likeCount", count),
            replies=_get(item, "replyCount", count),
            reply_to=short(s.get("parentId")),
            properties={"video_id": video} if video else {},
        )

    return items, build


def app_store(payload: Any) -> Reader:
    """App Store Connect API `customerReviews` (attributes rating, title, body, reviewerNickname, createdDate)."""

    def build(item: dict[str, Any]) -> Mention:
        title = _get(item, "title", short, "attributes")
        body = _get(item, "body", _str, "attributes")
        return Mention(
            platform="app_store",
            text=body or (title or ""),
            title=title,
            created_at=_get(item, "createdDate", when, "attributes"),
            external_id=_get(item, "id", short),
            author_name=_get(item, "reviewerNickname", short, "attributes"),
            rating=_get(item, "rating", _stars, "attributes"),
            properties={"territory": item.get("attributes", {}).get("territory")},
        )

    return _items(payload, "data"), build


def _stars(value: Any) -> float | None:
    if value is None or value == "":
        return None
    words = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
    if isinstance(value, str) and value.upper() in words:
        return float(words[value.upper()])
    try:
        stars = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            _("expected stars from 1 to 5, got {value}").format(value=repr(value)[:40])
        ) from None
    if not 1 <= stars <= 5:
        raise ValueError(_("expected stars from 1 to 5, got {value}").format(value=repr(value)[:40]))
    return stars


def google_reviews(payload: Any) -> Reader:
    """Google Business Profile API `accounts.locations.reviews.list`."""

    def build(item: dict[str, Any]) -> Mention:
        reviewer = _obj(item.get("reviewer"))
        return Mention(
            platform="google",
            text=_get(item, "comment", _str),
            created_at=_get(item, "createTime", when),
            external_id=_get(item, "reviewId", short),
            author_name=short(reviewer.get("displayName")),
            rating=_get(item, "starRating", _stars),
            properties={"location": str(item.get("name", "")).split("/reviews/")[0]}
            if item.get("name")
            else {},
        )

    return _items(payload, "reviews"), build


def google_play(row: dict[str, Any]) -> Mention:
    """One row of the Play Console's reviews CSV."""
    title = short(row.get("Review Title"))
    link = short(row.get("Review Link"), 2000)
    millis = row.get("Review Submit Millis Since Epoch")
    return Mention(
        platform="google_play",
        text=(row.get("Review Text") or "").strip() or (title or ""),
        title=title,
        created_at=_get(row, "Review Submit Millis Since Epoch", when)
        if millis
        else _get(row, "Review Submit Date and Time", when),
        url=link,
        external_id=(
            found.group(1) if link and (found := re.search(r"reviewid=([^&#]+)", link, re.I)) else None
        ),
        language=(short(row.get("Reviewer Language"), 8) or "").split("_")[0] or None,
        rating=_get(row, "Star Rating", _stars),
        properties={
            k: row.get(c)
            for k, c in (("app", "Package Name"), ("version", "App Version Name"), ("device", "Device"))
            if row.get(c)
        },
    )
