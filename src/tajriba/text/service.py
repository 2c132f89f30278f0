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
from tajriba.models import Job, Workspace
from tajriba.text import models, pii, topics
from tajriba.text.explorer import SENTIMENTS as SENTIMENTS
from tajriba.text.explorer import Filters as Filters
from tajriba.text.explorer import emerging as emerging
from tajriba.text.explorer import explore as explore
from tajriba.text.explorer import facets as facets
from tajriba.text.explorer import feedback_view as feedback_view
from tajriba.text.explorer import pain_points as pain_points
from tajriba.text.explorer import topic_summary as topic_summary
from tajriba.text.explorer import topic_trend as topic_trend
from tajriba.text.intents import INTENT_NAMES as INTENT_NAMES
from tajriba.text.normalize import fold as fold
from tajriba.text.pipeline import analyze
from tajriba.text.sources import PENDING_SQL, versions
from tajriba.text.sources import SOURCES_SQL as SOURCES_SQL
from tajriba.text.sources import pending_count as pending_count
from tajriba.text.topics import Taxonomy
from tajriba.warehouse import Warehouse


def redact(text: str) -> str:
    """The text with each piece of personal data it holds replaced by its kind, e.g. "[EMAIL]" (pages for
    roles without pii:read, stories, log lines)."""
    return pii.redact(text, pii.detect(text))


def personal_data(text: str) -> list[tuple[str, str]]:
    """The pieces of personal data a text holds, as (kind, the characters as written): e.g. ("phone", "٠٥٥...")."""
    return [(span.type, text[span.start : span.end]) for span in pii.detect(text)]


# what other domains use of this package's modules, reached through this service only (docs/architecture.md)
topic_names = topics.names
taxonomy_for = topics.for_workspace
content_words = topics.content_words


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
def _enrichments(
    workspace_id: int,
    batch: pd.DataFrame,
    texts: list[str],
    results: list[Any],
    *,
    taxonomy: Taxonomy,
    model_version: str,
    at: datetime,
) -> pd.DataFrame:
    """The text_enrichments rows of one analysed batch (with an MD5 of each text, to notice edits)."""
    mv, now = model_version, at
    return pd.DataFrame(
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
            "intent_keys": ["|" + "|".join(r.intent_labels) + "|" for r in results],
            "p_complaint": [r.intents["complaint"] for r in results],
            "aspect_keys": [
                "|" + "|".join(f"{a['aspect']}:{a['sentiment']}" for a in r.aspects) + "|" for r in results
            ],
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


def analysed(
    workspace_id: int, source: str, ids: list[str], texts: list[str], *, taxonomy: Taxonomy, at: datetime
) -> tuple[pd.DataFrame, list[Any]]:
    """Texts analysed on their way in (public mentions): their text_enrichments rows, as `enrich` would write
    them (so the background run finds them done), and the pipeline's results."""
    results = analyze(texts, taxonomy=taxonomy)
    batch = pd.DataFrame({"source": source, "source_id": ids})
    return _enrichments(
        workspace_id, batch, texts, results, taxonomy=taxonomy, model_version=models.version(), at=at
    ), results


def enrich(
    warehouse: Warehouse,
    workspace_id: int,
    taxonomy: Taxonomy,
    *,
    batch_size: int = 5000,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    processed_at: datetime | None = None,
    encoder_stage: bool = False,
) -> EnrichReport:
    """Enrich what is new or stale; `progress(done, total)` after each batch; `limit` caps this run. With
    `encoder_stage` the rows' model version carries "+encoder"."""
    mv = models.version()
    stored = mv + ("+encoder" if encoder_stage else "")
    report = EnrichReport(model_version=stored, taxonomy_version=taxonomy.version)
    params = versions(workspace_id, taxonomy)
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
        results = analyze(texts, taxonomy=taxonomy, encoder_stage=encoder_stage)
        now = processed_at or datetime.now(UTC).replace(tzinfo=None)
        frame = _enrichments(
            workspace_id, batch, texts, results, taxonomy=taxonomy, model_version=stored, at=now
        )
        warehouse.upsert("text_enrichments", frame)
        report.processed += len(frame)
        if progress is not None:
            progress(report.processed, total)
    report.remaining = pending_count(warehouse, workspace_id, taxonomy)
    return report


# --- reading ------------------------------------------------------------------------------------------


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
