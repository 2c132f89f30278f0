"""Alerts reach people: webhooks signed per Standard Webhooks (checked with the independent `standardwebhooks`
package) and retried against a receiver that fails twice; Slack payloads; email digests through a real SMTP
server, held outside working hours unless urgent; the notification centre."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import standardwebhooks
from sqlalchemy import select

from tajriba.cases import notify, service
from tajriba.cases.schemas import CaseCreate, WebhookIn
from tajriba.config import load_settings
from tajriba.jobs.worker import Worker
from tajriba.models import Notification, WebhookDelivery
from tests.cases.conftest import Actor
from tests.conftest import free_port


class Receiver:
    """A loopback webhook endpoint that answers 500 to the first `failures` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                code = 500 if len(outer.requests) <= outer.failures else 204
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    r = Receiver(failures=2)
    yield r
    r.close()


def drain(app, *, seconds: float = 10.0, settings=None) -> None:  # type: ignore[no-untyped-def]
    """Run due jobs until none is left (waiting for retries that fall due within `seconds`)."""
    import tajriba.app  # noqa: F401  (registers the handlers)

    worker = Worker(
        app.state.session_factory, settings=settings or app.state.settings, warehouse=app.state.warehouse
    )
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not worker.run_once():
            with app.state.session_factory() as s:
                pending = s.scalar(select(WebhookDelivery.id).where(WebhookDelivery.status == "pending"))
            if pending is None:
                return
            time.sleep(0.05)


def test_webhook_is_signed_retried_and_logged(app, db, shop, receiver) -> None:  # type: ignore[no-untyped-def]
    hook = notify.create_webhook(
        db,
        workspace_id=shop["ws"].id,
        actor=Actor(),
        data=WebhookIn(name="CRM", url=receiver.url, events=["case.created"]),
    )
    service.create_case(
        db, workspace_id=shop["ws"].id, data=CaseCreate(subject="تأخر الطلب", customer_id="c1"), actor=Actor()
    )
    db.commit()
    fast = load_settings(
        data_dir=app.state.settings.data_dir, worker=False, env="test", webhook_retry_seconds=0.05
    )
    drain(app, settings=fast)
    from tajriba.models import Job

    errors = [j.last_error for j in db.scalars(select(Job))]
    assert len(receiver.requests) == 3, errors  # failed twice, then delivered
    ids = {h["webhook-id"] for h, _ in receiver.requests}
    assert len(ids) == 1  # the same message id on every retry (receivers dedupe on it)
    headers, body = receiver.requests[-1]
    verified = standardwebhooks.Webhook(hook.secret).verify(body, headers)
    assert verified["type"] == "case.created" and verified["data"]["subject"] == "تأخر الطلب"
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(hook.secret).verify(body.replace("تأخر".encode(), b"xx"), headers)
    db.expire_all()
    delivery = db.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 3, 204)


def test_slack_payload_and_send_test(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    r = Receiver()
    try:
        hook = notify.create_webhook(
            db,
            workspace_id=shop["ws"].id,
            actor=Actor(),
            data=WebhookIn(name="Slack", url=r.url, style="slack"),
        )
        notify.send_test(db, hook=hook)
        service.create_case(
            db,
            workspace_id=shop["ws"].id,
            data=CaseCreate(subject="Refund please", priority="urgent"),
            actor=Actor(),
        )
        db.commit()
        drain(app)
        bodies = [json.loads(b) for _, b in r.requests]
        assert bodies[0] == {"text": "*test*: Tajriba test delivery"}
        assert bodies[1]["text"].startswith("*case.created*: Refund please (case #")
    finally:
        r.close()


def test_email_digest_waits_for_the_working_day_unless_urgent(app, db, shop, smtp) -> None:  # type: ignore[no-untyped-def]
    port, inbox = smtp
    settings = load_settings(
        data_dir=app.state.settings.data_dir,
        worker=False,
        env="test",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
    )
    agent = shop["agents"][0]
    agent.locale = "ar"
    case = service.create_case(
        db,
        workspace_id=shop["ws"].id,
        actor=Actor(),
        data=CaseCreate(subject="المندوب تأخر", owner_id=agent.id),
    )
    db.commit()
    friday = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # Friday noon in Riyadh: the team's weekend
    assert notify.mail_digests(db, settings=settings, now=friday) == 0
    sunday = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)  # Sunday 10:00 in Riyadh
    from tajriba.i18n import get_locale, speaking

    with speaking("fa"):  # the worker's own language stays its own after writing an Arabic mail
        assert notify.mail_digests(db, settings=settings, now=sunday) == 1
        assert get_locale() == "fa"
    db.commit()
    (mail,) = inbox.messages
    assert mail["To"] == agent.email and mail["Content-Language"] == "ar"
    html = (
        next(p for p in mail.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    )
    assert 'dir="rtl"' in html and f"/cases/{case.id}" in html and "المندوب تأخر" in html
    # urgent goes out at once, even on the weekend
    notify.to_user(db, case, agent.id, "escalated", urgent=True)
    db.commit()
    assert notify.mail_digests(db, settings=settings, now=friday) == 1
    assert db.scalar(select(Notification.id).where(Notification.emailed_at.is_(None))) is None


def test_notification_centre_lists_and_marks_read(client, db, shop) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_from, login

    agent = shop["agents"][0]
    case = service.create_case(db, workspace_id=shop["ws"].id, actor=Actor(), data=CaseCreate(subject="x"))
    service.add_note(
        db, case=case, actor=Actor(), data=service.NoteIn(body="@agent0 please call the customer")
    )
    db.commit()
    login(client, agent)
    page = client.get(f"/w/{shop['ws'].slug}/notifications").text
    assert 'data-kind="mentioned"' in page and 'class="unread"' in page
    token = csrf_from(client, f"/w/{shop['ws'].slug}/notifications")
    client.post(f"/w/{shop['ws'].slug}/notifications", data={"csrf_token": token})
    assert 'class="unread"' not in client.get(f"/w/{shop['ws'].slug}/notifications").text
