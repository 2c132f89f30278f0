"""What a case rule matches: one query per signal (survey scores at or below a line, analysed texts with the
rule's sentiments, topics or complaint words, complaint tickets, valuable customers slipping away), each
record not yet seen, narrowed by touchpoint, channel, language, segment, persona and value tier."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd

from tajriba.cases import words
from tajriba.cases.schemas import RuleConditions
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models import CaseRule
from tajriba.warehouse import Warehouse

REFERENCE_MAX = {"nps": 6.0, "csat": 2.0, "ces": 3.0}  # NPS 0-10 detractor, CSAT 1-5 bottom two, CES 1-7 hard


BATCH = 20000  # candidates a rule takes per run; the rest come next run


TIERS_SQL = """
SELECT customer_id, segment, p_alive, clv,
       CASE WHEN pr >= 0.8 THEN 'high' WHEN pr >= 0.5 THEN 'medium' ELSE 'low' END AS tier
FROM (SELECT customer_id, segment, p_alive, clv, observation_end, computed_at,
             percent_rank() OVER (ORDER BY clv) AS pr
      FROM customer_values WHERE workspace_id = $ws)
"""


NOT_SEEN = (
    "NOT EXISTS (SELECT 1 FROM case_signals cs WHERE cs.workspace_id = $ws AND cs.source = '{source}' "
    "AND cs.source_id = {column})"
)


def _in(column: str, values: list[Any], params: dict[str, Any], name: str) -> str:
    params[name] = list(values)
    return f"list_contains(${name}, {column})"


def _common(c: RuleConditions, params: dict[str, Any], alias: str, *, tier_alias: str = "v") -> list[str]:
    where = []
    if c.touchpoint_ids:
        where.append(_in(f"{alias}.touchpoint_id", c.touchpoint_ids, params, "tps"))
    if c.channels:
        where.append(_in(f"{alias}.channel", c.channels, params, "channels"))
    if c.segments:
        where.append(_in(f"{tier_alias}.segment", c.segments, params, "segments"))
    if c.tiers:
        where.append(_in(f"{tier_alias}.tier", list(c.tiers), params, "tiers"))
    if c.personas:
        params["personas"] = list(c.personas)
        where.append(_persona(f"{alias}.customer_id"))
    return where


def _persona(column: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM customers pc WHERE pc.workspace_id = $ws AND pc.customer_id = "
        f"{column} AND list_contains($personas, pc.persona_key))"
    )


def candidates_sql(c: RuleConditions, params: dict[str, Any]) -> str:
    """The query of one rule's candidates: columns source, source_id, customer_id, touchpoint_id, channel,
    language, happened_at, score, metric, text, tier."""
    return {"score": _score_sql, "text": _text_sql, "ticket": _ticket_sql, "churn": _churn_sql}[c.signal](
        c, params
    )


def _tiers(alias: str) -> str:
    """Each candidate's CLV tier (high, medium, low) beside it."""
    return f"LEFT JOIN ({TIERS_SQL}) v ON v.customer_id = {alias}.customer_id"


def _score_sql(c: RuleConditions, params: dict[str, Any]) -> str:
    """Survey answers at or below the rule's score on the reference scale (NPS 0-10, CSAT 1-5, CES 1-7)."""
    if c.metric is None:
        raise Invalid(_("a score rule needs its metric: nps, csat or ces"), field="conditions.metric")
    params["metric"] = c.metric
    params["max_score"] = float(c.max_score if c.max_score is not None else REFERENCE_MAX[c.metric])
    scaled = {  # the reference threshold on each answer's own scale
        "nps": "r.score <= $max_score",
        "csat": "r.score * 5.0 <= $max_score * coalesce(r.scale_max, 5)",
        "ces": "r.score <= $max_score",
    }[c.metric]
    where = [
        "r.workspace_id = $ws",
        "r.metric = $metric",
        "r.score IS NOT NULL",
        scaled,
        "r.submitted_at >= $since",
        "r.submitted_at < $until",
        NOT_SEEN.format(source="survey_response", column="r.response_id"),
        *_common(c, params, "r"),
    ]
    if c.languages:
        where.append(_in("r.language", c.languages, params, "langs"))
    return (
        "SELECT 'survey_response' AS source, r.response_id AS source_id, r.customer_id, r.touchpoint_id, "
        "r.channel, r.language, r.submitted_at AS happened_at, r.score, r.metric, r.comment AS text, v.tier "
        f"FROM survey_responses r {_tiers('r')} WHERE {' AND '.join(where)}"
    )


