"""Text analytics on a workspace: enrich its texts (incremental, resumable) and read them back.

The texts are every feedback text, every survey comment that is not already mirrored as feedback, and
every ticket subject. A text is (re)processed when it has no enrichment yet, when its text changed (an
MD5 of the text is kept), or when the model or taxonomy version that enriched it is not the current one.
Work goes in batches, each written in its own transaction, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.models import Job, Workspace
from tajriba.text import models, pii, topics
from tajriba.text.normalize import fold
from tajriba.text.pipeline import analyze
from tajriba.text.topics import Taxonomy
from tajriba.warehouse import Warehouse


def redact(text: str) -> str:
    """The text with each piece of personal data it holds replaced by its kind, e.g. "[EMAIL]" (pages for
    roles without pii:read, stories, log lines)."""
    return pii.redact(text, pii.detect(text))


# what other domains use of this package's modules, reached through this service only (docs/architecture.md)
topic_names = topics.names

SOURCES_SQL = """
SELECT 'feedback' AS source, feedback_id AS source_id, text, customer_id, touchpoint_id, channel,
       source AS origin, created_at
FROM feedback_texts WHERE workspace_id = $ws AND text IS NOT NULL AND trim(text) <> ''
UNION ALL
SELECT 'response', r.response_id, r.comment, r.customer_id, r.touchpoint_id, r.channel, 'survey', r.submitted_at
FROM survey_responses r WHERE r.workspace_id = $ws AND r.comment IS NOT NULL AND trim(r.comment) <> ''
  AND NOT EXISTS (SELECT 1 FROM feedback_texts f WHERE f.workspace_id = $ws AND f.response_id = r.response_id)
UNION ALL
SELECT 'ticket', ticket_id, subject, customer_id, touchpoint_id, channel, 'ticket', created_at
FROM tickets WHERE workspace_id = $ws AND subject IS NOT NULL AND trim(subject) <> ''
"""


@dataclass
class EnrichReport:
    processed: int = 0
    removed: int = 0
    remaining: int = 0
    model_version: str = ""
    taxonomy_version: str = ""

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


# a text is pending unless an enrichment of this very text by the current model and taxonomy exists
# (written as NOT EXISTS: DuckDB 2.0 ignored a LIMIT on the equivalent LEFT JOIN ... OR ... form)
PENDING_SQL = f"""
SELECT s.source, s.source_id, s.text FROM ({SOURCES_SQL}) s WHERE NOT EXISTS (
  SELECT 1 FROM text_enrichments e WHERE e.workspace_id = $ws AND e.source = s.source AND e.source_id = s.source_id
  AND e.model_version = $mv AND e.taxonomy_version = $tv AND e.text_hash = md5(s.text))
