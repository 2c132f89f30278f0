"""The listening dashboard's numbers: volume and sentiment over time per query, share of voice against the
competitors, sentiment per brand with intervals, topics, dialects, platforms, top authors, the most engaged.

Intervals come from `tajriba.metrics` (one way to compute them): a share is a Wilson interval, net sentiment
(positive minus negative share, -100..100) the adjusted Wald interval the NPS uses (the same three-way split).
Share of voice counts a mention once for each brand it names; a brand's share is its mentions over the mentions
of every brand and competitor query, with a Wilson interval (mentions are treated as independent draws: a thread
of replies makes the interval too narrow, the most engaged list shows when that matters).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tajriba.metrics import service as metrics
from tajriba.social.stream import COLUMNS, JOINED, Filters, row_of
from tajriba.warehouse import Warehouse


def _sentiments(pos: int, neg: int, neu: int) -> dict[str, Any]:
    n = pos + neg + neu
    return {
        "mentions": n,
        "positive": metrics.wilson(pos, n).to_dict(),
        "negative": metrics.wilson(neg, n).to_dict(),
        "net": metrics.nps(pos, neu, neg).to_dict(),
    }


def totals(warehouse: Warehouse, workspace_id: int, filters: Filters) -> dict[str, Any]:
    """All mentions in the filters: counts by sentiment with intervals, reach and engagement."""
    where, params = filters.where(workspace_id)
    row = warehouse.sql(
        "SELECT count(*) FILTER (WHERE e.sentiment = 'positive'), count(*) FILTER (WHERE e.sentiment = 'negative'), "
        "count(*) FILTER (WHERE e.sentiment = 'neutral'), count(*), coalesce(sum(m.reach), 0), "
        f"coalesce(sum(m.engagement), 0), count(DISTINCT m.author_handle) {JOINED} WHERE {where}",
        params,
    )[0]
    pos, neg, neu, n, reach, engaged, authors = (int(v or 0) for v in row)
    out = _sentiments(pos, neg, neu)
    out.update(all=n, unanalysed=n - pos - neg - neu, reach=reach, engagement=engaged, authors=authors)
    return out


def per_query(
    warehouse: Warehouse, workspace_id: int, filters: Filters, query_ids: list[int]
) -> dict[int, dict[str, Any]]:
    """Per query: mentions, sentiment shares and net sentiment with intervals, reach."""
    if not query_ids:
        return {}
    where, params = filters.where(workspace_id)
    cols = []
    for q in query_ids:
        params[f"k{q}"] = f"|{int(q)}|"
        hit = f"contains(m.query_keys, $k{q})"
        cols += [
            f"count(*) FILTER (WHERE {hit} AND e.sentiment = 'positive')",
            f"count(*) FILTER (WHERE {hit} AND e.sentiment = 'negative')",
            f"count(*) FILTER (WHERE {hit} AND e.sentiment = 'neutral')",
            f"count(*) FILTER (WHERE {hit})",
            f"coalesce(sum(m.reach) FILTER (WHERE {hit}), 0)",
        ]
    row = warehouse.sql(f"SELECT {', '.join(cols)} {JOINED} WHERE {where}", params)[0]
    out = {}
    for i, q in enumerate(query_ids):
        pos, neg, neu, n, reach = (int(v or 0) for v in row[5 * i : 5 * i + 5])
        out[q] = _sentiments(pos, neg, neu) | {"all": n, "reach": reach}
    return out


def share_of_voice(counts: dict[int, int]) -> list[dict[str, Any]]:
    """Each query's share of all the queries' mentions, with its Wilson interval (largest first)."""
    total = sum(counts.values())
    rows = [
        {"query_id": q, "mentions": n, "share": metrics.wilson(n, total).to_dict()} for q, n in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r["mentions"], r["query_id"]))


def volume(
    warehouse: Warehouse, workspace_id: int, filters: Filters, query_ids: list[int], *, period: str = "day"
) -> dict[str, Any]:
    """Mentions per local day or week, per query (and in all): {periods, series: [{query_id, counts, negative}]}."""
    where, params = filters.where(workspace_id)
    day = filters.window.local_day("m.created_at")
    bucket = day if period == "day" else f"CAST(date_trunc('week', {day}) AS DATE)"
    cols = ["count(*)", "count(*) FILTER (WHERE e.sentiment = 'negative')"]
    for q in query_ids:
        params[f"k{q}"] = f"|{int(q)}|"
        cols += [
            f"count(*) FILTER (WHERE contains(m.query_keys, $k{q}))",
            f"count(*) FILTER (WHERE contains(m.query_keys, $k{q}) AND e.sentiment = 'negative')",
        ]
    named = ", ".join(f"{c} AS c{i}" for i, c in enumerate(cols))  # named: PostgreSQL calls them all "count"
    frame = warehouse.frame(
        f"SELECT {bucket} AS p, {named} {JOINED} WHERE {where} GROUP BY 1 ORDER BY 1", params
    )
    periods = [str(pd.Timestamp(p).date()) for p in frame.iloc[:, 0]] if len(frame) else []
    values = frame.iloc[:, 1:].fillna(0).astype(int).to_numpy().T if len(frame) else []
    series: list[dict[str, Any]] = (
        [{"query_id": None, "counts": list(map(int, values[0])), "negative": list(map(int, values[1]))}]
        if periods
        else []
    )
    for i, q in enumerate(query_ids):
        if periods:
            series.append(
                {
                    "query_id": q,
                    "counts": list(map(int, values[2 + 2 * i])),
                    "negative": list(map(int, values[3 + 2 * i])),
                }
            )
    return {"period": period, "periods": periods, "series": series}


def breakdown(warehouse: Warehouse, workspace_id: int, filters: Filters, column: str) -> list[dict[str, Any]]:
    """Mentions and negative share by platform, language or dialect."""
    expr = {"platform": "m.platform", "language": "e.language", "dialect": "e.dialect"}[column]
    where, params = filters.where(workspace_id)
    frame = warehouse.frame(
        f"SELECT {expr} AS k, count(*) AS n, count(*) FILTER (WHERE e.sentiment = 'negative') AS neg {JOINED} "
        f"WHERE {where} AND {expr} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1",
        params,
    )
    return [
        {"key": str(r.k), "mentions": int(r.n), "negative": metrics.wilson(int(r.neg), int(r.n)).to_dict()}
        for r in frame.itertuples()
    ]


def topics(
    warehouse: Warehouse, workspace_id: int, filters: Filters, *, limit: int = 12
) -> list[dict[str, Any]]:
    """The most mentioned topics with how many of their mentions are negative."""
    where, params = filters.where(workspace_id)
    frame = warehouse.frame(
        'WITH t AS (SELECT unnest(from_json(e.topics, \'[{"topic": "VARCHAR", "sentiment": "VARCHAR"}]\'), '
        f"recursive := true) {JOINED} WHERE {where} AND e.topics IS NOT NULL) "
        "SELECT topic, count(*) AS n, sum(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 END) AS neg FROM t "
        f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {int(limit)}",
        params,
    )
    return [
        {
            "topic": str(r.topic),
            "mentions": int(r.n),
            "negative": metrics.wilson(int(r.neg), int(r.n)).to_dict(),
        }
        for r in frame.itertuples()
    ]


def top_authors(
    warehouse: Warehouse, workspace_id: int, filters: Filters, *, limit: int = 10
) -> list[dict[str, Any]]:
    """Authors by reach (their largest follower count in the window), with their mentions and negative ones."""
    where, params = filters.where(workspace_id)
    frame = warehouse.frame(
        "SELECT m.platform, m.author_handle, max(m.author_name) AS name, max(m.author_followers) AS followers, "
        "count(*) AS n, count(*) FILTER (WHERE e.sentiment = 'negative') AS neg, coalesce(sum(m.engagement), 0) AS eng "
        f"{JOINED} WHERE {where} AND m.author_handle IS NOT NULL GROUP BY 1, 2 "
        f"ORDER BY 4 DESC NULLS LAST, 5 DESC, 2 LIMIT {int(limit)}",
        params,
    )
    return [
        {
            "platform": r.platform,
            "handle": r.author_handle,
            "name": None if pd.isna(r.name) else r.name,
            "followers": None if pd.isna(r.followers) else int(r.followers),
            "mentions": int(r.n),
            "negative": int(r.neg),
            "engagement": int(r.eng),
        }
        for r in frame.itertuples()
    ]


def most_engaged(
    warehouse: Warehouse, workspace_id: int, filters: Filters, *, limit: int = 10
) -> list[dict[str, Any]]:
    where, params = filters.where(workspace_id)
    frame = warehouse.frame(
        f"{COLUMNS} {JOINED} WHERE {where} AND m.engagement IS NOT NULL "
        f"ORDER BY m.engagement DESC, m.created_at DESC LIMIT {int(limit)}",
        params,
    )
    return [row_of(r) for r in frame.to_dict("records")]
