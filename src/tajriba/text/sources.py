"""Every text of a workspace, as one query: feedback texts, survey comments not mirrored as feedback, and
ticket subjects (columns source, source_id, text, customer_id, touchpoint_id, channel, origin, created_at);
and those not yet analysed by the current model and taxonomy (or changed since)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tajriba.text import models

if TYPE_CHECKING:
    from tajriba.text.topics import Taxonomy
    from tajriba.warehouse import Warehouse

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
