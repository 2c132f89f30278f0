"""Erasure leaves nothing behind: one person seeded the ways the product learns about people (the real Segment
client, a file import through the pages with a rejected row, a survey answer naming their phone, a case with
a note, a merge of two of their profiles, a privacy request, an upload waiting for import), then erased with
`tajriba privacy erase`. A scan of every file under the data directory finds none of their identifiers in any
digit script; both stores hold none in any column; the metrics equal those of a workspace that never had them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tajriba.accounts import service as accounts
from tajriba.surveys import service as surveys
from tajriba.web.deps import Context
from tests.conftest import PASSWORD
from tests.live import serving, stores

SARA = {
    "id": "sara-q-1",
    "old": "anon-sara-q-legacy",  # the visitor she was on another device, with an older e-mail
    "old_email": "sara.old@example.sa",
    "anon": "anon-sara-q-77",
    "name": "سارة القحطاني",
    "email": "sara.qahtani@example.sa",
    "phone": "+966551234567",
    "nid": "1234567897",
}
# what must not be found anywhere afterwards; the phone in the three digit scripts a store may hold it in
NEEDLES = [SARA[k] for k in ("id", "old", "old_email", "anon", "name", "email", "nid")] + [
    "551234567",
    "٥٥١٢٣٤٥٦٧",
    "۵۵۱۲۳۴۵۶۷",
]
OMAR = {"id": "omar-z-2", "anon": "anon-omar-9", "name": "عمر الزهراني", "email": "omar.z@example.sa",
        "phone": "+966509876543", "nid": None}  # fmt: skip


def _site(data: Path, database_url: str | None, warehouse_url: str | None) -> dict[str, Any]:
    with stores(data, database_url, warehouse_url) as s:
        out: dict[str, Any] = {}
        owner = accounts.create_user(s, email="privacy@example.com", name="DPO", password=PASSWORD)
        for slug in ("shop", "twin"):
            ws = accounts.create_workspace(s, slug=slug, name=slug)
            accounts.set_role(s, workspace=ws, user=owner, role="owner")
            actor = Context(workspace=ws, role="owner", user=owner)
            survey = surveys.from_template(s, workspace_id=ws.id, template="relationship_nps", locale="ar",
                                           actor=actor)  # fmt: skip
            surveys.set_status(s, survey=survey, status="active", actor=actor)
            out[slug] = {
                "id": ws.id,
                "write": accounts.create_key(s, workspace=ws, kind="write", name="site")[1],
                "api": {
                    "Authorization": "Bearer "
                    + accounts.create_key(s, workspace=ws, kind="api", name="a", role="admin")[1]
                },  # fmt: skip
                "survey": survey.id,
            }
    return out


def _track(url: str, write_key: str, person: dict[str, Any], legacy: bool) -> None:
    """The real Segment library: a visit before logging in, identify, an order; a profile of theirs from
    another device, merged into theirs when they log in there."""
    from segment.analytics.client import Client

    errors: list[str] = []
    client = Client(
        write_key=write_key, host=url, max_retries=3, on_error=lambda e, b: errors.append(repr(e))
    )
    traits = {"name": person["name"], "email": person["email"], "phone": person["phone"]}
    if person["nid"]:
        traits["national_id"] = person["nid"]
    client.page(anonymous_id=person["anon"], name="Home")
    client.identify(person["id"], traits, anonymous_id=person["anon"])
    client.track(person["id"], "Order Completed", {"order_id": f"o-{person['id']}", "revenue": 250.0,
                                                   "currency": "SAR"})  # fmt: skip
    if legacy:
        client.identify(anonymous_id=person["old"], traits={"email": person["old_email"]})
        client.flush()
        client.join()
        client = Client(
            write_key=write_key, host=url, max_retries=3, on_error=lambda e, b: errors.append(repr(e))
        )
        client.track(person["id"], "Product Viewed", anonymous_id=person["old"])
    client.flush()
    client.join()
    assert errors == []


def _browser(url: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=60, follow_redirects=False)
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/login").text)
    assert csrf
    client.post(
        "/login", data={"email": "privacy@example.com", "password": PASSWORD, "csrf_token": csrf.group(1)}
    )
    page = client.get("/w/shop/imports")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token, page.status_code
    return client, token.group(1)


def _import_tickets(client: httpx.Client, csrf: str, slug: str, rows: list[str]) -> None:
    """Upload a tickets CSV through the imports page, keep the columns it recognised, import, wait."""
    body = "ticket_id,customer_email,subject,created_at,channel\n" + "\n".join(rows) + "\n"
    upload = client.post(f"/w/{slug}/imports", data={"kind": "tickets", "csrf_token": csrf},
                         files={"file": ("tickets.csv", body.encode())})  # fmt: skip
    assert upload.status_code == 303, upload.text[:500]
    preview_url = upload.headers["location"]
    html = client.get(preview_url).text
    form: dict[str, str] = {"csrf_token": csrf, "kind": "tickets", "action": "import"}
    for name, options in re.findall(
        r'<select id="[^"]*" name="((?:col|fmt):\w+)">(.*?)</select>', html, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        if chosen:
            form[name] = chosen.group(1)
    assert client.post(preview_url.split("?")[0], data=form).status_code == 303
    for _ in range(120):
        statuses = re.findall(r'data-status="(\w+)"', client.get(f"/w/{slug}/imports").text)
        if statuses and all(s in ("done", "failed") for s in statuses):
            assert "failed" not in statuses
            return
        time.sleep(0.5)
    raise AssertionError("the import did not finish")


def _customer_id(url: str, site: dict[str, Any], email: str) -> str:
    found = httpx.get(f"{url}/api/v1/customers", params={"search": email}, headers=site["api"], timeout=30)
    assert found.status_code == 200 and found.json()["total"] == 1, found.text
    return str(found.json()["customers"][0]["customer_id"])


def _answer(url: str, site: dict[str, Any], customer_id: str, score: str, comment: str) -> None:
    made = httpx.post(f"{url}/api/v1/surveys/{site['survey']}/invitations", headers=site["api"], timeout=30,
                      json={"channel": "link", "recipients": [{"customer_id": customer_id, "language": "ar"}]})  # fmt: skip
    assert made.status_code == 201, made.text
    link = made.json()["invitations"][0]["url"]
    client = httpx.Client(timeout=30)
    page = client.get(link, follow_redirects=True)
    for _ in range(12):
        html = page.text
        screen = re.search(r'name="screen" value="([^"]*)"', html)
        assert screen, html[:300]
        form: dict[str, str] = {"screen": screen.group(1), "lang": "ar", "nav": "next"}
        form.update(
            dict(re.findall(r'<input type="hidden" name="((?:p|h\.[\w]+|started|t))" value="([^"]*)"', html))
        )
        for key in screen.group(1).split(","):
            values = re.findall(rf'name="{re.escape(key)}" value="([^"]+)"', html)
            if values:
                form[key] = score if score in values else values[0]
            elif f'name="{key}"' in html:
                form[key] = comment
        done = client.post(str(page.url).split("?")[0], data=form)
        assert done.status_code == 303, done.text[:300]
        if "/done" in done.headers["location"]:
            return
        page = client.get(httpx.URL(str(page.url)).join(done.headers["location"]))
    raise AssertionError("the survey did not end")


def _seed(url: str, site: dict[str, Any], people: list[dict[str, Any]]) -> dict[str, str]:
    """Each person tracked, answering the survey, with a case and a note; returns their profile ids."""
    ids = {}
    for person in people:
        _track(url, site["write"], person, person is SARA)
        ids[person["id"]] = customer_id = _customer_id(url, site, person["email"])
        _answer(url, site, customer_id, "2" if person is SARA else "9",
                "المندوب تأخر، اتصلوا على جوالي ٠٥٥١٢٣٤٥٦٧" if person is SARA else "ممتاز")  # fmt: skip
        case = httpx.post(f"{url}/api/v1/cases", headers=site["api"], timeout=30,
                          json={"subject": "تأخر التوصيل", "customer_id": customer_id})  # fmt: skip
        assert case.status_code == 201, case.text
        note = "اتصلت بها على 055 123 4567 ولم ترد" if person is SARA else "تم التواصل"
        added = httpx.post(f"{url}/api/v1/cases/{case.json()['id']}/notes", headers=site["api"], timeout=30,
                           json={"body": note})  # fmt: skip
        assert added.status_code == 201, added.text
    return ids


def _scan(root: Path, needles: list[str]) -> dict[str, list[str]]:
    """Every file under the data directory, byte by byte: which needles each holds (UTF-8 and UTF-16)."""
    found: dict[str, list[str]] = {}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        hits = [n for n in needles if n.encode() in raw or n.encode("utf-16-le") in raw]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def _metrics(url: str, key: dict[str, str]) -> dict[str, Any]:
    def get(path: str) -> Any:
        answer = httpx.get(f"{url}{path}", headers=key, timeout=60)
        assert answer.status_code == 200, (path, answer.text[:300])
        return answer.json()

    def strip(answer: Any) -> Any:  # the workspace's own name apart
        if isinstance(answer, dict):
            return {k: strip(v) for k, v in answer.items() if k != "workspace"}
        return [strip(v) for v in answer] if isinstance(answer, list) else answer

    return strip(
        {
            "nps": get("/api/v1/metrics?metric=nps&min_n=1"),
            "service": get("/api/v1/metrics/service?min_n=1"),
            "value": get("/api/v1/value/overview"),
        }
    )


def _pg_scan(url: str, needles: list[str]) -> dict[str, int]:
    """Every text, JSON and array column of every table in every schema of a PostgreSQL database: rows that
    hold a needle, by table and column."""
    import psycopg

    found: dict[str, int] = {}
    patterns = [f"%{n.lower()}%" for n in needles]
    with psycopg.connect(url, autocommit=True) as conn:
        columns = conn.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE table_schema "
            "NOT IN ('pg_catalog', 'information_schema') AND data_type IN ('text', 'character varying', 'json', "
            "'jsonb', 'ARRAY')"
        ).fetchall()
        for schema, table, column in columns:
            n = conn.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" WHERE lower("{column}"::text) LIKE ANY(%s)',
                [patterns],
            ).fetchone()[0]  # type: ignore[index]
            if n:
                found[f"{schema}.{table}.{column}"] = n
    return found


def _scenario(tmp_path: Path, database_url: str | None, warehouse_url: str | None) -> None:
    data = tmp_path / "data"
    site = _site(data, database_url, warehouse_url)
    env = {"TAJRIBA_SURVEY_RATE_PER_MINUTE": "100000", "TAJRIBA_CASES_TICK_SECONDS": "3600"}
    env |= {"TAJRIBA_DATABASE_URL": database_url} if database_url else {}
    env |= {"TAJRIBA_WAREHOUSE_URL": warehouse_url} if warehouse_url else {}
    with serving(data, env=env, worker=True) as live:
        sara = _seed_everything(live.url, site)
    needles = [*NEEDLES, sara]
    seeded = _scan(data, needles)
    assert any(p.startswith("uploads/") for p in seeded), seeded
    if database_url:
        assert _pg_scan(database_url, needles), "the seeding left nothing to find"
    else:
        assert {"tajriba.db", "warehouse.duckdb"} <= set(seeded), seeded

    erased = subprocess.run(
        [sys.executable, "-m", "tajriba.cli", "privacy", "erase", "--workspace", "shop", "--customer",
         sara, "--reason", "request 1", "--data-dir", str(data)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TAJRIBA_ENV": "test", **env},
    )  # fmt: skip
    assert erased.returncode == 0, erased.stderr[-3000:]
    outcome = json.loads(erased.stdout)
    assert outcome["status"] == "erased" and outcome["reclaimed"] == {"database": "done", "warehouse": "done"}
    for table in ("customers", "customer_identities", "events", "survey_responses", "tickets", "cases",
                  "survey_invitations", "identity_merges", "privacy_requests", "uploaded_files"):  # fmt: skip
        assert outcome["counts"].get(table, 0) >= 1, (table, outcome["counts"])
    assert _scan(data, needles) == {}
    if database_url:
        assert _pg_scan(database_url, needles) == {}

    with serving(data, env=env) as live:
        shop, twin = _metrics(live.url, site["shop"]["api"]), _metrics(live.url, site["twin"]["api"])
        assert shop == twin  # as if she had never been a customer
        assert [r["n"] for r in shop["nps"]["rows"]] == [1], shop  # his answer is still counted
        kept = httpx.get(f"{live.url}/api/v1/privacy/requests?open_only=false", headers=site["shop"]["api"])
        (req,) = kept.json()
        assert req["kind"] == "erasure" and req["customer_id"] is None and req["status"] == "done"


def _seed_everything(url: str, site: dict[str, Any]) -> str:
    """Both workspaces seeded, hers with her too; returns her profile id."""
    ids = _seed(url, site["shop"], [OMAR, SARA])
    _seed(url, site["twin"], [OMAR])
    sara = ids[SARA["id"]]
    browser, csrf = _browser(url)
    for slug, people in (("shop", [OMAR, SARA]), ("twin", [OMAR])):
        rows = [f"t-{p['id']},{p['email']},لم يصل الطلب، جوالي {p['phone'][4:7]} {p['phone'][7:10]} "
                f"{p['phone'][10:]},2026-11-01T10:00:00Z,chat" for p in people]  # fmt: skip
        if slug == "shop":  # a rejected row (no date) naming her: kept in the rejected-rows report
            rows.append(f"t-bad,{SARA['email']},هويتي {SARA['nid']},not a date,chat")
        _import_tickets(browser, csrf, slug, rows)
    # an upload she is in, waiting to be imported
    waiting = browser.post("/w/shop/imports", data={"kind": "customers", "csrf_token": csrf},
                           files={"file": ("crm.csv", f"email,name\n{SARA['email']},{SARA['name']}\n"
                                           f"{OMAR['email']},{OMAR['name']}\n".encode())})  # fmt: skip
    assert waiting.status_code == 303
    request = httpx.post(f"{url}/api/v1/privacy/requests", headers=site["shop"]["api"], timeout=30,
                         json={"kind": "erasure", "contact": SARA["email"], "customer_id": sara,
                               "details": f"please erase {SARA['name']}"})  # fmt: skip
    assert request.status_code == 201
    return sara


def test_an_erased_person_is_nowhere_in_the_data_directory_and_the_numbers_forget_them(
    tmp_path: Path,
) -> None:
    _scenario(tmp_path, None, None)


@pytest.mark.postgres
def test_an_erased_person_is_nowhere_in_the_postgresql_database_either(tmp_path: Path, pg_url: str) -> None:
    _scenario(tmp_path, pg_url, f"{pg_url}?schema=warehouse")
