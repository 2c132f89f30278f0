"""Import a file into the warehouse: map, convert and validate every row, then store the valid ones.

Valid rows of one file are stored in one transaction (all or nothing); rejected rows are listed, with row,
column, value and reason, in `<file>.rejected.csv` beside the input. Natural keys make a re-import a no-op.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.customers import service as customer_service
from tajriba.errors import Invalid
from tajriba.ingest.imports import convert
from tajriba.ingest.imports.convert import to_float as to_float
from tajriba.ingest.imports.convert import to_timestamp as to_timestamp
from tajriba.ingest.imports.mapping import FIELDS, Mapping, detect_mapping
from tajriba.ingest.imports.readers import open_source, read_batches
from tajriba.ingest.imports.store import store_batch
from tajriba.ingest.imports.validate import MAX_REPORTED, convert_batch
from tajriba.jobs import service as jobs
from tajriba.models import Job
from tajriba.sheets import csv_cell
from tajriba.warehouse import Warehouse

if TYPE_CHECKING:
    import pyarrow as pa

# what other domains use of this package's modules, reached through this service only (docs/architecture.md)
clean = convert.clean


TABLE = {
    "customers": "customers",
    "orders": "orders",
    "tickets": "tickets",
    "feedback": "feedback_texts",
    "events": "events",
}


@dataclass
class ImportReport:
    kind: str
    file: str
    mapping: str
    rows: int = 0
    valid: int = 0
    stored: int = 0
    rejected: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    report_path: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "mapping": self.mapping,
            "rows": self.rows,
            "valid": self.valid,
            "stored": self.stored,
            "duplicates": self.valid - self.stored,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second),
            "dry_run": self.dry_run,
            "report": self.report_path,
            "first_errors": self.errors[:20],
        }


def read_file(path: Path) -> Iterator[pa.Table]:
    """The rows of a CSV, TSV, XLSX, JSONL or Parquet file as batches of text columns (with `__row`, the
    data row's number), under the import's limits: for other domains that read a user's file."""
    return read_batches(open_source(path))


def start_import(
    session: Session,
    *,
    workspace_id: int,
    path: Path,
    mapping: Mapping,
    dry_run: bool,
    locale: str,
    actor: Auditor,
) -> Job | None:
    """Queue a check (dry run) or an import of an uploaded file with a checked mapping (the `import.file`
    job runs it, its report in `locale`), audited."""
    mapping.check()
    job = jobs.enqueue(
        session,
        kind="import.file",
        workspace_id=workspace_id,
        max_attempts=2,
        payload={
            "workspace_id": workspace_id,
            "kind": mapping.kind,
            "path": str(path),
            "dry_run": dry_run,
            "file": path.name.split("__", 1)[1],
            "locale": locale,
            "mapping": _mapping_payload(mapping),
        },
    )
    actor.audit(
        session,
        "import.start",
        target_type="job",
        target_id=str(job.id) if job else None,
        details={"kind": mapping.kind, "check": dry_run},
    )
    return job


def _mapping_payload(mapping: Mapping) -> dict[str, Any]:
    return {
        "kind": mapping.kind,
        "columns": mapping.columns,
        "formats": mapping.formats,
        "defaults": mapping.defaults,
        "name": mapping.name,
        "decimal": mapping.decimal,
        "line_items": mapping.line_items,
    }


def queue_local_file(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    path: Path,
    mapping: Mapping | None,
    dry_run: bool,
    fmt: str | None,
    encoding: str | None,
) -> Job:
    """Queue the import of a file on this machine for the running server's worker (the CLI, when the server
    holds the warehouse); the file stays where it is. Not retried: the person waiting sees the error."""
    if kind not in FIELDS:
        raise Invalid(f"unknown kind {kind!r}; expected one of {', '.join(FIELDS)}", field="kind")
    job = jobs.enqueue(
        session,
        kind="import.file",
        workspace_id=workspace_id,
        max_attempts=1,
        payload={
            "workspace_id": workspace_id,
            "kind": kind,
            "path": str(path.resolve()),
            "dry_run": dry_run,
            "file": path.name,
            "mapping": _mapping_payload(mapping) if mapping else None,
            "fmt": fmt,
            "encoding": encoding,
            "keep_file": True,
        },
    )
    assert job is not None  # no dedupe key: always queued
    return job


def import_file(
    warehouse: Warehouse,
    *,
    workspace_id: int,
    kind: str,
    path: Path,
    mapping: Mapping | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    tz: str = "Asia/Riyadh",
    region: str = "SA",
    currency: str | None = None,
    policy: customer_service.IdentityPolicy | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one file of `kind` for a workspace; see the module docstring for the guarantees."""
    if kind not in TABLE:
        raise Invalid(f"kind must be one of {', '.join(TABLE)}", field="kind")
    started = time.perf_counter()
    source = open_source(
        path,
        fmt=fmt,
        encoding=encoding or (mapping.encoding if mapping else "auto"),
        delimiter=mapping.delimiter if mapping else None,
    )
    report = ImportReport(kind=kind, file=str(path), mapping=mapping.name if mapping else "", dry_run=dry_run)
    errors: list[dict[str, Any]] = []
    policy = policy or customer_service.IdentityPolicy()
    try:
        with warehouse.transaction():
            # identities are resolved against what other processes stored: their flushes of this workspace
            # wait for the import's commit (PostgreSQL; DuckDB has one writing process)
            warehouse.lock_workspace(workspace_id)
            _run(
                warehouse,
                workspace_id,
                kind,
                path,
                source,
                mapping,
                report,
                errors,
                tz=tz,
                region=region,
                currency=currency,
                policy=policy,
                progress=progress,
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass  # the transaction was rolled back: nothing written
    if report.rows == 0:
        raise Invalid(f"{path.name}: the file has no data rows (only a header, or nothing)", field="file")
    report.rejected = len({e["row"] for e in errors})
    report.errors = errors[:MAX_REPORTED]
    report.report_path = _write_report(path, errors)
    report.seconds = time.perf_counter() - started
    return report


class _DryRun(Exception):
    """Raised to roll back a dry run's transaction."""


def _run(  # one pass over the file inside the caller's transaction
    warehouse: Warehouse,
    workspace_id: int,
    kind: str,
    path: Path,
    source: Any,
    mapping: Mapping | None,
    report: ImportReport,
    errors: list[dict[str, Any]],
    *,
    tz: str,
    region: str,
    currency: str | None,
    policy: customer_service.IdentityPolicy,
    progress: Callable[[int], None] | None,
) -> None:
    seen_keys: set[str] = set()  # keys met so far, for exports with one row per line item
    for batch in read_batches(source):
        if mapping is None:
            mapping = detect_mapping(
                kind,
                [c for c in batch.column_names if c != "__row"],
                batch.slice(0, 200).to_pylist(),
                currency=currency,
            )
            report.mapping = mapping.name
        missing = mapping.missing_columns(batch.column_names)
        if missing and report.rows == 0:
            raise Invalid(
                f"{path.name}: the mapping {mapping.name!r} needs column(s) {', '.join(missing)}, "
                f"not found; the file has: {', '.join(c for c in batch.column_names if c != '__row')}",
                field=missing[0],
            )
        values, ok = convert_batch(batch, mapping, tz=tz, errors=errors, seen_keys=seen_keys)
        report.rows += batch.num_rows
        valid = values.filter(ok)
        report.valid += valid.num_rows
        if valid.num_rows:
            report.stored += store_batch(
                warehouse, workspace_id, kind, valid, mapping, region=region, policy=policy
            )
        if progress:
            progress(report.rows)


def _write_report(path: Path, errors: list[dict[str, Any]]) -> str | None:
    report = path.with_name(path.name + ".rejected.csv")
    if not errors:
        report.unlink(missing_ok=True)
        return None
    with report.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "field", "value", "reason"])
        for e in sorted(errors, key=lambda e: (e["row"], e["column"])):
            writer.writerow([csv_cell(e[k]) for k in ("row", "column", "field", "value", "reason")])
    return str(report)
