"""`/api/v1/privacy/...`: data-subject requests with their legal due dates (the queue of the privacy team;
agents and the shop's systems log requests), their answers (an archive, an erasure) and legal holds."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response

from tajriba.accounts import service as accounts
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models.base import utcnow
from tajriba.privacy import breaches, correct, drafts, erase, export, holds, records, requests, retention
from tajriba.privacy.schemas import (
    BreachIn,
    BreachOut,
    BreachUpdate,
    CorrectionIn,
    CorrectionOut,
    DraftOut,
    ErasureOut,
    ExtensionIn,
    HoldIn,
    HoldOut,
    NoticeIn,
    NoticeOut,
    PurgeOut,
    PurposeIn,
    PurposeOut,
    PurposeUpdate,
    RecordsOut,
    RequestIn,
    RequestOut,
    RetentionIn,
    RetentionOut,
)
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep
from tajriba.web.export import MEDIA, files

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])
Log = Annotated[Context, Depends(RequireKey("privacy:request"))]
Manage = Annotated[Context, Depends(RequireKey("privacy:manage"))]


@router.post("/requests", status_code=201)
def log_request(db: DB, ctx: Log, body: RequestIn) -> RequestOut:
    """Record a request (from a form, an e-mail, or said to an agent) with its jurisdiction's due date."""
    return RequestOut.model_validate(
        requests.log_request(db, workspace_id=ctx.workspace.id, data=body, actor=ctx)
    )


@router.get("/requests")
def list_requests(db: DB, ctx: Manage, open_only: bool = True) -> list[RequestOut]:
    """The queue: open requests, the soonest due first."""
    rows = requests.list_requests(db, workspace_id=ctx.workspace.id, open_only=open_only)
    return [RequestOut.model_validate(r) for r in rows]


@router.get("/requests/{privacy_request_id}")
def get_request(db: DB, ctx: Manage, privacy_request_id: int) -> RequestOut:
    found = requests.get_request(db, workspace_id=ctx.workspace.id, request_id=privacy_request_id)
    return RequestOut.model_validate(found)


@router.post("/requests/{privacy_request_id}/extension")
def extend_request(db: DB, ctx: Manage, privacy_request_id: int, body: ExtensionIn) -> RequestOut:
    """The one extension the law allows, with the reason the person is told, before the first due date."""
    found = requests.get_request(db, workspace_id=ctx.workspace.id, request_id=privacy_request_id)
    return RequestOut.model_validate(
        requests.extend_request(db, request=found, reason=body.reason, actor=ctx)
    )


@router.get("/requests/{privacy_request_id}/archive", response_class=Response, responses=files("zip"))
def request_archive(db: DB, wh: WarehouseDep, ctx: Manage, privacy_request_id: int) -> Response:
    """The ZIP answering an access or portability request: everything held about the person (docs/privacy.md)."""
    found = requests.get_request(db, workspace_id=ctx.workspace.id, request_id=privacy_request_id)
    content = export.request_archive(db, wh, request=found, actor=ctx)
    headers = {"Content-Disposition": f'attachment; filename="privacy-request-{found.id}.zip"'}
    return Response(content, media_type=MEDIA["zip"], headers=headers)


@router.post("/requests/{privacy_request_id}/erasure")
def erase_request(
    request: Request, db: DB, wh: WarehouseDep, ctx: Manage, privacy_request_id: int
) -> ErasureOut:
    """Answer an erasure request: the linked profile erased from both stores and the uploaded files (deferred
    while a legal hold is active); the request is closed with what was done."""
    found = requests.get_request(db, workspace_id=ctx.workspace.id, request_id=privacy_request_id)
    uploads = request.app.state.settings.data_dir / "uploads"
    outcome = erase.erase_for_request(db, wh, request=found, actor=ctx, uploads=uploads)
    db.commit()  # the files are reclaimed once the erasure is committed; the answer says how that went
    return ErasureOut.model_validate(outcome.as_dict())


