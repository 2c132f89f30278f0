"""Engines and sessions: the request, CLI command or job owns the transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("tajriba.db")

BUSY_TIMEOUT_S = 30
# execution option, SQLite only: "reads" opens no transaction, "writes" takes the write lock at BEGIN
BEGIN = "tajriba_begin"


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """Create an engine.

    SQLite gets WAL, foreign keys and a busy timeout. A session that will write says so (BEGIN IMMEDIATE
    takes the write lock at once, waiting its turn): a deferred transaction that read first and writes later
    cannot wait when another connection committed in between (SQLITE_BUSY at once). A session that only
    reads opens no transaction at all (each statement reads the latest commit), so page views never queue
    behind writers. PostgreSQL gets a pool as large as the number of threads that may use it at once (the
    server's thread pool plus the worker)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S, "isolation_level": None},
            pool_size=pool_size,
            max_overflow=pool_size // 2,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            # deleted and replaced rows are overwritten with zeros, not left in free space (an erasure)
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            mode = conn.get_execution_options().get(BEGIN)
            if mode == "writes":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif mode != "reads":
                conn.exec_driver_sql("BEGIN")

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size // 2, pool_timeout=30
    )


def reclaim(engine: Engine, tables: list[str]) -> str:
    """After an erasure (the transaction committed): no deleted row left readable in the database's files.

    SQLite zeroes deleted rows as it goes (secure_delete); the write-ahead log, which still holds the pages as
    they were, is folded into the file and truncated. PostgreSQL rewrites each table without its dead rows
    (VACUUM FULL). Returns "done", or "busy" when readers kept SQLite's log in use (it is truncated at the
    next checkpoint no reader holds up: at the latest when the server stops)."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA busy_timeout=2000")  # type: ignore[union-attr]
            busy = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]  # type: ignore[union-attr]
            raw.driver_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")  # type: ignore[union-attr]
        finally:
            raw.close()
        return "busy" if busy else "done"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in tables:
            conn.exec_driver_sql(f'VACUUM FULL "{name}"')
    return "done"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def transaction(factory: sessionmaker[Session], *, mode: str | None = None) -> Iterator[Session]:
    """Open a session, commit on success, roll back on any error.

    On SQLite, `mode="writes"` for short work that writes (a form post, claiming a job): it waits for the
    write lock up front. `mode="reads"` for work that mostly reads (page views): no transaction, never a
    wait; the few writes such work makes (a "last seen" stamp) commit one by one."""
    session = factory()
    if mode is not None:
        session.connection(execution_options={BEGIN: mode})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_AFTER_COMMIT = "tajriba.after_commit"


def after_commit(session: Session, fn: Callable[[], object]) -> None:
    """Run `fn` once the caller's transaction has committed, never when it rolls back: for a write to the
    warehouse that must follow the application database's (services never commit themselves). A failure is
    logged, not raised: the commit it follows has happened, and such writes are repaired on the next run."""
    session.info.setdefault(_AFTER_COMMIT, []).append(fn)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for fn in session.info.pop(_AFTER_COMMIT, []):
        try:
            fn()
        except Exception:  # noqa: BLE001 - see after_commit
            log.exception("a write after the commit failed; the next run repairs it")


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