"""


def pending_count(warehouse: Warehouse, workspace_id: int, taxonomy: Taxonomy) -> int:
    row = warehouse.sql(
        f"SELECT count(*) FROM ({PENDING_SQL}) p",
        {"ws": workspace_id, "mv": models.version(), "tv": taxonomy.version},
    )
    return int(row[0][0])


def enrich(
    warehouse: Warehouse,
    workspace_id: int,
    taxonomy: Taxonomy,
    *,
    batch_size: int = 5000,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    processed_at: datetime | None = None,
) -> EnrichReport:
    """Enrich what is new or stale; `progress(done, total)` after each batch; `limit` caps this run."""
    mv = models.version()
    report = EnrichReport(model_version=mv, taxonomy_version=taxonomy.version)
    params = {"ws": workspace_id, "mv": mv, "tv": taxonomy.version}
    # enrichments of texts that are gone (deleted elsewhere)
    report.removed = warehouse.run(
        f"DELETE FROM text_enrichments e WHERE e.workspace_id = $ws AND NOT EXISTS (SELECT 1 FROM ({SOURCES_SQL}) s "
        "WHERE s.source = e.source AND s.source_id = e.source_id)",
        {"ws": workspace_id},
    )
    total = pending_count(warehouse, workspace_id, taxonomy)
    if limit is not None:
        total = min(total, limit)
    while report.processed < total:
        take = min(batch_size, total - report.processed)
        batch = warehouse.frame(f"{PENDING_SQL} ORDER BY s.source, s.source_id LIMIT {int(take)}", params)
        if batch.empty:
            break
        texts = batch["text"].astype(str).tolist()
        results = analyze(texts, taxonomy=taxonomy)
        now = processed_at or datetime.now(UTC).replace(tzinfo=None)
        frame = pd.DataFrame(
            {
                "workspace_id": workspace_id,
                "source": batch["source"],
                "source_id": batch["source_id"],
                "language": [r.language for r in results],
                "arabizi": [r.arabizi for r in results],
                "dialect": [r.dialect for r in results],
                "dialect_score": [r.dialect_score for r in results],
                "sentiment": [r.sentiment for r in results],
                "p_positive": [r.probabilities["positive"] for r in results],
                "p_negative": [r.probabilities["negative"] for r in results],
                "p_neutral": [r.probabilities["neutral"] for r in results],
                "topics": [json.dumps(r.topics, ensure_ascii=False) for r in results],
                "topic_keys": ["|" + "|".join(t["topic"] for t in r.topics) + "|" for r in results],
                "pii": [json.dumps([s.as_dict() for s in r.pii]) for r in results],
                "pii_count": [len(r.pii) for r in results],
                "redacted": [r.redacted for r in results],
                "normalized": [r.normalized for r in results],
                "text_hash": [hashlib.md5(t.encode(), usedforsecurity=False).hexdigest() for t in texts],
                "model_version": mv,
                "taxonomy_version": taxonomy.version,
                "processed_at": now,
            }
        )
        warehouse.upsert("text_enrichments", frame)
        report.processed += len(frame)
        if progress is not None:
            progress(report.processed, total)
    report.remaining = pending_count(warehouse, workspace_id, taxonomy)
    return report


# --- reading ------------------------------------------------------------------------------------------

SENTIMENTS = ("positive", "negative", "neutral", "mixed")


@dataclass
class Filters:
    sentiment: str | None = None
    topic: str | None = None
    touchpoint_id: int | None = None
    language: str | None = None
    dialect: str | None = None
    source: str | None = None  # the origin: review, survey, chat, social, ticket, ...
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None

    def check(self) -> Filters:
        if self.sentiment and self.sentiment not in SENTIMENTS:
            raise Invalid(f"sentiment must be one of {', '.join(SENTIMENTS)}", field="sentiment")
        if self.since and self.until and self.since > self.until:
            raise Invalid("the start date is after the end date", field="since")
        return self

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if self.sentiment:
            clauses.append("e.sentiment = $sentiment")
            params["sentiment"] = self.sentiment
        if self.topic:
            clauses.append("contains(e.topic_keys, $topic)")
            params["topic"] = f"|{self.topic}|"
        if self.touchpoint_id is not None:
            clauses.append("s.touchpoint_id = $tp")
            params["tp"] = self.touchpoint_id
        if self.language:
            clauses.append("e.language = $language")
            params["language"] = self.language
        if self.dialect:
            clauses.append("e.dialect = $dialect")
            params["dialect"] = self.dialect
        if self.source:
            clauses.append("s.origin = $origin")
            params["origin"] = self.source
        if self.since:
            clauses.append("s.created_at >= $since")
            params["since"] = self.since
        if self.until:
            clauses.append("s.created_at < $until")
            params["until"] = self.until
        if self.q and self.q.strip():
            clauses.append("contains(e.normalized, $q)")
            params["q"] = fold(self.q)
        return (" AND " + " AND ".join(clauses)) if clauses else "", params


def _joined(where: str) -> str:
    return (
        f"FROM ({SOURCES_SQL}) s JOIN text_enrichments e ON e.workspace_id = $ws AND e.source = s.source "
        f"AND e.source_id = s.source_id WHERE TRUE{where}"
    )


def explore(
    warehouse: Warehouse, workspace_id: int, filters: Filters, *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Matching texts (redacted), newest first, with the total and counts by sentiment."""
    where, params = filters.check().where()
    params["ws"] = workspace_id
    rows = warehouse.frame(
        "SELECT s.source, s.source_id, s.origin, s.touchpoint_id, s.channel, s.created_at, e.redacted, e.language, "
        "e.dialect, e.sentiment, e.p_positive, e.p_negative, e.topics, e.pii_count "
        f"{_joined(where)} ORDER BY s.created_at DESC, s.source_id LIMIT {int(limit)} OFFSET {int(offset)}",
        params,
    )
    counts = warehouse.sql(f"SELECT e.sentiment, count(*) {_joined(where)} GROUP BY 1", params)
    items = rows.astype(object).where(rows.notna(), None).to_dict("records")  # NaN (no dialect) -> None
    for item in items:
        item["topics"] = json.loads(item["topics"] or "[]")
    by = {str(k): int(n) for k, n in counts}
    return {"total": sum(by.values()), "by_sentiment": by, "items": items}


