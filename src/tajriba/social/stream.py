"""The mention stream: mentions with what the text pipeline found, filtered, newest first, a page at a time.

`Filters` is the one way a choice of mentions becomes SQL (the stream, the dashboard and the spikes read through
it): local days [start, end) in the workspace's zone, a query, platforms, sentiment, language, dialect, a
touchpoint, and words (folded: any Arabic spelling finds the others).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import Any

import pandas as pd

from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.periods import Window
from tajriba.text.service import SENTIMENTS, fold
from tajriba.warehouse import Warehouse

JOINED = (
    "FROM social_mentions m LEFT JOIN text_enrichments e ON e.workspace_id = m.workspace_id "
    "AND e.source = 'mention' AND e.source_id = m.mention_id"
)
MAX_PAGE = 200
COLUMNS = (
    "SELECT m.mention_id, m.platform, m.url, m.author_handle, m.author_name, m.author_followers, m.title, m.text, "
    "e.redacted, m.created_at, m.likes, m.shares, m.replies, m.views, m.reach, m.engagement, m.rating, m.reply_to, "
    "m.query_keys, m.touchpoint_id, e.language, e.dialect, e.sentiment, e.p_negative, e.topic_keys, e.intent_keys, "
    "e.pii_count"
)


@dataclass
class Filters:
    window: Window
    query_id: int | None = None
    platforms: list[str] = field(default_factory=list)
    sentiment: str | None = None
    language: str | None = None
    dialect: str | None = None
    touchpoint_id: int | None = None
    words: str | None = None
    topic: str | None = None

    def check(self) -> Filters:
        if self.sentiment is not None and self.sentiment not in SENTIMENTS:
            raise Invalid(
                _("sentiment must be one of {values}").format(values=", ".join(SENTIMENTS)), field="sentiment"
            )
        if self.topic is not None and (len(self.topic) > 64 or "|" in self.topic):
            raise Invalid(_("unknown topic {topic}").format(topic=self.topic[:64]), field="topic")
        if self.words is not None and len(self.words) > 200:
            raise Invalid(_("at most 200 characters of words to look for"), field="q")
        return self

    def where(self, workspace_id: int) -> tuple[str, dict[str, Any]]:
        """The WHERE clause (on `m` and `e`) and its parameters."""
        start, end = self.window.utc()
        where: list[str] = ["m.workspace_id = $ws"]
        params: dict[str, Any] = {"ws": workspace_id}
        if start is not None:
            where.append("m.created_at >= $start")
            params["start"] = start
        if end is not None:
            where.append("m.created_at < $end")
            params["end"] = end
        if self.query_id is not None:
            where.append("contains(m.query_keys, $qkey)")
            params["qkey"] = f"|{int(self.query_id)}|"
        for i, p in enumerate(self.platforms):
            params[f"pf{i}"] = p
        if self.platforms:
            where.append("m.platform IN (" + ", ".join(f"$pf{i}" for i in range(len(self.platforms))) + ")")
        for column, value in (
            ("e.sentiment", self.sentiment),
            ("e.language", self.language),
            ("e.dialect", self.dialect),
        ):
            if value:
                name = column.split(".")[1]
                where.append(f"{column} = ${name}")
                params[name] = value
        if self.touchpoint_id is not None:
            where.append("m.touchpoint_id = $tp")
            params["tp"] = int(self.touchpoint_id)
        if self.topic:
            where.append("contains(e.topic_keys, $topic)")
            params["topic"] = f"|{self.topic}|"
        if self.words:
            where.append("contains(e.normalized, $words)")
            params["words"] = fold(self.words)
        return " AND ".join(where), params


def between(workspace: Any, start: date | None, end: date | None, **kwargs: Any) -> Filters:
    return Filters(Window.of(workspace, start, end), **kwargs).check()


def page(
    warehouse: Warehouse, workspace_id: int, filters: Filters, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """One page of mentions (newest first) and how many match."""
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(_("limit must be between 1 and {n}").format(n=MAX_PAGE), field="limit")
    if offset < 0:
        raise Invalid(_("offset must be 0 or more"), field="offset")
    where, params = filters.where(workspace_id)
    total = int(warehouse.sql(f"SELECT count(*) {JOINED} WHERE {where}", params)[0][0])
    frame = warehouse.frame(
        f"{COLUMNS} {JOINED} WHERE {where} ORDER BY m.created_at DESC, m.mention_id "
        f"LIMIT {int(limit)} OFFSET {int(offset)}",
        params,
    )
    return [row_of(r) for r in frame.to_dict("records")], total


def _keys(value: Any) -> list[str]:
    return [k for k in str(value or "").strip("|").split("|") if k]


def row_of(r: dict[str, Any]) -> dict[str, Any]:
    out = {k: (None if _missing(v) else v) for k, v in r.items()}
    out["queries"] = [int(k) for k in _keys(out.pop("query_keys"))]
    out["topics"] = _keys(out.pop("topic_keys"))
    out["intents"] = _keys(out.pop("intent_keys"))
    out["created_at"] = pd.Timestamp(out["created_at"]).to_pydatetime().replace(tzinfo=UTC)
    for name in (
        "author_followers",
        "likes",
        "shares",
        "replies",
        "views",
        "reach",
        "engagement",
        "touchpoint_id",
        "pii_count",
    ):
        value = out.get(name)
        if value is not None:
            out[name] = int(value)
    return out


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def one(warehouse: Warehouse, workspace_id: int, mention_id: str) -> dict[str, Any] | None:
    """One mention by id, as the stream shows it (None when the workspace has none by that id)."""
    frame = warehouse.frame(
        f"{COLUMNS} {JOINED} WHERE m.workspace_id = $ws AND m.mention_id = $id",
        {"ws": workspace_id, "id": mention_id},
    )
    return row_of(frame.to_dict("records")[0]) if len(frame) else None


def as_seen(row: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """The mention as this reader may see it: the text redacted unless their role reads personal data."""
    out = dict(row)
    redacted = out.pop("redacted", None)
    if not ctx.can("pii:read"):
        out["text"] = redacted if redacted is not None else ""
        out["author_name"] = None  # a person's name; the handle stays (it is how the platform shows them)
    return out


def last_day(warehouse: Warehouse, workspace: Any) -> date | None:
    """The local day after the workspace's newest mention, or None when it has none."""
    newest = warehouse.sql(
        "SELECT max(created_at) FROM social_mentions WHERE workspace_id = $ws", {"ws": workspace.id}
    )
    if not newest or newest[0][0] is None:
        return None
    local = pd.Timestamp(newest[0][0]).tz_localize("UTC").tz_convert(workspace.timezone or "UTC")
    return local.date() + timedelta(days=1)
