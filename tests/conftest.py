"""Shared fixtures: fresh SQLite + DuckDB stores per test, a test client, factories, PostgreSQL when configured."""

from __future__ import annotations

import os
import re
import secrets
import socket
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest

warnings.filterwarnings("ignore", message=".*httpx2.*")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from tajriba.accounts import service  # noqa: E402
from tajriba.app import create_app  # noqa: E402
from tajriba.config import Settings, load_settings  # noqa: E402
from tajriba.models import User, Workspace  # noqa: E402
from tajriba.warehouse import Warehouse, open_warehouse  # noqa: E402

PASSWORD = "correct horse battery"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


# TAJRIBA_TEST_WAREHOUSE=postgres runs every app-level test on a PostgreSQL warehouse (a schema per test in
# TAJRIBA_TEST_DATABASE_URL's database), =spark on a Spark (local mode) warehouse in the test's folder; CI runs
# the analytics tests both ways too (Makefile ENGINE_TESTS, SPARK_TESTS)
TEST_ENGINE = os.environ.get("TAJRIBA_TEST_WAREHOUSE", "duckdb")
# the engine-comparison tests (`any_wh`) run on every engine in the main pass; the other passes run them on their
# own engine only
ENGINES = ("duckdb", "postgres", "spark") if TEST_ENGINE == "duckdb" else (TEST_ENGINE,)


def spark_url(tmp_path: Path) -> str:
    """A Spark (local mode, 2 cores) warehouse address with its lake in the test's folder."""
    import importlib.util
    import shutil

    missing = [
        what
        for what, ok in (("pyspark", importlib.util.find_spec("pyspark")), ("java", shutil.which("java")))
        if not ok
    ]
    if missing:
        if TEST_ENGINE == "spark" or os.environ.get("CI"):
            raise RuntimeError(f"the Spark warehouse tests need {' and '.join(missing)}")
        pytest.skip(f"{' and '.join(missing)} not installed: Spark warehouse tests skipped")
    return f"spark+local://2?lake={tmp_path / 'lake'}"


def pg_base() -> str:
    base = os.environ.get("TAJRIBA_TEST_DATABASE_URL")
    if not base:
        if TEST_ENGINE == "postgres" or os.environ.get("CI"):
            raise RuntimeError("TAJRIBA_TEST_DATABASE_URL must be set for the PostgreSQL warehouse tests")
        pytest.skip("TAJRIBA_TEST_DATABASE_URL is not set (CI sets it); PostgreSQL tests skipped")
    return base.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def pg_warehouse_url() -> Iterator[str]:
    """A PostgreSQL warehouse address in a fresh schema of the test database, dropped afterwards."""
    import psycopg

    base = pg_base()
    schema = f"wh_{secrets.token_hex(6)}"
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}schema={schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def engine_warehouse(engine: str, tmp_path: Path) -> Iterator[Warehouse]:
    """A warehouse with its schema on `engine`, closed (and its PostgreSQL schema dropped) afterwards."""
    if engine == "duckdb":
        url: AbstractContextManager[str] = nullcontext(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    elif engine == "spark":
        url = nullcontext(spark_url(tmp_path))
    else:
        url = pg_warehouse_url()
    with url as address:
        w = open_warehouse(address)
        try:
            w.create_schema()
            yield w
        finally:
            w.close()


@pytest.fixture(params=ENGINES)
def any_wh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    """The same test on each warehouse engine."""
    with engine_warehouse(request.param, tmp_path) as w:
        yield w


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    if TEST_ENGINE == "postgres":
        with pg_warehouse_url() as url:
            yield load_settings(data_dir=tmp_path / "data", worker=False, env="test", warehouse_url=url)
    elif TEST_ENGINE == "spark":
        yield load_settings(
            data_dir=tmp_path / "data", worker=False, env="test", warehouse_url=spark_url(tmp_path)
        )
    else:
        yield load_settings(data_dir=tmp_path / "data", worker=False, env="test")


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    application = create_app(settings, start_worker=False)
    yield application
    application.state.warehouse.close()


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, follow_redirects=False) as c:
        yield c


@pytest.fixture
def db(app) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    """A session on the app's database; committed at the end of the test setup by the caller."""
    session = app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


def make_workspace(db: Session, slug: str = "acme", **kw: Any) -> Workspace:
    ws = service.create_workspace(db, slug=slug, name=kw.pop("name", slug.title()), **kw)
    db.commit()
    return ws


def make_user(
    db: Session,
    email: str | None = None,
    *,
    workspace: Workspace | None = None,
    role: str = "viewer",
    locale: str | None = None,
) -> User:
    user = service.create_user(
        db,
        email=email or f"u{secrets.token_hex(4)}@example.com",
        name="Test User",
        password=PASSWORD,
        locale=locale,
    )
    if workspace is not None:
        service.set_role(db, workspace=workspace, user=user, role=role)
    db.commit()
    return user


def csrf_from(client: TestClient, path: str = "/login") -> str:
    """Load a page and return the CSRF token its forms carry (sets the CSRF cookie)."""
    html = client.get(path).text
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, user: User, password: str = PASSWORD) -> str:
    token = csrf_from(client)
    response = client.post(
        "/login", data={"email": user.email, "password": password, "csrf_token": token, "next": "/"}
    )
    assert response.status_code == 303, response.text[:500]
    return token


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test (needs TAJRIBA_TEST_DATABASE_URL)."""
    import psycopg

    name = f"tajriba_t_{secrets.token_hex(5)}"
    admin = pg_base()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = re.sub(r"/[^/]*$", f"/{name}", admin)
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    """A real SMTP server on loopback (aiosmtpd): yields (port, inbox); each received mail gets X-Rcpt."""
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[Any] = []

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
            msg = message_from_bytes(envelope.content)
            msg["X-Rcpt"] = ",".join(envelope.rcpt_tos)
            self.messages.append(msg)
            return "250 OK"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()
