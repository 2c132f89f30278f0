"""The demo workspace: an Arabic-first online store in Saudi Arabia, deterministic by seed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tajriba.audit import System
from tajriba.db.session import transaction
from tajriba.warehouse import Warehouse

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@tajriba.example"
DEMO_PASSWORD = "tajriba-demo"  # noqa: S105 - the published demo login
DEMO_ROLES = {
    "analyst": "analyst@tajriba.example",
    "agent": "agent@tajriba.example",
    "viewer": "viewer@tajriba.example",
}


def _store(warehouse: Warehouse, data: Any) -> dict[str, int]:
    """The generated world into the warehouse, table by table: rows stored per table."""
    return {
        table: warehouse.append(table, frame)
        for table, frame in (
            ("customers", data.customers),
            ("customer_identities", data.identities),
            ("orders", data.orders),
            ("survey_responses", data.responses),
            ("feedback_texts", data.feedback),
            ("tickets", data.tickets),
            ("consents", data.consents),
            ("events", data.events),
        )
    }


def _derived(warehouse: Warehouse, workspace_id: int) -> dict[str, int]:
    """What the product computes from the data, as of the last demo day (so the demo stays deterministic):
    customers' lifetime values and the texts' analyses."""
    from tajriba.demo.generate import END
    from tajriba.text import service as text_service
    from tajriba.text import topics
    from tajriba.value import service as value_service

    run = value_service.compute(warehouse, workspace_id, computed_at=END)
    enriched = text_service.enrich(warehouse, workspace_id, topics.default(), processed_at=END)
    return {"customer_values": run.customers, "text_enrichments": enriched.processed}


def build_demo(
    factory: sessionmaker[Session],
    warehouse: Warehouse,
    *,
    scale: float = 1.0,
    seed: int = 7,
    rebuild: bool = False,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    """Create the demo workspace and fill both stores; skip when it exists unless `rebuild`."""
    import time

    from tajriba.accounts import service as accounts
    from tajriba.demo.generate import generate
    from tajriba.errors import Invalid
    from tajriba.models import Workspace

    if scale <= 0 or scale > 20:
        raise Invalid("--scale must be greater than 0 and at most 20", field="scale")
    with transaction(factory) as session:
        existing = session.scalar(select(Workspace).where(Workspace.slug == DEMO_SLUG))
        if existing is not None:
            if not rebuild:
                return {"skipped": True, "workspace_id": existing.id}
            warehouse.delete_workspace(existing.id)
            session.delete(existing)
    started = time.perf_counter()
    with transaction(factory) as session:
        workspace_id, touchpoint_ids = _configure(session, accounts)
        survey_ids = _surveys(session, workspace_id, touchpoint_ids)
    progress(f"workspace, personas, journey, {len(touchpoint_ids)} touchpoints and surveys created")
    data = generate(
        scale=scale,
        seed=seed,
        workspace_id=workspace_id,
        touchpoint_ids=touchpoint_ids,
        survey_ids=survey_ids,
    )
    progress(f"generated {len(data.events):,} events in {time.perf_counter() - started:.1f} s")
    counts = _store(warehouse, data)
    counts["survey_invitations"] = _invitations(factory, data.responses, survey_ids, workspace_id, seed)
    counts.update(_derived(warehouse, workspace_id))
    from tajriba.demo import goals

    with transaction(factory) as session:
        counts["goals"] = goals.create(session, workspace_id, touchpoint_ids)
    counts.update(_cases(factory, warehouse, workspace_id, accounts))
    progress(f"cases worked in {time.perf_counter() - started:.1f} s")
    counts.update(_loyalty_and_listening(factory, warehouse, data, workspace_id, touchpoint_ids, seed, scale))
    progress(f"loyalty programme run and social mentions stored in {time.perf_counter() - started:.1f} s")
    with transaction(factory) as session:
        from tajriba.demo import contact_centre

        counts.update(contact_centre.configure(session, warehouse, workspace_id, seed))
    warehouse.checkpoint()
    progress(f"stored in {time.perf_counter() - started:.1f} s")
    return {"skipped": False, "workspace_id": workspace_id, "counts": counts}


def _loyalty_and_listening(
    factory: sessionmaker[Session],
    warehouse: Warehouse,
    data: Any,
    workspace_id: int,
    touchpoint_ids: dict[str, int],
    seed: int,
    scale: float,
) -> dict[str, Any]:
    """The loyalty programme run over the year, then the year's public mentions of the store and two rivals."""
    from tajriba.demo import listening, loyalty

    counts = loyalty.run(factory, warehouse, workspace_id=workspace_id, events=data.events)
    counts.update(
        listening.run(
            factory,
            warehouse,
            workspace_id=workspace_id,
            seed=seed,
            scale=scale,
            touchpoint_ids=touchpoint_ids,
        )
    )
    return counts


