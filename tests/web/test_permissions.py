"""Permission matrix: every route x every role, cross-workspace attempts, and the docs kept honest."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tajriba.accounts import service
from tajriba.app import routers
from tajriba.goals.schemas import GoalCreate
from tajriba.permissions import MATRIX, ROLES, allowed, permission_table
from tajriba.web.deps import Require, RequireKey
from tests.conftest import csrf_from, login, make_user, make_workspace

# Routes that need no workspace permission: who may call them is stated here.
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/preferences"),
    ("GET", "/api/docs"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs/oauth2-redirect"),
    # respondent pages: anyone holding a survey's public or personal link (tests/surveys)
    ("GET", "/s/{token}"),
    ("POST", "/s/{token}"),
    ("GET", "/s/{token}/done"),
    # the one-tap stop link every invitation carries: anyone holding it (tests/surveys/test_stop.py)
    ("GET", "/s/stop/{token}"),
    ("POST", "/s/stop/{token}"),
    # the public privacy request form and its code page: anyone (tests/privacy/test_pages.py)
    ("GET", "/privacy/{workspace}/request"),
    ("POST", "/privacy/{workspace}/request"),
    ("GET", "/privacy/{workspace}/request/{ticket}"),
    ("POST", "/privacy/{workspace}/request/{ticket}"),
    # a signed, expiring link to the read-only executive summary (tests/reports)
    ("GET", "/r/{token}"),
    ("GET", "/r/{token}/summary.{fmt}"),
    # a listening provider's delivery, signed with its source's secret (tests/social/test_api.py)
    ("POST", "/api/v1/social/webhooks/{key}"),
}
LOGGED_IN = {("GET", "/"), ("GET", "/account")}
# routes that need query parameters to answer 200
QUERIES = {
    "/api/v1/journey-analytics/funnel": "?steps=1&steps=2",
    "/api/v1/journeys/{journey_id}/before-after": "?change_date=2026-01-01",
    "/api/v1/metrics": "?metric=nps&by=touchpoint&period=month",
    "/api/v1/metrics/compare": "?metric=csat&before_start=2026-01-01&before_end=2026-02-01"
    "&after_start=2026-02-01&after_end=2026-03-01",
    "/api/v1/metrics/trend": "?metric=nps&period=week",
    "/w/{workspace}/metrics/export": "?table=volume&format=csv",
    "/api/v1/case-rules/{rule_id}/preview": "?start=2026-01-01&end=2026-02-01",
    "/api/v1/calendars/{calendar_id}/business-time": "?start=2026-01-04T09:00&end=2026-01-05T09:00",
}
ABSENT = {
    "/w/{workspace}/imports/{token}",
    "/w/{workspace}/imports/jobs/{job_id}/rejected.csv",
    "/w/{workspace}/surveys/{survey_id}/responses/{response_id}",
}
# The tracking API authenticates each request by its write key (tests/ingest check it on every path).
WRITE_KEY_ROUTES = {
    "/v1/batch",
    "/v1/b",
    "/batch",
    "/b",
    "/v1/m",
    "/v1/projects/{write_key}/settings",
    "/v1/{rest:path}",
    *(f"/v1/{t}" for t in ("identify", "track", "page", "screen", "group", "alias")),
    *(f"/v1/{t}" for t in "itpsga"),
}


def _permission(route: APIRoute) -> Require | RequireKey | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, (Require, RequireKey)):
            return dep.call
        stack.extend(dep.dependencies)
    return None


def _routes(app) -> Iterator[tuple[str, str, APIRoute]]:  # type: ignore[no-untyped-def]
    for router in routers():
        for route in router.routes:
            assert isinstance(route, APIRoute)
            for method in sorted(route.methods - {"HEAD"}):
                yield method, route.path, route


def test_the_app_serves_exactly_the_listed_routers(app) -> None:
    included = [getattr(r, "original_router", None) for r in app.routes]
    included = [r for r in included if r is not None]
    if included:  # FastAPI >= 0.16x keeps included routers whole
        assert included == routers()
    paths = {getattr(r, "path", None) for r in app.routes}
    assert paths - {None} <= {"/api/openapi.json", "/api/docs", "/docs/oauth2-redirect", "/static"} | {
        route.path for router in routers() for route in router.routes
    }


def test_every_route_declares_who_may_use_it(app) -> None:
    for method, path, route in _routes(app):
        perm = _permission(route)
        if path.startswith("/w/{workspace}"):
            assert isinstance(perm, Require), f"{method} {path} has no workspace permission check"
        elif (method, path) in PUBLIC:
            assert perm is None, f"{method} {path} is listed as public but checks a permission"
        elif path.startswith("/api/v1/"):
            assert isinstance(perm, RequireKey), f"{method} {path} has no API key permission check"
        elif path.startswith("/v1/") or path in ("/batch", "/b"):
            assert path in WRITE_KEY_ROUTES, f"{method} {path} is not a known tracking route"
        else:
            assert (method, path) in PUBLIC | LOGGED_IN, f"{method} {path} is not classified"


@pytest.fixture
def world(app, db):  # type: ignore[no-untyped-def]
    a = make_workspace(db, "alpha", name="Alpha Store")
    b = make_workspace(db, "bravo", name="Bravo Secret Store")
    users = {role: make_user(db, f"{role}@alpha.example", workspace=a, role=role) for role in ROLES}
    outsider = make_user(db, "owner@bravo.example", workspace=b, role="owner")
    wh = app.state.warehouse
    for ws, n in ((a, 3), (b, 5)):
        wh.append(
            "customers",
            pd.DataFrame(
                {
                    "workspace_id": ws.id,
                    "customer_id": [f"{ws.slug}-{i}" for i in range(n)],
                    "name": [f"{ws.slug} customer {i}" for i in range(n)],
                    "first_seen_at": datetime(2026, 1, 1),
                }
            ),
        )
        wh.append(
            "customer_values",
            pd.DataFrame(
                {
                    "workspace_id": [ws.id],
                    "customer_id": [f"{ws.slug}-0"],
                    "computed_at": [datetime(2026, 2, 1)],
                    "observation_end": [datetime(2026, 2, 1)],
                    "clv": [10.0],
                    "p_alive": [0.5],
                    "segment": ["new"],
                }
            ),
        )
    key, _secret = service.create_key(db, workspace=b, kind="api", name="bravo key")
    a_key, _secret = service.create_key(db, workspace=a, kind="api", name="alpha key")
    db.commit()
    ids = {ws.slug: _journey_objects(db, ws) for ws in (a, b)}
    db.commit()
    for ws in (a, b):
        ids[ws.slug].update(_social_objects(db, wh, ws))
    db.commit()
    return {
        "a": a,
        "b": b,
        "users": users,
        "outsider": outsider,
        "b_key_id": key.id,
        "a_key_id": a_key.id,
        "ids": ids,
    }


def _journey_objects(db, ws) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A persona and a future-state journey (based on a current one) with a stage, a touchpoint and an item."""
    from tajriba.journeys import redesign, schemas
    from tajriba.journeys import service as journeys

    class System:
        def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
            pass

    actor = System()
    persona = journeys.create_persona(
        db, workspace_id=ws.id, persona_in=schemas.PersonaIn(key="p", name="P"), actor=actor
    )
    current = journeys.create_journey(
        db,
        workspace_id=ws.id,
        journey_in=schemas.JourneyIn(name=f"{ws.slug} journey", stages=[schemas.StageIn(key="s", name="S")]),
        actor=actor,
    )
    tp = journeys.create_touchpoint(
        db,
        journey=current,
        touchpoint_in=schemas.TouchpointIn(key=f"{ws.slug}-tp", name="T", stage_key="s"),
        actor=actor,
    )
    journeys.create_item(
        db, touchpoint=tp, item_in=schemas.ItemIn(kind="pain_point", text="slow"), actor=actor
    )
    future = redesign.copy_as_future(db, journey=current, actor=actor)
    stage = journeys.list_stages(db, journey_id=future.id)[0]
    ftp = journeys.list_touchpoints(db, journey_id=future.id)[0]
    item = journeys.list_items(db, journey_id=future.id)[0]
    from tajriba.surveys import service as surveys

    survey = surveys.from_template(
        db, workspace_id=ws.id, template="relationship_nps", locale="en", actor=actor
    )
    from datetime import date

    from tajriba.goals import service as goals

    goal = goals.create_goal(
        db,
        workspace_id=ws.id,
        data=GoalCreate(
            name="G", metric="nps", target=30, start_date=date(2026, 1, 1), due_date=date(2026, 6, 1)
        ),
        actor=actor,
    )
    from tajriba.cases import config, notify, rules
    from tajriba.cases.schemas import CalendarIn, RuleConditions, RuleIn, TeamIn, WebhookIn
    from tajriba.models import Case, Membership

    cal = config.save_calendar(db, workspace_id=ws.id, actor=actor, data=CalendarIn(name="Riyadh"))
    members = [m.user_id for m in db.query(Membership).filter_by(workspace_id=ws.id) if m.role != "viewer"]
    team = config.save_team(db, workspace_id=ws.id, actor=actor, data=TeamIn(name="Care", members=members))
    rules.create_rule(
        db,
        workspace_id=ws.id,
        actor=actor,
        data=RuleIn(name="Detractors", conditions=RuleConditions(signal="score", metric="nps")),
    )
    hook = notify.create_webhook(
        db, workspace_id=ws.id, actor=actor, data=WebhookIn(name="H", url="http://127.0.0.1:9/hook")
    )
    from tajriba.forecasting import plans
    from tajriba.forecasting.schemas import TeamIn as StaffingTeamIn

    staffing = plans.save_team(db, workspace_id=ws.id, data=StaffingTeamIn(name="Care"), actor=actor)
    from tajriba.privacy import service as privacy
    from tajriba.privacy.schemas import RequestIn

    privacy_request = privacy.log_request(
        db,
        workspace_id=ws.id,
        data=RequestIn(kind="access", channel="agent", customer_id=f"{ws.slug}-0"),
        actor=actor,
    )
    hold = privacy.place_hold(
        db,
        workspace_id=ws.id,
        customer_id=f"{ws.slug}-9",
        reason="court case 1/2026 pending",
        reference=None,
        actor=actor,
    )
    breach = privacy.log_breach(
        db,
        workspace_id=ws.id,
        data={"title": "lost laptop", "description": "a laptop was stolen"},
        actor=actor,
    )
    from tajriba.loyalty import service as loyalty
    from tajriba.models.base import utcnow

    programme = loyalty.start_programme(db, workspace_id=ws.id, name="Rewards")
    loyalty.enrol(db, programme=programme, customer_id=f"{ws.slug}-0", now=utcnow())
    from tajriba.models import OfferBatch

    offer_batch = OfferBatch(workspace_id=ws.id, name="June", channel="email")
    db.add(offer_batch)
    case = Case(workspace_id=ws.id, subject=f"{ws.slug} case", source="manual", team_id=team.id)
    db.add(case)
    db.flush()
    return {
        "case_id": case.id,
        "calendar_id": cal.id,
        "webhook_id": hook.id,
        "policy_id": 0,
        "team_id": team.id,
        "staffing_team_id": staffing.id,
        "privacy_request_id": privacy_request.id,
        "breach_id": breach.id,
        "hold_id": hold.id,
        "goal_id": goal.id,
        "batch_id": offer_batch.id,
        "survey_id": survey.id,
        "journey_id": future.id,
        "stage_id": stage.id,
        "touchpoint_id": ftp.id,
        "item_id": item.id,
        "persona_id": persona.id,
    }


