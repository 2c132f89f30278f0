"""Many people at once against a live `tajriba serve`: respondents, tracking clients, readers and agents.

32 respondents answer a survey end to end, 32 tracking clients send batches, 8 readers load API answers
and pages, 4 agents work the cases that a detractor rule opens from those answers (inbox, case page, replies,
waiting and back), for 30 seconds (TAJRIBA_LOAD_SECONDS), while /healthz is polled. Every request must
succeed, every completed answer and every acknowledged event must be stored, every detractor's answer must
end up on exactly one case, and /healthz stays healthy throughout and after. Once with the default SQLite
application database, once with PostgreSQL (CI).
"""

from __future__ import annotations

import base64
import os
import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tajriba.accounts import service as accounts
from tajriba.journeys import schemas as journey_schemas
from tajriba.journeys import service as journeys
from tajriba.surveys import service as surveys
from tajriba.warehouse import open_warehouse
from tajriba.web.deps import Context
from tests.conftest import PASSWORD, spark_url
from tests.live import start, stores

SECONDS = float(os.environ.get("TAJRIBA_LOAD_SECONDS", "30"))
RESPONDENTS, TRACKERS, READERS, AGENTS = 32, 32, 8, 4


@dataclass
class Site:
    url: str
    data: Path
    env: dict[str, str]
    write_key: str
    api_key: str
    token: str
    journey_id: int
    survey_id: int = 0
    proc: subprocess.Popen | None = None


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    answered: set[str] = field(default_factory=set)
    acked: set[str] = field(default_factory=set)

    def error(self, what: str) -> None:
        with self.lock:
            if len(self.errors) < 200:
                self.errors.append(what)

    def count(self, kind: str) -> None:
        with self.lock:
            self.requests[kind] += 1


def _prepare(data: Path, database_url: str | None, warehouse_url: str | None = None) -> Site:
    env = {
        # every respondent comes from 127.0.0.1 here: the per-address limit is tested elsewhere
        "TAJRIBA_SURVEY_RATE_PER_MINUTE": "1000000",
        "TAJRIBA_LOGIN_RATE_PER_MINUTE": "1000000",
        "TAJRIBA_CASES_TICK_SECONDS": "1",
    }
    if database_url:
        env["TAJRIBA_DATABASE_URL"] = database_url
    if warehouse_url:
        env["TAJRIBA_WAREHOUSE_URL"] = warehouse_url
    with stores(data, database_url, warehouse_url) as s:
        ws = accounts.create_workspace(s, slug="shop", name="Shop")
        user = accounts.create_user(s, email="reader@example.com", name="Reader", password=PASSWORD)
        accounts.set_role(s, workspace=ws, user=user, role="analyst")
        write_key = accounts.create_key(s, workspace=ws, kind="write", name="site")[1]
        api_key = accounts.create_key(s, workspace=ws, kind="api", name="bi", role="analyst")[1]
        actor = Context(workspace=ws, role="owner", user=user)
        survey = surveys.from_template(
            s, workspace_id=ws.id, template="relationship_nps", locale="ar", actor=actor
        )
        surveys.set_status(s, survey=survey, status="active", actor=actor)
        token, survey_id = survey.public_token, survey.id
        journey = journeys.create_journey(
            s,
            workspace_id=ws.id,
            journey_in=journey_schemas.JourneyIn(
                name="Buy", stages=[journey_schemas.StageIn(key="buy", name="Buy")]
            ),
            actor=actor,
        )
        journey_id = journey.id
        _cases_setup(s, ws, actor)
    return Site("", data, env, write_key, api_key, token, journey_id, survey_id)


def _cases_setup(s, ws, actor) -> None:  # type: ignore[no-untyped-def]
    """A team of agents on a Saudi calendar, a detractor rule and an SLA policy."""
    from tajriba.cases import config, rules
    from tajriba.cases.schemas import CalendarIn, RuleConditions, RuleIn, SlaPolicyIn, TeamIn

    agents = []
    for i in range(AGENTS):
        agent = accounts.create_user(s, email=f"agent{i}@example.com", name=f"Agent {i}", password=PASSWORD)
        accounts.set_role(s, workspace=ws, user=agent, role="agent")
        agents.append(agent.id)
    cal = config.save_calendar(
        s,
        workspace_id=ws.id,
        actor=actor,
        data=CalendarIn(name="Riyadh", week="sun-sat 00:00-24:00", country="SA"),
    )
    team = config.save_team(
        s,
        workspace_id=ws.id,
        actor=actor,
        data=TeamIn(name="Care", calendar_id=cal.id, members=agents, routing="least_loaded"),
    )
    config.save_policy(
        s,
        workspace_id=ws.id,
        actor=actor,
        data=SlaPolicyIn(name="Standard", first_response_minutes=60, resolution_minutes=480),
    )
    rules.create_rule(
        s,
        workspace_id=ws.id,
        actor=actor,
        data=RuleIn(
            name="Detractors",
            priority="high",
            team_id=team.id,
            conditions=RuleConditions(signal="score", metric="nps", dedupe_days=0),
        ),
    )


