"""The `tajriba` command. Each command is a thin wrapper over a service; heavy modules load lazily."""

from __future__ import annotations

import socket
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from tajriba.config import Settings

from tajriba.commands import DataDir, Stores, echo_json, settings_for  # noqa: E402
from tajriba.progress import bar  # noqa: E402

app = typer.Typer(
    help="Tajriba: Arabic-first customer-experience management.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Application database migrations.", no_args_is_help=True)
warehouse_app = typer.Typer(
    help="The warehouse of experience data (DuckDB file or PostgreSQL).", no_args_is_help=True
)


@app.callback()
def _connect_domains() -> None:
    # every domain's job handlers and the set-up of new workspaces (tajriba/wiring.py)
    from tajriba import wiring  # noqa: F401


app.add_typer(db_app, name="db")
app.add_typer(warehouse_app, name="warehouse")


def _domain_commands() -> None:
    """Each domain's commands, from its own cli.py."""
    from tajriba.accounts.cli import keys_app, users_app, workspaces_app
    from tajriba.cases.cli import calendars_app
    from tajriba.forecasting.cli import forecast_cmd, staffing_app
    from tajriba.ingest.cli import import_cmd
    from tajriba.journeys.cli import journeys_app
    from tajriba.metrics.cli import metrics_command
    from tajriba.privacy.cli import privacy_app
    from tajriba.social.cli import social_app
    from tajriba.text.cli import text_app
    from tajriba.value.cli import value_app

    app.add_typer(users_app, name="users")
    app.add_typer(workspaces_app, name="workspaces")
    app.add_typer(keys_app, name="keys")
    app.add_typer(journeys_app, name="journeys")
    app.add_typer(staffing_app, name="staffing")
    app.add_typer(privacy_app, name="privacy")
    app.add_typer(social_app, name="social")
    app.command("import")(import_cmd)
    app.command("forecast")(forecast_cmd)
    app.add_typer(value_app, name="value")
    app.add_typer(text_app, name="text")
    app.add_typer(calendars_app, name="calendars")
    app.command("metrics")(metrics_command)


_domain_commands()


# -- init / serve / worker ------------------------------------------------------------------------


@app.command()
def init(
    data_dir: DataDir = None,
    workspace: Annotated[str, typer.Option(help="Workspace slug (its URL: /w/SLUG).")] = "main",
    workspace_name: Annotated[str | None, typer.Option(help="Workspace name (default: the slug).")] = None,
    email: Annotated[str | None, typer.Option(help="Owner's email (prompted when omitted).")] = None,
    name: Annotated[str | None, typer.Option(help="Owner's name (default: the email's local part).")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            help="Owner's password, 10+ characters (prompted when omitted; or TAJRIBA_INIT_PASSWORD)."
        ),
    ] = None,
    locale: Annotated[str, typer.Option(help="Default language: ar, fa or en.")] = "ar",
    timezone: Annotated[
        str, typer.Option(help="The workspace's time zone, e.g. Asia/Riyadh, Africa/Cairo.")
    ] = ("Asia/Riyadh"),
    currency: Annotated[str, typer.Option(help="ISO currency code: SAR, AED, EGP, IRR ...")] = "SAR",
    calendar: Annotated[str, typer.Option(help="Dates shown in gregorian, hijri or jalali.")] = "gregorian",
) -> None:
    """Create the data directory, run migrations, create the first workspace and its owner.

    Every answer can be given as an option; without a terminal, missing answers are an error (never a hang)."""
    import os

    from tajriba.accounts import service
    from tajriba.errors import TajribaError

    settings = settings_for(data_dir)
    password = password or os.environ.get("TAJRIBA_INIT_PASSWORD") or None
    interactive = sys.stdin.isatty()
    missing = [flag for flag, value in (("--email", email), ("--password", password)) if value is None]
    if missing and not interactive:
        typer.echo(f"error: not run in a terminal: give {' and '.join(missing)}", err=True)
        raise typer.Exit(2)
    email = email or typer.prompt("Owner email")
    name = name or (
        email.split("@")[0] if not interactive else typer.prompt("Owner name", default=email.split("@")[0])
    )
    if password is None:
        password = typer.prompt("Owner password (10+ characters)", hide_input=True, confirmation_prompt=True)
    try:
        with Stores(settings) as stores, stores.session() as session:
            ws = service.create_workspace(
                session,
                slug=workspace,
                name=workspace_name or workspace,
                default_locale=locale,
                timezone=timezone,
                currency=currency,
                calendar=calendar,
            )
            user = service.create_user(session, email=email, name=name, password=password, locale=locale)
            service.set_role(session, workspace=ws, user=user, role="owner")
    except TajribaError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"Initialised {settings.data_dir.resolve()}\nWorkspace '{workspace}' created; owner {email}.\n"
        f"Start with: tajriba serve --data-dir {settings.data_dir} and log in at http://127.0.0.1:8000/login"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    data_dir: DataDir = None,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Run the job worker in-process.")
    ] = True,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="HTTP processes (a shared warehouse only).")
    ] = 1,
) -> None:
    """Run the web UI, JSON API and the in-process job worker."""
    settings = settings_for(data_dir, worker=worker)
    _serve(settings, host=host, port=port, processes=workers)


