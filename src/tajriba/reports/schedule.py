"""Report subscriptions and their sending: who gets the summary, when (08:00 in the workspace's time zone,
on the first day of its week for weekly reports, on the 1st for monthly ones), and the signed read-only links
to the same summary that anyone holding them may open until they expire.

`send_due` is what the worker runs every few minutes: each due subscription gets one mail with the PDF and/or
XLSX attached, written in its language; its next date moves on before the mail leaves, so a crash between the
two loses one report rather than sending it twice, and a failed sending is kept as `last_error` and retried
at the next tick.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time as clock
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from tajriba import periods
from tajriba.audit import Auditor
from tajriba.db import scoped
from tajriba.errors import Invalid, NotFound
from tajriba.i18n import LOCALES, _, speaking
from tajriba.models import ReportSubscription, Workspace
from tajriba.periods import WEEK_STARTS
from tajriba.reports import render, summary

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from tajriba.config import Settings
    from tajriba.warehouse import Warehouse

SEND_HOUR = 8
FORMATS = ("pdf", "xlsx")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$")
MAX_LINK_DAYS = 90


def next_sending(workspace: Workspace, frequency: str, after: datetime) -> datetime:
    """The first sending time (UTC) strictly after `after`: 08:00 local on the week's first day, or the 1st."""
    tz = periods.zone_of(workspace)
    local = after.astimezone(tz)
    day = local.date()
    start = WEEK_STARTS.get(str((workspace.settings or {}).get("week_start") or "sunday"), 6)
    for _i in range(40):
        ok = day.weekday() == start if frequency == "weekly" else day.day == 1
        moment = datetime.combine(day, time(SEND_HOUR), tz)
        if ok and moment > local:
            return moment.astimezone(UTC)
        day += timedelta(days=1)
    raise AssertionError("no sending day within 40 days")  # pragma: no cover


def subscribe(
    session: Session,
    *,
    workspace: Workspace,
    email: str,
    frequency: str,
    locale: str,
    formats: list[str],
    created_by: int | None,
    actor: Auditor,
    now: datetime | None = None,
) -> ReportSubscription:
    email = email.strip()
    if not EMAIL.match(email):
        raise Invalid(_("Enter an e-mail address, e.g. name@example.com."), field="email")
    if frequency not in summary.FREQUENCIES:
        raise Invalid(_("A report is weekly or monthly."), field="frequency")
    if locale not in LOCALES:
        raise Invalid(_("Choose Arabic, Persian or English."), field="locale")
    chosen = [f for f in FORMATS if f in formats]
    if not chosen:
        raise Invalid(_("Choose PDF, XLSX or both."), field="formats")
    found = session.scalar(
        select(ReportSubscription).where(
            ReportSubscription.workspace_id == workspace.id,
            ReportSubscription.email == email,
            ReportSubscription.frequency == frequency,
        )
    )
    sub = found or ReportSubscription(workspace_id=workspace.id, email=email, frequency=frequency)
    sub.locale, sub.formats, sub.active, sub.created_by = locale, ",".join(chosen), True, created_by
    sub.next_at = next_sending(workspace, frequency, now or datetime.now(UTC))
    if found is None:
        session.add(sub)
    session.flush()
    actor.audit(session, "report.subscribe", target_type="report_subscription", target_id=str(sub.id))
    return sub


def unsubscribe(session: Session, *, workspace: Workspace, subscription_id: int, actor: Auditor) -> None:
    sub = scoped.get(
        session,
        ReportSubscription,
        subscription_id,
        workspace_id=workspace.id,
        missing=_("No such subscription."),
    )
    session.delete(sub)
    actor.audit(
        session, "report.unsubscribe", target_type="report_subscription", target_id=str(subscription_id)
    )


def subscriptions(session: Session, workspace_id: int) -> list[ReportSubscription]:
    return list(
        session.scalars(
            select(ReportSubscription)
            .where(ReportSubscription.workspace_id == workspace_id)
            .order_by(ReportSubscription.email, ReportSubscription.id)
        )
    )


