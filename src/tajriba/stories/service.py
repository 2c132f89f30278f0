"""Success stories: high scores with rich comments, praise that names staff, per touchpoint and period.

A text is a candidate when it comes with a high score: a survey answer that is an NPS promoter (9-10), a
CSAT in the top two boxes or an easy CES (5-7 of 1-7), or a review rated 4 or 5 of 5; it has at least
`min_chars` characters; and text analytics did not find it negative. Candidates are ranked by
  p_positive x (1 + ln(1 + chars / 40)) + 0.5 when it names a member of staff,
with p_positive 0.5 for texts not analysed yet. Staff are the workspace's members and the ticket agents;
a name counts when it appears in the text as a word (an Arabic one-letter prefix such as و or ل allowed).
Texts are shown redacted (personal data replaced by its type) unless the viewer may read personal data.
The customer's consent to being quoted is shown beside each story: the latest consent for one of
`CONSENT_PURPOSES` (granted, withdrawn) or "not asked".
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from tajriba import periods
from tajriba.errors import Invalid
from tajriba.metrics import service as metrics
from tajriba.models.accounts import Membership, User
from tajriba.periods import Window
from tajriba.text import service as text_service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tajriba.models.accounts import Workspace
    from tajriba.warehouse import Warehouse

CONSENT_PURPOSES = ("testimonials", "marketing")
_PREFIX = "(?:^|[\\s\\W])[وفلبك]?"  # a word start, then perhaps a one-letter Arabic prefix


def staff_names(session: Session, wh: Warehouse, workspace_id: int) -> list[str]:
    """Members' names (each word of three letters or more) and ticket agents, longest first."""
    names: set[str] = set()
    for (name,) in session.execute(
        select(User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id)
    ):
        names.update(w for w in str(name).split() if len(w) >= 3)
    agents = wh.frame(
        "SELECT DISTINCT agent FROM tickets WHERE workspace_id = ? AND agent IS NOT NULL", [workspace_id]
    )
    names.update(a.strip() for a in agents["agent"] if len(str(a).strip()) >= 3)
    return sorted(names, key=lambda n: (-len(n), n))


def named_staff(text: str, names: list[str]) -> list[str]:
    """The staff names a text mentions (as whole words, after an optional one-letter Arabic prefix)."""
    if not names:
        return []
    pattern = _names_pattern(tuple(names))
    hits = {m.group(1).casefold() for m in pattern.finditer(text)}
    return [n for n in names if n.casefold() in hits]


@lru_cache(maxsize=64)
def _number(column: str) -> str:
    """A score as text, the same on every engine: whole numbers without a decimal point ("10", "4.5")."""
    return (
        f"CASE WHEN {column} = round({column}) THEN CAST(CAST({column} AS BIGINT) AS VARCHAR) "
        f"ELSE CAST({column} AS VARCHAR) END"
    )


def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    # one alternation (longest names first) instead of a search per name; a lookahead keeps overlaps findable
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(f"(?={_PREFIX}({alternatives})(?=$|[\\s\\W]))", flags=re.IGNORECASE)


def _candidates_sql(
    *, high_nps: str, high_csat: str, high_ces: str, score: str, purposes: str, where: str
) -> str:
    """Every text (feedback, and survey comments not mirrored as feedback) with the scores given with it, its
    enrichment and the customer's latest consent to being quoted, filtered by `where`."""
    return f"""
        WITH texts AS (
            SELECT 'feedback' AS source, f.feedback_id AS source_id, f.text, f.customer_id, f.touchpoint_id,
                   f.channel, f.source AS origin, f.created_at, f.rating, f.response_id, f.language
            FROM feedback_texts f WHERE f.workspace_id = $ws
            UNION ALL
            SELECT 'response', r.response_id, r.comment, r.customer_id, r.touchpoint_id, r.channel, 'survey',
                   r.submitted_at, NULL, r.response_id, r.language
            FROM survey_responses r WHERE r.workspace_id = $ws AND r.comment IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM feedback_texts x WHERE x.workspace_id = $ws AND x.response_id = r.response_id)
        ), scored AS (
            SELECT t.source, t.source_id,
                   max(CASE WHEN s.metric = 'nps' AND {high_nps} THEN 1
                            WHEN s.metric = 'csat' AND {high_csat} THEN 1
                            WHEN s.metric = 'ces' AND {high_ces} THEN 1 ELSE 0 END) AS high,
                   string_agg(s.metric || ' ' || {score} || '/'
                              || CAST(COALESCE(s.scale_max, 10) AS VARCHAR), ', ')
                       FILTER (s.metric IN ('nps', 'csat', 'ces')) AS scores
            FROM texts t JOIN (
                -- a response's rows: its own id, and `<id>:<question>` for its further metric questions
                -- (two equality joins: an OR of a prefix match made this a nested loop over every pair)
                SELECT response_id AS base, metric, score, scale_min, scale_max FROM survey_responses
                WHERE workspace_id = $ws
                UNION ALL
                SELECT split_part(response_id, ':', 1), metric, score, scale_min, scale_max FROM survey_responses
                WHERE workspace_id = $ws AND contains(response_id, ':')
            ) s ON s.base = t.response_id
            GROUP BY ALL
        ), consent AS (
            SELECT customer_id, arg_max(granted, recorded_at) AS granted
            FROM consents WHERE workspace_id = $ws AND purpose IN ({purposes}) GROUP BY 1
        )
        SELECT t.source, t.source_id, t.text, t.customer_id, t.touchpoint_id, t.channel, t.origin, t.created_at,
               t.rating, t.language, sc.scores, e.sentiment, e.p_positive, e.redacted, c.granted AS consent
        FROM texts t
        LEFT JOIN scored sc ON sc.source = t.source AND sc.source_id = t.source_id
        LEFT JOIN text_enrichments e ON e.workspace_id = $ws AND e.source = t.source AND e.source_id = t.source_id
        LEFT JOIN consent c ON c.customer_id = t.customer_id
        WHERE {where} AND length(t.text) >= $min_chars
          AND (sc.high = 1 OR (sc.high IS NULL AND t.rating >= 4))
          AND (e.sentiment IS NULL OR e.sentiment <> 'negative')
"""


