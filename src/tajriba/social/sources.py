"""Where mentions come from: signed webhooks (a listening provider, a scraper) and RSS/Atom feeds polled by the
`social.poll` job; and the replies written to mentions (posting them is the provider's job)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.db import scoped
from tajriba.errors import Invalid, NotFound, TajribaError, Unauthorized
from tajriba.i18n import _
from tajriba.models import SocialReply, SocialSource, Workspace
from tajriba.models.base import utcnow
from tajriba.security import new_webhook_secret, webhook_problem
from tajriba.social import escalation, feeds, mentions
from tajriba.social.schemas import ReplyIn, SourceIn
from tajriba.warehouse import Warehouse

MAX_SOURCES = 100


def create(session: Session, *, workspace: Workspace, data: SourceIn, actor: Auditor) -> SocialSource:
    if data.kind == "feed" and not data.url:
        raise Invalid(_("a feed needs its address"), field="url")
    count = len(
        session.scalars(select(SocialSource.id).where(SocialSource.workspace_id == workspace.id)).all()
    )
    if count >= MAX_SOURCES:
        raise Invalid(_("a workspace has at most {n} sources").format(n=MAX_SOURCES), field="name")
    source = SocialSource(
        workspace_id=workspace.id,
        kind=data.kind,
        name=data.name.strip(),
        platform=data.platform,
        url=data.url if data.kind == "feed" else None,
        every_minutes=data.every_minutes,
        secret=new_webhook_secret() if data.kind == "webhook" else None,
    )
    session.add(source)
    session.flush()
    actor.audit(
        session,
        "social.source_create",
        target_type="social_source",
        target_id=str(source.id),
        details={"kind": source.kind},
    )
    return source


def get(session: Session, *, workspace_id: int, source_id: int) -> SocialSource:
    return scoped.get(
        session, SocialSource, source_id, workspace_id=workspace_id, missing=_("no such source")
    )


def listed(session: Session, workspace_id: int) -> list[SocialSource]:
    return list(
        session.scalars(
            select(SocialSource).where(SocialSource.workspace_id == workspace_id).order_by(SocialSource.id)
        )
    )


def delete(session: Session, *, source: SocialSource, actor: Auditor) -> None:
    actor.audit(
        session,
        "social.source_delete",
        target_type="social_source",
        target_id=str(source.id),
        details={"kind": source.kind},
    )
    session.delete(source)


def by_key(session: Session, key: str) -> SocialSource:
    """The active webhook source a signed request names (the same answer for unknown and inactive keys)."""
    source = session.scalar(
        select(SocialSource).where(SocialSource.key == key[:40], SocialSource.kind == "webhook")
    )
    if source is None or not source.active or not source.secret:
        raise NotFound(_("no such webhook"))
    return source


def check_signature(source: SocialSource, headers: dict[str, str | None], body: bytes, now: float) -> None:
    """Refuse a request whose Standard Webhooks signature is missing, stale or wrong (401, saying which)."""
    problem = webhook_problem(
        source.secret or "",
        headers.get("webhook-id"),
        headers.get("webhook-timestamp"),
        headers.get("webhook-signature"),
        body,
        now,
    )
    reasons = {
        "missing": _(
            "the request is not signed: webhook-id, webhook-timestamp and webhook-signature are needed"
        ),
        "timestamp": _("webhook-timestamp must be Unix seconds"),
        "expired": _("webhook-timestamp is more than 5 minutes away from now: a replayed or delayed request"),
        "signature": _("the signature does not match the body (wrong secret, or the body was changed)"),
    }
    if problem is not None:
        raise Unauthorized(reasons[problem], code=f"signature_{problem}")


def due_feeds(session: Session, now: datetime) -> list[SocialSource]:
    feeds_ = session.scalars(
        select(SocialSource).where(SocialSource.kind == "feed", SocialSource.active.is_(True))
    ).all()
    return [
        f
        for f in feeds_
        if f.last_run_at is None or f.last_run_at + timedelta(minutes=f.every_minutes) <= now
    ]


def poll(
    session: Session, warehouse: Warehouse, *, source: SocialSource, now: datetime
) -> mentions.Report | None:
    """Read a feed once: its new entries stored (all or none), its status and error kept on the source."""
    workspace = session.get(Workspace, source.workspace_id)
    assert workspace is not None  # the source is deleted with its workspace
    source.last_run_at = now
    try:
        items = feeds.parse(
            feeds.fetch(source.url or ""), platform=source.platform, read_at=now.replace(tzinfo=None)
        )
        report, found = mentions.ingest(
            warehouse,
            mentions.listening_of(session, workspace),
            mentions=items,
            now=now.replace(tzinfo=None),
            source_id=source.id,
        )
        report.cases_opened = escalation.open_cases(session, workspace=workspace, found=found)
    except TajribaError as e:
        source.last_status, source.last_error = "failed", e.message[:2000]
        return None
    source.last_status, source.last_error = "ok", None
    source.stored += report.stored
    return report


def reply(
    session: Session,
    *,
    workspace_id: int,
    mention_id: str,
    data: ReplyIn,
    user_id: int | None,
    actor: Auditor,
) -> SocialReply:
    """Keep a reply to a mention (from its case, when given) for the provider to post."""
    if data.case_id is not None:
        from tajriba.models import Case

        scoped.get(session, Case, data.case_id, workspace_id=workspace_id, missing=_("no such case"))
    row = SocialReply(
        workspace_id=workspace_id,
        mention_id=mention_id,
        case_id=data.case_id,
        user_id=user_id,
        text=data.text,
    )
    session.add(row)
    session.flush()
    actor.audit(
        session,
        "social.reply",
        target_type="social_reply",
        target_id=str(row.id),
        details={"mention": mention_id},
    )
    return row


def replies(
    session: Session, *, workspace_id: int, mention_id: str | None = None, status: str | None = None
) -> list[SocialReply]:
    q = select(SocialReply).where(SocialReply.workspace_id == workspace_id)
    if mention_id is not None:
        q = q.where(SocialReply.mention_id == mention_id)
    if status is not None:
        q = q.where(SocialReply.status == status)
    return list(session.scalars(q.order_by(SocialReply.id).limit(1000)))


def mark_posted(session: Session, *, workspace_id: int, reply_id: int, actor: Auditor) -> SocialReply:
    row = scoped.get(session, SocialReply, reply_id, workspace_id=workspace_id, missing=_("no such reply"))
    if row.status != "posted":
        row.status, row.posted_at = "posted", utcnow()
        actor.audit(session, "social.reply_posted", target_type="social_reply", target_id=str(row.id))
    return row
