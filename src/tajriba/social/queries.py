"""Queries (a brand, a competitor, a topic) and the topic -> touchpoint map: edited here, applied to new mentions
at once and to stored ones by the `social.retag` job (query keys and touchpoints recomputed in batches)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.db import scoped
from tajriba.errors import Conflict, Invalid
from tajriba.i18n import _
from tajriba.models import SocialQuery, Workspace
from tajriba.models.base import utcnow
from tajriba.social import matching
from tajriba.social.mentions import listening_of, topic_touchpoints, touchpoint_of
from tajriba.social.schemas import QueryIn
from tajriba.warehouse import Warehouse

MAX_QUERIES = 50


def _clean(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        w = " ".join(str(w).split())
        if len(w) > 100:
            raise Invalid(
                _("a keyword is at most 100 characters: {word}").format(word=w[:40] + "..."), field="keywords"
            )
        if w and w not in out:
            out.append(w)
    return out


def _apply(query: SocialQuery, data: QueryIn) -> None:
    query.name = data.name.strip()
    query.kind = data.kind
    query.keywords = _clean(data.keywords)
    query.hashtags = [h if h.startswith("#") else "#" + h for h in _clean(data.hashtags)]
    query.handles = [h if h.startswith("@") else "@" + h for h in _clean(data.handles)]
    query.exclusions = _clean(data.exclusions)
    query.languages = list(data.languages)
    query.active = data.active
    query.updated_at = utcnow()
    if not (query.keywords or query.hashtags or query.handles):
        raise Invalid(_("a query needs at least one keyword, hashtag or handle"), field="keywords")


def _unique_name(session: Session, workspace_id: int, name: str, own_id: int | None) -> None:
    other = session.scalar(
        select(SocialQuery.id).where(
            SocialQuery.workspace_id == workspace_id, SocialQuery.name == name.strip()
        )
    )
    if other is not None and other != own_id:
        raise Conflict(_("a query named {name} exists already").format(name=name), field="name")


def create(session: Session, *, workspace: Workspace, data: QueryIn, actor: Auditor) -> SocialQuery:
    count = len(session.scalars(select(SocialQuery.id).where(SocialQuery.workspace_id == workspace.id)).all())
    if count >= MAX_QUERIES:
        raise Invalid(_("a workspace has at most {n} queries").format(n=MAX_QUERIES), field="name")
    _unique_name(session, workspace.id, data.name, None)
    query = SocialQuery(workspace_id=workspace.id)
    _apply(query, data)
    session.add(query)
    session.flush()
    actor.audit(
        session,
        "social.query_create",
        target_type="social_query",
        target_id=str(query.id),
        details={"name": query.name},
    )
    schedule_retag(session, workspace.id)
    return query


def update(session: Session, *, query: SocialQuery, data: QueryIn, actor: Auditor) -> SocialQuery:
    _unique_name(session, query.workspace_id, data.name, query.id)
    _apply(query, data)
    actor.audit(
        session,
        "social.query_update",
        target_type="social_query",
        target_id=str(query.id),
        details={"name": query.name},
    )
    schedule_retag(session, query.workspace_id)
    return query


def delete(session: Session, *, query: SocialQuery, actor: Auditor) -> None:
    actor.audit(
        session,
        "social.query_delete",
        target_type="social_query",
        target_id=str(query.id),
        details={"name": query.name},
    )
    session.delete(query)
    schedule_retag(session, query.workspace_id)


def get(session: Session, *, workspace_id: int, query_id: int) -> SocialQuery:
    return scoped.get(session, SocialQuery, query_id, workspace_id=workspace_id, missing=_("no such query"))


def listed(session: Session, workspace_id: int) -> list[SocialQuery]:
    return list(
        session.scalars(
            select(SocialQuery)
            .where(SocialQuery.workspace_id == workspace_id)
            .order_by(SocialQuery.kind, SocialQuery.name)
        )
    )


def set_topic_touchpoints(
    session: Session,
    *,
    workspace: Workspace,
    mapping: dict[str, int | None],
    touchpoint_ids: set[int],
    actor: Auditor,
) -> dict[str, int]:
    """The touchpoint each topic's public mentions land on (None: none); ids must be the workspace's."""
    clean = {}
    for topic, tp in mapping.items():
        if tp is None:
            continue
        if int(tp) not in touchpoint_ids:
            raise Invalid(
                _("touchpoint {id} is not in this workspace").format(id=tp),
                field=f"topic_touchpoints.{topic}",
            )
        clean[str(topic)] = int(tp)
    settings = dict(workspace.settings or {})
    settings["social"] = {**(settings.get("social") or {}), "topic_touchpoints": clean}
    workspace.settings = settings
    actor.audit(
        session,
        "social.topic_touchpoints",
        target_type="workspace",
        target_id=str(workspace.id),
        details={"topics": len(clean)},
    )
    schedule_retag(session, workspace.id)
    return clean


def schedule_retag(session: Session, workspace_id: int) -> None:
    from tajriba.jobs.service import enqueue

    enqueue(
        session,
        kind="social.retag",
        workspace_id=workspace_id,
        payload={"workspace_id": workspace_id},
        dedupe_key=f"social.retag:{workspace_id}",
        delay_seconds=2,
    )


def retag(
    session: Session, warehouse: Warehouse, *, workspace: Workspace, now: datetime | None = None
) -> dict[str, Any]:
    """Recompute every stored mention's query keys and touchpoint (a batch per transaction)."""
    queries = listening_of(session, workspace).queries
    mapping = topic_touchpoints(workspace.settings)
    changed = seen = 0
    for batch in warehouse.read_batches("social_mentions", workspace_id=workspace.id, rows=20_000):
        seen += batch.num_rows
        ids = batch.column("mention_id").to_pylist()
        with warehouse.register("retag_ids", pa.table({"mention_id": pa.array(ids, pa.string())})):
            topics = dict(
                warehouse.sql(
                    "SELECT e.source_id, e.topics FROM text_enrichments e JOIN retag_ids r ON e.source_id = r.mention_id "
                    "WHERE e.workspace_id = $ws AND e.source = 'mention'",
                    {"ws": workspace.id},
                )
            )
        texts, authors, langs = (batch.column(c).to_pylist() for c in ("text", "author_handle", "language"))
        new_keys = [
            matching.keys(matching.matches(queries, t, author=a, language=lang))
            for t, a, lang in zip(texts, authors, langs, strict=True)
        ]
        new_tps = [touchpoint_of(json.loads(topics.get(i) or "[]"), mapping) for i in ids]
        old_keys, old_tps = batch.column("query_keys").to_pylist(), batch.column("touchpoint_id").to_pylist()
        diff = [k != ok or t != ot for k, ok, t, ot in zip(new_keys, old_keys, new_tps, old_tps, strict=True)]
        if not any(diff):
            continue
        rows = batch.filter(pa.array(diff))
        rows = rows.set_column(
            rows.schema.get_field_index("query_keys"),
            "query_keys",
            pa.array([k for k, d in zip(new_keys, diff, strict=True) if d], pa.string()),
        )
        rows = rows.set_column(
            rows.schema.get_field_index("touchpoint_id"),
            "touchpoint_id",
            pa.array([t for t, d in zip(new_tps, diff, strict=True) if d], pa.int32()),
        )
        with warehouse.transaction():
            warehouse.lock_workspace(workspace.id)
            warehouse.run(
                "DELETE FROM social_mentions WHERE workspace_id = $ws AND list_contains($ids, mention_id)",
                {"ws": workspace.id, "ids": rows.column("mention_id").to_pylist()},
            )
            warehouse.append("social_mentions", rows)
        changed += rows.num_rows
    return {"mentions": seen, "changed": changed}
