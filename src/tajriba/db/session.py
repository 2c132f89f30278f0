"""Engines and sessions: the request, CLI command or job owns the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_S = 30
READ_ONLY = "tajriba_reads"  # execution option: this session only reads (SQLite: no transaction is opened)


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """Create an engine.

    SQLite gets WAL, foreign keys and a busy timeout, and transactions that take the write lock when they
    begin (BEGIN IMMEDIATE): a deferred transaction that read first and writes later cannot wait for the
    lock when another connection committed in between (SQLITE_BUSY without waiting), while an immediate
    one waits its turn. Sessions bound with the READ_ONLY option open no transaction at all (each statement
    reads the latest commit), so page views never queue behind writers. PostgreSQL gets a pool as large as
    the number of threads that may use it at once (the server's thread pool plus the worker)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S, "isolation_level": None},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            if not conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size // 2, pool_timeout=30
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def transaction(factory: sessionmaker[Session], *, reads: bool = False) -> Iterator[Session]:
    """Open a session, commit on success, roll back on any error.

    `reads=True` for work that mostly reads (page views): on SQLite it opens no transaction, so it never
    waits for the write lock; the few writes such work makes (a "last seen" stamp) commit one by one."""
    session = factory()
    if reads:
        session.connection(execution_options={READ_ONLY: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