def _candidates(
    wh: Warehouse,
    workspace: Workspace,
    *,
    touchpoint_id: int | None,
    start: date | None,
    end: date | None,
    min_chars: int,
) -> pd.DataFrame:
    """Texts long enough, with high scores (or a 4-5 rating) and not negative, with their scores, enrichment
    and the customer's latest decision on being quoted."""
    tz = periods.zone_of(workspace)
    lo, hi = Window(tz, start, end).utc()
    where: list[str] = ["TRUE"]
    params: dict[str, Any] = {"ws": workspace.id, "min_chars": min_chars}
    if touchpoint_id is not None:
        where.append("t.touchpoint_id = $tp")
        params["tp"] = touchpoint_id
    if lo is not None:
        where.append("t.created_at >= $lo")
        params["lo"] = lo
    if hi is not None:
        where.append("t.created_at < $hi")
        params["hi"] = hi
    purposes = ", ".join(f"'{p}'" for p in CONSENT_PURPOSES)

    def high(
        metric: str, lo: int, hi: int
    ) -> str:  # the metrics module's "high" answer, on the answer's scale
        return metrics.high_sql(
            metric, "s.score", f"COALESCE(s.scale_min, {lo})", f"COALESCE(s.scale_max, {hi})"
        )

    sql = _candidates_sql(
        high_nps=high("nps", 0, 10),
        high_csat=high("csat", 1, 5),
        high_ces=high("ces", 1, 7),
        score=_number("s.score"),
        purposes=purposes,
        where=" AND ".join(where),
    )
    return wh.frame(sql, params)


def _story(
    cols: dict[str, list[Any]], i: int, shown: str, *, consent: Any, staff: list[str], rank: float, p: float
) -> dict[str, Any]:
    """One candidate as the API and the page show it."""
    return {
        "source": cols["source"][i],
        "source_id": cols["source_id"][i],
        "text": shown,
        "language": cols["language"][i],
        "customer_id": cols["customer_id"][i],
        "touchpoint_id": None if cols["touchpoint_id"][i] is None else int(cols["touchpoint_id"][i]),
        "channel": cols["channel"][i],
        "origin": cols["origin"][i],
        "created_at": pd.Timestamp(cols["created_at"][i]).tz_localize("UTC").isoformat(),
        "scores": cols["scores"][i],
        "rating": None if cols["rating"][i] is None else float(cols["rating"][i]),
        "sentiment": cols["sentiment"][i],
        "p_positive": None if cols["p_positive"][i] is None else round(p, 4),
        "staff": staff,
        "consent": "not_asked" if consent is None else ("granted" if bool(consent) else "withdrawn"),
        "rank": rank,
    }


def stories(
    session: Session,
    wh: Warehouse,
    workspace: Workspace,
    *,
    touchpoint_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    min_chars: int = 40,
    limit: int = 20,
    show_personal_data: bool = False,
) -> dict[str, Any]:
    """The best stories, best first, and how many candidates there were."""
    if not 1 <= limit <= 200:
        raise Invalid("limit must be 1 to 200", field="limit")
    if not 0 <= min_chars <= 2000:
        raise Invalid("min_chars must be 0 to 2000", field="min_chars")
    frame = _candidates(wh, workspace, touchpoint_id=touchpoint_id, start=start, end=end, min_chars=min_chars)
    names = staff_names(session, wh, workspace.id)
    pattern = _names_pattern(tuple(names)) if names else None
    cols = {c: frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns}
    texts = [str(t) for t in cols["text"]]
    # rank every candidate (cheap); build the shown items only for the best `limit`
    mentions = [bool(pattern.search(t)) if pattern is not None else False for t in texts]
    probs = [0.5 if v is None else float(v) for v in cols["p_positive"]]
    ranks = [
        round(p * (1 + math.log1p(len(t) / 40)) + (0.5 if m else 0.0), 4)
        for p, t, m in zip(probs, texts, mentions, strict=True)
    ]
    order = sorted(range(len(texts)), key=lambda i: (-ranks[i], cols["source_id"][i]))
    items: list[dict[str, Any]] = []
    for i in order[:limit]:
        text = texts[i]
        redacted = cols["redacted"][i]
        if show_personal_data:
            shown = text
        elif isinstance(redacted, str):
            shown = redacted
        else:
            shown = text_service.redact(text)
        consent = cols["consent"][i]
        items.append(
            _story(
                cols,
                i,
                shown,
                consent=consent,
                staff=named_staff(text, names) if mentions[i] else [],
                rank=ranks[i],
                p=probs[i],
            )
        )
    return {
        "candidates": len(texts),
        "naming_staff": sum(mentions),
        "stories": items,
    }