def _serve(
    settings: Settings, *, host: str, port: int, banner: str | None = None, processes: int = 1
) -> None:

    from tajriba import logs
    from tajriba.app import run
    from tajriba.text import service as text_service

    logs.configure(settings.log_level, redact=text_service.redact)
    if settings.served_url is None:  # where mails' links point when TAJRIBA_PUBLIC_URL is not set
        shown = socket.getfqdn() if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - compared, not bound
        settings = settings.model_copy(update={"served_url": f"http://{shown}:{port}"})
    if settings.public_url is None:
        typer.echo("TAJRIBA_PUBLIC_URL is not set: survey links in mails point at the address served here.")
    if processes > 1 and settings.warehouse_address.startswith("duckdb"):
        raise typer.BadParameter(
            "several processes need a shared warehouse (TAJRIBA_WAREHOUSE_URL=postgresql://... or spark...): "
            "the embedded DuckDB file is opened by one process",
            param_hint="--workers",
        )
    shown = f" with {processes} processes" if processes > 1 else ""
    typer.echo(f"Tajriba is serving {settings.data_dir.resolve()} at http://{host}:{port}/{shown}")
    if banner:
        typer.echo(banner)
    sys.stdout.flush()
    run(settings, processes=processes, host=host, port=port, log_level=settings.log_level.lower())


@app.command("worker")
def worker_cmd(data_dir: DataDir = None) -> None:
    """Run the job worker alone (production, beside `serve --no-worker`)."""
    import signal

    from tajriba import logs
    from tajriba.jobs.worker import Worker
    from tajriba.text import service as text_service

    settings = settings_for(data_dir)
    logs.configure(settings.log_level, redact=text_service.redact)
    stores = Stores(settings)
    assert stores.warehouse is not None
    w = Worker(stores.factory, settings=settings, warehouse=stores.warehouse)
    signal.signal(signal.SIGTERM, lambda *_: w._stop.set())
    typer.echo(f"Worker {w.worker_id} running; Ctrl-C to stop.")
    try:
        w.run()
    except KeyboardInterrupt:
        pass
    finally:
        stores.close()