def _cases(
    factory: sessionmaker[Session], warehouse: Warehouse, workspace_id: int, accounts: Any
) -> dict[str, int]:
    """The care team, its calendar, SLA policies and rules, and the cases they opened and worked."""
    from datetime import UTC, datetime, timedelta

    from tajriba.cases import rules
    from tajriba.demo import cases
    from tajriba.demo.generate import END
    from tajriba.errors import NotFound
    from tajriba.models import Workspace

    end = END.replace(tzinfo=UTC)
    since = end - timedelta(days=cases.HISTORY_DAYS)
    with transaction(factory) as session:
        agents = []
        for i, email in enumerate((DEMO_ROLES["agent"], "agent2@tajriba.example", "agent3@tajriba.example")):
            try:
                user = accounts.get_user_by_email(session, email=email)
            except NotFound:
                name = ("موظف الخدمة", "نورة - خدمة العملاء", "رضا - الدعم")[i]
                user = accounts.create_user(
                    session, email=email, name=name, password=DEMO_PASSWORD, locale="ar"
                )
            ws = session.get(Workspace, workspace_id)
            assert ws is not None
            accounts.set_role(session, workspace=ws, user=user, role="agent")
            agents.append(user.id)
        owner = accounts.get_user_by_email(session, email=DEMO_EMAIL)
        cases.configure(session, workspace_id=workspace_id, agent_ids=agents, lead_id=owner.id, since=since)
    with transaction(factory) as session:
        found = rules.evaluate(
            session, warehouse, workspace_id=workspace_id, until=end, limit=200_000, now=end
        )
        ws = session.get(Workspace, workspace_id)
        assert ws is not None
        worked = cases.work(session, workspace=ws, end=end, now=datetime.now(UTC))
    rules.store_signals(warehouse, found.signals)
    return {
        "cases": found.opened,
        "case_signals": found.matched,
        **{f"cases_{k}": v for k, v in worked.items()},
    }


def _configure(session: Session, accounts: Any) -> tuple[int, dict[str, int]]:
    """The demo workspace, its people (one per role), personas, journey, stages, touchpoints and items."""
    from tajriba.demo.catalog import STORE_NAME

    ws = accounts.create_workspace(
        session,
        slug=DEMO_SLUG,
        name=STORE_NAME["ar"],
        default_locale="ar",
        calendar="gregorian",
        timezone="Asia/Riyadh",
        currency="SAR",
    )
    ws.settings = {"names": STORE_NAME}
    users = _demo_users(session, accounts, ws)
    personas = _demo_personas(session, ws.id)
    journey_id, stage_ids = _demo_journey(session, ws.id, owner_id=users["owner"].id, personas=personas)
    return ws.id, _demo_touchpoints(session, ws.id, journey_id, stage_ids)


USER_NAMES = {"owner": "مدير التجربة", "analyst": "محللة البيانات", "agent": "موظف الخدمة", "viewer": "مشاهد"}


def _demo_users(session: Session, accounts: Any, ws: Any) -> dict[str, Any]:
    """The demo login (owner) and one person per other role, reused when they exist already."""
    from tajriba.errors import NotFound

    users = {}
    for role, email in {"owner": DEMO_EMAIL, **DEMO_ROLES}.items():
        try:
            user = accounts.get_user_by_email(session, email=email)
        except NotFound:
            user = accounts.create_user(
                session, email=email, name=USER_NAMES[role], password=DEMO_PASSWORD, locale="ar"
            )
        accounts.set_role(session, workspace=ws, user=user, role=role)
        users[role] = user
    return users


