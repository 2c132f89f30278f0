"""The one-tap stop link (CON-3, RFC 8058): every invitation names its sender and carries it; a GET changes
nothing, the button or the mail client's one-click POST withdraws consent to surveys in the ledger, skips what is
scheduled for the person and stops the reminder."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tajriba.models import SurveyInvitation
from tajriba.surveys import delivery, links
from tajriba.surveys.sending import message_text
from tests.surveys.test_delivery import NOW, _people, shop  # noqa: F401 - the fixture


def _text(message) -> str:  # type: ignore[no-untyped-def]
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def test_one_click_in_the_mail_stops_every_survey_for_the_person(app, db, shop, smtp, client) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    port, inbox = smtp
    settings = app.state.settings
    settings.smtp_host, settings.smtp_port, settings.smtp_security = "127.0.0.1", port, "none"
    settings.public_url = "https://cx.example.com"
    wh = shop["wh"]
    delivery.invite(db, wh, survey=shop["survey"], recipients=_people("c1", "c2"), channel="email", now=NOW)
    later = NOW + timedelta(days=7)
    db.commit()
    assert delivery.dispatch(db, wh, settings, now=NOW).sent == 2
    db.commit()
    mail = next(m for m in inbox.messages if m["X-Rcpt"] == "c1@example.com")
    stop = re.fullmatch(r"<https://cx\.example\.com(/s/stop/\S+)>", mail["List-Unsubscribe"]).group(1)  # type: ignore[union-attr]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Sendshop" in _text(mail) and f"https://cx.example.com{stop}" in _text(
        mail
    )  # sender and stop link
    # a link scanner's GET shows the question, in the invitee's language, and changes nothing
    page = client.get(stop)
    assert page.status_code == 200 and 'dir="rtl"' in page.text and "<form" in page.text
    assert wh.sql("SELECT count(*) FROM consents WHERE customer_id = 'c1'")[0][0] == 0
    # the mail client's one-click post
    done = client.post(stop, content=b"List-Unsubscribe=One-Click",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert done.status_code == 200 and 'role="status"' in done.text
    row = wh.sql(
        "SELECT purpose, granted, channel, language, actor, source FROM consents WHERE customer_id = 'c1'"
    )
    assert row == [("surveys", False, "email", "ar", "subject", "invitation")]
    assert client.post(stop).status_code == 200  # again: nothing new
    assert wh.sql("SELECT count(*) FROM consents WHERE customer_id = 'c1'")[0][0] == 1
    # a later invitation is not scheduled, and c1 gets no reminder while c2 does
    report = delivery.invite(
        db, wh, survey=shop["other"], recipients=_people("c1"), channel="email", now=later
    )
    assert report.scheduled == 0 and dict(report.skipped) == {"no_consent": 1}
    db.expire_all()
    assert delivery.dispatch(db, wh, settings, now=NOW + timedelta(days=3, hours=1)).reminded == 1
    assert inbox.messages[-1]["X-Rcpt"] == "c2@example.com"
    db.commit()
    forged = stop[:-3] + ("aaa" if not stop.endswith("aaa") else "bbb")
    assert client.get(forged).status_code == 404 and client.post(forged).status_code == 404


def test_an_address_without_a_profile_stops_what_is_scheduled_to_it(app, db, shop, client) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    wh = shop["wh"]
    at = NOW + timedelta(days=1)
    for survey in (shop["survey"], shop["other"]):
        delivery.invite(db, wh, survey=survey, channel="sms", now=NOW,
                        recipients=[delivery.Recipient(address="+966511111111", language="fa", at=at)])  # fmt: skip
    db.commit()
    first = db.scalars(select(SurveyInvitation).order_by(SurveyInvitation.id)).first()
    text = message_text(app.state.settings, shop["survey"], first, reminder=False)
    stop = re.search(r"(/s/stop/\S+)", text).group(1)  # type: ignore[union-attr]
    assert "توقف" in text or "لغو" in text  # the stop line is in Persian
    assert client.post(stop).status_code == 200
    db.rollback()  # a fresh read of what the server committed
    assert [i.status for i in db.scalars(select(SurveyInvitation))] == ["skipped", "skipped"]
    assert links.read_stop_token(app.state.settings.secret, stop.rsplit("/", 1)[1]) == first.id


def test_a_link_shared_by_hand_stops_only_itself(app, db, shop, client) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """A personal link with neither a profile nor an address behind it stops that invitation alone."""
    for _ in range(2):
        delivery.invite(db, shop["wh"], survey=shop["survey"], recipients=[delivery.Recipient()], channel="link",
                        now=NOW)  # fmt: skip
    db.commit()
    first, second = db.scalars(select(SurveyInvitation).order_by(SurveyInvitation.id)).all()
    assert client.post(f"/s/stop/{links.stop_token(app.state.settings.secret, first)}").status_code == 200
    db.rollback()
    assert [(i.status, i.reason) for i in db.scalars(select(SurveyInvitation).order_by(SurveyInvitation.id))] == [
        (first.status, "stopped"), (second.status, None)]  # fmt: skip
