"""SLA clocks on the team's business calendar: due times, pause and resume, a policy change that keeps paused
time, warning and breach times, the escalation ladder; routing fairness and capacity."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import numpy as np
from sqlalchemy import select

from tajriba.cases import business_time as bt
from tajriba.cases import clocks, root_causes, routing, service, sla
from tajriba.cases.schemas import CaseCreate, NoteIn, TransitionIn
from tajriba.models import Case, CaseEvent, Notification, SlaPolicy, TeamMember
from tests.cases.conftest import Actor

RIYADH = bt.zone("Asia/Riyadh")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=RIYADH).astimezone(UTC)


def local(value: datetime | None) -> str:
    assert value is not None
    return value.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M")


def open_case(db, shop, when: str, **kw):  # type: ignore[no-untyped-def]
    with mock.patch("tajriba.cases.service.utcnow", return_value=at(when)):
        case = service.create_case(
            db,
            workspace_id=shop["ws"].id,
            data=CaseCreate(subject="late", team_id=shop["team"].id, **kw),
            actor=Actor(),
        )
    db.commit()
    return case


def move(db, shop, case, status: str, when: str, **kw):  # type: ignore[no-untyped-def]
    with mock.patch("tajriba.cases.service.utcnow", return_value=at(when)):
        service.transition(
            db, case=case, data=TransitionIn(status=status, **kw), actor=Actor(), workspace=shop["ws"]
        )
    db.commit()


def test_due_times_follow_the_riyadh_week(db, shop) -> None:  # type: ignore[no-untyped-def]
    # opened Thursday 16:30: first response (60 business minutes) = 30 min Thursday + Sunday 09:30;
    # resolution (8 h) = 30 min + Sunday 09:00-16:30; warning at 75 % of 8 h = 6 h -> Sunday 14:30,
    # but the first response's warning (45 min) comes first: Sunday 09:15
    case = open_case(db, shop, "2026-12-03T16:30")
    assert local(case.first_response_due_at) == "2026-12-06 09:30"
    assert local(case.resolution_due_at) == "2026-12-06 16:30"
    assert local(case.warn_due_at) == "2026-12-06 09:15"
    events = [e.data["event"] for e in db.scalars(select(CaseEvent).where(CaseEvent.kind == "sla"))]
    assert events == ["started"]


def test_waiting_on_the_customer_pauses_the_clock(db, shop) -> None:  # type: ignore[no-untyped-def]
    case = open_case(db, shop, "2026-12-06T09:00")  # Sunday 09:00
    with mock.patch("tajriba.cases.service.utcnow", return_value=at("2026-12-06T09:20")):
        service.add_note(db, case=case, data=NoteIn(kind="message", body="نعتذر، نتابع الطلب"), actor=Actor())
    move(db, shop, case, "waiting", "2026-12-06T10:00")  # 1 business hour used
    assert case.clock_running_since is None and case.clock_consumed_s == 3600
    assert case.resolution_due_at is None  # nothing falls due while paused
    # the customer answers on Monday 13:00: the remaining 7 h run from there -> Tuesday 12:00
    with mock.patch("tajriba.cases.service.utcnow", return_value=at("2026-12-07T13:00")):
        service.add_note(db, case=case, data=NoteIn(kind="customer", body="ما زلت أنتظر"), actor=None)
    db.commit()
    assert case.status == "open"
    assert local(case.resolution_due_at) == "2026-12-08 12:00"
    kinds = [
        e.data["event"]
        for e in db.scalars(select(CaseEvent).where(CaseEvent.kind == "sla").order_by(CaseEvent.id))
    ]
    assert kinds == ["started", "fulfilled", "paused", "resumed"]


def test_a_policy_change_keeps_the_time_already_paused(db, shop) -> None:  # type: ignore[no-untyped-def]
    case = open_case(db, shop, "2026-12-06T09:00")
    move(db, shop, case, "waiting", "2026-12-06T11:00")  # 2 h used, then paused
    move(db, shop, case, "open", "2026-12-07T09:00")  # resumed Monday 09:00
    urgent = SlaPolicy(
        workspace_id=shop["ws"].id,
        name="Urgent",
        position=-1,
        conditions={"priorities": ["urgent"]},
        resolution_minutes=4 * 60,
    )
    db.add(urgent)
    db.commit()
    with mock.patch("tajriba.cases.service.utcnow", return_value=at("2026-12-07T10:00")):
        service.update_case(db, case=case, data=service.CaseUpdate(priority="urgent"), actor=Actor())
    db.commit()
    # 4 h target: 2 h before the pause + 1 h since Monday 09:00 used; 1 h left -> Monday 11:00 (not 13:00)
    assert case.sla_policy_id == urgent.id
    assert local(case.resolution_due_at) == "2026-12-07 11:00"


def test_warning_and_breach_notify_and_escalate(db, shop) -> None:  # type: ignore[no-untyped-def]
    case = open_case(db, shop, "2026-12-06T09:00")
    owner = case.owner_id
    with mock.patch("tajriba.cases.service.utcnow", return_value=at("2026-12-06T09:05")):
        service.add_note(db, case=case, data=NoteIn(kind="call", body="called"), actor=Actor())
    db.commit()
    assert local(case.warn_due_at) == "2026-12-06 15:00"  # 75 % of 8 h
    assert sla.check(db, now=at("2026-12-06T14:59")) == {"warned": 0, "breached": 0}
    assert sla.check(db, now=at("2026-12-06T15:00")) == {"warned": 1, "breached": 0}
    assert case.sla_state == "at_risk"
    assert sla.check(db, now=at("2026-12-06T17:01")) == {"warned": 0, "breached": 1}
    db.commit()
    assert case.sla_state == "breached" and case.escalation_level == 1
    kinds = {(n.user_id, n.kind) for n in db.scalars(select(Notification))}
    assert {(owner, "sla_at_risk"), (owner, "sla_breached"), (shop["lead"].id, "escalated")} <= kinds
    # an hour later, still unresolved: the case goes to another member
    sla.check(db, now=at("2026-12-06T18:02"))
    db.commit()
    assert case.escalation_level == 2 and case.owner_id not in (None, owner)


def test_resolution_in_time_is_met_and_needs_a_root_cause(db, shop) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from tajriba.errors import Invalid

    case = open_case(db, shop, "2026-12-06T09:00")
    with pytest.raises(Invalid, match="root cause"):
        move(db, shop, case, "resolved", "2026-12-06T12:00")
    db.rollback()
    with pytest.raises(Invalid, match="root cause"):  # closing an unresolved case is resolving it
        move(db, shop, case, "closed", "2026-12-06T12:00")
    db.rollback()
    cause = root_causes.root_causes(db, workspace_id=shop["ws"].id)[0]
    move(
        db,
        shop,
        case,
        "resolved",
        "2026-12-06T12:00",
        root_cause_id=cause.id,
        action_taken="Refunded delivery fee",
    )
    assert case.sla_state == "met" and case.resolved_at is not None
    fulfilled = db.scalars(
        select(CaseEvent).where(CaseEvent.kind == "sla").order_by(CaseEvent.id.desc())
    ).first()
    assert fulfilled is not None and fulfilled.data == {
        "event": "fulfilled",
        "target": "resolution",
        "in_time": True,
    }
    move(db, shop, case, "reopened", "2026-12-06T13:00")
    assert case.sla_state == "ok" and case.clock_running_since is not None and case.reopened == 1


def test_vectorised_due_times_match_one_by_one() -> None:
    cal = bt.for_country("SA")
    rng = np.random.default_rng(3)
    since = datetime(2027, 1, 3, 6, tzinfo=UTC).timestamp() + rng.uniform(0, 90 * 86400, 2000)
    consumed = rng.uniform(0, 4 * 3600, 2000)
    target = np.full(2000, 8 * 3600.0)
    since[::7] = np.nan  # paused clocks
    dues = clocks.due_times(cal, since, consumed, target)
    assert np.isnan(dues[::7]).all()
    for i in range(1, 2000, 97):
        if i % 7:
            one = bt.add(cal, np.array([since[i]]), np.array([target[i] - consumed[i]]))[0]
            assert dues[i] == one


def test_round_robin_is_fair_and_respects_language_and_capacity(db, shop) -> None:  # type: ignore[no-untyped-def]
    team = shop["team"]
    arabic = [a.id for a in shop["agents"][:2]]
    owners = [routing.choose_owner(db, team=team, language="ar") for _ in range(6)]
    assert owners == arabic * 3  # the English-only member gets no Arabic case while Arabic speakers are free
    assert routing.choose_owner(db, team=team, language="en") == shop["agents"][2].id
    team.routing, team.capacity = "least_loaded", 1
    for owner in arabic:
        db.add(Case(workspace_id=shop["ws"].id, subject="x", source="manual", owner_id=owner, status="open"))
    db.flush()
    sla.forget(db)  # a new transaction: loads are read again (within one, routing counts its own choices)
    # both Arabic speakers are at capacity: the case goes to the free member rather than waiting
    assert routing.choose_owner(db, team=team, language="ar") == shop["agents"][2].id
    db.add(
        Case(
            workspace_id=shop["ws"].id,
            subject="x",
            source="manual",
            owner_id=shop["agents"][2].id,
            status="open",
        )
    )
    db.flush()
    assert routing.choose_owner(db, team=team, language="ar") is None  # everyone full: left unassigned
    away = db.scalar(select(TeamMember).where(TeamMember.user_id == shop["agents"][0].id))
    away.active = False
    team.capacity = None
    sla.forget(db)
    assert routing.choose_owner(db, team=team, language="ar") == arabic[1]


def test_sla_clock_replays_from_its_events(db, shop) -> None:  # type: ignore[no-untyped-def]
    case = open_case(db, shop, "2026-12-06T09:00")
    move(db, shop, case, "waiting", "2026-12-06T10:30")
    move(db, shop, case, "open", "2026-12-06T15:00")
    events = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "sla").order_by(CaseEvent.id)
    ).all()
    cal = bt.from_dict(shop["cal"].definition)
    running, used = None, 0.0
    for e in events:
        if e.data["event"] in ("started", "resumed"):
            running = e.at
        elif e.data["event"] == "paused":
            assert running is not None
            used += float(
                bt.seconds_between(cal, np.array([running.timestamp()]), np.array([e.at.timestamp()]))[0]
            )
            running = None
    assert used == case.clock_consumed_s == 5400
    assert running == case.clock_running_since
    assert case.clock_running_since == at("2026-12-06T15:00")


def test_recompute_of_all_clocks_matches_each_case_refreshed_alone(db, shop) -> None:  # type: ignore[no-untyped-def]
    from tajriba.cases import config
    from tajriba.cases.schemas import CalendarIn

    cases = [open_case(db, shop, f"2026-12-0{d}T{h:02d}:10") for d in (1, 2, 3) for h in (8, 12, 16)]
    with mock.patch("tajriba.cases.service.utcnow", return_value=at("2026-12-06T09:30")):
        service.add_note(db, case=cases[0], data=NoteIn(kind="call", body="x"), actor=Actor())
    move(db, shop, cases[1], "waiting", "2026-12-06T10:00")
    db.commit()
    # the team's calendar changes: shorter days; every running clock gets new due times at once
    config.save_calendar(
        db,
        workspace_id=shop["ws"].id,
        actor=Actor(),
        row=shop["cal"],
        data=CalendarIn(name="Riyadh", week="sun-thu 10:00-14:00", country="SA"),
    )
    db.commit()
    recomputed = {
        c.id: (c.first_response_due_at, c.resolution_due_at, c.warn_due_at)
        for c in db.scalars(select(Case).order_by(Case.id))
    }
    for case in db.scalars(select(Case)):
        sla.refresh(db, case)
        assert (case.first_response_due_at, case.resolution_due_at, case.warn_due_at) == recomputed[case.id]
    # opened Tuesday 1 December 16:10, after hours: 8 h = Wednesday and Thursday 10:00-14:00
    assert local(cases[2].resolution_due_at) == "2026-12-03 14:00"
    assert recomputed[cases[1].id] == (None, None, None)  # paused: nothing due
    db.rollback()
