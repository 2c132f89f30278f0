"""One error family: JSON for the API, a translated page for people, never a stack trace."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.testclient import TestClient

from tajriba.errors import Conflict
from tajriba.web.deps import DB


def test_api_errors_are_json_with_code_and_message(client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": response.json()["error"]["message"]}}
    unauthorized = client.get("/api/v1/me", headers={"Authorization": "Bearer tja_nope_nope"})
    assert unauthorized.status_code == 401 and unauthorized.json()["error"]["code"] == "unauthorized"


def test_unexpected_errors_give_a_request_id_and_no_traceback(app) -> None:
    router = APIRouter()

    @router.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    @router.get("/boom-page")
    def boom_page() -> None:
        raise RuntimeError("secret internal detail")

    @router.get("/api/v1/conflict")
    def conflict() -> None:
        raise Conflict("already there", field="slug")

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.get("/api/v1/boom")
        page = client.get("/boom-page", headers={"Accept": "text/html"})
        expected = client.get("/api/v1/conflict")
    assert api.status_code == 500 and api.json()["error"]["code"] == "internal"
    rid = api.headers["x-request-id"]
    assert rid in api.json()["error"]["message"]
    for response in (api, page):
        assert "secret internal detail" not in response.text and "Traceback" not in response.text
    assert page.status_code == 500 and "<html" in page.text and page.headers["x-request-id"] in page.text
    assert expected.status_code == 409
    assert expected.json() == {"error": {"code": "conflict", "message": "already there", "field": "slug"}}


def test_a_database_locked_past_the_wait_is_a_503_to_retry_not_a_500(app) -> None:
    """SQLite's write lock held by someone else past the busy timeout: the caller is told to come back."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    router = APIRouter()

    @router.post("/api/v1/locked")
    def locked() -> None:
        raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))

    @router.post("/locked-page")
    def locked_page() -> None:
        raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))

    @router.post("/api/v1/other")
    def other() -> None:
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("disk I/O error"))

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.post("/api/v1/locked")
        page = client.post("/locked-page", headers={"Accept": "text/html"})
        broken = client.post("/api/v1/other")
    assert (
        api.status_code == 503 and api.json()["error"]["code"] == "busy" and api.headers["retry-after"] == "5"
    )
    assert page.status_code == 503 and page.headers["retry-after"] == "5" and "<html" in page.text
    assert broken.status_code == 500  # any other database failure is ours


def test_validation_errors_name_the_field(client, db) -> None:
    from tests.conftest import login, make_user, make_workspace

    ws = make_workspace(db)
    login(client, make_user(db, workspace=ws, role="owner"))
    response = client.get(f"/w/{ws.slug}/customers?page=0", headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "page"


def test_healthz_reports_both_stores(client) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["warehouse"] == "ok"


def test_api_errors_follow_accept_language_else_english(client) -> None:
    english = client.get("/api/v1/me").json()["error"]["message"]
    arabic = client.get("/api/v1/me", headers={"Accept-Language": "ar-SA,ar;q=0.9,en;q=0.8"}).json()["error"][
        "message"
    ]
    persian = client.get("/api/v1/me", headers={"Accept-Language": "fa-IR"}).json()["error"]["message"]
    assert english.startswith("Send an API key")
    assert "مفتاح" in arabic and "کلید" in persian


def test_a_warehouse_held_by_another_process_gives_a_clear_error(tmp_path) -> None:
    import subprocess
    import sys

    import pytest

    from tajriba.warehouse.duckdb_engine import DuckDBWarehouse
    from tajriba.warehouse.store import WarehouseBusy

    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(WarehouseBusy) as err:
            DuckDBWarehouse(str(path))
        assert "another Tajriba process" in err.value.message
    finally:
        holder.kill()


def test_the_request_transaction_commits_before_the_response_is_sent(app) -> None:
    """A client that follows a redirect at once must find what the request wrote (the login session).

    FastAPI closes dependencies after the response by default; `DB` asks for the endpoint's scope. A failed
    commit must reach the client as an error, never as a success whose data was lost.
    """
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    router = APIRouter()
    order: list[str] = []

    @router.get("/api/v1/write-then-fail")
    def write(db: DB) -> dict[str, bool]:
        db.info["fail_commit"] = True
        return {"ok": True}

    @router.get("/api/v1/write")
    def write_ok(db: DB) -> dict[str, bool]:
        db.info["mark"] = True
        return {"ok": True}

    def before_commit(session: Session) -> None:
        if session.info.pop("fail_commit", False):
            raise RuntimeError("disk full")
        if session.info.pop("mark", False):
            order.append("commit")

    async def recorder(scope, receive, send):  # type: ignore[no-untyped-def]
        async def sending(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start" and scope["path"] == "/api/v1/write":
                order.append("response")
            await send(message)

        await inner(scope, receive, sending)

    app.include_router(router)
    inner = app.build_middleware_stack()
    app.middleware_stack = recorder
    event.listen(Session, "before_commit", before_commit)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.get("/api/v1/write").status_code == 200
            failed = client.get("/api/v1/write-then-fail")
    finally:
        event.remove(Session, "before_commit", before_commit)
    assert order == ["commit", "response"]
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "internal"


def test_a_hand_edited_address_gets_a_page_in_the_readers_language(client, db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login, make_user, make_workspace
    from tests.latin import leaks

    ws = make_workspace(db, "addr")
    login(client, make_user(db, workspace=ws, role="owner", locale="ar"))
    page = client.get(f"/w/{ws.slug}/cases/not-a-number")
    assert page.status_code == 404 and 'lang="ar"' in page.text and leaks(page.text) == []
    bad = client.get(f"/w/{ws.slug}/value?calendar=hijri", params={"segment": "x" * 10})
    assert bad.status_code == 200  # unknown choices fall back, they are not errors
    wrong = client.get(f"/w/{ws.slug}/surveys/1/results?page=two")
    assert wrong.status_code == 422 and "page" in wrong.text and "عدد صحيح" in wrong.text
    assert leaks(wrong.text) == ["page"]  # the field's name, as the address spells it