def _start(site: Site) -> None:
    live = start(site.data, env=site.env, worker=True)
    site.url, site.proc = live.url, live.proc


def _answer_survey(client: httpx.Client, site: Site, tally: Tally, tag: str, rng: random.Random) -> None:
    """Walk the survey like a person: answer each screen shown until the thank-you page."""
    path = f"/s/{site.token}?order_id={tag}&channel=load"
    page = client.get(path)
    tally.count("respondent")
    for _step in range(12):
        if page.status_code != 200:
            tally.error(f"respondent GET {page.status_code}: {page.text[:200]}")
            return
        html = page.text
        screen = re.search(r'name="screen" value="([^"]*)"', html)
        if screen is None:
            tally.error("respondent: no screen in page")
            return
        form: dict[str, object] = {"screen": screen.group(1), "lang": "ar", "nav": "next"}
        for name, value in re.findall(
            r'<input type="hidden" name="((?:p|h\.[\w]+|started))" value="([^"]*)"', html
        ):
            form[name] = value
        for key in screen.group(1).split(","):
            values = re.findall(rf'name="{re.escape(key)}" value="([^"]+)"', html)
            if values:
                form[key] = rng.choice([v for v in values if v != "__other__"] or values)
            elif f'name="{key}"' in html:
                form[key] = "المندوب تأخر ثلاثة أيام والتطبيق بطيء"
        response = client.post(f"/s/{site.token}", data=form)
        tally.count("respondent")
        if response.status_code != 303:
            tally.error(f"respondent POST {response.status_code}: {response.text[:200]}")
            return
        location = response.headers["location"]
        if "/done" in location:
            with tally.lock:
                tally.answered.add(tag)
            return
        page = client.get(location)
        tally.count("respondent")
    tally.error("respondent: the survey did not end within 12 screens")


def _respondent(site: Site, tally: Tally, stop: threading.Event, n: int) -> None:
    rng = random.Random(n)
    i = 0
    while not stop.is_set():
        # a new browser for every response: cookies of the last one would resume it
        with httpx.Client(base_url=site.url, timeout=60, follow_redirects=False) as client:
            try:
                _answer_survey(client, site, tally, f"R{n}-{i}", rng)
            except httpx.HTTPError as exc:
                tally.error(f"respondent {type(exc).__name__}: {exc}")
        i += 1


def _tracker(site: Site, tally: Tally, stop: threading.Event, n: int) -> None:
    auth = {"Authorization": "Basic " + base64.b64encode(f"{site.write_key}:".encode()).decode()}
    with httpx.Client(base_url=site.url, headers=auth, timeout=60) as client:
        i = 0
        while not stop.is_set():
            ids = [f"T{n}-{i}-{j}" for j in range(20)]
            i += 1
            batch = [
                {
                    "type": "track" if j % 4 else "identify",
                    "event": "Product Viewed",
                    "userId": f"user-{n}-{j % 5}",
                    "messageId": m,
                    "properties": {"sku": f"SKU-{j}", "note": "منتج رائع"},
                    "traits": {"email": f"user{n}.{j % 5}@example.com"},
                }
                for j, m in enumerate(ids)
            ]
            try:
                response = client.post("/v1/batch", content=orjson.dumps({"batch": batch}))
            except httpx.HTTPError as exc:
                tally.error(f"tracker {type(exc).__name__}: {exc}")
                continue
            tally.count("tracker")
            if response.status_code == 200:
                with tally.lock:
                    tally.acked.update(ids)
            else:
                tally.error(f"tracker {response.status_code}: {response.text[:200]}")


