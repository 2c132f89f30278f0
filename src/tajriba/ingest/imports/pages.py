"""Pages: upload a file, map its columns with a preview, check or import it as a background job."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from tajriba.errors import Invalid, NotFound, TajribaError
from tajriba.i18n import _
from tajriba.ingest.imports import service, uploads
from tajriba.ingest.imports.mapping import (
    FIELD_LABELS,
    FIELDS,
    KINDS,
    REQUIRED,
    TIME_FORMAT_LABELS,
    Mapping,
    builtin_names,
    detect_mapping,
    load_mapping,
)
from tajriba.ingest.imports.readers import open_source, read_batches
from tajriba.jobs import service as jobs
from tajriba.web.deps import DB, Context, FormDep, Require, verify_csrf

router = APIRouter(
    prefix="/w/{workspace}/imports", dependencies=[Depends(verify_csrf)], include_in_schema=False
)
PREVIEW_ROWS = 10
PREVIEW_CELL_CHARS = 200
TIME_FORMATS = tuple(TIME_FORMAT_LABELS)


def _upload_dir(request: Request, workspace_id: int) -> Path:
    path = request.app.state.settings.data_dir / "uploads" / str(workspace_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _uploaded(request: Request, ctx: Context, token: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token):
        raise NotFound(_("No such upload."), field="upload")
    # the upload itself, not the rejected-rows report an earlier check wrote beside it
    matches = [
        p
        for p in _upload_dir(request, ctx.workspace.id).glob(f"{token}__*")
        if not p.name.endswith(".rejected.csv")
    ]
    if len(matches) != 1:
        raise NotFound(_("No such upload."), field="upload")
    return matches[0]


def _render(request: Request, template: str, status: int = 200, **context: object) -> Response:
    return request.app.state.renderer.page(request, template, status=status, active="customers", **context)


@router.get("")
def imports_page(
    request: Request, db: DB, ctx: Annotated[Context, Depends(Require("data:import"))]
) -> Response:
    return _render(
        request,
        "imports/list.html",
        kinds=KINDS,
        mappings=builtin_names(),
        jobs=jobs.list_jobs(db, workspace_id=ctx.workspace.id, kind="import.file"),
        error=None,
    )


@router.post("")
def upload(
    request: Request,
    db: DB,
    ctx: Annotated[Context, Depends(Require("data:import"))],
    file: UploadFile,
    kind: Annotated[str, Form()],
    mapping: Annotated[str, Form()] = "",
) -> Response:
    """Store the upload (within the file limit and the workspace's quota), then show the preview screen."""
    if kind not in KINDS:
        raise Invalid(_("Choose what the file holds."), field="kind")
    settings = request.app.state.settings
    folder = _upload_dir(request, ctx.workspace.id)
    held = uploads.held_bytes(folder)
    room = min(settings.upload_max_bytes, settings.upload_quota_bytes - held)
    name = Path(file.filename or "upload").name
    safe = re.sub(r"[^\w.\-]", "_", name)[-120:] or "upload"
    token = secrets.token_urlsafe(18)
    target = folder / f"{token}__{safe}"
    try:
        uploads.save(file.file, target, limit=room)
    except uploads.TooLarge:
        if room < settings.upload_max_bytes:
            raise Invalid(
                _(
                    "Files waiting to be imported already use {held} MB of this workspace's {quota} MB; "
                    "import or remove them first."
                ).format(held=held >> 20, quota=settings.upload_quota_bytes >> 20),
                field="file",
            ) from None
        raise Invalid(
            _("The file is larger than {limit} MB.").format(limit=settings.upload_max_bytes >> 20),
            field="file",
        ) from None
    try:
        open_source(target)  # refuse a file that cannot be read (too wide, a zip bomb) at once, and drop it
    except TajribaError:
        target.unlink(missing_ok=True)
        raise
    suffix = f"?kind={kind}" + (f"&mapping={mapping}" if mapping else "")
    return RedirectResponse(f"/w/{ctx.workspace.slug}/imports/{token}{suffix}", status_code=303)


def _preview(path: Path, kind: str, mapping_name: str | None, currency: str | None = None) -> dict[str, Any]:
    source = open_source(path)
    first = next(read_batches(source, batch_rows=PREVIEW_ROWS), None)
    if first is None:
        raise Invalid(_("The file has no data rows."), field="file")
    headers = [c for c in first.column_names if c != "__row"]
    mapping = load_mapping(mapping_name, kind=kind) if mapping_name else None
    if mapping is None:
        try:
            mapping = detect_mapping(kind, headers, first.slice(0, 200).to_pylist(), currency=currency)
        except TajribaError:
            mapping = Mapping(kind=kind, columns={})
    rows = [
        {k: v[:PREVIEW_CELL_CHARS] if isinstance(v, str) else v for k, v in row.items()}
        for row in first.slice(0, PREVIEW_ROWS).drop_columns(["__row"]).to_pylist()
    ]
    return {"source": source, "headers": headers, "rows": rows, "mapping": mapping}


@router.get("/{token}")
def preview_page(
    request: Request,
    ctx: Annotated[Context, Depends(Require("data:import"))],
    token: str,
    kind: str = "orders",
    mapping: str | None = None,
) -> Response:
    path = _uploaded(request, ctx, token)
    if kind not in KINDS:
        raise Invalid(_("Choose what the file holds."), field="kind")
    data = _preview(path, kind, mapping, ctx.workspace.currency)
    return _render(
        request,
        "imports/preview.html",
        token=token,
        kind=kind,
        file=path.name.split("__", 1)[1],
        fields=FIELDS[kind],
        labels=FIELD_LABELS,
        required=REQUIRED[kind],
        time_formats=TIME_FORMATS,
        time_format_labels=TIME_FORMAT_LABELS,
        **data,
    )


@router.post("/{token}")
def start_import(
    request: Request,
    db: DB,
    ctx: Annotated[Context, Depends(Require("data:import"))],
    token: str,
    form: FormDep,
    kind: Annotated[str, Form()],
    action: Annotated[str, Form()] = "check",
) -> Response:
    """Queue a check (dry run) or an import with the mapping chosen on the preview screen."""
    path = _uploaded(request, ctx, token)
    columns = {f[4:]: str(v) for f, v in form.items() if f.startswith("col:") and v}
    formats = {f[4:]: str(v) for f, v in form.items() if f.startswith("fmt:") and v and v != "iso"}
    defaults = {f[4:]: str(v).strip() for f, v in form.items() if f.startswith("def:") and str(v).strip()}
    mapping = Mapping(
        kind=kind,
        columns=columns,
        formats=formats,
        defaults=defaults,
        name=_("chosen on screen"),
        decimal="," if form.get("decimal") == "," else ".",
        line_items=bool(form.get("line_items")),
    )
    service.start_import(
        db,
        workspace_id=ctx.workspace.id,
        path=path,
        mapping=mapping,
        dry_run=action != "import",
        locale=request.state.locale,
        actor=ctx,
    )
    return RedirectResponse(f"/w/{ctx.workspace.slug}/imports", status_code=303)


@router.get("/jobs/{job_id}/rejected.csv")
def rejected_report(
    request: Request, db: DB, ctx: Annotated[Context, Depends(Require("data:import"))], job_id: int
) -> Response:
    job = jobs.get_job(db, workspace_id=ctx.workspace.id, job_id=job_id)
    report = (job.result or {}).get("report") if job else None
    if not report or not Path(report).is_file():
        raise NotFound(_("No rejected rows for this import."), field="job_id")
    return FileResponse(report, media_type="text/csv", filename=Path(report).name.split("__", 1)[-1])