def topic_summary(warehouse: Warehouse, workspace_id: int, filters: Filters) -> list[dict[str, Any]]:
    """Per topic: mentions and the share of them that are negative / positive."""
    where, params = filters.check().where()
    params["ws"] = workspace_id
    frame = warehouse.frame(
        "SELECT t.topic, count(*) AS n, avg((t.sentiment = 'negative')::INT) AS negative, "
        "avg((t.sentiment = 'positive')::INT) AS positive FROM (SELECT unnest(from_json(e.topics, "
        '\'[{"topic": "VARCHAR", "sentiment": "VARCHAR"}]\'), recursive := true) '
        f"{_joined(where)}) t GROUP BY 1 ORDER BY n DESC, t.topic",
        params,
    )
    return frame.to_dict("records")


def pain_points(
    warehouse: Warehouse,
    workspace_id: int,
    filters: Filters,
    *,
    per_touchpoint: int = 3,
    min_mentions: int = 5,
) -> list[dict[str, Any]]:
    """Per touchpoint, its most negative topics (by negative mentions) with up to two example quotes."""
    where, params = filters.check().where()
    params["ws"] = workspace_id
    frame = warehouse.frame(
        "WITH t AS (SELECT s.touchpoint_id, s.created_at, e.redacted, e.p_negative, unnest(from_json(e.topics, "
        '\'[{"topic": "VARCHAR", "sentiment": "VARCHAR"}]\'), recursive := true) '
        f"{_joined(where)} AND s.touchpoint_id IS NOT NULL), "
        "g AS (SELECT touchpoint_id, topic, count(*) AS mentions, sum((sentiment = 'negative')::INT) AS negative "
        "FROM t GROUP BY 1, 2 HAVING count(*) >= $min), "
        "r AS (SELECT *, row_number() OVER (PARTITION BY touchpoint_id ORDER BY negative DESC, topic) AS rk FROM g "
        "WHERE negative > 0) "
        "SELECT r.touchpoint_id, r.topic, r.mentions, r.negative, (SELECT list(q.redacted ORDER BY q.p_negative DESC, "
        "q.created_at DESC)[1:2] FROM t q WHERE q.touchpoint_id = r.touchpoint_id AND q.topic = r.topic AND "
        "q.sentiment = 'negative') AS quotes FROM r WHERE rk <= $k ORDER BY r.touchpoint_id, rk",
        params | {"min": min_mentions, "k": per_touchpoint},
    )
    out = frame.to_dict("records")
    for row in out:
        row["quotes"] = list(row["quotes"]) if row["quotes"] is not None else []
        row["negative_share"] = row["negative"] / row["mentions"]
    return out


