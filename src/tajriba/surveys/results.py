"""A survey's results: who answered, each question's distribution, the open answers, and the response list.

Responses are read from the warehouse (`survey_responses`: a response's first row holds the whole answer
set as JSON; further rows `<id>:<question>` repeat it for the survey's other metric questions). Each metric
question is summarised by `metrics.scores` - the one definition of NPS, CSAT and CES - so a survey's
results page shows the numbers the metrics pages show for the same survey. Filters are the workspace's
local days [start, end), a touchpoint, a channel and a language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import orjson
import pandas as pd

from tajriba import periods
from tajriba.errors import Invalid, NotFound
from tajriba.i18n import _
from tajriba.metrics import service as metrics
from tajriba.metrics.service import response_rate
from tajriba.periods import Window
from tajriba.surveys.definition import METRIC_TYPES, Definition, Question, pick

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tajriba.models import Survey, Workspace
    from tajriba.warehouse import Warehouse

OTHER = "__other__"
_COLUMNS = (
    "response_id, customer_id, touchpoint_id, order_id, ticket_id, channel, language, submitted_at, answers"
)


@dataclass(frozen=True)
class Filters:
    start: date | None = None  # local days, [start, end)
    end: date | None = None
    touchpoint_id: int | None = None
    channel: str | None = None
    language: str | None = None

    def check(self) -> Filters:
        if self.start and self.end and self.start >= self.end:
            raise Invalid(_("The period's start must be before its end."), field="start")
        for name in ("channel", "language"):
            value = getattr(self, name)
            if value is not None and (len(value) > 32 or not value.replace("_", "").isalnum()):
                raise Invalid(_("Unknown {field}.").format(field=name), field=name)
        return self

    def where(self, tz: ZoneInfo, prefix: str = "") -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        start, end = Window(tz, self.start, self.end).utc()
        for clause, value in (
            ("submitted_at >= ?", start),
            ("submitted_at < ?", end),
            ("touchpoint_id = ?", self.touchpoint_id),
            ("channel = ?", self.channel),
            ("language = ?", self.language),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        return "".join(f" AND {prefix}{c}" for c in clauses), params


def _day(value: str | None, name: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(_("{field}: expected a date as YYYY-MM-DD.").format(field=name), field=name) from None
    if not 1900 <= day.year <= 2200:
        raise Invalid(_("{field}: expected a year from 1900 to 2200.").format(field=name), field=name)
    return day


def parse_filters(
    start: str | None = None,
    end: str | None = None,
    touchpoint: str | None = None,
    channel: str | None = None,
    language: str | None = None,
) -> Filters:
    """Filters from a query string (blank values mean no filter); a FastAPI dependency for pages and API."""
    tp = (touchpoint or "").strip()
    if tp and (not tp.isdigit() or len(tp) > 18):
        raise Invalid(_("touchpoint: expected a touchpoint id."), field="touchpoint")
    return Filters(
        start=_day(start, "start"),
        end=_day(end, "end"),
        touchpoint_id=int(tp) if tp else None,
        channel=(channel or "").strip() or None,
        language=(language or "").strip() or None,
    ).check()


def response_counts(wh: Warehouse, workspace_id: int) -> dict[int, int]:
    """Responses per survey of a workspace (public-link answers included, not only invited ones)."""
    rows = wh.sql(
        "SELECT survey_id, count(*) FROM survey_responses WHERE workspace_id = ? AND survey_id IS NOT NULL "
        "AND NOT contains(response_id, ':') GROUP BY 1",
        [workspace_id],
    )
    return {int(s): int(n) for s, n in rows}


def responses(wh: Warehouse, workspace: Workspace, survey: Survey, f: Filters) -> pd.DataFrame:
    """One row per response (newest first): response_id, customer_id, touchpoint_id, channel, language,
    submitted_at (naive UTC), answers (dict), hidden (dict)."""
    where, params = f.check().where(periods.zone_of(workspace))
    frame = wh.frame(
        f"SELECT {_COLUMNS} FROM survey_responses WHERE workspace_id = ? AND survey_id = ?{where} "
        "ORDER BY submitted_at DESC, response_id",
        [workspace.id, survey.id, *params],
    )
    ids = set(frame["response_id"])
    # a response's further metric rows are `<id>:<question>`; an imported id may contain ':' on its own
    extra = np.array([":" in r and r.split(":", 1)[0] in ids for r in frame["response_id"]], dtype=bool)
    frame = frame.loc[~extra].reset_index(drop=True)
    parsed = [orjson.loads(a) if a else {} for a in frame["answers"]]
    frame["answers"] = [p.get("answers") or {} for p in parsed]
    frame["hidden"] = [p.get("hidden") or {} for p in parsed]
    return frame


def _texts(value: Any, locale: str, fallback: str) -> str:
    return pick(value, locale, fallback) if isinstance(value, dict) else str(value or "")


def metric_sums(q: Question, values: np.ndarray) -> metrics.Sums:
    """The sums the metrics module keeps for these answers: CSAT means on 1-5 (1 + 4 (s - min) / (max - min)),
    shares read on the question's own scale."""
    lo, hi = q.bounds
    one = metrics.sums_from_scores(q.type, values, np.zeros(values.size, dtype=np.int64), 1, (lo, hi))
    if q.type == "csat" and (lo, hi) != (1, 5):
        t = 1 + 4 * (values - lo) / (hi - lo)
        one.total, one.total_sq = np.array([t.sum()]), np.array([(t * t).sum()])
    return one


