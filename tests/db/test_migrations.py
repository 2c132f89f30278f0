"""Migrations run up and down unchanged on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tajriba.db import migrate
from tajriba.db.session import make_engine
from tajriba.models.base import Base

EXPECTED = {
    "workspaces",
    "users",
    "memberships",
    "api_keys",
    "user_sessions",
    "personas",
    "journeys",
    "journey_personas",
    "touchpoint_rules",
    "stages",
    "touchpoints",
    "jobs",
    "audit_log",
}


def _roundtrip(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        assert set(sa.inspect(engine).get_table_names()) >= EXPECTED
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == [], f"models and migrations differ: {diff}"
        migrate.downgrade(engine, "base")
        assert migrate.current(engine) is None
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()


def test_migrations_up_and_down_on_sqlite(tmp_path: Path) -> None:
    _roundtrip(f"sqlite:///{tmp_path / 'app.db'}")


@pytest.mark.postgres
def test_migrations_up_and_down_on_postgresql(pg_url: str) -> None:
    _roundtrip(pg_url.replace("postgresql://", "postgresql+psycopg://"))


@pytest.mark.postgres
def test_accounts_service_works_on_postgresql(pg_url: str) -> None:
    from tajriba.accounts import service
    from tajriba.db.session import make_session_factory, transaction

    engine = make_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as s:
        ws = service.create_workspace(s, slug="pg-ws", name="متجر")
        user = service.create_user(s, email="PG@Example.com", name="مستخدم", password="long enough pw")
        service.set_role(s, workspace=ws, user=user, role="owner")
        _key, token = service.create_key(s, workspace=ws, kind="api", name="k")
    with transaction(factory) as s:
        assert service.authenticate(s, email="pg@example.com", password="long enough pw").name == "مستخدم"
        assert service.resolve_key(s, token=token, kind="api").workspace_id == ws.id
        assert service.get_workspace(s, slug="pg-ws").name == "متجر"
    engine.dispose()
