"""The listening pages by role, in Arabic: the dashboard with share of voice and spikes, the stream with filters,
one mention with its case and replies, the query editor and its forms."""

from __future__ import annotations

from tajriba.social import service
from tajriba.social.connectors import Mention
from tajriba.social.schemas import QueryIn
from tests.conftest import csrf_from, login, make_user


class _Actor:
    def audit(self, *_a: object, **_k: object) -> None:
        pass


def _setup(app, db, ws):  # type: ignore[no-untyped-def]
    from datetime import datetime, timedelta

    for q in (
        QueryIn(name="Souqna", keywords=["سوقنا"]),
        QueryIn(name="Rival", kind="competitor", keywords=["منافس"]),
    ):
        service.create_query(db, workspace=ws, data=q, actor=_Actor())
    now = datetime.now().replace(microsecond=0)
    items = [
        Mention(platform="x", text=f"سوقنا تأخر التوصيل {i} أيام، رقمي 0551234567", url=f"https://x.com/a/status/{i}",
                created_at=now - timedelta(hours=i), author_handle=f"a{i}", author_name="سارة", author_followers=90_000)
        for i in range(1, 4)
    ]  # fmt: skip
    items.append(Mention(platform="google_play", text="منافس تطبيقه ممتاز وسريع جدا", external_id="r1", created_at=now,
                         rating=5))  # fmt: skip
    report = service.take(db, app.state.warehouse, workspace=ws, items=items, now=now)
    db.commit()
    return report


def test_pages_by_role_in_arabic(app, client, db, ws) -> None:  # type: ignore[no-untyped-def]
    report = _setup(app, db, ws)
    assert report.stored == 4 and report.cases_opened == 3
    viewer = make_user(db, "v@acme.example", workspace=ws, role="viewer", locale="ar")
    db.commit()
    login(client, viewer)
    page = client.get("/w/acme/social")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    assert "حصة الصوت" in page.text and "Souqna" in page.text and "Rival" in page.text
    assert "0551234567" not in page.text and "سارة" not in page.text  # redacted for a viewer
    stream = client.get("/w/acme/social/mentions?platform=google_play")
    assert stream.status_code == 200 and "تطبيقه ممتاز" in stream.text and "تأخر التوصيل" not in stream.text
    by_topic = client.get("/w/acme/social/mentions?topic=delivery")
    assert "تأخر التوصيل" in by_topic.text and "تطبيقه ممتاز" not in by_topic.text
    mid = report.ids[0]
    one = client.get(f"/w/acme/social/mentions/{mid}")
    assert one.status_code == 200 and "/cases/" in one.text and "احفظ الرد للنشر" not in one.text
    setup = client.get("/w/acme/social/setup")
    assert setup.status_code == 200 and "استعلام جديد" not in setup.text  # viewers read the queries only
    assert client.get("/w/acme/social?start=2026-13-01").status_code == 200  # a bad day is said, not a 500
    assert client.get("/w/acme/social/mentions?start=nope").status_code == 200


def test_forms_for_analysts_and_agents(app, client, db, ws) -> None:  # type: ignore[no-untyped-def]
    report = _setup(app, db, ws)
    analyst = make_user(db, "a@acme.example", workspace=ws, role="analyst", locale="ar")
    agent = make_user(db, "g@acme.example", workspace=ws, role="agent", locale="en")
    db.commit()
    login(client, analyst)
    token = csrf_from(client, "/w/acme/social/setup")
    r = client.post("/w/acme/social/queries", data={"csrf_token": token, "name": "Third", "kind": "competitor",
                                                     "keywords": "ثالث، third", "hashtags": "ثالث_للتسوق"})  # fmt: skip
    assert r.status_code == 303 and "done=query" in r.headers["location"]
    third = next(q for q in service.list_queries(db, ws.id) if q.name == "Third")
    assert third.keywords == ["ثالث", "third"] and third.hashtags == ["#ثالث_للتسوق"]
    r = client.post("/w/acme/social/queries", data={"csrf_token": token, "name": "Empty"})
    assert r.status_code == 303 and "error=" in r.headers["location"]
    r = client.post(
        "/w/acme/social/sources", data={"csrf_token": token, "kind": "webhook", "name": "Provider"}
    )
    assert r.status_code == 200 and "whsec_" in r.text  # the secret on this page only, never in a URL
    client.post("/logout", data={"csrf_token": token})
    login(client, agent)
    token = csrf_from(client, f"/w/acme/social/mentions/{report.ids[0]}")
    page = client.get(f"/w/acme/social/mentions/{report.ids[0]}")
    assert "0551234567" in page.text  # agents read personal data
    r = client.post(
        f"/w/acme/social/mentions/{report.ids[0]}/replies",
        data={"csrf_token": token, "text": "نعتذر منك، تواصلنا معك"},
    )
    assert r.status_code == 303
    assert "نعتذر منك" in client.get(f"/w/acme/social/mentions/{report.ids[0]}").text
    assert client.post("/w/acme/social/queries", data={"csrf_token": token, "name": "X"}).status_code == 403
