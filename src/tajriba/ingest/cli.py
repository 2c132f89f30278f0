"""`tajriba import KIND FILE`: a file of customers, events, orders, tickets or feedback into a workspace."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from tajriba.commands import DataDir, Stores, echo_json, settings_for
from tajriba.errors import Invalid
from tajriba.progress import bar, estimated_rows


def _say_imported(d: dict[str, Any], *, kind: str, dry_run: bool) -> None:
    typer.echo(
        f"{'Checked' if dry_run else 'Imported'} {d['rows']:,} rows of {kind} with mapping '{d['mapping']}' "
        f"in {d['seconds']:.1f} s ({d['rows_per_second']:,} rows/s): {d['valid']:,} valid, "
        f"{d['stored']:,} {'would be stored' if dry_run else 'stored'}, {d['duplicates']:,} already present, "
        f"{d['rejected']:,} rejected."
    )
    if d.get("report"):
        typer.echo(f"Rejected rows: {d['report']}")


def import_cmd(
    kind: Annotated[str, typer.Argument(help="customers, events, orders, tickets or feedback")],
    file: Annotated[Path, typer.Argument(help="CSV, TSV, XLSX, JSONL or Parquet file.")],
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    mapping: Annotated[
        str | None, typer.Option(help="Mapping TOML file or built-in name (shopify_orders, ...).")
    ] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="Override the format from the extension.")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="auto (default), utf-8, utf-16, cp1256, ...")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report; write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Import a file; rejected rows are listed in FILE.rejected.csv and a re-import stores nothing twice."""
    from tajriba.accounts import service
    from tajriba.ingest.imports.mapping import load_mapping
    from tajriba.ingest.imports.service import import_file
    from tajriba.warehouse import DuckDBWarehouse
    from tajriba.warehouse.store import WarehouseBusy

    settings = settings_for(data_dir)
    chosen = load_mapping(mapping, kind=kind) if mapping else None
    try:
        stores = Stores(settings)
    except WarehouseBusy:  # the server holds the warehouse: its worker imports the file, we show progress
        with Stores(settings, warehouse=False) as app_stores:
            report = _through_server(app_stores, workspace, kind, file, chosen, dry_run, file_format,
                                     encoding, quiet=as_json)  # fmt: skip
    else:
        with stores:
            with stores.session() as session:
                ws = service.get_workspace(session, slug=workspace)
                ws_id, tz, region = ws.id, ws.timezone, (ws.settings or {}).get("region", "SA")
                currency = ws.currency
            assert stores.warehouse is not None
            if settings.import_memory_mb and isinstance(stores.warehouse, DuckDBWarehouse):
                stores.warehouse.run(f"SET memory_limit = '{settings.import_memory_mb}MB'")
            label = f"{'checking' if dry_run else 'importing'} {file.name}"
            with bar(label, total=estimated_rows(file), quiet=as_json) as progress:
                report = import_file(stores.warehouse, workspace_id=ws_id, kind=kind, path=file, mapping=chosen,
                                     fmt=file_format, encoding=encoding, dry_run=dry_run, tz=tz, region=region,
                                     currency=currency, progress=progress).as_dict()  # fmt: skip
    if as_json:
        echo_json(report)
    else:
        _say_imported(report, kind=kind, dry_run=dry_run)
    if report["rejected"] and not report["valid"]:
        raise SystemExit(1)


WORKER_WAIT_S = 60.0  # TAJRIBA_CLI_WORKER_WAIT_SECONDS overrides it


def _through_server(
    stores: Stores,
    workspace: str,
    kind: str,
    file: Path,
    mapping: Any,
    dry_run: bool,
    fmt: str | None,
    encoding: str | None,
    *,
    quiet: bool,
) -> dict[str, Any]:
    """Queue the file for the running server's worker and follow the job until it ends."""
    import time

    from tajriba.accounts import service
    from tajriba.ingest.imports.service import queue_local_file
    from tajriba.models import Job

    if not file.is_file():
        raise Invalid(f"{file}: no such file", field="file")
    with stores.session() as session:
        ws = service.get_workspace(session, slug=workspace)
        job = queue_local_file(session, workspace_id=ws.id, kind=kind, path=file, mapping=mapping,
                               dry_run=dry_run, fmt=fmt, encoding=encoding)  # fmt: skip
        job_id = job.id
    if not quiet:
        typer.echo(f"The server holds the warehouse: its worker runs this import (job {job_id}).", err=True)
    wait = float(os.environ.get("TAJRIBA_CLI_WORKER_WAIT_SECONDS", WORKER_WAIT_S))
    queued_at = time.monotonic()
    with bar(f"importing {file.name} (server)", total=estimated_rows(file), quiet=quiet) as progress:
        while True:
            with stores.session() as session:
                row = session.get(Job, job_id)
                assert row is not None
                status, result, error = row.status, dict(row.result or {}), row.last_error
                abandoned = status == "queued" and time.monotonic() - queued_at > wait
                if abandoned:
                    session.delete(row)  # nobody took it: take it back rather than have it run unseen later
            if abandoned:
                raise Invalid(
                    f"the warehouse is held by another process, but no worker took the import within "
                    f"{wait:.0f} s; run the server with its worker, or stop it and import again",
                    field="warehouse",
                )
            if status == "done":
                return result
            if status == "failed":
                raise Invalid(f"the import failed: {error}", field="file")
            progress(int(result.get("progress", {}).get("rows", 0)))
            time.sleep(0.3)


# -- warehouse ----------------------------------------------------------------------------------
