"""create_app(settings): engines, session factory, warehouse, routers, error handlers and the worker."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

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

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        from tajriba.ingest.buffer import Ingestor

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
        worker = None
        if run_worker:
            from tajriba.jobs.worker import Worker

            worker = Worker(app.state.session_factory, settings=settings, warehouse=warehouse)
            worker.start()
        app.state.worker = worker
        yield
        app.state.ingestor.stop()
        ingest_handle.close()
        if worker is not None:
            worker.stop()
        warehouse.close()
        engine.dispose()

    app = FastAPI(
        title="Tajriba",
        version=__version__,
        lifespan=lifespan,
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
    from tajriba.value import service as value_service

    app.state.renderer = Renderer(settings.secret, filters={"mask": customers_service.mask})
    directory: Directory = accounts_service
    # the customer profile page shows parts other domains own (customers sits below them)
    app.state.profile_sections = (journeys_service.profile_section, value_service.profile_section)
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


def routers() -> list[APIRouter]:
    """Every router of the application, in the order they are included (tests walk these routes)."""
    from tajriba.accounts import api as accounts_api
    from tajriba.accounts import pages as accounts_pages
    from tajriba.cases import api as cases_api
    from tajriba.cases import pages as cases_pages
    from tajriba.customers import api as customers_api
    from tajriba.customers import pages as customers_pages
    from tajriba.goals import api as goals_api
    from tajriba.goals import pages as goals_pages
    from tajriba.ingest import api as ingest_api
    from tajriba.ingest import pages as ingest_pages
    from tajriba.ingest.imports import pages as import_pages
    from tajriba.journeys import analytics_api as journey_analytics_api
    from tajriba.journeys import api as journeys_api
    from tajriba.journeys import pages as journeys_pages
    from tajriba.metrics import api as metrics_api
    from tajriba.overview import api as overview_api
    from tajriba.overview import pages as overview_pages
    from tajriba.reports import pages as reports_pages
    from tajriba.stories import api as stories_api
    from tajriba.stories import pages as stories_pages
    from tajriba.surveys import api as surveys_api
    from tajriba.surveys import pages as surveys_pages
    from tajriba.surveys import respondent
    from tajriba.text import api as text_api
    from tajriba.text import pages as text_pages
    from tajriba.value import api as value_api
    from tajriba.value import pages as value_pages
    from tajriba.web import health

    return [
        health.router,
        ingest_api.router,
        respondent.router,
        accounts_pages.router,
        overview_pages.router,
        value_pages.router,
        text_pages.router,
        journeys_pages.router,
        customers_pages.router,
        ingest_pages.router,
        import_pages.router,
        accounts_api.router,
        customers_api.router,
        ingest_api.rules_router,
        overview_api.router,
        journeys_api.router,
        journeys_api.touchpoints_router,
        journeys_api.personas_router,
        journeys_api.items_router,
        journey_analytics_api.analytics_router,
        value_api.router,
        text_api.router,
        metrics_api.router,
        surveys_api.router,
        surveys_pages.router,
        goals_api.router,
        goals_pages.router,
        stories_api.router,
        stories_pages.router,
        cases_api.router,
        cases_pages.router,
        reports_pages.router,
        reports_pages.shared_router,
    ]


def _include_routers(app: FastAPI) -> None:
    for router in routers():
        app.include_router(router)


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(middleware.RequestContext, settings=settings)
