"""After a case is resolved by hand: a short follow-up survey to the customer ("was this resolved?" or CSAT);
a poor answer reopens the case; a good answer after a detractor's case counts as a recovery."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.metrics import service as metrics
from tajriba.models import Case, Survey, SurveyInvitation, Workspace
from tajriba.warehouse import Warehouse


def settings_of(workspace: Workspace) -> dict[str, Any]:
    return dict((workspace.settings or {}).get("cases") or {})


def schedule(session: Session, *, case: Case) -> None:
    """Queue the follow-up invitation if the workspace chose a follow-up survey and the case has a customer."""
    from tajriba.jobs.service import enqueue

    workspace = session.get(Workspace, case.workspace_id)
    if workspace is None or case.customer_id is None or not settings_of(workspace).get("follow_up_survey_id"):
        return
    enqueue(
        session,
        kind="cases.follow_up",
        workspace_id=case.workspace_id,
        payload={"case_id": case.id},
        dedupe_key=f"cases.follow_up:{case.id}:{case.reopened}",
    )


def invite(session: Session, warehouse: Warehouse, *, case: Case) -> SurveyInvitation | None:
    """Create the follow-up invitation (by the workspace's survey rules: consent, address, channel)."""
    from tajriba.surveys import service as surveys

    workspace = session.get(Workspace, case.workspace_id)
    if workspace is None or case.customer_id is None:
        return None
    chosen = settings_of(workspace)
    survey = session.get(Survey, int(chosen.get("follow_up_survey_id") or 0))
    if survey is None or survey.workspace_id != case.workspace_id or survey.status != "active":
        return None
    report = surveys.invite(
        session,
        warehouse,
        survey=survey,
        channel=str(chosen.get("follow_up_channel") or "email"),
        recipients=[
            surveys.Recipient(
                customer_id=case.customer_id,
                language=case.language,
                dedupe_key=f"case:{case.id}:{case.reopened}",
            )
        ],
    )
    inv = next((i for i in report.invitations if i.status != "skipped"), None)
    if inv is not None:
        case.follow_up_invitation_id = inv.id
    return inv


def collect(session: Session, warehouse: Warehouse, *, workspace_id: int) -> int:
    """Read the answers to follow-ups sent: record the score, mark recovery, reopen on a poor answer."""
    from tajriba.cases import service
    from tajriba.cases.schemas import TransitionIn

    waiting = session.execute(
        select(Case, SurveyInvitation.response_id)
        .join(SurveyInvitation, SurveyInvitation.id == Case.follow_up_invitation_id)
        .where(
            Case.workspace_id == workspace_id,
            Case.follow_up_score.is_(None),
            SurveyInvitation.response_id.is_not(None),
        )
    ).all()
    if not waiting:
        return 0
    ids = [str(rid) for _case, rid in waiting]
    frame = warehouse.frame(
        "SELECT response_id, metric, score, scale_min, scale_max FROM survey_responses WHERE workspace_id = $ws "
        "AND list_contains($ids, response_id) AND score IS NOT NULL",
        {"ws": workspace_id, "ids": ids},
    )
    answers = {str(r.response_id): r for r in frame.itertuples(index=False)}
    workspace = session.get(Workspace, workspace_id)
    done = 0
    for case, rid in waiting:
        row = answers.get(str(rid))
        if row is None or workspace is None:
            continue
        score = float(row.score)
        scale_min = None if pd.isna(row.scale_min) else float(row.scale_min)
        scale_max = None if pd.isna(row.scale_max) else float(row.scale_max)
        # still a detractor / bottom-two-box / difficult answer (metrics.scores): not recovered, the case reopens
        poor = row.metric in metrics.METRICS and metrics.is_low(row.metric, score, scale_min, scale_max)
        case.follow_up_score = score
        case.recovered = not poor
        service.add_note(
            session,
            case=case,
            data=service.NoteIn(kind="customer", body=f"{row.metric.upper()} {score:g}"),
            actor=None,
        )
        if poor and case.status in ("resolved", "closed"):
            service.transition(
                session,
                case=case,
                data=TransitionIn(status="reopened", note="follow-up answer"),
                actor=None,
                workspace=workspace,
            )
        done += 1
    return done