def _reader(site: Site, tally: Tally, stop: threading.Event, n: int) -> None:
    api = [
        "/api/v1/overview",
        "/api/v1/metrics?metric=nps&by=channel",
        f"/api/v1/journeys/{site.journey_id}/map",
        "/api/v1/stories",
        "/api/v1/text/feedback",
        "/api/v1/metrics/trend?metric=nps&period=week",
        # the survey being answered right now: its results and its responses as SPSS
        f"/api/v1/surveys/{site.survey_id}/results",
        f"/api/v1/surveys/{site.survey_id}/responses.sav",
    ]
    pages = [
        "/w/shop/",
        "/w/shop/metrics",
        "/w/shop/stories",
        "/w/shop/feedback",
        "/w/shop/goals",
        f"/w/shop/surveys/{site.survey_id}/results",
        f"/w/shop/surveys/{site.survey_id}/results.xlsx",
        "/w/shop/reports/summary.pdf?frequency=weekly",
    ]
    with httpx.Client(base_url=site.url, timeout=60, follow_redirects=False) as client:
        if n % 2:
            client.headers["Authorization"] = f"Bearer {site.api_key}"
            paths = api
        else:
            html = client.get("/login").text
            csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
            assert csrf is not None
            r = client.post(
                "/login",
                data={"email": "reader@example.com", "password": PASSWORD, "csrf_token": csrf.group(1)},
            )
            if r.status_code != 303:
                tally.error(f"reader login {r.status_code}: {r.text[:200]}")
                return
            paths = pages
        i = 0
        while not stop.is_set():
            path = paths[(i + n) % len(paths)]
            i += 1
            try:
                response = client.get(path)
            except httpx.HTTPError as exc:
                tally.error(f"reader {path} {type(exc).__name__}: {exc}")
                continue
            tally.count("reader")
            if response.status_code != 200:
                tally.error(f"reader {path} {response.status_code}: {response.text[:200]}")


def _agent(site: Site, tally: Tally, stop: threading.Event, n: int) -> None:
    """An agent working their team's cases through the pages: inbox, case, reply, waiting and back."""
    with httpx.Client(base_url=site.url, timeout=60, follow_redirects=False) as client:
        html = client.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
        assert csrf is not None
        token = csrf.group(1)
        r = client.post(
            "/login", data={"email": f"agent{n}@example.com", "password": PASSWORD, "csrf_token": token}
        )
        if r.status_code != 303:
            tally.error(f"agent login {r.status_code}: {r.text[:200]}")
            return
        i = 0
        while not stop.is_set():
            i += 1
            try:
                inbox = client.get("/w/shop/cases?view=team")
                tally.count("agent")
                if inbox.status_code != 200:
                    tally.error(f"agent inbox {inbox.status_code}: {inbox.text[:200]}")
                    continue
                ids = re.findall(r'<tr data-case="(\d+)"', inbox.text)
                if not ids:
                    stop.wait(0.2)
                    continue
                case_id = ids[(i + n) % len(ids)]
                page = client.get(f"/w/shop/cases/{case_id}")
                tally.count("agent")
                if page.status_code != 200:
                    tally.error(f"agent case {page.status_code}: {page.text[:200]}")
                    continue
                for form in (
                    {
                        "action": "note",
                        "kind": "message",
                        "channel": "chat",
                        "body": f"نعتذر عن التأخير ({n}-{i})",
                    },
                    {"action": "status", "status": "waiting"},
                    {"action": "note", "kind": "customer", "body": "ما زلت أنتظر"},
                ):
                    r = client.post(f"/w/shop/cases/{case_id}", data={"csrf_token": token, **form})
                    tally.count("agent")
                    # another agent may have moved the case first: a refused move is an answer, not a failure
                    if r.status_code != 303:
                        tally.error(f"agent {form['action']} {r.status_code}: {r.text[:200]}")
            except httpx.HTTPError as exc:
                tally.error(f"agent {type(exc).__name__}: {exc}")


def _health(site: Site, tally: Tally, stop: threading.Event, slowest: list[float]) -> None:
    with httpx.Client(base_url=site.url, timeout=10) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                response = client.get("/healthz")
                if response.status_code != 200:
                    tally.error(f"healthz {response.status_code}: {response.text[:200]}")
            except httpx.HTTPError as exc:
                tally.error(f"healthz {type(exc).__name__}: {exc}")
            slowest.append(time.perf_counter() - started)
            stop.wait(0.5)


# the least each kind of client must get through for the load to count (a Spark warehouse answers each read in
# 0.2-0.5 s and commits its writes one at a time: fewer requests, the same checks on what they did)
MINIMUMS = {"respondent": 50, "tracker": 50, "reader": 10, "agent": 20}