def _points(values: np.ndarray, lo: int, hi: int) -> list[dict[str, Any]]:
    counts = np.bincount(values.astype(np.int64) - lo, minlength=hi - lo + 1) if values.size else None
    n = int(values.size)
    return [
        {"value": p, "n": int(counts[p - lo]) if counts is not None else 0}
        | {"share": (int(counts[p - lo]) / n) if n and counts is not None else None}
        for p in range(lo, hi + 1)
    ]


def _share(k: int, n: int, z: float) -> dict[str, Any]:
    if not n:
        return {"n": k, "share": None, "ci_low": None, "ci_high": None}
    p, lo, hi = (float(v) for v in metrics.wilson_interval(k, n, z))
    return {"n": k, "share": p, "ci_low": lo, "ci_high": hi}


def _mean(values: np.ndarray, level: float) -> dict[str, Any]:
    if not values.size:
        return {"n": 0, "value": None, "ci_low": None, "ci_high": None}
    mean, lo, hi, _se = metrics.t_interval(values.size, values.sum(), (values * values).sum(), level)
    return {
        "n": int(values.size),
        "value": float(mean),
        "ci_low": None if not np.isfinite(lo) else float(lo),
        "ci_high": None if not np.isfinite(hi) else float(hi),
    }


def question_result(
    q: Question, answers: list[Any], *, total: int, locale: str, fallback: str, level: float = metrics.LEVEL
) -> dict[str, Any]:
    """One question's distribution over the given answers (None where not answered)."""
    z = metrics.z_value(level)
    given = [a for a in answers if a not in (None, "", [], {})]
    out: dict[str, Any] = {
        "key": q.key,
        "type": q.type,
        "title": _texts(q.title, locale, fallback),
        "answered": len(given),
        "responses": total,
    }
    if q.type in METRIC_TYPES or q.type == "rating":
        values = np.array([a for a in given if isinstance(a, int | float)], dtype=float)
        lo, hi = q.bounds
        out["scale"] = [lo, hi]
        out["low_label"] = _texts(q.low_label, locale, fallback)
        out["high_label"] = _texts(q.high_label, locale, fallback)
        out["points"] = _points(values, lo, hi)
        if q.type in METRIC_TYPES:
            out["estimate"] = metrics.rows(q.type, [None], metric_sums(q, values), level=level)[0]
        else:
            out["estimate"] = _mean(values, level)
    elif q.type in ("single", "multiple"):
        counts: dict[str, int] = {}
        for a in given:
            picked = a if isinstance(a, list) else [a]
            for v in picked:
                key = OTHER if isinstance(v, dict) or str(v).startswith("other:") else str(v)
                counts[key] = counts.get(key, 0) + 1
        options = [
            {"value": c.value, "label": _texts(c.label, locale, fallback)}
            | _share(counts.get(c.value, 0), len(given), z)
            for c in q.choices
        ]
        if q.other or counts.get(OTHER):
            options.append(
                {"value": OTHER, "label": _("Other")} | _share(counts.get(OTHER, 0), len(given), z)
            )
        out["options"] = options
    elif q.type == "matrix":
        rows = []
        for r in q.rows:
            values = np.array(
                [a[r.value] for a in given if isinstance(a, dict) and isinstance(a.get(r.value), int)],
                dtype=float,
            )
            rows.append(
                {"value": r.value, "label": _texts(r.label, locale, fallback)}
                | {"estimate": _mean(values, level), "points": _points(values, 1, int(q.scale or 5))}
            )
        out["scale"] = [1, int(q.scale or 5)]
        out["rows"] = rows
    elif q.type == "consent":
        out["agreed"] = _share(sum(1 for a in given if a is True), total, z)
    return out


