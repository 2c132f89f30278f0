"""Invitations: SMTP against a real local server (aiosmtpd), the messaging gateway on loopback, reminders,
fatigue, consent, quiet hours, channel limits and event triggers."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer

import pandas as pd
import pytest
from sqlalchemy import select

from tajriba.models import SurveyInvitation
from tajriba.surveys import delivery, service
from tests.conftest import free_port, make_workspace


class Actor:
    def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
        pass


NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)  # 12:30 in Riyadh


@pytest.fixture
def shop(app, db):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "sendshop")
    wh = app.state.warehouse
    wh.upsert(
        "customers",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "customer_id": ["c1", "c2", "c3", "c4"],
                "email": ["c1@example.com", "c2@example.com", None, "c4@example.com"],
                "phone": ["+966500000001", None, "+966500000003", "+966500000004"],
                "language": ["ar", "en", "fa", "ar"],
            }
        ),
    )
    # c4 said no to surveys
    wh.append(
        "consents",
        pd.DataFrame(
            {
                "workspace_id": [ws.id],
                "consent_id": ["k1"],
                "customer_id": ["c4"],
                "purpose": ["surveys"],
                "granted": [False],
                "recorded_at": [datetime(2026, 1, 1)],
            }
        ),
    )
    survey = service.from_template(
        db, workspace_id=ws.id, template="post_support_csat", locale="en", actor=Actor(), reminder_days=3
    )
    other = service.from_template(
        db, workspace_id=ws.id, template="relationship_nps", locale="en", actor=Actor()
    )
    for s in (survey, other):
        service.set_status(db, survey=s, status="active", actor=Actor())
    db.commit()
    return {"ws": ws, "survey": survey, "other": other, "wh": wh}


def _people(*ids: str) -> list[delivery.Recipient]:
    return [delivery.Recipient(customer_id=c) for c in ids]


def test_email_invitations_and_reminders_through_a_real_smtp_server(app, db, shop, smtp, client) -> None:  # type: ignore[no-untyped-def]
    port, inbox = smtp
    settings = app.state.settings
    settings.smtp_host, settings.smtp_port, settings.smtp_security = "127.0.0.1", port, "none"
    settings.public_url = (
        "https://cx.example.com"  # links in mails use it (tajriba.config.Settings.links_base)
    )
    report = delivery.invite(
        db,
        shop["wh"],
        survey=shop["survey"],
        recipients=_people("c1", "c2", "c3", "c4"),
        channel="email",
        now=NOW,
    )
    assert report.scheduled == 2 and report.skipped == {"no_address": 1, "no_consent": 1}
    db.commit()
    out = delivery.dispatch(db, shop["wh"], settings, now=NOW)
    db.commit()
    assert out.sent == 2 and out.failed == 0
    assert sorted(m["X-Rcpt"] for m in inbox.messages) == ["c1@example.com", "c2@example.com"]
    arabic = next(m for m in inbox.messages if m["X-Rcpt"] == "c1@example.com")
    assert arabic["Content-Language"] == "ar"
    html = (
        next(p for p in arabic.walk() if p.get_content_type() == "text/html")
        .get_payload(decode=True)
        .decode()
    )
    assert 'dir="rtl"' in html
    assert str(make_header(decode_header(arabic["Subject"]))) == "كيف كانت خدمتنا؟"
    text = (
        next(p for p in arabic.walk() if p.get_content_type() == "text/plain")
        .get_payload(decode=True)
        .decode()
    )
    link = re.search(r"https://cx\.example\.com(/s/\S+)", text).group(1)  # type: ignore[union-attr]
    # c1 answers through the link from the mail; c2 does not
    for screen, value in (
        ("csat", {"csat": "2"}),
        ("resolved", {"resolved": "no"}),
        ("agent_rating", {}),
        ("comment", {}),
        ("contact", {}),
    ):
        r = client.post(link, data={"screen": screen, "nav": "next", **value})
        assert r.status_code == 303, r.text[:300]
    assert r.headers["location"].endswith("/done?lang=ar")
    # nothing before the reminder delay; then one reminder, to c2 only, never twice
    db.expire_all()
    assert delivery.dispatch(db, shop["wh"], settings, now=NOW + timedelta(days=2)).reminded == 0
    later = NOW + timedelta(days=3, hours=1)
    assert delivery.dispatch(db, shop["wh"], settings, now=later).reminded == 1
    assert delivery.dispatch(db, shop["wh"], settings, now=later + timedelta(hours=1)).reminded == 0
    db.commit()
    reminder = inbox.messages[-1]
    assert reminder["X-Rcpt"] == "c2@example.com" and str(reminder["Subject"]).startswith("Reminder:")
    # after the link's 14 days the unanswered invitation expires
    assert delivery.dispatch(db, shop["wh"], settings, now=NOW + timedelta(days=15)).expired == 1


def test_smtp_failure_is_retried_then_marked_failed(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    settings = app.state.settings
    settings.smtp_host, settings.smtp_port, settings.smtp_security = (
        "127.0.0.1",
        free_port(),
        "none",
    )  # nobody listens
    delivery.invite(db, shop["wh"], survey=shop["survey"], recipients=_people("c1"), channel="email", now=NOW)
    t = NOW
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        out = delivery.dispatch(db, shop["wh"], settings, now=t)
        inv = db.query(SurveyInvitation).one()
        assert inv.attempts == attempt and inv.last_error
        t = t + timedelta(hours=6)
    assert inv.status == "failed" and out.failed == 1


def test_sms_and_whatsapp_through_the_gateway(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    received: list[dict] = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body) | {"auth": self.headers.get("Authorization")})
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = app.state.settings
    settings.messaging_webhook_url = f"http://127.0.0.1:{server.server_port}/send"
    settings.messaging_webhook_token = "s3cret"
    try:
        delivery.invite(
            db, shop["wh"], survey=shop["survey"], recipients=_people("c1", "c3"), channel="sms", now=NOW
        )
        assert delivery.dispatch(db, shop["wh"], settings, now=NOW).sent == 2
    finally:
        server.shutdown()
    assert sorted(r["to"] for r in received) == ["+966500000001", "+966500000003"]
    fa = next(r for r in received if r["to"] == "+966500000003")
    assert (
        fa["channel"] == "sms"
        and fa["auth"] == "Bearer s3cret"
        and "خدمات ما چطور بود؟" in fa["text"]
        and "/s/" in fa["text"]
    )


def test_fatigue_across_surveys_quiet_hours_and_daily_limits(db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    ws.settings = {
        "surveys": {"fatigue_days": 30, "quiet_start": "21:00", "quiet_end": "09:00", "limits": {"sms": 2}}
    }
    db.flush()
    first = delivery.invite(
        db, shop["wh"], survey=shop["survey"], recipients=_people("c1"), channel="link", now=NOW
    )
    assert first.scheduled == 1
    # the other survey may not ask c1 within 30 days, but may after
    again = delivery.invite(
        db,
        shop["wh"],
        survey=shop["other"],
        recipients=_people("c1"),
        channel="link",
        now=NOW + timedelta(days=29),
    )
    assert again.skipped == {"fatigue": 1}
    later = delivery.invite(
        db,
        shop["wh"],
        survey=shop["other"],
        recipients=_people("c1"),
        channel="link",
        now=NOW + timedelta(days=31),
    )
    assert later.scheduled == 1
    # the same person twice in one batch is asked once
    twice = delivery.invite(
        db, shop["wh"], survey=shop["other"], recipients=_people("c3", "c3"), channel="link", now=NOW
    )
    assert twice.scheduled == 1 and twice.skipped == {"fatigue": 1}
    # quiet hours: 23:00 in Riyadh waits for 09:00 the next morning
    night = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    rep = delivery.invite(
        db,
        shop["wh"],
        survey=shop["survey"],
        recipients=[delivery.Recipient(address="+966511111111")],
        channel="sms",
        now=night,
    )
    assert rep.invitations[0].scheduled_at == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    # the SMS limit (2 a day): the second fits on the 23rd, the third moves to the 24th at 09:00
    rep = delivery.invite(
        db,
        shop["wh"],
        survey=shop["survey"],
        recipients=[delivery.Recipient(address=f"+96652222222{i}") for i in range(2)],
        channel="sms",
        now=night,
    )
    assert [i.scheduled_at for i in rep.invitations] == [
        datetime(2026, 11, 23, 6, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 6, 0, tzinfo=UTC),
    ]


def test_rules_are_validated(client, db, shop) -> None:  # type: ignore[no-untyped-def]
    from tajriba.errors import Invalid

    with pytest.raises(Invalid, match="quiet_start"):
        delivery.Rules.parse({"quiet_start": "late"})
    with pytest.raises(Invalid, match="limits"):
        delivery.Rules.parse({"limits": {"pigeon": 3}})
    with pytest.raises(Invalid, match="fatigue_days"):
        delivery.Rules.parse({"fatigue_days": 400})
    assert delivery.Rules.parse({"quiet_start": "22:30"}).quiet(datetime(2026, 1, 1, 23, 0))


def test_event_trigger_invites_after_the_delay_once_per_event(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    trig = delivery.create_trigger(
        db,
        survey=shop["survey"],
        event="Order Delivered",
        channel="sms",
        delay_minutes=120,
        hidden_from={"order_id": "properties.order_id"},
        actor=Actor(),
    )
    trig.watermark = NOW - timedelta(hours=1)
    db.flush()
    at = (NOW - timedelta(minutes=10)).replace(tzinfo=None)
    shop["wh"].append(
        "events",
        pd.DataFrame(
            {
                "workspace_id": shop["ws"].id,
                "message_id": ["m1", "m2", "m3"],
                "customer_id": ["c1", "c3", "c1"],
                "type": "track",
                "event": ["Order Delivered", "Order Delivered", "Product Viewed"],
                "timestamp": [at, at, at],
                "received_at": [at, at, at],
                "properties": ['{"order_id": "A-1"}', '{"order_id": "A-2"}', "{}"],
            }
        ),
    )
    out = delivery.dispatch(db, shop["wh"], app.state.settings, now=NOW)
    assert out.triggered == 2
    invs = db.query(SurveyInvitation).order_by(SurveyInvitation.customer_id).all()
    assert [(i.customer_id, i.hidden["order_id"], i.status) for i in invs] == [
        ("c1", "A-1", "scheduled"),
        ("c3", "A-2", "scheduled"),
    ]
    assert invs[0].scheduled_at.replace(tzinfo=UTC) == NOW + timedelta(minutes=110)
    # the next run sees no new events: nobody is invited twice for the same delivery
    assert delivery.dispatch(db, shop["wh"], app.state.settings, now=NOW).triggered == 0
    trig.watermark = NOW - timedelta(hours=1)  # even a replay of the same events
    assert delivery.dispatch(db, shop["wh"], app.state.settings, now=NOW).triggered == 0


def test_a_withdrawal_after_scheduling_stops_the_send(app, db, shop, smtp) -> None:  # type: ignore[no-untyped-def]
    """Consent withdrawn between scheduling and sending (CON-3): the invitation is not sent, nor reminded."""
    port, inbox = smtp
    settings = app.state.settings
    settings.smtp_host, settings.smtp_port, settings.smtp_security = "127.0.0.1", port, "none"
    later = NOW + timedelta(hours=2)
    report = delivery.invite(db, shop["wh"], survey=shop["survey"], recipients=[
        delivery.Recipient(customer_id=c, at=later) for c in ("c1", "c2")], channel="email", now=NOW)  # fmt: skip
    assert report.scheduled == 2
    db.commit()
    shop["wh"].append("consents", pd.DataFrame({"workspace_id": [shop["ws"].id], "consent_id": ["k2"],
                                                "customer_id": ["c2"], "purpose": ["surveys"], "granted": [False],
                                                "recorded_at": [datetime(2026, 11, 22, 10, 0)]}))  # fmt: skip
    out = delivery.dispatch(db, shop["wh"], settings, now=later + timedelta(minutes=1))
    db.commit()
    assert out.sent == 1 and [m["X-Rcpt"] for m in inbox.messages] == ["c1@example.com"]
    statuses = {i.customer_id: (i.status, i.reason) for i in db.scalars(select(SurveyInvitation))}
    assert statuses == {"c1": ("sent", None), "c2": ("skipped", "no_consent")}


def test_a_purpose_resting_on_explicit_consent_invites_only_those_who_gave_it(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    """CON-2: once the records of processing say surveys need explicit consent, implied consent and silence are
    not enough (invitations; the send applies the same rule, tested with a withdrawal above)."""
    from tajriba.customers import service as customers
    from tajriba.privacy import records

    ws, wh = shop["ws"], shop["wh"]
    wh.append("consents", pd.DataFrame({
        "workspace_id": ws.id, "consent_id": ["e1", "i2"], "customer_id": ["c1", "c2"], "purpose": "surveys",
        "granted": True, "explicit": [True, False], "recorded_at": datetime(2026, 2, 1)}))  # fmt: skip
    everyone = ["c1", "c2", "c3", "c4"]
    # no purpose registered: everyone but c4, who refused
    assert customers.consent_blocked(db, wh, workspace_id=ws.id, purposes=["surveys"], customer_ids=everyone) == {
        "c4": "withdrawn"}  # fmt: skip
    records.register(db, workspace_id=ws.id, actor=Actor(), data={
        "key": "surveys", "name": "Surveys", "lawful_basis": "consent", "explicit": True})  # fmt: skip
    report = delivery.invite(db, wh, survey=shop["other"], recipients=_people("c1", "c2", "c3", "c4"),
                             channel="link", now=NOW)  # fmt: skip
    assert report.scheduled == 1 and dict(report.skipped) == {"no_consent": 3}
    reasons = customers.consent_blocked(
        db, wh, workspace_id=ws.id, purposes=["surveys"], customer_ids=everyone
    )
    assert reasons == {"c2": "not_explicit", "c3": "no_consent", "c4": "withdrawn"}