def _run_load(
    site: Site, seconds: float = SECONDS, minimums: dict[str, int] = MINIMUMS, settle: float = 4
) -> None:
    tally = Tally()
    stop = threading.Event()
    health_times: list[float] = []
    threads = (
        [threading.Thread(target=_respondent, args=(site, tally, stop, n)) for n in range(RESPONDENTS)]
        + [threading.Thread(target=_tracker, args=(site, tally, stop, n)) for n in range(TRACKERS)]
        + [threading.Thread(target=_reader, args=(site, tally, stop, n)) for n in range(READERS)]
        + [threading.Thread(target=_agent, args=(site, tally, stop, n)) for n in range(AGENTS)]
        + [threading.Thread(target=_health, args=(site, tally, stop, health_times))]
    )
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a client hung after the load stopped"
    print(dict(tally.requests), "answers", len(tally.answered), "events", len(tally.acked))
    if tally.errors:  # the server's own account of the failure (the tracebacks it logged) goes in the report
        log = (site.data.parent / "serve.log").read_text(errors="replace")
        traces = [part[:3000] for part in log.split("Traceback")[1:3]]
        raise AssertionError(f"{len(tally.errors)} errors, first: {tally.errors[:5]}; server log: {traces}")
    # the load really ran: every kind of client got through many requests
    for kind, least in minimums.items():
        assert tally.requests[kind] >= least, tally.requests
    assert len(tally.answered) >= 10, len(tally.answered)
    assert max(health_times) < 10
    after = httpx.get(f"{site.url}/healthz", timeout=10)
    assert after.status_code == 200 and after.json()["status"] == "ok", after.text
    # the results page counts every completed answer, the same as the stored rows
    results = httpx.get(
        f"{site.url}/api/v1/surveys/{site.survey_id}/results",
        headers={"Authorization": f"Bearer {site.api_key}"},
        timeout=60,
    ).json()
    assert results["n"] >= len(tally.answered), (results["n"], len(tally.answered))
    # the worker turns the last answers into cases within seconds of the load stopping
    time.sleep(settle)

    assert site.proc is not None
    site.proc.send_signal(signal.SIGINT)
    assert site.proc.wait(timeout=60) == 0
    log = (site.data.parent / "serve.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    wh = open_warehouse(
        site.env.get("TAJRIBA_WAREHOUSE_URL") or f"duckdb:///{site.data / 'warehouse.duckdb'}"
    )
    try:
        stored_answers = {
            r[0] for r in wh.sql("SELECT DISTINCT order_id FROM survey_responses WHERE order_id LIKE 'R%'")
        }
        stored_events = {r[0] for r in wh.sql("SELECT message_id FROM events")}
        detractors = {
            r[0]
            for r in wh.sql("SELECT response_id FROM survey_responses WHERE metric = 'nps' AND score <= 6")
        }
    finally:
        wh.close()
    with stores(site.data, site.env.get("TAJRIBA_DATABASE_URL"), site.env.get("TAJRIBA_WAREHOUSE_URL")) as s:
        from sqlalchemy import func, select

        from tajriba.models import Case, CaseLink

        linked = {
            r[0] for r in s.execute(select(CaseLink.source_id).where(CaseLink.source == "survey_response"))
        }
        cases = s.scalar(select(func.count()).select_from(Case))
    assert detractors, "no detractor answered: the load did not exercise the rules"
    assert detractors <= linked, f"{len(detractors - linked)} detractor answers without a case"
    assert cases == len(linked)  # dedupe_days=0: one case per answer, none twice
    assert tally.answered <= stored_answers, f"{len(tally.answered - stored_answers)} completed answers lost"
    assert tally.acked <= stored_events, f"{len(tally.acked - stored_events)} acknowledged events lost"


def _load_test(
    data: Path,
    database_url: str | None,
    warehouse_url: str | None = None,
    seconds: float = SECONDS,
    **load: Any,
) -> None:
    site = _prepare(data, database_url, warehouse_url)
    _start(site)
    try:
        _run_load(site, seconds, **load)
    finally:
        if site.proc is not None and site.proc.poll() is None:
            site.proc.kill()


def test_many_respondents_trackers_and_readers_at_once_on_sqlite(tmp_path: Path) -> None:
    _load_test(tmp_path / "data", None)


@pytest.mark.postgres
def test_many_respondents_trackers_and_readers_at_once_on_postgres(tmp_path: Path, pg_url: str) -> None:
    _load_test(tmp_path / "data", pg_url)


def test_many_respondents_trackers_and_readers_at_once_on_a_spark_warehouse(tmp_path: Path) -> None:
    """The same load with the warehouse a Parquet lake read by Spark (local mode): commits take turns through
    the lake's lock, reads run on Spark while they land. Agents may find no case yet (the worker's rules read
    the warehouse too); the checks after the load still want every detractor on exactly one case."""
    _load_test(
        tmp_path / "data",
        None,
        spark_url(tmp_path),
        minimums={"respondent": 50, "tracker": 10, "reader": 3, "agent": 0},
        # the worker's first Spark statements start the session (10-15 s) and its periodic jobs run one after
        # another: 20 s after the load were once not enough for the rules' tick under CI's load
        settle=40,
    )