def _text_sql(c: RuleConditions, params: dict[str, Any]) -> str:
    """Analysed texts (reviews, comments, chats) with the rule's sentiments, topics and languages."""
    from tajriba.text.service import SOURCES_SQL

    where = [
        "s.created_at >= $since",
        "s.created_at < $until",
        # public mentions open cases by their reach (tajriba.social.escalation), not by these rules
        "s.source <> 'mention'",
        "NOT EXISTS (SELECT 1 FROM case_signals cs WHERE cs.workspace_id = $ws AND cs.source = "
        "CASE s.source WHEN 'response' THEN 'survey_response' ELSE s.source END AND cs.source_id = s.source_id)",
        *_common(c, params, "s"),
    ]
    if c.sentiments:
        where.append(_in("e.sentiment", list(c.sentiments), params, "sentiments"))
    if c.topics:
        likes = []
        for i, t in enumerate(c.topics):
            params[f"topic{i}"] = f"%|{t}|%"
            likes.append(f"e.topic_keys LIKE $topic{i}")
        where.append(f"({' OR '.join(likes)})")
    where += _contains_any("e.intent_keys", [f"|{i}|" for i in c.intents], params, "intent")
    where += _contains_any("e.aspect_keys", [f"|{a}|" for a in c.aspects], params, "aspect")
    if c.languages:
        where.append(_in("e.language", c.languages, params, "langs"))
    return (
        "SELECT CASE s.source WHEN 'response' THEN 'survey_response' ELSE s.source END AS source, s.source_id, "
        "s.customer_id, s.touchpoint_id, s.channel, e.language, s.created_at AS happened_at, NULL::DOUBLE AS score, "
        f"NULL::VARCHAR AS metric, s.text, v.tier FROM ({SOURCES_SQL}) s "
        "JOIN text_enrichments e ON e.workspace_id = $ws AND e.source = s.source AND e.source_id = s.source_id "
        f"{_tiers('s')} WHERE {' AND '.join(where)}"
    )


def _contains_any(column: str, needles: list[str], params: dict[str, Any], name: str) -> list[str]:
    """A condition that the column holds any of the needles (none: no condition)."""
    if not needles:
        return []
    for i, needle in enumerate(needles):
        params[f"{name}{i}"] = needle
    return ["(" + " OR ".join(f"contains({column}, ${name}{i})" for i in range(len(needles))) + ")"]


def _ticket_sql(c: RuleConditions, params: dict[str, Any]) -> str:
    """Complaint tickets."""
    where = [
        "t.workspace_id = $ws",
        "(t.is_complaint OR lower(t.category) = 'complaint')",
        "t.created_at >= $since",
        "t.created_at < $until",
        NOT_SEEN.format(source="ticket", column="t.ticket_id"),
        *_common(c, params, "t"),
    ]
    return (
        "SELECT 'ticket' AS source, t.ticket_id AS source_id, t.customer_id, t.touchpoint_id, t.channel, "
        "NULL::VARCHAR AS language, t.created_at AS happened_at, NULL::DOUBLE AS score, NULL::VARCHAR AS metric, "
        f"t.subject AS text, v.tier FROM tickets t {_tiers('t')} WHERE {' AND '.join(where)}"
    )


def _churn_sql(c: RuleConditions, params: dict[str, Any]) -> str:
    """Valuable customers whose chance of still being a customer fell below the line."""
    if c.personas:
        params["personas"] = list(c.personas)
    params["max_p_alive"] = float(c.max_p_alive if c.max_p_alive is not None else 0.5)
    tier_where = [] if c.tiers else ["v.tier = 'high'"]
    where = [
        "cv.workspace_id = $ws",
        "cv.p_alive <= $max_p_alive",
        "cv.computed_at >= $since",
        "cv.computed_at < $until",
        "NOT EXISTS (SELECT 1 FROM case_signals cs WHERE cs.workspace_id = $ws AND cs.source = 'customer' AND "
        "cs.source_id = cv.customer_id || '@' || strftime(cv.observation_end, '%Y-%m-%d'))",
        *tier_where,
        *([_in("v.segment", c.segments, params, "segments")] if c.segments else []),
        *([_in("v.tier", list(c.tiers), params, "tiers")] if c.tiers else []),
        *([_persona("cv.customer_id")] if c.personas else []),
    ]
    return (
        "SELECT 'customer' AS source, cv.customer_id || '@' || strftime(cv.observation_end, '%Y-%m-%d') AS source_id, "
        "cv.customer_id, NULL::INTEGER AS touchpoint_id, NULL::VARCHAR AS channel, NULL::VARCHAR AS language, "
        "cv.computed_at AS happened_at, cv.p_alive AS score, 'p_alive' AS metric, NULL::VARCHAR AS text, v.tier "
        f"FROM customer_values cv JOIN ({TIERS_SQL}) v ON v.customer_id = cv.customer_id WHERE {' AND '.join(where)}"
    )


def candidates(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    rule: CaseRule,
    since: datetime,
    until: datetime,
    limit: int = BATCH,
) -> pd.DataFrame:
    """The records the rule matches in [since, until) that no case holds yet (complaint words applied)."""
    c = RuleConditions.model_validate(rule.conditions)
    params: dict[str, Any] = {"ws": workspace_id, "since": _naive(since), "until": _naive(until)}
    sql = candidates_sql(c, params) + f" ORDER BY happened_at LIMIT {int(limit)}"
    frame = warehouse.frame(sql, params)
    chosen = list(c.words) + (list(words.all_words()) if c.use_complaint_words else [])
    compiled = words.pattern(chosen)
    if compiled is not None and not frame.empty:
        hits = [words.found(str(t or ""), compiled) for t in frame["text"]]
        frame = frame.assign(words=hits)
        frame = frame[[bool(h) for h in hits]]
    return frame


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
