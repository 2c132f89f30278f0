"""The worker loop: a thread inside `tajriba serve`, or its own process with `tajriba worker`."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.config import Settings
from tajriba.db.session import transaction
from tajriba.errors import TajribaError
from tajriba.jobs import service
from tajriba.warehouse import Warehouse

log = logging.getLogger("tajriba.worker")
MAINTENANCE_EVERY_S = 3600.0


def maintenance_key(at: float) -> str:
    """One maintenance job per hour, however many workers start."""
    return f"maintenance:{int(at // MAINTENANCE_EVERY_S)}"


@service.handler("maintenance")
def maintenance(
    *, factory: sessionmaker[Session], settings: Settings, warehouse: Warehouse, **_: Any
) -> dict[str, Any]:
    """Run every registered clean-up step, checkpoint the warehouse, and schedule the next run."""
    done: dict[str, Any] = {}
    for step in service.MAINTENANCE.values():
        done.update(step(factory=factory, settings=settings, warehouse=warehouse))
    warehouse.checkpoint()
    with transaction(factory) as session:
        service.enqueue(
            session,
            kind="maintenance",
            dedupe_key=maintenance_key(time.time() + MAINTENANCE_EVERY_S),
            delay_seconds=MAINTENANCE_EVERY_S,
        )
    return done


class Worker:
    def __init__(self, factory: sessionmaker[Session], *, settings: Settings, warehouse: Warehouse) -> None:
        self.factory = factory
        self.settings = settings
        self.warehouse = warehouse
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="tajriba-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        with transaction(self.factory, mode="writes") as session:
            service.requeue_stale(session)
            service.enqueue(session, kind="maintenance", dedupe_key=maintenance_key(time.time()))
        next_run = dict.fromkeys(service.PERIODIC, 0.0)
        while not self._stop.is_set():
            try:
                due = [kind for kind, at in next_run.items() if time.monotonic() >= at]
                if due:  # e.g. case rules and SLA clocks every few seconds, survey sends once a minute
                    with transaction(self.factory, mode="writes") as session:
                        for kind in due:
                            service.enqueue(session, kind=kind, dedupe_key=kind)
                    for kind in due:
                        next_run[kind] = time.monotonic() + service.PERIODIC[kind](self.settings)
                worked = self.run_once()
            except Exception:  # noqa: BLE001 - the loop must survive a broken database moment
                log.exception("worker loop error")
                worked = False
            if not worked:
                self._stop.wait(self.settings.worker_poll_seconds)

    def run_once(self) -> bool:
        """Claim and run one due job; return whether there was one."""
        with transaction(self.factory, mode="writes") as session:
            job = service.claim(session, worker_id=self.worker_id)
            if job is None:
                return False
            job_id, kind, payload = job.id, job.kind, dict(job.payload or {})
        fn = service.HANDLERS.get(kind)
        try:
            if fn is None:
                raise LookupError(f"no handler for job kind {kind!r}")
            result: dict[str, Any] | None = fn(
                factory=self.factory,
                settings=self.settings,
                warehouse=self.warehouse,
                job_id=job_id,
                **payload,
            )
        except TajribaError as exc:  # an expected, permanent problem (bad input): no retry
            with transaction(self.factory, mode="writes") as session:
                row = session.get(service.Job, job_id)
                if row is not None:
                    service.fail(session, job=row, error=exc.message, permanent=True)
            return True
        except Exception:  # noqa: BLE001 - recorded on the job and retried
            error = traceback.format_exc()
            log.warning("job %s (%s) failed", job_id, kind)
            with transaction(self.factory, mode="writes") as session:
                row = session.get(service.Job, job_id)
                if row is not None:
                    service.fail(session, job=row, error=error)
            return True
        with transaction(self.factory, mode="writes") as session:
            row = session.get(service.Job, job_id)
            if row is not None:
                service.finish(session, job=row, result=result)
        return True
