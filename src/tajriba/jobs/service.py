"""Enqueue and claim jobs. Jobs are idempotent and retried with exponential backoff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tajriba.config import Settings
from tajriba.models import Job
from tajriba.models.base import utcnow

Handler = Callable[..., dict[str, Any] | None]
# Each domain registers its own handlers in its `tasks.py`; the entry points (app, CLI) import those modules.
HANDLERS: dict[str, Handler] = {}
# job kinds the worker queues by itself, with how often (seconds, read from the settings)
PERIODIC: dict[str, Callable[[Settings], float]] = {}
# hourly clean-ups, run by the `maintenance` job: each returns what it did, e.g. {"sessions_purged": 3}
MAINTENANCE: dict[str, Callable[..., dict[str, Any]]] = {}


def handler(kind: str, *, every: Callable[[Settings], float] | None = None) -> Callable[[Handler], Handler]:
    """Register a function as the handler of one job kind; with `every`, the worker also queues it that often."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        if every is not None:
            PERIODIC[kind] = every
        return fn

    return register


def maintenance_step(name: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Register an hourly clean-up (called with factory, settings and warehouse as keywords)."""

    def register(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        MAINTENANCE[name] = fn
        return fn

    return register


def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any] | None = None,
    workspace_id: int | None = None,
    dedupe_key: str | None = None,
    delay_seconds: float = 0,
    max_attempts: int = 5,
) -> Job | None:
    """Queue a job; with a dedupe_key, a job already queued under that key is not queued again."""
    if dedupe_key is not None:
        existing = session.scalar(select(Job).where(Job.dedupe_key == dedupe_key))
        if existing is not None:
            if existing.status in ("queued", "running"):
                return existing
            session.delete(existing)
            session.flush()
    job = Job(
        kind=kind,
        payload=payload or {},
        workspace_id=workspace_id,
        dedupe_key=dedupe_key,
        run_after=utcnow() + timedelta(seconds=delay_seconds),
        max_attempts=max_attempts,
    )
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        return None
    return job


def claim(session: Session, *, worker_id: str) -> Job | None:
    """Take the oldest due job atomically (a conditional update, safe with several workers)."""
    now = utcnow()
    candidates = session.scalars(
        select(Job.id)
        .where(Job.status == "queued", Job.run_after <= now)
        .order_by(Job.run_after, Job.id)
        .limit(5)
    ).all()
    for job_id in candidates:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(status="running", locked_by=worker_id, locked_at=now, attempts=Job.attempts + 1)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            session.flush()
            job = session.get(Job, job_id)
            if job is not None:
                session.refresh(job)
            return job
    return None


def report_progress(factory: sessionmaker[Session], job_id: int, progress: dict[str, Any]) -> None:
    """What a running job has done so far, kept as its result until it finishes (one small write)."""
    from tajriba.db.session import transaction

    with transaction(factory, mode="writes") as session:
        job = session.get(Job, job_id)
        if job is not None and job.status == "running":
            job.result = {"progress": progress}


def finish(session: Session, *, job: Job, result: dict[str, Any] | None) -> None:
    job.status = "done"
    job.result = result or {}
    job.finished_at = utcnow()
    job.last_error = None


def fail(session: Session, *, job: Job, error: str, permanent: bool = False) -> None:
    """Record a failure; retry later with backoff (30 s, 2 min, 8 min, ...) until attempts run out."""
    job.last_error = error[-4000:]
    if permanent or job.attempts >= job.max_attempts:
        job.status = "failed"
        job.finished_at = utcnow()
    else:
        job.status = "queued"
        job.run_after = utcnow() + timedelta(seconds=30 * 4 ** (job.attempts - 1))
    job.locked_by = None


def list_jobs(session: Session, *, workspace_id: int, kind: str, limit: int = 50) -> list[Job]:
    return list(
        session.scalars(
            select(Job)
            .where(Job.workspace_id == workspace_id, Job.kind == kind)
            .order_by(Job.id.desc())
            .limit(limit)
        )
    )


def get_job(session: Session, *, workspace_id: int, job_id: int) -> Job | None:
    return session.scalar(select(Job).where(Job.id == job_id, Job.workspace_id == workspace_id))


def requeue_stale(session: Session, *, older_than_minutes: float = 30) -> int:
    """Put back jobs whose worker died while running them."""
    cut = utcnow() - timedelta(minutes=older_than_minutes)
    result = session.execute(
        update(Job)
        .where(Job.status == "running", Job.locked_at < cut)
        .values(status="queued", locked_by=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
