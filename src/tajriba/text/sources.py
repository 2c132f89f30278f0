"""Every text of a workspace, as one query: feedback texts, survey comments not mirrored as feedback, ticket
subjects and public mentions (tajriba.social) (columns source, source_id, text, customer_id, touchpoint_id,
channel, origin, created_at);
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
UNION ALL
SELECT 'mention', mention_id, text, NULL, touchpoint_id, platform, 'social', created_at
FROM social_mentions WHERE workspace_id = $ws AND trim(text) <> ''
"""


PENDING_SQL = f"""
SELECT s.source, s.source_id, s.text FROM ({SOURCES_SQL}) s WHERE NOT EXISTS (
  SELECT 1 FROM text_enrichments e WHERE e.workspace_id = $ws AND e.source = s.source AND e.source_id = s.source_id
  AND e.model_version IN ($mv, $mv_encoder) AND e.taxonomy_version = $tv AND e.text_hash = md5(s.text))
"""
# a text enriched by the current models is done whether or not the encoder stage read it ("+encoder" in its
# model version): switching the stage on applies to new and edited texts, not to the whole history


def versions(workspace_id: int, taxonomy: Taxonomy) -> dict[str, object]:
    """PENDING_SQL's parameters: the workspace and the current model and taxonomy versions."""
    mv = models.version()
    return {"ws": workspace_id, "mv": mv, "mv_encoder": mv + "+encoder", "tv": taxonomy.version}


def pending_count(warehouse: Warehouse, workspace_id: int, taxonomy: Taxonomy) -> int:
    row = warehouse.sql(
        f"SELECT count(*) FROM ({PENDING_SQL}) p",
        versions(workspace_id, taxonomy),
    )
    return int(row[0][0])