def _demo_personas(session: Session, workspace_id: int) -> list[Any]:
    from tajriba.demo.catalog import PERSONAS
    from tajriba.models import Persona

    personas = []
    for p in PERSONAS:
        persona = Persona(
            workspace_id=workspace_id,
            key=p["key"],
            name=p["names"]["en"],
            names=p["names"],
            description=p["description"],
            goals=p["goals"],
            needs=p["needs"],
            frustrations=p["frustrations"],
            habits=p["habits"],
            channels=p["channels"],
            languages=p["languages"],
            quote=p["quote"],
            desired_experience=p["desired_experience"],
            segment_rule={"trait": "persona_key", "equals": p["key"]},
        )
        session.add(persona)
        personas.append(persona)
    return personas


def _demo_journey(
    session: Session, workspace_id: int, *, owner_id: int, personas: list[Any]
) -> tuple[int, dict[str, int]]:
    """The online shopping journey for every persona, with its stages: (journey id, stage ids by key)."""
    from tajriba.demo.catalog import STAGES
    from tajriba.models import Journey, JourneyPersona, Stage

    journey = Journey(
        workspace_id=workspace_id,
        name="Online shopping journey",
        names={"ar": "رحلة التسوق الإلكتروني", "fa": "سفر خرید آنلاین", "en": "Online shopping journey"},
        description="من أول إعلان إلى الولاء والتوصية",
        status="current",
        owner_user_id=owner_id,
    )
    session.add(journey)
    session.flush()
    for persona in personas:
        session.add(JourneyPersona(journey_id=journey.id, persona_id=persona.id, workspace_id=workspace_id))
    stage_ids = {}
    for position, (key, names) in enumerate(STAGES):
        stage = Stage(
            workspace_id=workspace_id,
            journey_id=journey.id,
            key=key,
            name=names["en"],
            names=names,
            position=position,
        )
        session.add(stage)
        session.flush()
        stage_ids[key] = stage.id
    return journey.id, stage_ids


def _demo_touchpoints(
    session: Session, workspace_id: int, journey_id: int, stage_ids: dict[str, int]
) -> dict[str, int]:
    """The touchpoint inventory and its pain points, opportunities and solutions: touchpoint ids by key."""
    from tajriba.demo.catalog import ITEMS, TOUCHPOINTS
    from tajriba.models import Touchpoint, TouchpointItem

    touchpoint_ids = {}
    for position, t in enumerate(TOUCHPOINTS):
        tp = Touchpoint(
            workspace_id=workspace_id,
            journey_id=journey_id,
            stage_id=stage_ids[t.stage],
            key=t.key,
            name=t.names["en"],
            names=t.names,
            position=position,
            channel=t.channel,
            direct=t.direct,
            business_purpose=t.purpose,
            customer_impact=t.impact,
            owner_team=t.owner_team,
            desired_emotion=t.emotion,
            targets=t.targets,
        )
        session.add(tp)
        session.flush()
        touchpoint_ids[t.key] = tp.id
    for position, (key, kind, text, team, status) in enumerate(ITEMS):
        session.add(
            TouchpointItem(
                workspace_id=workspace_id,
                journey_id=journey_id,
                touchpoint_id=touchpoint_ids[key],
                kind=kind,
                text=text,
                owner_team=team,
                status=status,
                position=position,
            )
        )
    return touchpoint_ids


def _surveys(session: Session, workspace_id: int, touchpoint_ids: dict[str, int]) -> dict[str, int]:
    """The store's four surveys, live since the demo year began."""
    from tajriba.demo import surveys as demo_surveys
    from tajriba.surveys import service as surveys

    out = {}
    for spec in demo_surveys.SURVEYS:
        survey = surveys.create_survey(
            session,
            workspace_id=workspace_id,
            name=spec.name,
            key=spec.key,
            definition=demo_surveys.definition(spec),
            touchpoint_id=touchpoint_ids.get(spec.touchpoint) if spec.touchpoint else None,
            template=spec.template,
            link_days=spec.link_days,
            actor=System("demo"),
        )
        survey.status = "active"
        out[spec.key] = survey.id
    return out


def _invitations(
    factory: sessionmaker[Session], responses: Any, survey_ids: dict[str, int], workspace_id: int, seed: int
) -> int:
    from sqlalchemy import insert

    from tajriba.demo import surveys as demo_surveys
    from tajriba.models import SurveyInvitation

    rows = demo_surveys.invitations(responses, survey_ids, workspace_id, seed=seed)
    with transaction(factory) as session:
        for i in range(0, len(rows), 5000):
            session.execute(insert(SurveyInvitation), rows[i : i + 5000])
    return len(rows)
