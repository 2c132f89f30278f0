"""Liveness and readiness: /healthz answers when both stores do."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from tajriba import __version__

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> JSONResponse:
    checks = {}
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report, don't raise
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        request.app.state.warehouse.sql("SELECT 1")
        checks["warehouse"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["warehouse"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    body = {
        "status": "ok" if ok else "degraded",
        "version": __version__,
        "uptime_s": round(time.time() - request.app.state.started_at, 1),
        **checks,
    }
    return JSONResponse(body, status_code=200 if ok else 503)
