"""Mentions in: named, deduplicated, analysed, tagged, placed on the journey, stored; negative ones with reach
open a case.

One call takes a payload's mentions together (a webhook delivery, an export, a feed): each gets its id (from its
URL, else the platform's id, else its content), copies inside the payload and of stored mentions are dropped
(the same id; or the same fingerprint within three days: a retweet, a pasted complaint), the rest go through the
text pipeline (language, dialect, sentiment, intents, topics, personal data) and the workspace's queries, take
the touchpoint of their first topic the workspace mapped to one, and are written with their text_enrichments
rows in one warehouse transaction (the workspace locked against other writers for the dedupe and the write).
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.models import SocialQuery, Workspace
from tajriba.social import matching
from tajriba.social.connectors import Mention
from tajriba.text import service as text_service
from tajriba.warehouse import Warehouse
from tajriba.warehouse.schema import TABLES

NEAR_DAYS = 3
REVIEW_PLATFORMS = ("app_store", "google_play", "google")
_TRACKING = ("utm_", "fbclid", "gclid", "igshid", "s", "t", "ref_src", "ref_url")


def canonical_url(url: str) -> str:
    """The URL two shares of one post have in common: no fragment, no tracking parameters, host lower-case,
    no trailing slash, http as https."""
    parts = urllib.parse.urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if not (k.startswith("utm_") or k in _TRACKING)
    ]
    host = parts.netloc.lower().removeprefix("www.").removeprefix("mobile.").replace("twitter.com", "x.com")
    path = parts.path.rstrip("/") or "/"
    return urllib.parse.urlunsplit(("https", host, path, urllib.parse.urlencode(query), ""))


def mention_id(m: Mention) -> str:
    """The mention's key: from its URL, else its platform's id, else its content. Reviews go by their id first (a
    store console's review link differs only in its fragment)."""
    if m.external_id and m.platform in REVIEW_PLATFORMS:
        seed = f"id:{m.platform}:{m.external_id}"
    elif m.url:
        seed = "url:" + canonical_url(m.url)
    elif m.external_id:
        seed = f"id:{m.platform}:{m.external_id}"
    else:
        seed = f"text:{m.platform}:{m.author_handle or m.author_name}:{m.created_at.isoformat()}:{m.text}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


@dataclass
class Report:
    received: int = 0
    stored: int = 0
    duplicates: int = 0  # the same post (id or URL), in the payload or already stored
    near_duplicates: int = 0  # a copy of a mention of the last three days
    cases_opened: int = 0
    ids: list[str] = field(default_factory=list)  # of the stored mentions

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _unique(mentions: list[Mention]) -> tuple[list[Mention], list[str], list[str | None], int, int]:
    """The payload without its own copies: mentions, ids, fingerprints, duplicates, near-duplicates."""
    seen_ids: set[str] = set()
    seen_prints: dict[str, list[datetime]] = {}
    kept, ids, prints = [], [], []
    dup = near = 0
    window = timedelta(days=NEAR_DAYS)
    for m in mentions:
        key = mention_id(m)
        fp = matching.fingerprint(m.text)
        if key in seen_ids:
            dup += 1
            continue
        if fp is not None and any(abs(m.created_at - t) <= window for t in seen_prints.get(fp, [])):
            near += 1
            continue
        seen_ids.add(key)
        if fp is not None:
            seen_prints.setdefault(fp, []).append(m.created_at)
        kept.append(m)
        ids.append(key)
        prints.append(fp)
    return kept, ids, prints, dup, near


def topic_touchpoints(settings: dict[str, Any] | None) -> dict[str, int]:
    raw = ((settings or {}).get("social") or {}).get("topic_touchpoints") or {}
    return {str(k): int(v) for k, v in raw.items() if v is not None}


def touchpoint_of(topics: list[dict[str, Any]], mapping: dict[str, int]) -> int | None:
    """The touchpoint of the mention's first topic that has one (a negative topic first)."""
    ordered = sorted(topics, key=lambda t: t.get("sentiment") != "negative")
    return next((mapping[t["topic"]] for t in ordered if t.get("topic") in mapping), None)


@dataclass(frozen=True)
class Listening:
    """What storing mentions needs from the application database, read once (so the analysis and the warehouse
    write hold no database transaction open)."""

    workspace_id: int
    settings: dict[str, Any]
    queries: list[matching.Compiled]
    brands: frozenset[int]


def listening_of(session: Session, workspace: Workspace) -> Listening:
    rows = session.scalars(
        select(SocialQuery).where(SocialQuery.workspace_id == workspace.id, SocialQuery.active.is_(True))
    ).all()
    return Listening(
        workspace_id=workspace.id,
        settings=dict(workspace.settings or {}),
        queries=[matching.compile_query(q) for q in rows],
        brands=frozenset(q.id for q in rows if q.kind == "brand"),
    )


def ingest(
    warehouse: Warehouse,
    listening: Listening,
    *,
    mentions: list[Mention],
    now: datetime,
    source_id: int | None = None,
) -> tuple[Report, list[Any]]:
    """Store a payload's mentions (see the module's doc); `now` is naive UTC. Returns the report and the
    stored mentions that call for a case (`escalation.open_cases` opens them)."""
    report = Report(received=len(mentions))
    kept, ids, prints, report.duplicates, report.near_duplicates = _unique(mentions)
    # a resent payload costs no analysis: ids stored already go first (the check under the lock below is the one
    # that counts when two writers race)
    stored_ids = _stored(warehouse, listening.workspace_id, ids)
    if stored_ids:
        new_at = [i for i, key in enumerate(ids) if key not in stored_ids]
        report.duplicates += len(ids) - len(new_at)
        kept, prints, ids = [kept[i] for i in new_at], [prints[i] for i in new_at], [ids[i] for i in new_at]
    if not kept:
        return report, []
    from tajriba.social import escalation

    taxonomy = text_service.taxonomy_for(listening.settings)
    enrichments, results = text_service.analysed(
        listening.workspace_id, "mention", ids, [m.text for m in kept], taxonomy=taxonomy, at=now
    )
    mapping = topic_touchpoints(listening.settings)
    rows = _rows(
        listening.workspace_id,
        kept,
        ids,
        prints,
        results,
        listening.queries,
        mapping,
        now=now,
        source_id=source_id,
    )
    with warehouse.transaction():
        warehouse.lock_workspace(listening.workspace_id)
        keep = _new(warehouse, listening.workspace_id, rows)
        report.duplicates += int((~keep & ~rows["_near"]).sum())
        report.near_duplicates += int(rows["_near"].sum())
        fresh = rows[keep].drop(columns=["_near"])
        if not fresh.empty:
            warehouse.append("social_mentions", _arrow(fresh))
            warehouse.upsert("text_enrichments", enrichments[keep.to_numpy()])
    report.stored = len(fresh)
    report.ids = fresh["mention_id"].tolist()
    stored = [r for r, k in zip(results, keep, strict=True) if k]
    return report, escalation.candidates(listening, fresh, stored)


def _rows(
    workspace_id: int,
    kept: list[Mention],
    ids: list[str],
    prints: list[str | None],
    results: list[Any],
    queries: list[matching.Compiled],
    mapping: dict[str, int],
    *,
    now: datetime,
    source_id: int | None,
) -> pd.DataFrame:
    out = []
    for m, key, fp, r in zip(kept, ids, prints, results, strict=True):
        language = m.language or r.language
        reach = m.author_followers if m.author_followers is not None else m.views
        engaged = [v for v in (m.likes, m.shares, m.replies) if v is not None]
        out.append(
            {
                "workspace_id": workspace_id,
                "mention_id": key,
                "platform": m.platform,
                "external_id": m.external_id,
                "url": m.url,
                "author_handle": m.author_handle,
                "author_name": m.author_name,
                "author_followers": m.author_followers,
                "author_verified": m.author_verified,
                "title": m.title,
                "text": m.text,
                "language": language,
                "created_at": m.created_at,
                "likes": m.likes,
                "shares": m.shares,
                "replies": m.replies,
                "views": m.views,
                "reach": reach,
                "engagement": sum(engaged) if engaged else None,
                "rating": m.rating,
                "reply_to": m.reply_to,
                "fingerprint": fp,
                "query_keys": matching.keys(
                    matching.matches(queries, m.text, author=m.author_handle, language=language)
                ),
                "touchpoint_id": touchpoint_of(r.topics, mapping),
                "source_id": source_id,
                "properties": json.dumps(m.properties, ensure_ascii=False) if m.properties else None,
                "ingested_at": now,
                "_near": False,
            }
        )
    return pd.DataFrame(out)


def _stored(warehouse: Warehouse, workspace_id: int, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    with warehouse.register("incoming_ids", pa.table({"mention_id": pa.array(ids, pa.string())})):
        rows = warehouse.sql(
            "SELECT i.mention_id FROM incoming_ids i JOIN social_mentions m ON m.workspace_id = $ws "
            "AND m.mention_id = i.mention_id",
            {"ws": workspace_id},
        )
    return {r[0] for r in rows}


def _new(warehouse: Warehouse, workspace_id: int, rows: pd.DataFrame) -> pd.Series:
    """Which rows are neither stored already (their id) nor a copy of a stored mention from within three days of
    theirs (fingerprint); marks the copies in rows["_near"]."""
    batch = pa.table(
        {
            "mention_id": pa.array(rows["mention_id"].tolist(), pa.string(), from_pandas=True),
            "fingerprint": pa.array(rows["fingerprint"].tolist(), pa.string(), from_pandas=True),
            "created_at": pa.array(rows["created_at"].tolist(), pa.timestamp("us")),
        }
    )
    with warehouse.register("incoming_mentions", batch):
        known = warehouse.sql(
            "SELECT i.mention_id, 'id' FROM incoming_mentions i JOIN social_mentions m ON m.workspace_id = $ws "
            "AND m.mention_id = i.mention_id UNION ALL SELECT DISTINCT i.mention_id, 'fp' FROM incoming_mentions i "
            "JOIN social_mentions m ON m.workspace_id = $ws AND m.fingerprint = i.fingerprint "
            f"AND m.created_at >= i.created_at - to_days({NEAR_DAYS}) AND m.created_at <= i.created_at + to_days({NEAR_DAYS})",
            {"ws": workspace_id},
        )
    stored = {k for k, kind in known if kind == "id"}
    copies = {k for k, kind in known if kind == "fp"}
    seen = rows["mention_id"].isin(stored)
    near = ~seen & rows["mention_id"].isin(copies)
    rows["_near"] = near
    return ~(seen | near)


def _arrow(frame: pd.DataFrame) -> pa.Table:
    spec = TABLES["social_mentions"]
    return pa.Table.from_pandas(frame[spec.column_names], schema=spec.arrow_schema(), preserve_index=False)
