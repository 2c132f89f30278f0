"""What an agent needs beside a case: the customer's profile, recent answers, feedback with sentiment and
topics, and their value (CLV, P(alive)); masked for roles without pii:read."""

from __future__ import annotations

from typing import Any

import orjson

from tajriba.customers import service as customers
from tajriba.errors import NotFound
from tajriba.warehouse import Warehouse


def customer_context(
    warehouse: Warehouse, *, workspace_id: int, customer_id: str | None, pii: bool
) -> dict[str, Any]:
    if not customer_id:
        return {}
    try:
        profile = customers.get_profile(warehouse, workspace_id=workspace_id, customer_id=customer_id)
    except NotFound:
        profile = None
    answers = warehouse.frame(
        "SELECT metric, score, scale_max, comment, submitted_at, touchpoint_id FROM survey_responses "
        "WHERE workspace_id = $ws AND customer_id = $c AND metric IN ('nps', 'csat', 'ces') "
        "ORDER BY submitted_at DESC LIMIT 10",
        {"ws": workspace_id, "c": customer_id},
    ).to_dict("records")
    feedback = warehouse.frame(
        "SELECT f.text, f.source, f.created_at, e.sentiment, e.topics FROM feedback_texts f "
        "LEFT JOIN text_enrichments e ON e.workspace_id = f.workspace_id AND e.source = 'feedback' "
        "AND e.source_id = f.feedback_id WHERE f.workspace_id = $ws AND f.customer_id = $c "
        "ORDER BY f.created_at DESC LIMIT 10",
        {"ws": workspace_id, "c": customer_id},
    ).to_dict("records")
    for row in feedback:
        topics = orjson.loads(row["topics"]) if isinstance(row.get("topics"), str) else []
        row["topics"] = [t.get("topic") for t in topics]
    value = warehouse.frame(
        "SELECT clv, clv_low, clv_high, p_alive, segment, total_spend, orders, currency FROM customer_values "
        "WHERE workspace_id = $ws AND customer_id = $c",
        {"ws": workspace_id, "c": customer_id},
    ).to_dict("records")
    if not pii:
        profile = customers.masked_profile(profile) if profile else None
        for row in answers:
            row["comment"] = customers.redact(row["comment"])
        for row in feedback:
            row["text"] = customers.redact(row["text"])
    return {
        "profile": profile,
        "answers": answers,
        "feedback": feedback,
        "value": value[0] if value else None,
    }
