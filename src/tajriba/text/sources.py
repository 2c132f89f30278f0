"""Every text of a workspace, as one query: feedback texts, survey comments not mirrored as feedback, and
ticket subjects (columns source, source_id, text, customer_id, touchpoint_id, channel, origin, created_at)."""

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