# -- db -------------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(
    data_dir: DataDir = None, revision: Annotated[str, typer.Option(help="Target revision.")] = "head"
) -> None:
    """Apply migrations up to a revision (default: head)."""
    from tajriba.db import migrate
    from tajriba.db.session import make_engine

    settings = settings_for(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    migrate.upgrade(engine, revision)
    typer.echo(f"Database at revision {migrate.current(engine)}")
    engine.dispose()


@db_app.command("current")
def db_current(data_dir: DataDir = None) -> None:
    """Print the database revision and the newest one this version knows."""
    from tajriba.db import migrate
    from tajriba.db.session import make_engine

    settings = settings_for(data_dir)
    engine = make_engine(settings.db_url)
    typer.echo(f"current: {migrate.current(engine) or 'empty'}\nhead: {migrate.head()}")
    engine.dispose()


# -- stats and demo -------------------------------------------------------------------------------


@app.command()
def stats(
    workspace: Annotated[str | None, typer.Option(help="Only this workspace.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Print row counts of every table in both stores."""
    from tajriba.accounts import service
    from tajriba.stats import table_counts

    with Stores(settings_for(data_dir)) as stores, stores.session() as session:
        assert stores.warehouse is not None
        ws = service.get_workspace(session, slug=workspace) if workspace else None
        counts = table_counts(session, stores.warehouse, workspace=ws)
    if as_json:
        echo_json(counts)
        return
    for store in ("database", "warehouse"):
        tables: dict[str, int] = counts[store]  # type: ignore[assignment]
        typer.echo(f"[{store}]")
        for table, n in tables.items():
            typer.echo(f"  {table:<24} {n:>12,}")


@app.command()
def demo(
    scale: Annotated[float, typer.Option(help="Size: 1.0 is ~20,000 customers and ~1,000,000 events.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 7,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the app when built.")] = True,
    rebuild: Annotated[bool, typer.Option(help="Rebuild even if the demo workspace exists.")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    data_dir: DataDir = None,
) -> None:
    """Build the demo workspace (an online store in Saudi Arabia) and serve it."""
    import time

    from tajriba.demo import DEMO_EMAIL, DEMO_PASSWORD, build_demo

    settings = settings_for(data_dir)
    with Stores(settings) as stores:
        started = time.perf_counter()
        assert stores.warehouse is not None
        report = build_demo(
            stores.factory,
            stores.warehouse,
            scale=scale,
            seed=seed,
            rebuild=rebuild,
            progress=lambda msg: typer.echo(f"  {msg}"),
        )
        elapsed = time.perf_counter() - started
    if report.get("skipped"):
        typer.echo("Demo workspace already built (use --rebuild to build it again).")
    else:
        typer.echo(
            f"Demo built in {elapsed:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in report["counts"].items())
        )
    banner = f"Log in at http://{host}:{port}/login as {DEMO_EMAIL} with password {DEMO_PASSWORD}"
    if serve_after:
        _serve(settings, host=host, port=port, banner=banner)
    else:
        typer.echo(banner)


_WAREHOUSE_URLS = (
    "duckdb:///PATH, postgresql://HOST/DB[?schema=S], spark+local://N?lake=DIR or spark://HOST:PORT?lake=DIR"
)


@warehouse_app.command("copy")
def warehouse_copy(
    source: Annotated[str, typer.Option("--from", help=_WAREHOUSE_URLS)],
    target: Annotated[str, typer.Option("--to", help=_WAREHOUSE_URLS)],
    workspace: Annotated[str | None, typer.Option(help="Only this workspace (slug); default: all.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Copy the warehouse (or one workspace) to another engine; run it again to finish an interrupted copy.

    Stop `tajriba serve` and `tajriba worker` first (a DuckDB file is open in one process at a time), then
    point TAJRIBA_WAREHOUSE_URL at the target.
    """
    from tajriba.accounts import service
    from tajriba.errors import TajribaError
    from tajriba.warehouse import open_warehouse
    from tajriba.warehouse.copy import copy_warehouse

    if source == target:
        raise typer.BadParameter("--from and --to name the same warehouse", param_hint="--to")
    ws_id = None
    if workspace is not None:
        with Stores(settings_for(data_dir), warehouse=False) as stores, stores.session() as session:
            ws_id = service.get_workspace(session, slug=workspace).id
    try:
        src, dst = open_warehouse(source), open_warehouse(target)
    except (ValueError, TajribaError) as exc:
        raise typer.BadParameter(str(exc)) from None
    total = sum(src.counts(ws_id).values())
    done: dict[str, int] = {}
    try:
        with bar("copying", total=total, quiet=as_json) as update:

            def progress(table: str, rows: int) -> None:
                done[table] = rows
                update(sum(done.values()), label=f"copying {table}")

            report = copy_warehouse(src, dst, workspace_id=ws_id, progress=progress)
    finally:
        src.close()
        dst.close()
    if as_json:
        echo_json({"complete": report.complete, "tables": report.tables})
    else:
        for name, t in report.tables.items():
            typer.echo(
                f"{name:20} {t['read']:>12,} read {t['stored']:>12,} stored {t['target']:>12,} in the target"
            )
        typer.echo("Complete." if report.complete else "Incomplete: run the copy again.")
    if not report.complete:
        raise SystemExit(1)


def main() -> None:
    from tajriba.errors import TajribaError

    try:
        app()
    except TajribaError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
