"""The job queue: claim once, retry with backoff, dedupe, and the built-in maintenance job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from tajriba.jobs import service
from tajriba.jobs.worker import Worker
from tajriba.models import Job, UserSession
from tajriba.models.base import utcnow
from tests.conftest import make_user

CALLS: list[dict] = []


@service.handler("test.record")
def _record(**kwargs):  # type: ignore[no-untyped-def]
    CALLS.append({k: v for k, v in kwargs.items() if k not in ("factory", "settings", "warehouse")})
    return {"ok": True}


@service.handler("test.fail")
def _fail(**_kwargs):  # type: ignore[no-untyped-def]
    raise ValueError("downstream unavailable")


def _worker(app) -> Worker:  # type: ignore[no-untyped-def]
    return Worker(app.state.session_factory, settings=app.state.settings, warehouse=app.state.warehouse)


def test_a_queued_job_runs_once_with_its_payload(app, db) -> None:
    CALLS.clear()
    service.enqueue(db, kind="test.record", payload={"n": 7, "text": "مرحبا"})
    db.commit()
    worker = _worker(app)
    assert worker.run_once() is True
    assert worker.run_once() is False
    job = db.scalar(select(Job).where(Job.kind == "test.record"))
    assert [{"n": 7, "text": "مرحبا", "job_id": job.id}] == CALLS  # the payload, and which job it is
    db.refresh(job)
    assert (job.status, job.attempts, job.result) == ("done", 1, {"ok": True})


def test_a_failing_job_is_retried_with_backoff_then_marked_failed(app, db) -> None:
    service.enqueue(db, kind="test.fail", max_attempts=2)
    db.commit()
    worker = _worker(app)
    assert worker.run_once() is True
    job = db.scalar(select(Job).where(Job.kind == "test.fail"))
    db.refresh(job)
    assert job.status == "queued" and job.run_after > utcnow() + timedelta(seconds=20)
    assert "downstream unavailable" in job.last_error
    assert worker.run_once() is False  # not due yet
    db.execute(update(Job).where(Job.id == job.id).values(run_after=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert worker.run_once() is True
    db.refresh(job)
    assert job.status == "failed" and job.attempts == 2


def test_a_dedupe_key_queues_a_job_only_once(db) -> None:
    first = service.enqueue(db, kind="test.record", dedupe_key="daily-report")
    second = service.enqueue(db, kind="test.record", dedupe_key="daily-report")
    db.commit()
    assert first is not None and second is not None and first.id == second.id
    assert len(db.scalars(select(Job).where(Job.dedupe_key == "daily-report")).all()) == 1


def test_two_workers_never_claim_the_same_job(app, db) -> None:
    service.enqueue(db, kind="test.record")
    db.commit()
    s1, s2 = app.state.session_factory(), app.state.session_factory()
    try:
        a = service.claim(s1, worker_id="a")
        s1.commit()
        b = service.claim(s2, worker_id="b")
        s2.commit()
    finally:
        s1.close()
        s2.close()
    assert (a is None) != (b is None)


def test_maintenance_purges_expired_sessions_and_schedules_itself(app, db) -> None:
    from tajriba.accounts import service as accounts

    user = make_user(db)
    accounts.start_session(db, user=user, settings=app.state.settings)
    accounts.start_session(db, user=user, settings=app.state.settings)
    db.commit()
    stale = db.scalars(select(UserSession)).first()
    stale.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    service.enqueue(db, kind="maintenance", dedupe_key="maintenance:test")
    db.commit()
    worker = _worker(app)
    import tajriba.app  # noqa: F401  (registers the handlers)

    assert worker.run_once() is True
    db.expire_all()
    assert len(db.scalars(select(UserSession)).all()) == 1
    done = db.scalar(select(Job).where(Job.dedupe_key == "maintenance:test"))
    assert done.status == "done" and done.result == {"sessions_purged": 1, "uploads_removed": 0, "purged": {}}
    nxt = db.scalars(select(Job).where(Job.kind == "maintenance", Job.status == "queued")).all()
    assert len(nxt) == 1 and nxt[0].run_after > utcnow() + timedelta(minutes=50)