def summary(
    session: Session,
    wh: Warehouse,
    workspace: Workspace,
    survey: Survey,
    definition: Definition,
    f: Filters,
    *,
    locale: str,
    level: float = metrics.LEVEL,
    frame: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Response count and rate, first and last answer, and every question's distribution (`frame`: the
    filtered responses when the caller has read them already)."""
    frame = responses(wh, workspace, survey, f) if frame is None else frame
    total = len(frame)
    answer_sets = list(frame["answers"])
    fallback = definition.default_language
    rate = None
    if f.touchpoint_id is None and f.channel is None and f.language is None:
        rows = response_rate(session, workspace, survey_id=survey.id, start=f.start, end=f.end, min_n=1)[
            "rows"
        ]
        rate = rows[0] if rows else None
    return {
        "n": total,
        "first": frame["submitted_at"].min() if total else None,
        "last": frame["submitted_at"].max() if total else None,
        "rate": rate,
        "by_language": frame["language"].fillna("").value_counts().to_dict() if total else {},
        "by_channel": frame["channel"].fillna("").value_counts().to_dict() if total else {},
        "questions": [
            question_result(
                q,
                [a.get(q.key) for a in answer_sets],
                total=total,
                locale=locale,
                fallback=fallback,
                level=level,
            )
            for q in definition.questions
        ],
    }


def facets(wh: Warehouse, workspace_id: int, survey_id: int) -> dict[str, list[Any]]:
    """The channels, languages and touchpoints this survey's answers came with (for the filter lists)."""
    out: dict[str, list[Any]] = {}
    for column in ("channel", "language", "touchpoint_id"):
        out[column] = [
            r[0]
            for r in wh.sql(
                f"SELECT DISTINCT {column} FROM survey_responses WHERE workspace_id = ? AND survey_id = ? "
                f"AND {column} IS NOT NULL ORDER BY 1",
                [workspace_id, survey_id],
            )
        ]
    return out


