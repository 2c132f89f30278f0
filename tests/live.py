"""A live `tajriba serve` for tests that need real HTTP, real processes and real concurrency."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from tajriba.config import load_settings
from tajriba.db import migrate
from tajriba.db.session import make_engine, make_session_factory, transaction
from tajriba.warehouse import open_warehouse
from tests.conftest import free_port
from tests.test_serve import wait_healthy


@contextmanager
def stores(
    data: Path, database_url: str | None = None, warehouse_url: str | None = None
) -> Iterator[Session]:
    """Create both stores in `data` (migrated, warehouse schema) and yield a session committed at the end."""
    settings = load_settings(
        data_dir=data, env="test", database_url=database_url, warehouse_url=warehouse_url
    )
    data.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    migrate.upgrade(engine)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()
    warehouse = open_warehouse(settings.warehouse_address)
    warehouse.create_schema()
    warehouse.close()


@dataclass
class Live:
    url: str
    proc: subprocess.Popen
    log: Path

    def stop(self) -> int:
        """Stop as an operator would (SIGINT); return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)


def start(data: Path, *, env: dict[str, str] | None = None, worker: bool = False, processes: int = 1) -> Live:
    """Start `tajriba serve` on a free port (output to serve.log beside the data dir) and wait until healthy;
    `processes` > 1 serves with `--workers` (a shared warehouse only)."""
    port = free_port()
    log = data.parent / "serve.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tajriba.cli", "serve", "--port", str(port), "--data-dir", str(data)]
        + ([] if worker else ["--no-worker"])
        + (["--workers", str(processes)] if processes > 1 else []),
        # a file, not a pipe: nobody reads a pipe while the server runs, and a full pipe blocks the server
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "TAJRIBA_ENV": "test", **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{url}/healthz", proc)
    except BaseException:
        proc.kill()
        raise
    return Live(url, proc, log)


@contextmanager
def serving(
    data: Path, *, env: dict[str, str] | None = None, worker: bool = False, processes: int = 1
) -> Iterator[Live]:
    live = start(data, env=env, worker=worker, processes=processes)
    try:
        yield live
    finally:
        live.stop()
