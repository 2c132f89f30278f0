"""A respondent's way through a survey: partial responses they can resume, each screen's answers, and the
completion that stores a response exactly once however many double clicks or replays arrive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tajriba.models import Survey, SurveyInvitation, SurveyProgress, Workspace
from tajriba.security import hash_token, new_token
from tajriba.surveys import service
from tajriba.surveys.definition import Definition, Question
from tajriba.warehouse import Warehouse


def progress_for(session: Session, token: str | None, survey: Survey) -> SurveyProgress | None:
    if not token:
        return None
    row = session.scalar(select(SurveyProgress).where(SurveyProgress.token_hash == hash_token(token)))
    return row if row is not None and row.survey_id == survey.id else None


def start_progress(
    session: Session,
    *,
    survey: Survey,
    language: str,
    hidden: dict[str, Any],
    invitation: SurveyInvitation | None,
) -> tuple[str, SurveyProgress]:
    token = new_token(18)
    row = SurveyProgress(
        token_hash=hash_token(token),
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        invitation_id=invitation.id if invitation else None,
        language=language,
        answers={},
        hidden=hidden,
    )
    session.add(row)
    session.flush()
    return token, row


def invitation_progress(session: Session, invitation: SurveyInvitation) -> SurveyProgress | None:
    """A personal link resumes on any device: its progress is found by the invitation."""
    return session.scalar(
        select(SurveyProgress)
        .where(SurveyProgress.invitation_id == invitation.id)
        .order_by(SurveyProgress.id.desc())
        .limit(1)
    )


@dataclass
class Screen:
    """What one posted screen did to the progress: the answers so far, the questions shown, and errors."""

    answers: dict[str, Any]
    hidden: dict[str, Any]
    shown: list[Question]
    errors: dict[str, str]


def record_screen(
    progress: SurveyProgress, definition: Definition, form: dict[str, Any], *, locale: str, now: datetime
) -> Screen:
    """Merge one screen's answers into the progress: the shown questions' answers are replaced by what was
    sent (an emptied answer is removed), and answers that skip logic now hides are dropped."""
    progress.language = locale
    answers = dict(progress.answers)
    hidden = dict(progress.hidden)
    shown_keys = [k for k in str(form.get("screen") or "").split(",") if k]
    visible = {q.key: q for q in definition.visible(answers, hidden)}
    shown = [visible[k] for k in shown_keys if k in visible]
    parsed, errors = definition.parse(form, shown, locale)
    for q in shown:
        answers.pop(q.key, None)
    answers.update(parsed)
    answers = definition.kept(answers, hidden)
    progress.answers = answers
    progress.updated_at = now
    return Screen(answers, hidden, shown, errors)


def complete(
    session: Session,
    warehouse: Warehouse,
    *,
    survey: Survey,
    progress: SurveyProgress,
    invitation: SurveyInvitation | None,
    now: datetime | None = None,
) -> str | None:
    """Store the progress as a response once: the first request to claim it (a conditional UPDATE) stores
    it and gets the response id; a double click or a replay gets None and stores nothing."""
    now = now or datetime.now(UTC)
    session.flush()
    claimed = _changed(
        session.execute(
            update(SurveyProgress)
            .where(SurveyProgress.id == progress.id, SurveyProgress.completed_at.is_(None))
            .values(completed_at=now)
        )
    )
    if invitation is not None and claimed:
        claimed = _changed(
            session.execute(
                update(SurveyInvitation)
                .where(SurveyInvitation.id == invitation.id, SurveyInvitation.completed_at.is_(None))
                .values(completed_at=now, status="completed")
            )
        )
    if not claimed:
        return None
    workspace = session.get(Workspace, survey.workspace_id)
    stored = service.store_response(
        session,
        warehouse,
        survey=survey,
        answers=dict(progress.answers),
        hidden=dict(progress.hidden),
        language=progress.language,
        started_at=progress.started_at,
        submitted_at=now,
        invitation=invitation,
        tz=workspace.timezone if workspace else None,
    )
    progress.response_id = stored.response_id  # store_response marks the invitation itself
    return stored.response_id


def _changed(result: Any) -> int:
    """Rows an UPDATE changed: 0 means another request got there first."""
    return int(result.rowcount)
