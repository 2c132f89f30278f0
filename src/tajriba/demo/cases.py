"""The demo's closed loop: a Saudi care team on a calendar with Ramadan hours and both Eids, rules that opened
cases from the last months of answers, feedback, tickets and churn risk, worked by the team (most resolved
with a root cause and a follow-up answer, some past their SLA), and a few still open, at risk now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import System
from tajriba.cases import business_time as bt
from tajriba.cases import config, rules, service, sla
from tajriba.cases.schemas import (
    CalendarIn,
    NoteIn,
    Priority,
    RuleConditions,
    RuleIn,
    SlaPolicyIn,
    TeamIn,
    TransitionIn,
)
from tajriba.models import Case, RootCause, SlaPolicy, Workspace

HISTORY_DAYS = 150  # rules look back this far from the demo's last day
STILL_OPEN = 8
ACTIONS = (
    "اعتذرنا للعميل وأعدنا إرسال الطلب مع شحن مجاني",
    "تواصلنا مع شركة الشحن وتم التسليم في اليوم التالي",
    "أعدنا المبلغ كاملاً إلى بطاقة العميل",
    "صححنا الفاتورة وأرسلنا نسخة جديدة",
    "درّبنا الموظف وقدمنا قسيمة خصم للعميل",
    "أصلحنا الخلل في التطبيق وأبلغنا العميل",
)
# what the customer's words point at (folded text), else a cause drawn at random
CAUSE_BY_WORDS = (
    ("late_delivery", ("تاخر", "تأخر", "ما وصل", "لم يصل", "late", "delay", "تاخیر", "نرسید")),
    ("refund_delay", ("استرداد", "استرجاع", "refund", "بازپرداخت")),
    ("damaged_item", ("تالف", "مكسور", "خربان", "damaged", "broken", "خراب")),
    ("no_response", ("يرد", "رد", "answer", "response", "جواب")),
    ("price", ("سعر", "غالي", "price", "expensive", "قیمت")),
    ("app_website", ("تطبيق", "موقع", "app", "website", "برنامه")),
    ("billing_error", ("فاتورة", "خصم مرتين", "charged", "invoice")),
)


def configure(
    session: Session, *, workspace_id: int, agent_ids: list[int], lead_id: int, since: datetime
) -> None:
    """The care team, its calendar, SLA policies and the rules (running from `since`)."""
    actor = System("demo")
    cal = config.save_calendar(
        session,
        workspace_id=workspace_id,
        actor=actor,
        data=CalendarIn(
            name="الرياض - خدمة العملاء",
            timezone="Asia/Riyadh",
            week="sun-thu 09:00-21:00; sat 10:00-18:00",
            country="SA",
            ramadan="10:00-16:00,21:00-24:00",
            eid_al_fitr=(1, 4),
            eid_al_adha=(9, 4),
        ),
    )
    team = config.save_team(
        session,
        workspace_id=workspace_id,
        actor=actor,
        data=TeamIn(
            name="فريق خدمة العملاء",
            lead_id=lead_id,
            calendar_id=cal.id,
            routing="least_loaded",
            capacity=400,
            members=agent_ids,
            languages={a: (["ar", "en"] if i else ["ar", "fa", "en"]) for i, a in enumerate(agent_ids)},
        ),
    )
    for policy in POLICIES:
        config.save_policy(session, workspace_id=workspace_id, actor=actor, data=policy)
    for data in _rules(team.id):
        rule = rules.create_rule(session, workspace_id=workspace_id, data=data, actor=actor)
        rule.since = since


POLICIES = (
    SlaPolicyIn(
        name="عاجل",
        position=0,
        priorities=["urgent", "high"],
        first_response_minutes=60,
        resolution_minutes=8 * 60,
    ),
    SlaPolicyIn(
        name="قياسي",
        position=1,
        first_response_minutes=4 * 60,
        next_response_minutes=8 * 60,
        resolution_minutes=3 * 11 * 60,
    ),
)


def _rules(team_id: int) -> list[RuleIn]:
    """Detractors, low CSAT, complaint words in reviews, complaint tickets, valuable customers slipping away."""
    conditions: list[tuple[str, Priority, RuleConditions]] = [
        ("المنتقدون (NPS من 0 إلى 6)", "high", RuleConditions(signal="score", metric="nps", dedupe_days=14)),
        ("رضا منخفض (CSAT 1-2)", "normal", RuleConditions(signal="score", metric="csat", dedupe_days=14)),
        (
            "كلمات الشكوى في التقييمات",
            "normal",
            RuleConditions(
                signal="text", sentiments=["negative", "mixed"], use_complaint_words=True, dedupe_days=14
            ),
        ),
        ("تذاكر الشكاوى", "high", RuleConditions(signal="ticket", dedupe_days=14)),
        (
            "عملاء ذوو قيمة عالية معرضون للمغادرة",
            "urgent",
            RuleConditions(signal="churn", tiers=["high"], max_p_alive=0.3, dedupe_days=30),
        ),
    ]
    return [
        RuleIn(name=name, priority=priority, team_id=team_id, position=i, conditions=c)
        for i, (name, priority, c) in enumerate(conditions)
    ]


def _add(cal: bt.Calendar, start: datetime, seconds: float) -> datetime:
    due = float(bt.add(cal, np.array([start.timestamp()]), np.array([seconds]))[0])
    return datetime.fromtimestamp(due, UTC)


def work(
    session: Session, *, workspace: Workspace, end: datetime, now: datetime, seed: int = 7
) -> dict[str, int]:
    """Play the team's work on every case the rules opened: replies, resolutions with root causes, follow-up
    answers, SLA warnings and breaches where the work was slow; the last few stay open, due around `now`."""
    rng = np.random.default_rng(seed)
    causes = {
        c.key: c for c in session.scalars(select(RootCause).where(RootCause.workspace_id == workspace.id))
    }
    cases = list(
        session.scalars(
            select(Case).where(Case.workspace_id == workspace.id).order_by(Case.opened_at, Case.id)
        )
    )
    counts = {"resolved": 0, "breached": 0, "recovered": 0, "open": 0}
    for case in cases[:-STILL_OPEN]:
        _work_case(session, case, workspace=workspace, rng=rng, causes=causes, end=end, counts=counts)
    for i, case in enumerate(cases[-STILL_OPEN:]):
        _still_open(session, case, workspace, now, i)
        counts["open"] += 1
    return counts


def _work_case(
    session: Session,
    case: Case,
    *,
    workspace: Workspace,
    rng: np.random.Generator,
    causes: dict[str, RootCause],
    end: datetime,
    counts: dict[str, int],
) -> None:
    """One case answered, resolved with a root cause, perhaps followed up, and closed a week later."""
    cal = sla.calendar_for(session, case, None)
    slow = rng.random() < 0.12
    # work that would run past the demo's last day is done just before it: only the last few stay open
    first = min(
        _add(cal, case.opened_at, float(rng.lognormal(np.log(35 * 60), 0.6)) * (6 if slow else 1)),
        max(end - timedelta(hours=2), case.opened_at + timedelta(minutes=5)),
    )
    service.add_note(
        session,
        case=case,
        actor=None,
        at=first,
        data=NoteIn(kind="message", channel="whatsapp", body="نعتذر عن التجربة، نتابع طلبك الآن"),
    )
    resolved_at = min(
        _add(cal, first, float(rng.lognormal(np.log(5 * 3600), 0.7)) * (5 if slow else 1)),
        max(end - timedelta(hours=1), first + timedelta(minutes=5)),
    )
    words = str(case.subject).lower()
    keys = list(causes)
    key = (
        next((k for k, ws in CAUSE_BY_WORDS if any(w in words for w in ws)), None)
        or keys[int(rng.integers(len(keys)))]
    )
    case.root_cause_id = causes[key].id if key in causes else None
    case.action_taken = ACTIONS[int(rng.integers(len(ACTIONS)))]
    _mark_sla(session, case, first, resolved_at)
    resolve = TransitionIn(status="resolved")
    service.transition(
        session, case=case, workspace=workspace, actor=None, at=resolved_at, automatic=True, data=resolve
    )
    counts["resolved"] += 1
    counts["breached"] += int(case.sla_state == "breached")
    if case.metric in ("nps", "csat", "ces") and case.customer_id and rng.random() < 0.7:
        recovered = rng.random() < 0.62
        score = float(rng.choice([4, 5]) if recovered else rng.choice([1, 2, 3]))
        case.follow_up_score, case.recovered = score, recovered
        answer = NoteIn(kind="customer", body=f"CSAT {score:g}")
        service.add_note(session, case=case, actor=None, at=resolved_at + timedelta(hours=20), data=answer)
        counts["recovered"] += int(recovered)
    if resolved_at + timedelta(days=7) < end:
        close = TransitionIn(status="closed")
        at = resolved_at + timedelta(days=7)
        service.transition(
            session, case=case, workspace=workspace, actor=None, automatic=True, at=at, data=close
        )


def _mark_sla(session: Session, case: Case, first: datetime, resolved_at: datetime) -> None:
    """The warnings and breaches the worker would have recorded while the case was worked."""
    if case.sla_policy_id is None:
        return
    breaches = [
        (n, d)
        for n, d, done in (
            ("first_response", case.first_response_due_at, first),
            ("resolution", case.resolution_due_at, resolved_at),
        )
        if d and done > d
    ]
    if case.warn_due_at is not None and case.warn_due_at < resolved_at:
        sla.event(session, case, "warned", case.warn_due_at)
    for name, due in breaches:
        sla.event(session, case, "breached", due, targets=[name])
        case.sla_state = "breached"
        case.escalation_level = 1


def _still_open(session: Session, case: Case, workspace: Workspace, now: datetime, i: int) -> None:
    """A case the customer answered recently: its clock ran before, waited on the customer, and runs again
    from a few hours ago, so its due time is around now (some already at risk)."""
    if case.status not in ("new", "open"):
        return
    service.add_note(
        session,
        case=case,
        actor=None,
        at=case.opened_at + timedelta(minutes=30),
        data=NoteIn(kind="message", channel="email", body="نعتذر، هل يمكنك تزويدنا برقم الطلب؟"),
    )
    service.transition(
        session,
        case=case,
        workspace=workspace,
        actor=None,
        at=case.opened_at + timedelta(hours=1),
        automatic=True,
        data=TransitionIn(status="waiting"),
    )
    if i % 3 == 2:  # still waiting on the customer
        return
    back = now - timedelta(minutes=20 + 40 * i)
    policy = session.get(SlaPolicy, case.sla_policy_id) if case.sla_policy_id else None
    if i % 3 == 1 and policy is not None and policy.resolution_minutes:
        # this one took long before it waited on the customer: 80 % of its resolution time is used
        case.clock_consumed_s = max(case.clock_consumed_s, 0.8 * policy.resolution_minutes * 60)
    service.add_note(
        session,
        case=case,
        actor=None,
        at=back,
        data=NoteIn(kind="customer", body="رقم الطلب موجود في الرسالة السابقة"),
    )
    case.status = "open"
    sla.refresh(session, case)
    if case.warn_due_at is not None and case.warn_due_at <= now:
        case.sla_state = "at_risk"
        sla.event(session, case, "warned", case.warn_due_at)
