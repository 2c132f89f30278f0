"""Expiry notices through a real SMTP server: once per member and expiry day, in their language, never to those who
withdrew consent for the `loyalty` purpose; and the expiry job that follows."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

import pandas as pd

from tajriba.config import load_settings
from tajriba.customers import service as customers
from tajriba.loyalty import ledger, notices, service
from tajriba.models import LoyaltyNotice
from tests.loyalty.conftest import T0


def test_members_are_told_before_their_points_expire_once(app, db, ws, programme, smtp) -> None:  # type: ignore[no-untyped-def]
    port, inbox = smtp
    settings = load_settings(
        data_dir=app.state.settings.data_dir, worker=False, env="test", smtp_host="127.0.0.1", smtp_port=port,
        smtp_security="none",
    )  # fmt: skip
    wh = app.state.warehouse
    wh.append(
        "customers",
        pd.DataFrame(
            {"workspace_id": ws.id, "customer_id": ["ar", "en", "out"],
             "email": ["sara@example.com", "john@example.com", "out@example.com"], "language": ["ar", "en", "en"]}
        ),
    )  # fmt: skip
    programme.expiry_days = 100
    for cid, amount in (("ar", 300), ("en", 200), ("out", 100)):
        service.earn_order(
            db, workspace=ws, programme=programme, customer_id=cid, order_id=f"O-{cid}", amount=amount,
            ordered_at=T0, now=T0,
        )  # fmt: skip
    customers.record_consent(
        wh, workspace_id=ws.id,
        observations=[customers.ConsentObservation("out", "loyalty", False, T0.replace(tzinfo=None), "m1", "test")],
    )  # fmt: skip
    early = T0 + timedelta(days=60)  # 40 days before expiry: outside the 30-day reminder window
    assert notices.send_notices(db, wh, workspace=ws, programme=programme, settings=settings, now=early) == {
        "email": 0, "sms": 0, "none": 0,
    }  # fmt: skip
    soon = T0 + timedelta(days=75)
    sent = notices.send_notices(db, wh, workspace=ws, programme=programme, settings=settings, now=soon)
    assert sent == {"email": 2, "sms": 0, "none": 1}
    by_to = {m["To"]: m for m in inbox.messages}
    assert set(by_to) == {"sara@example.com", "john@example.com"}
    subject = str(make_header(decode_header(by_to["sara@example.com"]["Subject"])))
    assert "300" in subject and "نقاط" in subject  # Arabic for the Arabic speaker
    assert (
        str(make_header(decode_header(by_to["john@example.com"]["Subject"])))
        == "200 of your points expire on 2026-04-11"
    )
    # a second run tells nobody again; the member who withdrew is recorded as not told
    assert (
        notices.send_notices(db, wh, workspace=ws, programme=programme, settings=settings, now=soon)["email"]
        == 0
    )
    assert {n.customer_id: n.channel for n in db.query(LoyaltyNotice)} == {
        "ar": "email",
        "en": "email",
        "out": None,
    }
    # at expiry the job moves what is left to `expired`; balances were already zero from that moment
    assert ledger.expire_due(db, workspace_id=ws.id, now=T0 + timedelta(days=100)) == 600
    assert service.balance(db, workspace_id=ws.id, customer_id="ar", as_of=T0 + timedelta(days=100)) == 0
