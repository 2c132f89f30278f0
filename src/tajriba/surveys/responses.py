"""A completed response written to the warehouse in one transaction: a row per metric answer, open texts as
feedback (queued for text analytics), ticked consents as consent records, and its invitation marked answered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.accounts import service as accounts
from tajriba.customers import service as customer_service
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models import Survey, SurveyInvitation, Touchpoint, Workspace
from tajriba.models.base import utcnow
from tajriba.surveys.definition import definition_of, metric_scores, open_texts
from tajriba.text import service as text_service
from tajriba.warehouse import Warehouse


@dataclass
class Stored:
    response_id: str
    rows: int
    texts: int


def _checked(definition: Any, answers: dict[str, Any], hidden: dict[str, Any]) -> dict[str, Any]:
    """The answers to the questions still shown (a skipped question's answer dropped); every required one given."""
    missing = definition.complete(answers, hidden)
    if missing:
        key = next(iter(missing))
        raise Invalid(_("Question {key} needs an answer.").format(key=key), field=key)
    return definition.kept(answers, hidden)


def _write(
    warehouse: Warehouse,
    workspace_id: int,
    rows: list[dict[str, Any]],
    feedback: list[dict[str, Any]],
    consents: list[Any],
) -> None:
    """A response's rows, open texts and consents, in one warehouse transaction: all or nothing."""
    with warehouse.transaction():  # append() conforms each batch to its table's schema
        warehouse.append("survey_responses", pa.Table.from_pylist(rows))
        if feedback:
            warehouse.append("feedback_texts", pa.Table.from_pylist(feedback))
        customer_service.record_consent(warehouse, workspace_id=workspace_id, observations=consents)


def store_response(
    session: Session,
    warehouse: Warehouse,
    *,
    survey: Survey,
    answers: dict[str, Any],
    hidden: dict[str, Any],
    language: str,
    started_at: datetime,
    submitted_at: datetime | None = None,
    invitation: SurveyInvitation | None = None,
    tz: str | None = None,
    source: str = "survey",
) -> Stored:
    """Write a complete response to the warehouse and mark its invitation answered.

    One `survey_responses` row per answered metric question (the first is `<id>`, further ones
    `<id>:<question>`; a response without a metric answer is one `answers` row); open-text answers also
    become `feedback_texts` (source `survey`) queued for text analytics; ticked consents become consent
    records (through the customers domain) when the customer is known.
    """
    definition = definition_of(survey)
    answers = _checked(definition, answers, hidden)
    rid, now = uuid.uuid4().hex[:20], submitted_at or utcnow()
    customer_id = invitation.customer_id if invitation else None
    channel = (invitation.channel if invitation else None) or str(hidden.get("channel") or "link")
    texts = open_texts(definition, answers)
    base = {
        "workspace_id": survey.workspace_id,
        "survey_id": survey.id,
        "customer_id": customer_id,
        "touchpoint_id": _touchpoint_id(session, survey, hidden),
        "order_id": _opt(hidden.get("order_id")),
        "ticket_id": _opt(hidden.get("ticket_id")),
        "channel": channel[:32],
        "language": language,
        "comment": texts[0][1] if texts else None,
        "answers": _json(
            {"answers": answers, "hidden": {k: v for k, v in hidden.items() if k != "customer_id"}}
        ),
        "started_at": _naive(started_at),
        "submitted_at": _naive(now),
        "tz": tz,
        "notice_version": accounts.notice_version(session.get(Workspace, survey.workspace_id)),
        "source": source,
    }
    scores = metric_scores(definition, answers)
    rows = _response_rows(base, rid, scores)
    feedback = _feedback_rows(base, rid, texts, rating=scores[0][1] if scores else None)
    consents = _consents(definition, answers, base, rid) if customer_id else []
    _write(warehouse, survey.workspace_id, rows, feedback, consents)
    if invitation is not None:
        invitation.completed_at, invitation.status, invitation.response_id = now, "completed", rid
    if feedback:
        text_service.schedule(session, survey.workspace_id, delay_seconds=5)
    return Stored(rid, len(rows), len(feedback))


def _consents(
    definition: Any, answers: dict[str, Any], base: dict[str, Any], rid: str
) -> list[customer_service.ConsentObservation]:
    """The consent boxes ticked: each an express statement, made under the notice shown with the survey."""
    return [
        customer_service.ConsentObservation(
            base["customer_id"],
            q.purpose or q.key,
            True,
            base["submitted_at"],
            rid,
            "survey",
            explicit=True,
            channel=base["channel"],
            notice_version=base["notice_version"],
            language=base["language"],
            tz=base["tz"],
        )  # fmt: skip
        for q in definition.questions
        if q.type == "consent" and answers.get(q.key) is True
    ]


def _response_rows(base: dict[str, Any], rid: str, scores: list[tuple[Any, float]]) -> list[dict[str, Any]]:
    """One row per answered metric question (`<id>`, then `<id>:<question>`), or one `answers` row."""
    rows = [
        base
        | {
            "response_id": rid if i == 0 else f"{rid}:{q.key}",
            "metric": q.type,
            "score": score,
            "scale_min": q.bounds[0],
            "scale_max": q.bounds[1],
        }
        for i, (q, score) in enumerate(scores)
    ]
    return rows or [
        base | {"response_id": rid, "metric": "answers", "score": None, "scale_min": None, "scale_max": None}
    ]


def _feedback_rows(
    base: dict[str, Any], rid: str, texts: list[tuple[Any, str]], *, rating: float | None
) -> list[dict[str, Any]]:
    """Each open-text answer as a feedback text (source `survey`) for text analytics."""
    return [
        {
            "workspace_id": base["workspace_id"],
            "feedback_id": f"survey-{rid}-{q.key}",
            "customer_id": base["customer_id"],
            "source": "survey",
            "text": text,
            "language": base["language"],
            "rating": rating,
            "touchpoint_id": base["touchpoint_id"],
            "channel": base["channel"],
            "order_id": base["order_id"],
            "ticket_id": base["ticket_id"],
            "response_id": rid,
            "created_at": base["submitted_at"],
            "tz": base["tz"],
            "url": None,
            "properties": _json({"survey_id": base["survey_id"], "question": q.key}),
        }
        for q, text in texts
    ]


def _touchpoint_id(session: Session, survey: Survey, hidden: dict[str, Any]) -> int | None:
    """The survey's touchpoint, unless the link names another touchpoint of the workspace (by key or id)."""
    named = hidden.get("touchpoint")
    if named:
        text = str(named)
        query = select(Touchpoint.id).where(Touchpoint.workspace_id == survey.workspace_id)
        found = session.scalar(
            query.where(Touchpoint.id == int(text)) if text.isdigit() else query.where(Touchpoint.key == text)
        )
        if found is not None:
            return int(found)
    return survey.touchpoint_id


def _opt(value: Any) -> str | None:
    return str(value)[:200] if value not in (None, "") else None


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _json(value: Any) -> str:
    import orjson

    return orjson.dumps(value).decode()
