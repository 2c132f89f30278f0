"""The requests' clock: the privacy team is told a week before a due date and, urgently, once it passed (each
once); an extension's reason goes to the person in their language (a queued job, a real SMTP server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tajriba.audit import Operator
from tajriba.models import Job, Notification
from tajriba.privacy import requests
from tajriba.privacy.schemas import RequestIn
from tajriba.privacy.tasks import tell_extension
from tests.conftest import make_user, make_workspace


def test_reminders_escalation_and_the_extension_notice(app, db, smtp) -> None:  # type: ignore[no-untyped-def]
    port, inbox = smtp
    settings = app.state.settings
    settings.smtp_host, settings.smtp_port, settings.smtp_security = "127.0.0.1", port, "none"
    ws = make_workspace(db, "shop")
    owner = make_user(db, workspace=ws, role="owner")
    make_user(db, workspace=ws, role="analyst")
    actor = Operator(ws.id, "test")
    now = datetime.now(UTC)
    soon = requests.log_request(db, workspace_id=ws.id, actor=actor, data=RequestIn(
        kind="access", contact="layla@example.sa", language="ar", received_at=now - timedelta(days=25)))  # fmt: skip
    late = requests.log_request(db, workspace_id=ws.id, actor=actor, data=RequestIn(
        kind="erasure", received_at=now - timedelta(days=31)))  # fmt: skip
    requests.log_request(db, workspace_id=ws.id, actor=actor, data=RequestIn(kind="access"))  # a month ahead
    assert requests.remind(db, now=now) == {"reminded": 1, "escalated": 1}
    assert requests.remind(db, now=now + timedelta(hours=1)) == {"reminded": 0, "escalated": 0}  # once each
    told = db.scalars(select(Notification).where(Notification.kind == "privacy_due")).all()
    assert {(n.user_id, n.urgent, n.data["privacy_request_id"]) for n in told} == {
        (owner.id, False, soon.id),
        (owner.id, True, late.id),
    }

    requests.extend_request(db, request=soon, actor=actor, now=now,
                            reason="وصلتنا طلبات كثيرة منك في وقت واحد ونحتاج وقتًا لجمعها")  # fmt: skip
    db.commit()
    (job,) = db.scalars(select(Job).where(Job.kind == "privacy.tell_extension")).all()
    assert job.payload == {"request_id": soon.id}  # the job names the request, not the person
    assert tell_extension(factory=app.state.session_factory, settings=settings, request_id=soon.id) == {
        "sent": True
    }
    (mail,) = inbox.messages
    body = mail.get_payload(decode=True).decode()
    assert mail["X-Rcpt"] == "layla@example.sa" and mail["Content-Language"] == "ar"
    assert "وصلتنا طلبات كثيرة" in body and soon.extended_due_at.strftime("%Y-%m-%d") in body
