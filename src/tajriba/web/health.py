"""Liveness and readiness: /healthz answers when both stores do.

It runs on the event loop and probes the stores on two threads of its own, so it never waits for a turn in
the request threads (under load all of them may be busy) and answers within `PROBE_SECONDS` even when a store
does not: a store that says nothing in that time is reported as not answering."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from tajriba import __version__

router = APIRouter()
PROBE_SECONDS = 5.0
_PROBES = ThreadPoolExecutor(max_workers=2, thread_name_prefix="health")


def _database(app: Any) -> None:
    with app.state.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _warehouse(app: Any) -> None:
    app.state.warehouse.ping()


async def _probe(check: Callable[[Any], None], app: Any) -> str:
    try:
        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(_PROBES, check, app), PROBE_SECONDS)
    except TimeoutError:
        return f"error: no answer in {PROBE_SECONDS:g} s"
    except Exception as exc:  # noqa: BLE001 - report, don't raise
        return f"error: {type(exc).__name__}"
    return "ok"


@router.get("/healthz", include_in_schema=False)
async def healthz(request: Request) -> JSONResponse:
    app = request.app
    database, warehouse = await asyncio.gather(_probe(_database, app), _probe(_warehouse, app))
    checks = {"database": database, "warehouse": warehouse}
    ok = all(v == "ok" for v in checks.values())
    body = {
        "status": "ok" if ok else "degraded",
        "version": __version__,
        "uptime_s": round(time.time() - app.state.started_at, 1),
        **checks,
    }
    return JSONResponse(body, status_code=200 if ok else 503)
