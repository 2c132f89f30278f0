"""Import a file into the warehouse: map, convert and validate every row, then store the valid ones.

Valid rows of one file are stored in one transaction (all or nothing); rejected rows are listed, with row,
column, value and reason, in `<file>.rejected.csv` beside the input. Natural keys make a re-import a no-op.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.customers import service as customer_service
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.ingest.imports import convert
from tajriba.ingest.imports.convert import to_float as to_float
from tajriba.ingest.imports.convert import to_timestamp as to_timestamp
from tajriba.ingest.imports.mapping import FIELDS, LINKS, REQUIRED, Mapping, detect_mapping, time_format_label
from tajriba.ingest.imports.readers import open_source, read_batches
from tajriba.ingest.writer import apply_resolution
from tajriba.jobs import service as jobs
from tajriba.models import Job
from tajriba.sheets import csv_cell
from tajriba.warehouse import Warehouse

# what other domains use of this package's modules, reached through this service only (docs/architecture.md)
clean = convert.clean


TABLE = {
    "customers": "customers",
    "orders": "orders",
    "tickets": "tickets",
    "feedback": "feedback_texts",
    "events": "events",
}
MAX_REPORTED = 100_000


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
            "mapping": {
                "kind": mapping.kind,
                "columns": mapping.columns,
                "formats": mapping.formats,
                "defaults": mapping.defaults,
                "name": mapping.name,
                "decimal": mapping.decimal,
                "line_items": mapping.line_items,
            },
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
        values, ok = _convert(batch, mapping, tz=tz, errors=errors, seen_keys=seen_keys)
        report.rows += batch.num_rows
        valid = values.filter(ok)
        report.valid += valid.num_rows
        if valid.num_rows:
            report.stored += _store(
                warehouse, workspace_id, kind, valid, mapping, region=region, policy=policy
            )
        if progress:
            progress(report.rows)


class _Rejects:
    """Which rows of a batch are bad, with a reported error per bad cell (up to MAX_REPORTED in all)."""

    def __init__(self, batch: pa.Table, errors: list[dict[str, Any]]) -> None:
        self.batch, self.errors = batch, errors
        self.rows = batch.column("__row")
        self.bad = pa.chunked_array([pa.array([False] * batch.num_rows)])

    def reject(
        self, mask: pa.ChunkedArray, target: str, source_col: str, raw: pa.ChunkedArray | None, reason: str
    ) -> None:
        idx = pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()
        if not idx:
            return
        self.bad = pc.or_(self.bad, pc.fill_null(mask, False))
        row_numbers = self.rows.to_pylist()
        raw_values = raw.to_pylist() if raw is not None else [None] * self.batch.num_rows
        for i in idx[: MAX_REPORTED - len(self.errors)]:
            self.errors.append(
                {
                    "row": row_numbers[i],
                    "column": source_col,
                    "field": target,
                    "value": raw_values[i],
                    "reason": reason,
                }
            )


def _convert(
    batch: pa.Table,
    mapping: Mapping,
    *,
    tz: str,
    errors: list[dict[str, Any]],
    seen_keys: set[str] | None = None,
) -> tuple[pa.Table, pa.Array]:
    """Typed columns for every mapped field, and which rows are valid (errors are appended)."""
    kind = mapping.kind
    rejects = _Rejects(batch, errors)
    out: dict[str, pa.ChunkedArray] = {"__row": rejects.rows}
    for target, ftype in FIELDS[kind].items():
        _field(batch, mapping, target, ftype, tz=tz, rejects=rejects, out=out)
    linked = [f for f in LINKS[kind] if f in out]
    if linked:
        rejects.reject(
            functools.reduce(pc.and_, [pc.is_null(out[f]) for f in linked]),
            "customer",
            "/".join(mapping.columns.get(f, f) for f in linked),
            None,
            _("no customer identifier ({fields})").format(fields=", ".join(linked)),
        )
    for purpose, src in mapping.consents.items():
        if src not in batch.column_names:
            continue
        raw = batch.column(src)
        value = convert.to_bool(raw)
        failed = convert.failed(convert.clean(raw), value)
        rejects.reject(failed, f"consent:{purpose}", src, raw, _("expected yes or no"))
        out[f"__consent:{purpose}"] = value
    if mapping.traits:
        out["__extra"] = _traits_column(batch, mapping)
    table = pa.table(out)
    ok = pc.invert(rejects.bad)
    if mapping.line_items:
        table, ok = _fold_line_items(
            table, ok, mapping, errors, seen_keys if seen_keys is not None else set()
        )
    return table, ok


def _expected(ftype: str, time_format: str) -> str:
    """What a cell of this type should hold, in words for the error."""
    return {
        "time": _("expected a date and time ({format})").format(format=time_format_label(time_format)),
        "money": _("expected an amount"),
        "int": _("expected a whole number"),
        "float": _("expected a number"),
        "bool": _("expected yes or no"),
    }[ftype]


def _field(
    batch: pa.Table,
    mapping: Mapping,
    target: str,
    ftype: str,
    *,
    tz: str,
    rejects: _Rejects,
    out: dict[str, pa.ChunkedArray],
) -> None:
    """One mapped field (from its column or its default) typed into `out`; bad cells rejected."""
    src = mapping.columns.get(target)
    if src is not None and src in batch.column_names:
        raw = batch.column(src)
    elif target in mapping.defaults:
        raw = pa.chunked_array([pa.array([mapping.defaults[target]] * batch.num_rows, pa.string())])
        src = f"(default {target})"
    else:
        return
    time_format = mapping.formats.get(target, "iso")
    if ftype == "text" and target.endswith("_id"):
        value = convert.clean(raw)  # identifiers: Arabic-Indic and Persian digits written as Latin
    else:
        value = _typed(raw, ftype, time_format, tz=tz, decimal=mapping.decimal)
    if ftype != "text":
        rejects.reject(
            convert.failed(convert.clean(raw), value), target, src, raw, _expected(ftype, time_format)
        )
    if target in ("amount", "discount", "shipping") and ftype == "money":
        rejects.reject(pc.less(value, 0), target, src, raw, _("must not be negative"))
    out[target] = value
    if target in REQUIRED[mapping.kind]:
        rejects.reject(pc.is_null(convert.clean(raw)), target, src, raw, _("required, but empty"))


def _traits_column(batch: pa.Table, mapping: Mapping) -> pa.ChunkedArray:
    """The mapped extra traits of each row as one JSON object (empty cells left out)."""
    present = [(k, s) for k, s in mapping.traits.items() if s in batch.column_names]
    cols = [batch.column(s).to_pylist() for _k, s in present]
    if not cols:
        return pa.chunked_array([pa.array(["{}"] * batch.num_rows, pa.string())])
    names = [k for k, _s in present]
    values = [
        orjson.dumps({k: v for k, v in zip(names, vals, strict=True) if v not in (None, "")}).decode()
        for vals in zip(*cols, strict=True)
    ]
    return pa.chunked_array([pa.array(values, pa.string())])


def _fold_line_items(
    table: pa.Table, ok: pa.ChunkedArray, mapping: Mapping, errors: list[dict[str, Any]], seen_keys: set[str]
) -> tuple[pa.Table, pa.ChunkedArray]:
    """Exports with one row per line item: a row repeating an earlier order id adds its quantity to that order.

    Its own empty order fields are not errors, so those rejections are withdrawn.
    """
    key = mapping.key_field
    keys = table.column(key).to_pylist()
    rows = table.column("__row").to_pylist()
    items = table.column("items").to_pylist() if "items" in table.column_names else None
    first_index: dict[str, int] = {}
    continuation = [False] * len(keys)
    totals: dict[int, int] = {}
    for i, k in enumerate(keys):
        if k is None:
            continue
        if k in seen_keys and k not in first_index:
            continuation[i] = True  # the order's first row was in an earlier batch
        elif k in first_index:
            continuation[i] = True
            if items is not None and items[i] is not None:
                j = first_index[k]
                totals[j] = totals.get(j, items[j] or 0) + items[i]
        else:
            first_index[k] = i
            seen_keys.add(k)
    folded_rows = {rows[i] for i, c in enumerate(continuation) if c}
    errors[:] = [e for e in errors if e["row"] not in folded_rows]
    if items is not None and totals:
        merged = [totals.get(i, v) for i, v in enumerate(items)]
        table = table.set_column(table.column_names.index("items"), "items", pa.array(merged, pa.int32()))
    keep = pa.array([not c for c in continuation])
    return table, pc.and_(ok, keep)


def _typed(raw: pa.ChunkedArray, ftype: str, fmt: str, *, tz: str, decimal: str) -> pa.ChunkedArray:
    if ftype == "time":
        return convert.to_timestamp(raw, fmt=fmt, tz=tz)
    if ftype == "money":
        return convert.to_decimal(raw, decimal=decimal)
    if ftype == "int":
        return convert.to_int(raw)
    if ftype == "float":
        return convert.to_float(raw, decimal=decimal)
    if ftype == "bool":
        return convert.to_bool(raw)
    return pc.utf8_trim_whitespace(raw)


def _identifier_groups(table: pa.Table, kind: str, region: str) -> list[list[tuple[str, str]]]:
    """Normalised identifiers of each row (vectorised; phones once per distinct value)."""
    cols = {
        "external_id": "external_id" if kind == "customers" else "customer_external_id",
        "email": "email" if kind == "customers" else "customer_email",
        "phone": "phone" if kind == "customers" else "customer_phone",
        "user_id": "customer_user_id",
        "anonymous_id": "customer_anonymous_id",
    }
    data: dict[str, list[str | None]] = {}
    for ident_kind, col in cols.items():
        if col not in table.column_names:
            continue
        arr = table.column(col)
        if ident_kind == "email":
            arr = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
            arr = pc.if_else(
                pc.match_substring_regex(arr, r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
                arr,
                pa.scalar(None, pa.string()),
            )
        elif ident_kind == "phone":
            uniq = pc.unique(arr)
            normal = pa.array(
                [customer_service.normalize_identifier("phone", v, region=region) for v in uniq.to_pylist()],
                pa.string(),
            )
            arr = pc.take(normal, pc.index_in(arr, uniq))
        else:
            arr = convert.clean(arr)
        data[ident_kind] = arr.to_pylist()
    kinds = list(data)
    columns = [data[k] for k in kinds]
    return (
        [[(k, v) for k, v in zip(kinds, row, strict=True) if v] for row in zip(*columns, strict=True)]
        if columns
        else [[] for _ in range(table.num_rows)]
    )


def _store(
    warehouse: Warehouse,
    workspace_id: int,
    kind: str,
    table: pa.Table,
    mapping: Mapping,
    *,
    region: str,
    policy: customer_service.IdentityPolicy,
) -> int:
    """Resolve customers for the batch (merging profiles a row links), then append or upsert."""
    n = table.num_rows
    groups = _identifier_groups(table, kind, region)
    customer_ids: list[str | None] = [None] * n
    if any(groups):  # resolve_identities() works on each distinct group once
        res = customer_service.resolve_identities(
            warehouse, workspace_id=workspace_id, groups=groups, policy=policy
        )
        customer_ids = res.customer_ids
        apply_resolution(
            warehouse,
            workspace_id=workspace_id,
            res=res,
            source=f"import:{mapping.name}",
            reason=f"identifiers shared in an import row ({mapping.name})",
            at=datetime.now(UTC).replace(tzinfo=None),
        )
    cols = {c: table.column(c) for c in table.column_names}
    ws = pa.array([workspace_id] * n, pa.int32())
    cust = pa.array(customer_ids, pa.string())
    _profiles(warehouse, workspace_id, kind, cols, cust, n)
    _consents(warehouse, workspace_id, kind, cols, cust, mapping)
    if kind == "customers":
        return sum(1 for c in customer_ids if c)  # profiles created or updated
    table_name, data = _rows(kind, cols, cust, mapping, n)
    return warehouse.append(table_name, pa.table({"workspace_id": ws, "customer_id": cust, **data}))


def _rows(
    kind: str, cols: dict[str, Any], cust: pa.Array, mapping: Mapping, n: int
) -> tuple[str, dict[str, Any]]:
    """The warehouse table a kind of import goes to, and its columns (besides workspace and customer)."""
    extra = {"properties": cols["__extra"]} if "__extra" in cols else {}
    if kind == "orders":
        data = {k: cols[k] for k in FIELDS["orders"] if k in cols and not k.startswith("customer_")}
        data.setdefault("source", pa.array([f"import:{mapping.name}"] * n, pa.string()))
        return "orders", {**data, **extra}
    if kind == "tickets":
        data = {
            k: cols[k]
            for k in FIELDS["tickets"]
            if k in cols and not k.startswith("customer_") and k != "first_response_minutes"
        }
        if "first_response_minutes" in cols and "first_response_at" not in cols:
            minutes = pc.multiply(pc.fill_null(cols["first_response_minutes"], float("nan")), 60_000_000)
            offset = pc.cast(pc.if_else(pc.is_nan(minutes), None, minutes), pa.int64())
            data["first_response_at"] = pc.cast(
                pc.add(pc.cast(cols["created_at"], pa.int64()), offset), pa.timestamp("us")
            )
        return "tickets", {**data, **extra}
    if kind == "feedback":
        data = {k: cols[k] for k in FIELDS["feedback"] if k in cols and not k.startswith("customer_")}
        if "feedback_id" not in data:
            data["feedback_id"] = _hash_ids("fb", [cols["text"], cols["created_at"], cust])
        data.setdefault("source", pa.array(["review"] * n, pa.string()))
        return "feedback_texts", data
    data = {k: cols[k] for k in ("event", "timestamp", "channel", "page_path", "source") if k in cols}
    data["message_id"] = (
        cols["message_id"]
        if "message_id" in cols
        else _hash_ids("imp", [cols["event"], cols["timestamp"], cust])
    )
    data["type"] = pa.array(["track"] * n, pa.string())
    data.setdefault("source", pa.array([f"import:{mapping.name}"] * n, pa.string()))
    for src, dst in (("customer_user_id", "user_id"), ("customer_anonymous_id", "anonymous_id")):
        if src in cols:
            data[dst] = cols[src]
    return "events", {**data, **extra}


def _profiles(
    warehouse: Warehouse, workspace_id: int, kind: str, cols: dict[str, Any], cust: pa.Array, n: int
) -> None:
    """Create or update the profiles the rows belong to (names, contacts, first/last seen)."""
    if pc.all(pc.is_null(cust)).as_py():
        return
    prefix = "" if kind == "customers" else "customer_"
    when = next((cols[c] for c in ("ordered_at", "created_at", "timestamp") if c in cols), None)
    name = cols.get(f"{prefix}name")
    if kind == "customers" and name is None and ("first_name" in cols or "last_name" in cols):
        first = cols.get("first_name", pa.nulls(n, pa.string()))
        last = cols.get("last_name", pa.nulls(n, pa.string()))
        name = pc.utf8_trim_whitespace(
            pc.binary_join_element_wise(pc.fill_null(first, ""), pc.fill_null(last, ""), " ")
        )
        name = pc.if_else(pc.equal(name, ""), pa.scalar(None, pa.string()), name)
    email = cols.get(f"{prefix}email")
    phone = cols.get(f"{prefix}phone")
    profile = {
        "workspace_id": pa.array([workspace_id] * n, pa.int32()),
        "customer_id": cust,
        "name": name if name is not None else pa.nulls(n, pa.string()),
        "email": pa.array(
            [customer_service.normalize_identifier("email", v) for v in email.to_pylist()], pa.string()
        )
        if email is not None
        else pa.nulls(n, pa.string()),
        "phone": pa.array(
            [customer_service.normalize_identifier("phone", v) for v in phone.to_pylist()], pa.string()
        )
        if phone is not None
        else pa.nulls(n, pa.string()),
        "first_seen_at": when if when is not None else pa.nulls(n, pa.timestamp("us")),
        "last_seen_at": when if when is not None else pa.nulls(n, pa.timestamp("us")),
    }
    if kind == "customers":
        for c in ("external_id", "country", "city", "language", "gender", "birth_year"):
            if c in cols:
                profile[c] = cols[c]
        if "__extra" in cols:
            profile["traits"] = cols["__extra"]
    customer_service.store_profiles(warehouse, pa.table(profile).filter(pc.is_valid(cust)))


def _consents(
    warehouse: Warehouse,
    workspace_id: int,
    kind: str,
    cols: dict[str, Any],
    cust: pa.Array,
    mapping: Mapping,
) -> None:
    """Record the yes/no consent columns a mapping names, as of the row's time (or now, for profile exports)."""
    purposes = [c.split(":", 1)[1] for c in cols if c.startswith("__consent:")]
    if not purposes:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    when_col = next((cols[c] for c in ("ordered_at", "created_at", "timestamp") if c in cols), None)
    times = when_col.to_pylist() if when_col is not None and kind != "customers" else None
    customers = cust.to_pylist()
    rows = cols["__row"].to_pylist()
    observations = []
    for purpose in purposes:
        for i, granted in enumerate(cols[f"__consent:{purpose}"].to_pylist()):
            if granted is None or customers[i] is None:
                continue
            at = times[i] if times is not None and times[i] is not None else now
            ref = f"import:{mapping.name}:{kind}:{rows[i]}:{customers[i]}"
            observations.append(
                customer_service.ConsentObservation(
                    customers[i], purpose, bool(granted), at, ref, f"import:{mapping.name}"
                )
            )
    customer_service.record_consent(warehouse, workspace_id=workspace_id, observations=observations)


def _hash_ids(prefix: str, columns: list[Any]) -> pa.Array:
    values = [c.to_pylist() for c in columns]
    out = []
    for row in zip(*values, strict=True):
        digest = hashlib.sha256("\x1f".join("" if v is None else str(v) for v in row).encode()).hexdigest()[
            :24
        ]
        out.append(f"{prefix}-{digest}")
    return pa.array(out, pa.string())


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