def _social_objects(db, wh, ws) -> dict[str, int | str]:  # type: ignore[no-untyped-def]
    """A listening query, a webhook source, a mention and a reply to it."""
    from tajriba.models.base import utcnow
    from tajriba.social import service as social
    from tajriba.social.connectors import Mention
    from tajriba.social.schemas import QueryIn, ReplyIn, SourceIn

    class System:
        def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
            pass

    actor = System()
    query = social.create_query(db, workspace=ws, data=QueryIn(name="Us", keywords=[ws.slug]), actor=actor)
    source = social.create_source(db, workspace=ws, data=SourceIn(kind="webhook", name="P"), actor=actor)
    item = Mention(platform="x", text=f"{ws.slug} mention", url=f"https://x.com/{ws.slug}/status/1",
                   created_at=datetime(2026, 1, 1))  # fmt: skip
    report = social.take(db, wh, workspace=ws, items=[item], now=utcnow().replace(tzinfo=None))
    reply = social.reply(db, workspace_id=ws.id, mention_id=report.ids[0], data=ReplyIn(text="hi"), user_id=None,
                         actor=actor)  # fmt: skip
    return {"query_id": query.id, "source_id": source.id, "mention_id": report.ids[0], "reply_id": reply.id}


def _page_routes(app, method: str) -> list[tuple[str, Require]]:  # type: ignore[no-untyped-def]
    out = []
    for m, path, route in _routes(app):
        perm = _permission(route)
        if m == method and isinstance(perm, Require):
            out.append((path, perm))
    assert out, f"no {method} page routes found"
    return out