def open_answers(
    wh: Warehouse,
    workspace: Workspace,
    survey: Survey,
    f: Filters,
    *,
    personal: bool,
    limit: int = 20,
    offset: int = 0,
    sentiment: str | None = None,
) -> dict[str, Any]:
    """Open answers of the filtered responses with their sentiment and topics, newest first; counts by
    sentiment and the most named topics. Texts are redacted unless `personal` (pii:read)."""
    if sentiment is not None and sentiment not in ("positive", "negative", "neutral", "mixed"):
        raise Invalid(_("Unknown sentiment."), field="sentiment")
    where, params = f.check().where(periods.zone_of(workspace), "r.")
    base = (
        "FROM feedback_texts t JOIN survey_responses r ON r.workspace_id = t.workspace_id "
        "AND r.response_id = t.response_id AND r.survey_id = ? "
        "LEFT JOIN text_enrichments e ON e.workspace_id = t.workspace_id AND e.source = 'feedback' "
        f"AND e.source_id = t.feedback_id WHERE t.workspace_id = ? AND t.source = 'survey'{where}"
    )
    args = [survey.id, workspace.id, *params]
    counts = {
        str(k): int(n)
        for k, n in wh.sql(f"SELECT coalesce(e.sentiment, ''), count(*) {base} GROUP BY 1", args)
    }
    topics = wh.sql(
        'SELECT x.topic, count(*) AS n FROM (SELECT unnest(from_json(e.topics, \'[{"topic": "VARCHAR"}]\'), '
        f"recursive := true) {base}) x GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10",
        args,
    )
    pick_sentiment = " AND e.sentiment = ?" if sentiment else ""
    text = "t.text" if personal else "coalesce(e.redacted, '')"
    items = (
        wh.frame(
            f"SELECT t.response_id, t.created_at, t.language, {text} AS text, e.sentiment, e.topics "
            f"{base}{pick_sentiment} ORDER BY t.created_at DESC, t.feedback_id LIMIT ? OFFSET ?",
            [*args, *([sentiment] if sentiment else []), int(limit), int(offset)],
        )
        .pipe(_nulls)
        .to_dict("records")
    )
    for item in items:
        item["topics"] = _topics(item["topics"])
    return {
        "total": sum(counts.values()),
        "by_sentiment": counts,
        "topics": [{"topic": t, "n": int(n)} for t, n in topics],
        "items": items,
    }


def _nulls(frame: pd.DataFrame) -> pd.DataFrame:
    """NULLs as None (pandas reads some as NaN, which is true in a template's `if`)."""
    return frame.astype(object).where(frame.notna(), None)


def _topics(value: Any) -> list[str]:
    """The topic keys of an enrichment's JSON; none while the text waits for analysis (NULL, read as NaN)."""
    return [t.get("topic") for t in orjson.loads(value)] if isinstance(value, str) and value else []


def response(wh: Warehouse, workspace: Workspace, survey: Survey, response_id: str) -> dict[str, Any]:
    """One response: its answers, hidden fields, where it came from, and its open answers' analysis."""
    rows = (
        wh.frame(
            f"SELECT {_COLUMNS}, started_at, tz FROM survey_responses "
            "WHERE workspace_id = ? AND survey_id = ? AND response_id = ?",
            [workspace.id, survey.id, response_id[:64]],
        )
        .pipe(_nulls)
        .to_dict("records")
    )
    if not rows:
        raise NotFound(_("No such response."))
    row = rows[0]
    parsed = orjson.loads(row["answers"]) if row["answers"] else {}
    row["answers"] = parsed.get("answers") or {}
    row["hidden"] = parsed.get("hidden") or {}
    row["texts"] = (
        wh.frame(
            "SELECT t.feedback_id, t.text, e.redacted, e.sentiment, e.topics FROM feedback_texts t "
            "LEFT JOIN text_enrichments e ON e.workspace_id = t.workspace_id AND e.source = 'feedback' "
            "AND e.source_id = t.feedback_id WHERE t.workspace_id = ? AND t.response_id = ? ORDER BY t.feedback_id",
            [workspace.id, response_id[:64]],
        )
        .pipe(_nulls)
        .to_dict("records")
    )
    for t in row["texts"]:
        t["topics"] = _topics(t["topics"])
    return row


def local(value: Any, tz: ZoneInfo) -> datetime | None:
    """A naive UTC timestamp from the warehouse as the workspace's local time (naive, for files)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC").tz_convert(tz).tz_localize(None).to_pydatetime()