@router.post("/holds", status_code=201)
def place_hold(db: DB, ctx: Manage, body: HoldIn) -> HoldOut:
    """Keep one customer's data (a court case, a legal retention period): erasure and the purge wait."""
    hold = holds.place_hold(
        db,
        workspace_id=ctx.workspace.id,
        customer_id=body.customer_id,
        reason=body.reason,
        reference=body.reference,
        actor=ctx,
    )
    return HoldOut.model_validate(hold)


@router.get("/holds")
def list_holds(db: DB, ctx: Manage) -> list[HoldOut]:
    """Active holds first, then released ones, the newest first."""
    return [HoldOut.model_validate(h) for h in holds.list_holds(db, workspace_id=ctx.workspace.id)]


@router.post("/holds/{hold_id}/release")
def release_hold(db: DB, ctx: Manage, hold_id: int) -> HoldOut:
    """End a hold; a deferred erasure runs with the next purge (or answer the request again)."""
    return HoldOut.model_validate(
        holds.release_hold(db, workspace_id=ctx.workspace.id, hold_id=hold_id, actor=ctx)
    )


def _retention(months: dict[str, int]) -> RetentionOut:
    return RetentionOut(months=months, categories={k: _(v) for k, v in retention.CATEGORIES.items()})


@router.get("/retention")
def get_retention(db: DB, ctx: Manage) -> RetentionOut:
    """How long each category of data is kept (categories without a rule are kept until erased)."""
    return _retention(retention.rules(db, workspace_id=ctx.workspace.id))


@router.put("/retention")
def set_retention(db: DB, ctx: Manage, body: RetentionIn) -> RetentionOut:
    """Set the months per category; the hourly purge applies them (preview first with the dry run)."""
    return _retention(retention.set_rules(db, workspace_id=ctx.workspace.id, months=body.months, actor=ctx))


@router.get("/retention/preview")
def preview_purge(db: DB, wh: WarehouseDep, ctx: Manage) -> PurgeOut:
    """What the purge would remove now, counted per table (nothing is removed)."""
    done = retention.purge(db, wh, workspace_id=ctx.workspace.id, actor=ctx, dry_run=True)
    return PurgeOut.model_validate(done.as_dict())


def _breach(b: Any) -> BreachOut:
    c = breaches.clock(b)
    return BreachOut.model_validate(
        {
            **{k: getattr(b, k) for k in BreachOut.model_fields if hasattr(b, k)},
            "hours_left": c.hours_left,
            "clock": c.state,
            "missing": breaches.missing(b),
        }  # fmt: skip
    )


@router.post("/breaches", status_code=201)
def log_breach(db: DB, ctx: Manage, body: BreachIn) -> BreachOut:
    """Record an incident: the 72-hour clock runs from `aware_at`; owners and admins are told 24 hours before."""
    return _breach(breaches.log_breach(db, workspace_id=ctx.workspace.id, data=body.model_dump(), actor=ctx))


@router.get("/breaches")
def list_breaches(db: DB, ctx: Manage) -> list[BreachOut]:
    """Open incidents first, the soonest due first."""
    return [_breach(b) for b in breaches.list_breaches(db, workspace_id=ctx.workspace.id)]


@router.get("/breaches/{breach_id}")
def get_breach(db: DB, ctx: Manage, breach_id: int) -> BreachOut:
    return _breach(breaches.get_breach(db, workspace_id=ctx.workspace.id, breach_id=breach_id))


@router.patch("/breaches/{breach_id}")
def update_breach(db: DB, ctx: Manage, breach_id: int, body: BreachUpdate) -> BreachOut:
    """Fill in facts as they become known; `authority_notified_at` stops the clock; `closed` ends the case."""
    found = breaches.get_breach(db, workspace_id=ctx.workspace.id, breach_id=breach_id)
    data = body.model_dump(exclude_unset=True)
    return _breach(breaches.update_breach(db, breach=found, data=data, actor=ctx))