# the file format each download route is walked with (the rest: svg, the QR codes)
FORMATS = {
    "/export.": "json",
    "/results.": "csv",
    "/responses.": "csv",
    "/call-list.": "csv",
    "/summary.": "pdf",
}


def _fill(path: str, ws_slug: str, key_id: int = 1, user_id: int = 1, **ids: int) -> str:
    return path.format(
        **ids,
        fmt=next((f for part, f in FORMATS.items() if part in path), "svg"),
        response_id="no-such-response",
        workspace=ws_slug,
        key_id=key_id,
        user_id=user_id,
        rule_id=1,
        token="no-such-upload-token-xx",
        job_id=999999,
        customer_id=f"{ws_slug}-0",
        merge_id="no-such-merge",
        key="src_no_such_source",
    )


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_the_pages_the_matrix_allows(app, world, role) -> None:
    with TestClient(app, follow_redirects=False) as client:
        login(client, world["users"][role])
        for path, perm in _page_routes(app, "GET"):
            url = _fill(path, "alpha", **world["ids"]["alpha"]) + QUERIES.get(path, "")
            response = client.get(url)
            found = 404 if path in ABSENT else 200  # routes whose resource the fixture does not create
            expected = found if allowed(role, perm.permission) else 403
            assert response.status_code == expected, f"{role} GET {url}: {response.status_code}"
        token = csrf_from(client, "/account")
        for path, perm in _page_routes(app, "POST"):
            url = _fill(
                path,
                "alpha",
                key_id=world["a_key_id"],
                user_id=world["users"]["viewer"].id,
                **world["ids"]["alpha"],
            )
            response = client.post(url, data={"csrf_token": token})
            assert response.status_code < 500, f"{role} POST {url}: {response.status_code}"
            if allowed(role, perm.permission):  # past the permission check (404: no such merge to undo)
                assert response.status_code not in (401, 403), f"{role} POST {url}: {response.status_code}"
            else:
                assert response.status_code == 403, f"{role} POST {url}: {response.status_code}"


