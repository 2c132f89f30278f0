"""Metric alerts (a touchpoint's NPS dropping, a topic spiking) and the follow-up after resolution: a poor
answer reopens the case, a good one counts as a recovery in the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select

from tajriba.cases import alerts, followup, report, root_causes, service
from tajriba.cases.config import save_alert
from tajriba.cases.schemas import AlertRuleIn, CaseCreate, TransitionIn
from tajriba.models import Journey, Notification, Stage, Touchpoint
from tests.cases.conftest import Actor, responses

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def touchpoint(db, ws_id: int) -> Touchpoint:  # type: ignore[no-untyped-def]
    j = Journey(workspace_id=ws_id, name="Buy")
    db.add(j)
    db.flush()
    st = Stage(workspace_id=ws_id, journey_id=j.id, key="deliver", name="Deliver", position=0)
    db.add(st)
    db.flush()
    tp = Touchpoint(
        workspace_id=ws_id,
        journey_id=j.id,
        stage_id=st.id,
        key="courier",
        name="Courier",
        position=0,
        channel="field",
    )
    db.add(tp)
    db.commit()
    return tp


def test_a_significant_nps_drop_on_a_touchpoint_alerts(db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    tp = touchpoint(db, ws.id)
    rng = np.random.default_rng(1)
    before = [
        (f"b{i}", f"c{i}", tp.id, "nps", float(s), None) for i, s in enumerate(rng.choice([9, 10, 8, 7], 80))
    ]
    after = [
        (f"a{i}", f"d{i}", tp.id, "nps", float(s), None) for i, s in enumerate(rng.choice([2, 5, 9, 6], 80))
    ]
    shop["wh"].append(
        "survey_responses",
        pd.concat(
            [
                responses(ws.id, before, datetime(2026, 11, 20, 9)),
                responses(ws.id, after, datetime(2026, 11, 28, 9)),
            ]
        ),
    )
    rule = save_alert(
        db,
        workspace_id=ws.id,
        actor=Actor(),
        data=AlertRuleIn(name="NPS falls", kind="score_drop", channels=["in_app"], min_n=20),
    )
    db.commit()
    assert alerts.run(db, shop["wh"], now=NOW) == 1
    db.commit()
    notes = db.scalars(select(Notification).where(Notification.kind == "alert")).all()
    assert {n.user_id for n in notes} == {shop["lead"].id}  # the admin; agents are not analysts
    assert notes[0].data["touchpoint"] == "Courier" and notes[0].data["high"] < 0
    # the same finding does not fire twice, and the rule waits an hour between checks
    assert alerts.run(db, shop["wh"], now=NOW + timedelta(hours=2)) == 0
    assert rule.settings["checked_at"].startswith("2026-12-03T11")


def test_a_topic_spike_alerts_and_a_steady_topic_does_not(db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    rows, enrich = [], []
    for i in range(200):
        recent = i >= 100
        topic = "delivery" if (recent and i % 3 == 0) or (not recent and i % 20 == 0) else "price"
        created = datetime(2026, 11, 28 if recent else 21, 10) + timedelta(minutes=i)
        rows.append(
            {
                "workspace_id": ws.id,
                "feedback_id": f"f{i}",
                "source": "review",
                "text": "x",
                "created_at": created,
            }
        )
        enrich.append(
            {
                "workspace_id": ws.id,
                "source": "feedback",
                "source_id": f"f{i}",
                "topic_keys": f"|{topic}|",
                "processed_at": created,
                "sentiment": "negative",
            }
        )
    shop["wh"].append("feedback_texts", pd.DataFrame(rows))
    shop["wh"].append("text_enrichments", pd.DataFrame(enrich))
    save_alert(db, workspace_id=ws.id, actor=Actor(), data=AlertRuleIn(name="Spikes", kind="topic_spike"))
    db.commit()
    assert alerts.run(db, shop["wh"], now=NOW) == 1
    (note,) = db.scalars(select(Notification).where(Notification.kind == "alert")).all()
    assert note.data["topic"] == "delivery" and note.data["recent"] == 33 and note.data["previous"] == 5


def test_a_poor_follow_up_reopens_and_a_good_one_recovers(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    from tajriba.surveys import service as surveys

    ws = shop["ws"]
    survey = surveys.from_template(
        db, workspace_id=ws.id, template="post_support_csat", locale="ar", actor=Actor()
    )
    surveys.set_status(db, survey=survey, status="active", actor=Actor())
    ws.settings = {"cases": {"follow_up_survey_id": survey.id, "follow_up_channel": "link"}}
    shop["wh"].upsert(
        "customers",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "customer_id": ["c1", "c2"],
                "email": ["c1@example.com", "c2@example.com"],
            }
        ),
    )
    cause = root_causes.root_causes(db, workspace_id=ws.id)[0]
    cases = []
    for customer, score in (("c1", 1.0), ("c2", 5.0)):
        case = service.create_case(
            db,
            workspace_id=ws.id,
            actor=Actor(),
            data=CaseCreate(subject="NPS 2", customer_id=customer, source="survey"),
        )
        case.metric, case.score = "nps", 2.0
        service.transition(
            db,
            case=case,
            workspace=ws,
            actor=Actor(),
            data=TransitionIn(status="resolved", root_cause_id=cause.id, action_taken="Re-delivered"),
        )
        inv = followup.invite(db, shop["wh"], case=case)
        assert inv is not None and case.follow_up_invitation_id == inv.id
        rid = f"resp-{customer}"
        inv.response_id = rid
        shop["wh"].append(
            "survey_responses",
            responses(ws.id, [(rid, customer, None, "csat", score, None)], datetime(2026, 12, 7)),
        )
        cases.append(case)
    db.commit()
    assert followup.collect(db, shop["wh"], workspace_id=ws.id) == 2
    db.commit()
    poor, good = cases
    assert poor.status == "reopened" and poor.recovered is False and poor.reopened == 1
    assert good.status == "resolved" and good.recovered is True
    got = report.summary(db, shop["wh"], workspace=ws)
    assert got["recovery"]["n"] == 2 and got["recovery"]["recovered"] == 1 and got["recovery"]["value"] == 0.5
    # a follow-up is never sent after an automatic close
    third = service.create_case(
        db, workspace_id=ws.id, actor=Actor(), data=CaseCreate(subject="x", customer_id="c1")
    )
    service.transition(
        db, case=third, workspace=ws, actor=None, automatic=True, data=TransitionIn(status="closed")
    )
    db.commit()
    from tajriba.models import Job

    kinds = [j.payload.get("case_id") for j in db.scalars(select(Job).where(Job.kind == "cases.follow_up"))]
    assert third.id not in kinds and poor.id in kinds