@router.get("/breaches/{breach_id}/draft")
def breach_draft(
    db: DB,
    ctx: Manage,
    breach_id: int,
    audience: Literal["authority", "subjects"] = "authority",
    language: Literal["ar", "en", "fa"] = "ar",
    authority: Literal["sdaia", "gdpr"] = "sdaia",
) -> DraftOut:
    """The notice to the authority or to the people affected, for a person to review and send."""
    found = breaches.get_breach(db, workspace_id=ctx.workspace.id, breach_id=breach_id)
    name = ctx.workspace.name
    if audience == "authority":
        return DraftOut(
            **drafts.authority_notice(found, organisation=name, language=language, authority=authority)
        )
    return DraftOut(**drafts.subject_notice(found, organisation=name, language=language))


@router.post("/purposes", status_code=201)
def register_purpose(db: DB, ctx: Manage, body: PurposeIn) -> PurposeOut:
    """Register a processing purpose in the records of processing."""
    return PurposeOut.model_validate(
        records.register(db, workspace_id=ctx.workspace.id, data=body.model_dump(), actor=ctx)
    )


@router.get("/purposes")
def list_purposes(db: DB, ctx: Manage) -> list[PurposeOut]:
    """Purposes in use and those retired within five years."""
    return [PurposeOut.model_validate(p) for p in records.purposes(db, workspace_id=ctx.workspace.id)]


@router.patch("/purposes/{purpose_id}")
def update_purpose(db: DB, ctx: Manage, purpose_id: int, body: PurposeUpdate) -> PurposeOut:
    found = records.get_purpose(db, workspace_id=ctx.workspace.id, purpose_id=purpose_id)
    return PurposeOut.model_validate(
        records.update(db, purpose=found, data=body.model_dump(exclude_unset=True), actor=ctx)
    )


@router.get("/records")
def processing_records(db: DB, ctx: Manage) -> RecordsOut:
    """The records of processing (PDPL Art 31, GDPR Art 30) as one document."""
    return RecordsOut.model_validate(records.document(db, workspace_id=ctx.workspace.id))


@router.get("/records.csv", response_class=Response, responses=files("csv"))
def processing_records_csv(db: DB, ctx: Manage) -> Response:
    """The purposes of the records of processing as a spreadsheet (one row per purpose)."""
    content = records.as_csv(records.document(db, workspace_id=ctx.workspace.id))
    headers = {"Content-Disposition": 'attachment; filename="records-of-processing.csv"'}
    return Response(content, media_type=MEDIA["csv"], headers=headers)


@router.post("/notice", status_code=201)
def publish_notice(db: DB, ctx: Manage, body: NoticeIn) -> NoticeOut:
    """Publish a new version of the privacy notice: respondents see it under every survey screen and each answer
    records the version it was collected under."""
    notice = accounts.publish_notice(
        db,
        workspace=ctx.workspace,
        version=body.version,
        texts={str(k): v for k, v in body.texts.items()},
        contact=body.contact,
        actor=ctx,
    )
    return NoticeOut.model_validate(notice)


@router.get("/notice")
def list_notices(ctx: Manage) -> list[NoticeOut]:
    """Every published version, the newest last."""
    return [NoticeOut.model_validate(n) for n in accounts.notices(ctx.workspace)]


@router.post("/requests/{privacy_request_id}/correction")
def correct_request(
    db: DB, wh: WarehouseDep, ctx: Manage, privacy_request_id: int, body: CorrectionIn
) -> CorrectionOut:
    """Answer a correction request: the linked profile's name, e-mail or phone corrected everywhere it is kept
    (the old value replaced in the person's own words too); the request is closed."""
    found = requests.get_request(db, workspace_id=ctx.workspace.id, request_id=privacy_request_id)
    if found.kind != "correction" or not found.customer_id:
        raise Invalid(_("only a correction request linked to a profile corrects data"), field="kind")
    counts = correct.correct_customer(db, wh, workspace_id=ctx.workspace.id, customer_id=found.customer_id,
                                      changes={str(k): v for k, v in body.changes.items()}, actor=ctx,
                                      region=(ctx.workspace.settings or {}).get("region", "SA"))  # fmt: skip
    found.status, found.closed_at, found.outcome = "done", utcnow(), {"status": "corrected", "counts": counts}
    return CorrectionOut(counts=counts)
