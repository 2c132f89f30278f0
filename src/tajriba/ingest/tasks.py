"""Job handlers of the ingest domain: file imports started from the web UI."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.config import Settings
from tajriba.db.session import transaction
from tajriba.errors import TajribaError
from tajriba.i18n import speaking
from tajriba.jobs.service import handler, maintenance_step, report_progress
from tajriba.warehouse import Warehouse


@handler("import.file")
def import_file_job(
    *,
    factory: sessionmaker[Session],
    settings: Settings,
    warehouse: Warehouse,
    workspace_id: int,
    kind: str,
    path: str,
    mapping: dict[str, Any] | None,
    dry_run: bool = False,
    locale: str = "en",
    fmt: str | None = None,
    encoding: str | None = None,
    keep_file: bool = False,
    job_id: int | None = None,
    **_: Any,
) -> dict[str, Any]:
    """Run a file import started from the web UI (an upload, removed once imported) or from the CLI while the
    server holds the warehouse (a file of this machine, kept); the report becomes the job's result, its
    rejection reasons in the language of the person who started it; rows read so far are the job's
    progress."""
    from tajriba.ingest.imports.mapping import Mapping
    from tajriba.ingest.imports.service import import_file

    tz, region, currency = _workspace_settings(factory, workspace_id)
    chosen = Mapping(**mapping) if mapping is not None else None
    if chosen is not None:
        chosen.check()
    from tajriba.ingest.imports import uploads

    own = warehouse.cursor()  # the import's long transaction must not stall the tracking API's flushes
    try:
        with speaking(locale):
            report = import_file(
                own,
                workspace_id=workspace_id,
                kind=kind,
                path=Path(path),
                mapping=chosen,
                dry_run=dry_run,
                tz=tz,
                region=region,
                currency=currency,
                fmt=fmt,
                encoding=encoding,
                progress=_progress(factory, job_id),
            )
    except TajribaError:
        if not keep_file:
            uploads.remove(Path(path))  # the file cannot be imported as it is: nothing to keep it for
        raise
    finally:
        own.close()
    if not dry_run:
        _imported(factory, workspace_id, kind, Path(path) if not keep_file else None)
    return report.as_dict()


def _imported(factory: sessionmaker[Session], workspace_id: int, kind: str, upload: Path | None) -> None:
    """After an import: its upload removed (the rows are in the warehouse, the report stays beside it), and
    new texts queued for enrichment."""
    from tajriba.ingest.imports import uploads

    if upload is not None:
        uploads.remove(upload)
    if kind in ("feedback", "tickets"):
        from tajriba.text.service import schedule

        with transaction(factory) as session:
            schedule(session, workspace_id)


def _workspace_settings(factory: sessionmaker[Session], workspace_id: int) -> tuple[str, str, str | None]:
    """The zone, phone region and currency an import reads the workspace's files in."""
    from tajriba.models import Workspace

    with transaction(factory) as session:
        ws = session.get(Workspace, workspace_id)
        if ws is None:
            raise LookupError(f"workspace {workspace_id} no longer exists")
        return ws.timezone, (ws.settings or {}).get("region", "SA"), ws.currency


def _progress(factory: sessionmaker[Session], job_id: int | None) -> Callable[[int], None] | None:
    """Rows read so far, written on the job at most twice a second."""
    if job_id is None:
        return None
    last = [0.0]

    def progress(rows: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5:
            last[0] = now
            report_progress(factory, job_id, {"rows": rows})

    return progress


@maintenance_step("ingest.uploads")
def purge_uploads(*, settings: Settings, **_: Any) -> dict[str, Any]:
    """Uploaded files nobody imported within a day are removed."""
    from tajriba.ingest.imports import uploads

    return {"uploads_removed": uploads.purge(settings.data_dir / "uploads")}
