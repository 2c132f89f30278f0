"""Reading analysed texts back: the feedback explorer's filters, matching texts, topic summaries, pain points
by touchpoint, topic trends, emerging clusters and facets (reached through tajriba.text.service)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from tajriba.errors import Invalid
from tajriba.text import topics
from tajriba.text.intents import INTENTS
from tajriba.text.normalize import fold
from tajriba.text.sources import SOURCES_SQL, pending_count
from tajriba.warehouse import Warehouse

SENTIMENTS = ("positive", "negative", "neutral", "mixed")
POLARITIES = ("negative", "positive", "neutral")


@dataclass
class Filters:
    sentiment: str | None = None
    topic: str | None = None
    # an aspect's polarity: with a topic, texts where that topic is judged so; alone, any aspect judged so
    topic_sentiment: str | None = None
    intent: str | None = None  # complaint, praise, question, a request, suggestion
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
        if self.topic_sentiment and self.topic_sentiment not in POLARITIES:
            raise Invalid(f"topic_sentiment must be one of {', '.join(POLARITIES)}", field="topic_sentiment")
        if self.intent and self.intent not in INTENTS:
            raise Invalid(f"intent must be one of {', '.join(INTENTS)}", field="intent")
        if self.since and self.until and self.since > self.until:
            raise Invalid("the start date is after the end date", field="since")
        return self

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if self.sentiment:
            clauses.append("e.sentiment = $sentiment")
            params["sentiment"] = self.sentiment
        if self.topic and self.topic_sentiment:
            clauses.append("contains(e.aspect_keys, $aspect)")
            params["aspect"] = f"|{self.topic}:{self.topic_sentiment}|"
        elif self.topic:
            clauses.append("contains(e.topic_keys, $topic)")
            params["topic"] = f"|{self.topic}|"
        elif self.topic_sentiment:
            clauses.append("contains(e.aspect_keys, $aspect)")
            params["aspect"] = f":{self.topic_sentiment}|"
        if self.intent:
            clauses.append("contains(e.intent_keys, $intent)")
            params["intent"] = f"|{self.intent}|"
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
    """Matching texts (redacted), newest first, with the total, counts by sentiment and the complaints."""
    where, params = filters.check().where()
    params["ws"] = workspace_id
    rows = warehouse.frame(
        "SELECT s.source, s.source_id, s.origin, s.touchpoint_id, s.channel, s.created_at, e.redacted, e.language, "
        "e.dialect, e.sentiment, e.p_positive, e.p_negative, e.topics, e.intent_keys, e.pii_count "
        f"{_joined(where)} ORDER BY s.created_at DESC, s.source_id LIMIT {int(limit)} OFFSET {int(offset)}",
        params,
    )
    counts = warehouse.sql(f"SELECT e.sentiment, count(*) {_joined(where)} GROUP BY 1", params)
    complaints = warehouse.sql(
        f"SELECT count(*) {_joined(where)} AND contains(e.intent_keys, '|complaint|')", params
    )
    items = rows.astype(object).where(rows.notna(), None).to_dict("records")  # NaN (no dialect) -> None
    for item in items:
        item["topics"] = json.loads(item["topics"] or "[]")
        item["intents"] = [i for i in (item.pop("intent_keys") or "").split("|") if i]
    by = {str(k): int(n) for k, n in counts}
    return {
        "total": sum(by.values()),
        "by_sentiment": by,
        "complaints": int(complaints[0][0]),
        "items": items,
    }


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


def feedback_view(
    warehouse: Warehouse, workspace: Any, filters: Filters, *, locale: str, limit: int, offset: int
) -> dict[str, Any]:
    """What the feedback page shows under the filters: the matching texts (a page of them), topic summary,
    pain points, topic trend (and its chart), emerging clusters, the facets to filter by and the texts still
    waiting for analysis."""
    taxonomy = topics.for_workspace(workspace.settings)
    topic_names = {t.key: t.name(locale) for t in taxonomy.topics}
    trend = topic_trend(warehouse, workspace.id, filters)
    series = [
        {"name": topic_names.get(x["topic"], x["topic"]), "values": x["counts"]} for x in trend["series"]
    ]
    return {
        "found": explore(warehouse, workspace.id, filters, limit=limit, offset=offset),
        "summary": topic_summary(warehouse, workspace.id, filters),
        "pain": pain_points(warehouse, workspace.id, filters),
        "trend": trend,
        "trend_chart": {"labels": trend["periods"], "series": series},
        "emerging": emerging(warehouse, workspace.id, filters, sample=1500),
        "facets": facets(warehouse, workspace.id),
        "topic_names": topic_names,
        "pending": pending_count(warehouse, workspace.id, taxonomy),
    }