def topic_trend(
    warehouse: Warehouse, workspace_id: int, filters: Filters, *, period: str = "week", topics: int = 6
) -> dict[str, Any]:
    """Mentions per period of the most mentioned topics: {periods, series: [{topic, counts, negative}]}."""
    if period not in ("day", "week", "month"):
        raise Invalid("period must be day, week or month", field="period")
    where, params = filters.check().where()
    params["ws"] = workspace_id
    frame = warehouse.frame(
        f"SELECT date_trunc('{period}', t.created_at)::DATE AS p, t.topic, count(*) AS n, "
        "sum((t.sentiment = 'negative')::INT) AS neg FROM (SELECT s.created_at, unnest(from_json(e.topics, "
        '\'[{"topic": "VARCHAR", "sentiment": "VARCHAR"}]\'), recursive := true) '
        f"{_joined(where)}) t GROUP BY 1, 2 ORDER BY 1",
        params,
    )
    if frame.empty:
        return {"periods": [], "series": []}
    top = frame.groupby("topic")["n"].sum().sort_values(ascending=False).head(topics).index.tolist()
    periods = sorted(frame["p"].unique())
    series = []
    for topic in top:
        sub = frame[frame["topic"] == topic].set_index("p")
        series.append(
            {
                "topic": topic,
                "counts": [int(sub["n"].get(p, 0)) for p in periods],
                "negative": [int(sub["neg"].get(p, 0)) for p in periods],
            }
        )
    return {"periods": [pd.Timestamp(p).date().isoformat() for p in periods], "series": series}


def facets(warehouse: Warehouse, workspace_id: int) -> dict[str, list[str]]:
    """Values present, for filter menus."""
    params = {"ws": workspace_id}
    out: dict[str, list[str]] = {}
    for name, col in (("language", "e.language"), ("dialect", "e.dialect"), ("source", "s.origin")):
        rows = warehouse.sql(f"SELECT DISTINCT {col} {_joined('')} AND {col} IS NOT NULL ORDER BY 1", params)
        out[name] = [str(r[0]) for r in rows]
    return out


def emerging(
    warehouse: Warehouse, workspace_id: int, filters: Filters, *, sample: int = 3000
) -> list[dict[str, Any]]:
    """Clusters among recent texts that no topic matched, labelled by their top words, with examples."""
    from tajriba.text.topics import discover

    where, params = filters.check().where()
    params["ws"] = workspace_id
    frame = warehouse.frame(
        f"SELECT e.redacted {_joined(where)} AND e.topic_keys = '||' ORDER BY s.created_at DESC LIMIT {int(sample)}",
        params,
    )
    texts = frame["redacted"].astype(str).tolist()
    clusters = discover(texts)
    for c in clusters:
        c["examples"] = [texts[i] for i in c.pop("members")[:3]]
    return clusters


def schedule(session: Session, workspace_id: int, *, delay_seconds: float = 0) -> Job | None:
    """Queue a background enrichment of the workspace (one queued job per workspace at a time)."""
    from tajriba.jobs.service import enqueue

    return enqueue(
        session,
        kind="text.enrich",
        workspace_id=workspace_id,
        payload={"workspace_id": workspace_id},
        dedupe_key=f"text.enrich:{workspace_id}",
        delay_seconds=delay_seconds,
    )


def set_taxonomy(
    session: Session, actor: Auditor, workspace: Workspace, taxonomy: Taxonomy | None
) -> Taxonomy:
    """Store the workspace's topics (None: back to the shipped ones), audit it and queue re-enrichment."""
    from tajriba.text.topics import for_workspace

    ws = workspace
    settings = {k: v for k, v in (ws.settings or {}).items() if k != "taxonomy"}
    if taxonomy is not None:
        settings["taxonomy"] = {"topics": [t.as_dict() for t in taxonomy.topics]}
    ws.settings = settings
    stored = for_workspace(ws.settings)
    actor.audit(
        session,
        "text.taxonomy",
        target_type="workspace",
        target_id=str(ws.id),
        details={
            "version": stored.version if taxonomy is not None else "default",
            "topics": len(stored.topics),
        },
    )
    schedule(session, ws.id)
    return stored
