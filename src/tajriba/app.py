"""create_app(settings): engines, session factory, warehouse, routers, error handlers and the worker."""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from tajriba import __version__
from tajriba import wiring as _wiring  # noqa: F401  (job handlers and workspace set-up, on import)
from tajriba.config import Settings
from tajriba.db.session import make_engine, make_session_factory
from tajriba.web import handlers, middleware
from tajriba.web.deps import Directory
from tajriba.web.params import check_ids
from tajriba.web.render import Renderer

log = logging.getLogger("tajriba")
STATIC = Path(__file__).parent / "web" / "static"


def run(settings: Settings, *, processes: int = 1, **options: Any) -> None:
    """Serve the app with uvicorn until stopped; with several processes sharing the port, each builds the
    app from the same settings, passed on in the environment."""
    import uvicorn

    options = {"access_log": False, "timeout_graceful_shutdown": 5, **options}
    if processes == 1:
        app = create_app(settings)
        collect_less()
        uvicorn.run(app, **options)
        return
    from tajriba.config import settings_environment

    os.environ.update(settings_environment(settings))
    uvicorn.run("tajriba.app:from_environment", factory=True, workers=processes, **options)


def from_environment() -> FastAPI:
    """The app of one of several serve processes, its settings from TAJRIBA_* (set by `serve --workers`)."""
    from tajriba.config import load_settings

    app = create_app(load_settings())
    collect_less()
    return app


def collect_less() -> None:
    """Tune Python's cyclic garbage collector for serving (not for tests, which build many apps in one process).

    With the default thresholds (a young collection every 700 allocations) the collector also ran full
    collections over the whole app's heap several times per tracking flush. What the app built at start is
    frozen out of those collections and young ones run less often: a 4,000-event flush, median of five runs,
    34.4 -> 31.1 us/event (benchmarks/flush_bench.py --gc default|tuned; docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def create_app(settings: Settings, *, start_worker: bool | None = None) -> FastAPI:
    """Build the application; stores are opened here, the worker starts with the app's lifespan."""
    from tajriba.db import migrate
    from tajriba.warehouse import open_warehouse

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url, pool_size=settings.threads + 4)
    migrate.upgrade(engine)
    warehouse = open_warehouse(settings.warehouse_address)
    warehouse.create_schema()
    run_worker = settings.worker if start_worker is None else start_worker

    app = FastAPI(
        title="Tajriba",
        version=__version__,
        lifespan=_lifespan(settings, engine, warehouse, run_worker=run_worker),
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        dependencies=[Depends(check_ids)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.warehouse = warehouse
    # the domains' parts of the web shell (imported here, like the routers, so importing the module stays light)
    from tajriba.accounts import service as accounts_service
    from tajriba.customers import service as customers_service
    from tajriba.journeys import service as journeys_service
    from tajriba.loyalty import service as loyalty_service
    from tajriba.value import service as value_service

    app.state.renderer = Renderer(settings.secret, filters={"mask": customers_service.mask})
    directory: Directory = accounts_service
    # the customer profile page shows parts other domains own (customers sits below them)
    app.state.profile_sections = (
        journeys_service.profile_section,
        value_service.profile_section,
        loyalty_service.profile_section,
    )
    app.state.directory = directory
    app.state.started_at = time.time()
    app.state.write_keys = {}
    # SQLite: requests that write take turns (web.deps.write_turn); PostgreSQL lets them run together
    app.state.write_turn = anyio.Lock() if engine.dialect.name == "sqlite" else None

    _install_middleware(app, settings)
    handlers.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _include_routers(app)
    return app


def _lifespan(settings: Settings, engine: Any, warehouse: Any, *, run_worker: bool) -> Any:
    """What runs while the app serves: the ingest flusher and (unless disabled) the job worker; the stores
    close when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        from tajriba.ingest.buffer import Ingestor
        from tajriba.ingest.parsers import Parsers

        # every sync route runs in this pool; the database pool holds one connection per thread (plus the
        # worker's and the ingest thread's), so no route ever waits for a connection
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        from tajriba.ingest.rules import RulesCache

        app.state.ingest_rules = RulesCache(app.state.session_factory)
        # the tracking API's flushes write through a handle of their own: they never queue behind the
        # survey answers and jobs that share the main handle's write lock (DuckDB isolates the two)
        ingest_handle = warehouse.cursor()
        app.state.ingestor = Ingestor(ingest_handle, app.state.ingest_rules.get)
        app.state.ingestor.start()
        app.state.parsers = Parsers(settings.parse_processes)
        worker = None
        if run_worker:
            from tajriba.jobs.worker import Worker

            worker = Worker(app.state.session_factory, settings=settings, warehouse=warehouse)
            worker.start()
        app.state.worker = worker
        yield
        app.state.parsers.close()
        app.state.ingestor.stop()
        ingest_handle.close()
        if worker is not None:
            worker.stop()
        warehouse.close()
        engine.dispose()

    return lifespan


# Every router, in the order they are included: "module:attribute" (imported when the app is built, so that
# importing this module stays light; tests walk these routes).
ROUTERS = (
    "tajriba.web.health:router",
    "tajriba.ingest.api:router",
    "tajriba.surveys.stop:router",  # before the respondent's /s/{token}/... routes
    "tajriba.surveys.respondent:router",
    "tajriba.accounts.pages:router",
    "tajriba.overview.pages:router",
    "tajriba.value.pages:router",
    "tajriba.text.pages:router",
    "tajriba.journeys.pages:router",
    "tajriba.journeys.touchpoint_pages:router",
    "tajriba.journeys.persona_pages:router",
    "tajriba.journeys.analytics_pages:router",
    "tajriba.customers.pages:router",
    "tajriba.ingest.pages:router",
    "tajriba.ingest.imports.pages:router",
    "tajriba.accounts.api:router",
    "tajriba.customers.api:router",
    "tajriba.ingest.api:rules_router",
    "tajriba.overview.api:router",
    "tajriba.journeys.api:router",
    "tajriba.journeys.api:touchpoints_router",
    "tajriba.journeys.api:personas_router",
    "tajriba.journeys.api:items_router",
    "tajriba.journeys.analytics_api:analytics_router",
    "tajriba.value.api:router",
    "tajriba.text.api:router",
    "tajriba.metrics.api:router",
    "tajriba.forecasting.api:router",
    "tajriba.forecasting.pages:router",
    "tajriba.surveys.api:router",
    "tajriba.surveys.pages:router",
    "tajriba.surveys.editor_pages:router",
    "tajriba.surveys.results_pages:router",
    "tajriba.goals.api:router",
    "tajriba.loyalty.api:router",
    "tajriba.loyalty.pages:router",
    "tajriba.social.api:router",
    "tajriba.social.pages:router",
    "tajriba.goals.pages:router",
    "tajriba.stories.api:router",
    "tajriba.stories.pages:router",
    "tajriba.cases.api:router",
    "tajriba.cases.pages:router",
    "tajriba.cases.setup_pages:router",
    "tajriba.reports.pages:router",
    "tajriba.reports.pages:shared_router",
    "tajriba.privacy.api:router",
    "tajriba.privacy.pages:router",
    "tajriba.privacy.public:router",
)


def routers() -> list[APIRouter]:
    """Every router of the application, in the order they are included."""
    import importlib

    found = []
    for name in ROUTERS:
        module, attribute = name.split(":")
        found.append(getattr(importlib.import_module(module), attribute))
    return found


def _include_routers(app: FastAPI) -> None:
    for router in routers():
        app.include_router(router)


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(middleware.RequestContext, settings=settings)
