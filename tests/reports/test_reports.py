"""Scheduled executive summaries: sending times in the workspace's zone, a mail with a PDF whose Arabic text
extracts as the words it shows (pdftotext) and an XLSX, signed read-only links that expire and can be revoked,
and who may do what."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tajriba.audit import Operator
from tajriba.config import load_settings
from tajriba.demo import DEMO_SLUG, build_demo
from tajriba.demo.generate import END
from tajriba.models import ReportSubscription, Workspace
from tajriba.reports import schedule, summary
from tests.conftest import csrf_from, free_port, login, make_user, make_workspace

BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
DEMO_NOW = END.replace(tzinfo=UTC) - timedelta(days=3)  # inside the demo's year


def _pdftotext(pdf: bytes, tmp: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        if os.environ.get("TAJRIBA_REQUIRE_BROWSER"):
            pytest.fail("pdftotext (Debian's poppler-utils) is required here but is not installed")
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    path = tmp / "summary.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60)
    return BIDI.sub("", out.stdout.decode("utf-8"))


@pytest.fixture
def demo(app, db):  # type: ignore[no-untyped-def]
    build_demo(app.state.session_factory, app.state.warehouse, scale=0.02, seed=5)
    ws = db.scalar(select(Workspace).where(Workspace.slug == DEMO_SLUG))
    assert ws is not None
    return ws


def test_sending_times_are_8am_local_on_the_first_day_of_the_period(db) -> None:  # type: ignore[no-untyped-def]
    riyadh = make_workspace(db, "riyadh", timezone="Asia/Riyadh")
    # Thursday 3 December 2026, 10:00 Riyadh -> Sunday 6 December 08:00 Riyadh = 05:00 UTC
    after = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    assert schedule.next_sending(riyadh, "weekly", after) == datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
    assert schedule.next_sending(riyadh, "monthly", after) == datetime(2027, 1, 1, 5, 0, tzinfo=UTC)
    # exactly at the sending time: the next one, a week later
    at = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
    assert schedule.next_sending(riyadh, "weekly", at) == datetime(2026, 12, 13, 5, 0, tzinfo=UTC)
    # Tehran's week starts on Saturday (settings), 08:00 +03:30
    tehran = make_workspace(db, "tehran", timezone="Asia/Tehran")
    tehran.settings = {"week_start": "saturday"}
    assert schedule.next_sending(tehran, "weekly", after) == datetime(2026, 12, 5, 4, 30, tzinfo=UTC)
    # the periods: the seven days before the sending day; the previous calendar month
    p = summary.period("weekly", datetime(2026, 12, 6).date())
    assert (p.start.isoformat(), p.end.isoformat(), p.before_start.isoformat()) == (
        "2026-11-29",
        "2026-12-06",
        "2026-11-22",
    )
    m = summary.period("monthly", datetime(2027, 1, 1).date())
    assert (m.start.isoformat(), m.end.isoformat(), m.before_start.isoformat()) == (
        "2026-12-01",
        "2027-01-01",
        "2026-11-01",
    )


def test_a_scheduled_report_reaches_a_real_smtp_server_with_arabic_that_extracts(
    app, db, demo, smtp, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    port, inbox = smtp
    settings = load_settings(
        data_dir=app.state.settings.data_dir, worker=False, env="test", smtp_host="127.0.0.1", smtp_port=port,
        smtp_security="none",
    )  # fmt: skip
    sub = schedule.subscribe(
        db, workspace=demo, email="cx-lead@example.com", frequency="weekly", locale="ar",
        formats=["pdf", "xlsx"], created_by=None, actor=Operator(demo.id), now=DEMO_NOW - timedelta(days=7),
    )  # fmt: skip
    db.commit()
    assert (
        schedule.send_due(
            app.state.session_factory, app.state.warehouse, settings, now=DEMO_NOW - timedelta(days=8)
        )
        == 0
    )  # not due yet
    assert schedule.send_due(app.state.session_factory, app.state.warehouse, settings, now=DEMO_NOW) == 1
    db.commit()
    assert (
        schedule.send_due(app.state.session_factory, app.state.warehouse, settings, now=DEMO_NOW) == 0
    )  # moved on: sent once
    (mail,) = inbox.messages
    assert mail["To"] == "cx-lead@example.com" and mail["Content-Language"] == "ar"
    from email.header import decode_header, make_header

    assert "ملخص تجربة العملاء الأسبوعي" in str(make_header(decode_header(mail["Subject"])))
    files = {p.get_filename(): p.get_payload(decode=True) for p in mail.walk() if p.get_filename()}
    pdf = next(b for n, b in files.items() if n.endswith(".pdf"))
    assert pdf[:5] == b"%PDF-"
    text = _pdftotext(pdf, tmp_path)
    # the words come back as written: joined letters, lam-alef ligatures in logical order
    for words in ("متجر نخلة", "ملخص تجربة العملاء الأسبوعي", "المؤشرات الرئيسية", "الأهداف", "العملاء يوصون بنا",
                  "أبرز نقاط الألم حسب نقطة التواصل", "إغلاق الحلقة", "الحالات المفتوحة"):  # fmt: skip
        assert words in text, (words, text[:600])
    book = load_workbook(io.BytesIO(next(b for n, b in files.items() if n.endswith(".xlsx"))))
    sheet = book.active
    assert sheet.sheet_view.rightToLeft
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "المؤشرات الرئيسية" in values and "العملاء يوصون بنا" in values
    db.expire_all()  # the sending wrote in sessions of its own
    sub = db.get(ReportSubscription, sub.id)
    assert sub.last_sent_at is not None and sub.last_error is None and sub.next_at > DEMO_NOW


def test_a_failed_sending_is_kept_and_retried(app, db, demo) -> None:  # type: ignore[no-untyped-def]
    from tajriba.errors import Invalid
    from tajriba.models import ReportSubscription

    sub = schedule.subscribe(
        db, workspace=demo, email="a@example.com", frequency="monthly", locale="fa", formats=["xlsx"],
        created_by=None, actor=Operator(demo.id), now=DEMO_NOW - timedelta(days=40),
    )  # fmt: skip
    db.commit()
    due = sub.next_at
    # no mail server configured, then one that does not answer: nothing is claimed, the report stays due
    for settings in (
        load_settings(data_dir=app.state.settings.data_dir, worker=False, env="test", smtp_host=""),
        load_settings(data_dir=app.state.settings.data_dir, worker=False, env="test", smtp_host="127.0.0.1",
                      smtp_port=free_port(), smtp_security="none"),
    ):  # fmt: skip
        with pytest.raises((Invalid, OSError)):
            schedule.send_due(app.state.session_factory, app.state.warehouse, settings, now=DEMO_NOW)
        db.expire_all()
        assert db.get(ReportSubscription, sub.id).next_at == due <= DEMO_NOW


def test_shared_links_are_read_only_expire_and_can_be_revoked(app, db, client, demo) -> None:  # type: ignore[no-untyped-def]
    secret = app.state.settings.secret
    token = schedule.share_token(secret, demo, frequency="monthly", days=7)
    page = client.get(f"/r/{token}?lang=ar")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    assert "ملخص تجربة العملاء الشهري" in page.text and 'name="robots" content="noindex"' in page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert client.get(f"/r/{token}/summary.pdf").content[:5] == b"%PDF-"
    # no login came with it: the workspace's pages stay closed
    assert client.get(f"/w/{demo.slug}/").status_code in (302, 303, 401)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/r/{forged}").status_code == 404
    other = token.replace(f"{demo.id}.", f"{demo.id + 1}.", 1)
    assert client.get(f"/r/{other}").status_code == 404
    old = schedule.share_token(
        secret, demo, frequency="weekly", days=1, now=datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    )
    gone = client.get(f"/r/{old}")
    assert gone.status_code == 404
    schedule.revoke_links(db, workspace=demo, actor=Operator(demo.id))
    db.commit()
    assert client.get(f"/r/{token}").status_code == 404
    with pytest.raises(Exception, match="1 to 90"):
        schedule.share_token(secret, demo, frequency="weekly", days=365)


def test_analysts_subscribe_and_share_viewers_only_download(app, db, client, demo) -> None:  # type: ignore[no-untyped-def]
    analyst = make_user(db, workspace=demo, role="analyst", locale="ar")
    login(client, analyst)
    token = csrf_from(client, f"/w/{demo.slug}/reports")
    r = client.post(
        f"/w/{demo.slug}/reports",
        data={"csrf_token": token, "action": "subscribe", "email": "ceo@example.com", "frequency": "monthly",
              "locale": "en", "formats": ["pdf"]},
    )  # fmt: skip
    assert r.status_code == 303 and "saved=" in r.headers["location"]
    bad = client.post(
        f"/w/{demo.slug}/reports",
        data={"csrf_token": token, "action": "subscribe", "email": "not-an-address", "frequency": "weekly",
              "locale": "ar", "formats": ["pdf"]},
    )  # fmt: skip
    assert "error=" in bad.headers["location"]
    page = client.get(f"/w/{demo.slug}/reports")
    assert "ceo@example.com" in page.text
    shared = client.post(
        f"/w/{demo.slug}/reports",
        data={"csrf_token": token, "action": "share", "frequency": "weekly", "days": "3"},
    )
    link = re.search(r"link=([^&]+)", shared.headers["location"])
    assert link
    assert client.get(f"/w/{demo.slug}/reports/summary.xlsx?frequency=weekly").status_code == 200
    client.cookies.clear()
    viewer = make_user(db, workspace=demo, role="viewer")
    login(client, viewer)
    token = csrf_from(client, f"/w/{demo.slug}/reports")
    denied = client.post(f"/w/{demo.slug}/reports", data={"csrf_token": token, "action": "revoke"})
    assert denied.status_code == 403
    assert client.get(f"/w/{demo.slug}/reports/summary.pdf").status_code == 200
