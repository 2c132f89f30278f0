"""Social listening: what the API, the pages, the jobs and the CLI call (docs/social.md).

Mentions come in as payloads (`take`: our JSON, a platform's export, a feed), are stored by `mentions.ingest`
and read back by the stream (`stream.page`), the dashboard (`overview`) and the spikes (`spikes`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from tajriba.models import SocialQuery, Workspace
from tajriba.social import (
    bursts,
    connectors,
    escalation,
    feeds,
    listening,
    mentions,
    queries,
    sources,
    stream,
)
from tajriba.social.connectors import Mention
from tajriba.social.stream import Filters
from tajriba.warehouse import Warehouse

# the service's parts, reached from the API and pages through here
create_query = queries.create
update_query = queries.update
delete_query = queries.delete
get_query = queries.get
list_queries = queries.listed
set_topic_touchpoints = queries.set_topic_touchpoints
create_source = sources.create
get_source = sources.get
list_sources = sources.listed
delete_source = sources.delete
source_by_key = sources.by_key
check_signature = sources.check_signature
reply = sources.reply
replies = sources.replies
mark_posted = sources.mark_posted
page = stream.page
one = stream.one
between = stream.between
FORMATS = (*connectors.FORMATS, "rss")


def parse(payload: Any, fmt: str, *, now: datetime) -> list[Mention]:
    """A payload's mentions: JSON (already decoded) or a file's bytes (the Play CSV, a feed)."""
    if fmt == "rss":
        body = payload if isinstance(payload, bytes) else str(payload).encode()
        return feeds.parse(body, read_at=now)
    return connectors.parse(payload, fmt)


listening_of = mentions.listening_of
store = mentions.ingest
open_cases = escalation.open_cases


def take(
    session: Session,
    warehouse: Warehouse,
    *,
    workspace: Workspace,
    items: list[Mention],
    now: datetime,
    source_id: int | None = None,
) -> mentions.Report:
    """Store mentions (deduplicated, analysed, tagged) and open the cases negative ones with reach call for, in
    the caller's transaction (the API stores first and opens cases in a short transaction of its own)."""
    report, found = mentions.ingest(
        warehouse, mentions.listening_of(session, workspace), mentions=items, now=now, source_id=source_id
    )
    report.cases_opened = escalation.open_cases(session, workspace=workspace, found=found)
    return report


def country_of(workspace: Workspace) -> str:
    """The calendar's country (the forecasting settings' choice; Saudi Arabia when unset)."""
    return str(((workspace.settings or {}).get("forecasting") or {}).get("country", "SA"))


def overview(
    session: Session,
    warehouse: Warehouse,
    *,
    workspace: Workspace,
    start: date | None,
    end: date | None,
    period: str = "day",
) -> dict[str, Any]:
    """The listening dashboard over local days [start, end): totals, share of voice with sentiment per brand,
    volume per day, platforms, dialects, topics, top authors, the most engaged mentions."""
    filters = stream.between(workspace, start, end)
    qs = [q for q in queries.listed(session, workspace.id) if q.active]
    per = listening.per_query(warehouse, workspace.id, filters, [q.id for q in qs])
    voiced = [q for q in qs if q.kind in ("brand", "competitor")]
    shares = {
        r["query_id"]: r["share"] for r in listening.share_of_voice({q.id: per[q.id]["all"] for q in voiced})
    }
    voice = [_voice(q, per[q.id], shares[q.id]) for q in voiced]
    voice.sort(key=lambda v: (-v["mentions"], v["name"]))
    return {
        "start": str(start or ""),
        "end": str(end or ""),
        "totals": listening.totals(warehouse, workspace.id, filters),
        "voice": voice,
        "volume": listening.volume(warehouse, workspace.id, filters, [q.id for q in voiced], period=period),
        "platforms": listening.breakdown(warehouse, workspace.id, filters, "platform"),
        "dialects": listening.breakdown(warehouse, workspace.id, filters, "dialect"),
        "topics": listening.topics(warehouse, workspace.id, filters),
        "authors": listening.top_authors(warehouse, workspace.id, filters),
        "engaged": listening.most_engaged(warehouse, workspace.id, filters),
    }


def _voice(q: SocialQuery, numbers: dict[str, Any], share: dict[str, Any]) -> dict[str, Any]:
    return {
        "query_id": q.id,
        "name": q.name,
        "kind": q.kind,
        "mentions": numbers["all"],
        "share": share,
        "positive": numbers["positive"],
        "negative": numbers["negative"],
        "net": numbers["net"],
    }


def spikes(
    warehouse: Warehouse, *, workspace: Workspace, query_id: int | None, start: date, end: date
) -> list[dict[str, Any]]:
    """The spikes of a query's mentions (or all mentions) on local days [start, end), newest first."""
    return bursts.find(
        warehouse, workspace, query_id=query_id, first=start, last=end, country=country_of(workspace)
    )


def last_day(warehouse: Warehouse, workspace: Workspace) -> date | None:
    """The local day after the newest mention's (the dashboard's default end when mentions stopped before today)."""
    return stream.last_day(warehouse, workspace)


__all__ = ["Filters", "Mention"]