def test_anonymous_visitors_are_sent_to_login_from_every_page(app, world) -> None:
    with TestClient(app, follow_redirects=False) as client:
        for path, _perm in _page_routes(app, "GET"):
            response = client.get(_fill(path, "alpha", **world["ids"]["alpha"]) + QUERIES.get(path, ""))
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_members_of_one_workspace_get_404_and_no_data_from_another(app, world) -> None:
    with TestClient(app, follow_redirects=False) as client:
        login(client, world["users"]["owner"])
        token = csrf_from(client, "/account")
        for path, _perm in _page_routes(app, "GET"):
            response = client.get(_fill(path, "bravo", **world["ids"]["bravo"]))
            assert response.status_code == 404, path
            assert "Bravo" not in response.text and "bravo customer" not in response.text
        for path, _perm in _page_routes(app, "POST"):
            url = _fill(
                path, "bravo", key_id=world["b_key_id"], user_id=world["outsider"].id, **world["ids"]["bravo"]
            )
            assert client.post(url, data={"csrf_token": token}).status_code == 404, url
        # nor reach bravo's journeys through alpha's URL
        for path, _perm in _page_routes(app, "GET"):
            if "{journey_id}" in path or "{touchpoint_id}" in path or "{persona_id}" in path:
                response = client.get(_fill(path, "alpha", **world["ids"]["bravo"]))
                assert response.status_code == 404, path
        # the alpha owner cannot revoke bravo's key through alpha's URL either
        response = client.post(
            f"/w/alpha/settings/keys/{world['b_key_id']}/revoke", data={"csrf_token": token}
        )
        assert response.status_code == 404
    db = app.state.session_factory()
    assert all(k.revoked_at is None for k in service.list_keys(db, workspace=world["b"]))
    db.close()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "owner"])
def test_api_keys_act_with_their_role_in_their_own_workspace_only(app, db, world, role) -> None:
    _key, secret = service.create_key(db, workspace=world["a"], kind="api", name=role, role=role)
    db.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(app) as client:
        for method, path, route in _routes(app):
            perm = _permission(route)
            if not isinstance(perm, RequireKey) or method != "GET":
                continue
            response = client.get(
                _fill(path, "alpha", **world["ids"]["alpha"]) + QUERIES.get(path, ""), headers=headers
            )
            expected = 200 if allowed(role, perm.permission) else 403
            assert response.status_code == expected, f"{role} {path}: {response.status_code}"
            if expected == 200 and path == "/api/v1/stats":
                assert response.json()["workspace"] == "alpha"
                assert response.json()["tables"]["customers"] == 3
        assert client.get("/api/v1/me").status_code == 401
        write = service.create_key(db, workspace=world["a"], kind="write", name="w")[1]
        db.commit()
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {write}"}).status_code == 401


def test_docs_permission_table_matches_the_code() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text(encoding="utf-8")
    assert permission_table() in doc
    assert set(re.findall(r"`([a-z]+:[a-z]+)`", doc)) >= set(MATRIX)


def test_the_workspace_switcher_opens_only_workspaces_of_the_user(app, world, db) -> None:
    from tajriba.accounts import service as accounts

    gamma = make_workspace(db, "gamma")
    accounts.set_role(db, workspace=gamma, user=world["users"]["viewer"], role="viewer")
    db.commit()
    with TestClient(app, follow_redirects=False) as client:
        login(client, world["users"]["viewer"])
        assert client.get("/?ws=gamma").headers["location"] == "/w/gamma/"
        assert client.get("/?ws=bravo").headers["location"] == "/w/alpha/"