def attachments(
    session: Session,
    wh: Warehouse,
    workspace: Workspace,
    *,
    frequency: str,
    locale: str,
    formats: list[str],
    now: datetime,
) -> tuple[dict[str, Any], list[tuple[str, bytes, str, str]]]:
    """The summary and its files (name, bytes, maintype, subtype), written in `locale`."""
    with speaking(locale):
        data = summary.build(session, wh, workspace, frequency=frequency, now=now)
        files = []
        stamp = data["period"].start.isoformat()
        if "pdf" in formats:
            files.append(
                (
                    f"summary-{stamp}.pdf",
                    render.pdf(data, locale=locale, calendar=workspace.calendar),
                    "application",
                    "pdf",
                )
            )
        if "xlsx" in formats:
            files.append(
                (
                    f"summary-{stamp}.xlsx",
                    render.xlsx(data, locale=locale, calendar=workspace.calendar),
                    "application",
                    "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            )
    return data, files


def _mail(
    settings: Settings,
    sub: ReportSubscription,
    data: dict[str, Any],
    files: list[tuple[str, bytes, str, str]],
) -> EmailMessage:
    with speaking(sub.locale):
        title, subtitle, _parts = render.sections(data, locale=sub.locale)
        msg = EmailMessage()
        msg["From"] = settings.mail_from
        msg["To"] = sub.email
        msg["Subject"] = title
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(f"{title}\n{subtitle}\n\n" + _("The summary is attached as PDF and/or XLSX."))
        for name, body, main, sub_type in files:
            msg.add_attachment(body, maintype=main, subtype=sub_type, filename=name)
        msg["Content-Language"] = sub.locale  # after the content: setting it replaces Content-* headers
    return msg


def send_due(
    factory: sessionmaker[Session],
    wh: Warehouse,
    settings: Settings,
    *,
    now: datetime | None = None,
    limit: int = 50,
) -> int:
    """Send every subscription due by `now`; returns how many mails left.

    Three short steps, so a slow mail server never holds the database's write turn: claim the due ones and move
    their next date on (one write transaction), build and send (reads only), record what happened (one more)."""
    from tajriba.db.session import transaction
    from tajriba.mail import Mailer

    now = now or datetime.now(UTC)
    with transaction(factory, mode="reads") as session:
        if (
            session.scalar(
                select(ReportSubscription.id).where(
                    ReportSubscription.active.is_(True), ReportSubscription.next_at <= now
                )
            )
            is None
        ):
            return 0
    # the mail server first: when it is down nothing is claimed, and every due report waits for the next tick
    with Mailer(settings) as mailer:
        return _send(factory, wh, settings, mailer, now, limit)


def _send(
    factory: sessionmaker[Session], wh: Warehouse, settings: Settings, mailer: Any, now: datetime, limit: int
) -> int:
    from tajriba.db.session import transaction

    with transaction(factory, mode="writes") as session:
        due = list(
            session.scalars(
                select(ReportSubscription)
                .where(ReportSubscription.active.is_(True), ReportSubscription.next_at <= now)
                .order_by(ReportSubscription.next_at)
                .limit(limit)
            )
        )
        claimed = []
        for sub in due:
            workspace = session.get(Workspace, sub.workspace_id)
            if workspace is not None:
                sub.next_at = next_sending(workspace, sub.frequency, now)
                claimed.append(sub.id)
    outcome: dict[int, str | None] = {}
    with transaction(factory, mode="reads") as session:
        for sub_id in claimed:
            found = session.get(ReportSubscription, sub_id)
            workspace = session.get(Workspace, found.workspace_id) if found is not None else None
            if found is None or workspace is None:
                continue
            sub = found
            try:
                data, files = attachments(
                    session, wh, workspace, frequency=sub.frequency, locale=sub.locale,
                    formats=sub.formats.split(","), now=now,
                )  # fmt: skip
                mailer.send(_mail(settings, sub, data, files))
                outcome[sub_id] = None
            except Exception as exc:  # noqa: BLE001 - kept on the subscription and retried at its next date
                outcome[sub_id] = f"{type(exc).__name__}: {exc}"[:500]
    with transaction(factory, mode="writes") as session:
        for sub_id, error in outcome.items():
            record = session.get(ReportSubscription, sub_id)
            if record is None:
                continue
            record.last_error = error
            if error is None:
                record.last_sent_at = now
    return sum(1 for e in outcome.values() if e is None)


# -- signed read-only links ----------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def share_token(
    secret: str, workspace: Workspace, *, frequency: str, days: int, now: float | None = None
) -> str:
    """A link token for the workspace's summary, valid `days` days: `<workspace>.<frequency>.<expiry>.<mac>`.
    Rotating the workspace's `share_generation` (settings) revokes every token given before."""
    if not 1 <= days <= MAX_LINK_DAYS:
        raise Invalid(_("A shared link lasts 1 to {n} days.").format(n=MAX_LINK_DAYS), field="days")
    if frequency not in summary.FREQUENCIES:
        raise Invalid(_("A report is weekly or monthly."), field="frequency")
    expires = int((now or clock.time()) + days * 86400)
    body = f"{workspace.id}.{frequency[0]}.{expires}"
    return f"{body}.{_sign(secret, workspace, body)}"


def _sign(secret: str, workspace: Workspace, body: str) -> str:
    generation = str((workspace.settings or {}).get("share_generation", 0))
    mac = hmac.new(secret.encode(), f"report-link:{generation}:{body}".encode(), hashlib.sha256).digest()
    return _b64(mac[:18])


def read_share_token(
    session: Session, secret: str, token: str, *, now: float | None = None
) -> tuple[Workspace, str, datetime]:
    """The workspace, frequency and expiry a token grants; NotFound for a forged, revoked or expired one."""
    parts = token.split(".")
    if len(parts) != 4 or not parts[0].isdigit() or parts[1] not in ("w", "m") or not parts[2].isdigit():
        raise NotFound(_("This link is not valid."))
    workspace = session.get(Workspace, int(parts[0])) if len(parts[0]) < 12 else None
    if workspace is None or not hmac.compare_digest(_sign(secret, workspace, ".".join(parts[:3])), parts[3]):
        raise NotFound(_("This link is not valid."))
    expires = int(parts[2])
    if expires < (now or clock.time()):
        raise NotFound(_("This link has expired; ask for a new one."))
    return workspace, "weekly" if parts[1] == "w" else "monthly", datetime.fromtimestamp(expires, UTC)


def share(
    session: Session, secret: str, workspace: Workspace, *, frequency: str, days: int, actor: Auditor
) -> str:
    """Someone shares the summary: a read-only link token for `days` (`share_token`), audited."""
    token = share_token(secret, workspace, frequency=frequency, days=days)
    actor.audit(session, "report.share", details={"days": days, "frequency": frequency})
    return token


def revoke_links(session: Session, *, workspace: Workspace, actor: Auditor) -> None:
    """Every shared link given so far stops working."""
    settings = dict(workspace.settings or {})
    settings["share_generation"] = int(settings.get("share_generation", 0)) + 1
    workspace.settings = settings
    actor.audit(session, "report.revoke_links")
