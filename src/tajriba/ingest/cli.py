"""`tajriba import KIND FILE`: a file of customers, events, orders, tickets or feedback into a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tajriba.commands import DataDir, Stores, echo_json, settings_for


def _say_imported(report: Any, *, kind: str, dry_run: bool) -> None:
    d = report.as_dict()
    typer.echo(
        f"{'Checked' if dry_run else 'Imported'} {d['rows']:,} rows of {kind} with mapping '{d['mapping']}' "
        f"in {d['seconds']:.1f} s ({d['rows_per_second']:,} rows/s): {d['valid']:,} valid, "
        f"{d['stored']:,} {'would be stored' if dry_run else 'stored'}, {d['duplicates']:,} already present, "
        f"{d['rejected']:,} rejected."
    )
    if report.report_path:
        typer.echo(f"Rejected rows: {report.report_path}")


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
    import time

    from tajriba.accounts import service
    from tajriba.ingest.imports.mapping import load_mapping
    from tajriba.ingest.imports.service import import_file

    with Stores(settings_for(data_dir)) as stores:
        with stores.session() as session:
            ws = service.get_workspace(session, slug=workspace)
            ws_id, tz, region = ws.id, ws.timezone, (ws.settings or {}).get("region", "SA")
            currency = ws.currency
        chosen = load_mapping(mapping, kind=kind) if mapping else None
        started = time.perf_counter()
        last = [started]

        def progress(rows: int) -> None:
            now = time.perf_counter()
            if not as_json and now - last[0] > 0.5:
                typer.echo(f"  {rows:,} rows read, {rows / (now - started):,.0f} rows/s", err=True)
                last[0] = now

        assert stores.warehouse is not None
        report = import_file(
            stores.warehouse,
            workspace_id=ws_id,
            kind=kind,
            path=file,
            mapping=chosen,
            fmt=file_format,
            encoding=encoding,
            dry_run=dry_run,
            tz=tz,
            region=region,
            currency=currency,
            progress=progress,
        )
    if as_json:
        echo_json(report.as_dict())
    else:
        _say_imported(report, kind=kind, dry_run=dry_run)
    if report.rejected and not report.valid:
        raise SystemExit(1)


# -- warehouse ----------------------------------------------------------------------------------
