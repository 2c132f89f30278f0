"""`/api/v1/social`: mentions in and out by role, dedupe, queries, replies, workspaces kept apart."""

from __future__ import annotations

from tests.social.conftest import BRANDS, keys, mention


def test_ingest_tag_list_and_dedupe(client, db, ws) -> None:  # type: ignore[no-untyped-def]
    h = keys(db, ws)
    for q in BRANDS:
        r = client.post("/api/v1/social/queries", json=q, headers=h["analyst"])
        assert r.status_code == 201, r.text
    ids = {
        q["name"]: q["id"]
        for q in client.get("/api/v1/social/queries", headers=h["viewer"]).json()["queries"]
    }
    batch = {
        "mentions": [
            mention(
                1,
                "والله سوقنا تأخروا بالتوصيل ثلاث ايام والمندوب ما يرد #سوقنا",
                author={"handle": "u1", "followers": 90000},
            ),
            mention(2, "طلبت من جرير وصل بسرعة، ممتاز"),
            mention(3, "souqna app is great, fast delivery"),
            mention(1, "the same post again", url="https://x.com/u1/status/1001?utm_source=share"),
        ]
    }
    r = client.post("/api/v1/social/mentions", json=batch, headers=h["analyst"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["received"] == 4 and body["stored"] == 3 and body["duplicates"] == 1, body
    assert body["cases_opened"] == 1
    listed = client.get("/api/v1/social/mentions", headers=h["viewer"]).json()
    assert listed["total"] == 3
    by_url = {m["url"]: m for m in listed["mentions"]}
    first = by_url["https://x.com/u1/status/1001"]
    assert (
        first["queries"] == [ids["Souqna"]]
        and "complaint" in first["intents"]
        and first["topics"] == ["delivery"]
    )
    assert by_url["https://x.com/u2/status/1002"]["queries"] == [ids["Jarir"]]
    again = client.post("/api/v1/social/mentions", json=batch, headers=h["analyst"]).json()
    assert again["stored"] == 0 and again["duplicates"] == 4
    assert client.post("/api/v1/social/mentions", json=batch, headers=h["viewer"]).status_code == 403
    overview = client.get("/api/v1/social/overview", headers=h["viewer"])
    assert overview.status_code == 200, overview.text


def _signed(secret: str, body: bytes, *, at: int | None = None, msg: str = "msg_1") -> dict[str, str]:
    import time

    from tajriba.security import webhook_signature

    stamp = int(time.time()) if at is None else at
    return {
        "webhook-id": msg,
        "webhook-timestamp": str(stamp),
        "webhook-signature": webhook_signature(secret, msg, stamp, body),
        "content-type": "application/json",
    }


def test_webhook_signatures(client, db, ws) -> None:  # type: ignore[no-untyped-def]
    import json
    import time

    h = keys(db, ws)
    created = client.post(
        "/api/v1/social/sources",
        json={"kind": "webhook", "name": "Provider", "platform": "x"},
        headers=h["admin"],
    ).json()
    secret, url = created["secret"], f"/api/v1/social/webhooks/{created['key']}"
    assert secret.startswith("whsec_")
    assert client.get("/api/v1/social/sources", headers=h["admin"]).json()[0]["secret"] is None  # shown once
    body = json.dumps({"mentions": [mention(1, "سوقنا التوصيل سريع")]}, ensure_ascii=False).encode()
    r = client.post(url, content=body, headers=_signed(secret, body))
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    tampered = body.replace("سريع".encode(), "بطيء".encode())
    r = client.post(url, content=tampered, headers=_signed(secret, body))
    assert r.status_code == 401 and r.json()["error"]["code"] == "signature_signature"
    r = client.post(url, content=body, headers=_signed("whsec_" + "A" * 32, body))
    assert r.status_code == 401
    r = client.post(url, content=body, headers=_signed(secret, body, at=int(time.time()) - 3600))
    assert r.status_code == 401 and r.json()["error"]["code"] == "signature_expired"
    r = client.post(url, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 401 and "not signed" in r.json()["error"]["message"]
    rotating = _signed(secret, body, msg="msg_2")
    rotating["webhook-signature"] = "v1,bm90LWl0 " + rotating["webhook-signature"]  # old and new secret
    assert client.post(url, content=body, headers=rotating).json()["duplicates"] == 1
    assert (
        client.post(
            "/api/v1/social/webhooks/src_nope", content=body, headers=_signed(secret, body)
        ).status_code
        == 404
    )
    bad = b'{"mentions": [{"text": "x", "created_at": "2025-13-01"}]}'
    r = client.post(url, content=bad, headers=_signed(secret, bad))
    assert r.status_code == 422 and "item 0, created_at" in r.json()["error"]["message"]
    feed = client.post(url + "?format=rss", content=b"<rss", headers=_signed(secret, b"<rss"))
    assert feed.status_code == 422 and feed.json()["error"]["code"] == "broken_feed"
    sources = client.get("/api/v1/social/sources", headers=h["admin"]).json()
    assert sources[0]["stored"] == 1 and sources[0]["last_status"] == "ok"


def test_roles_redaction_and_workspaces_kept_apart(client, db, ws) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_workspace

    h = keys(db, ws)
    other = make_workspace(db, slug="other")
    h2 = keys(db, other, roles=("analyst",))
    text = "سوقنا ما رد علي، رقمي 0551234567 وايميلي sara@example.com"
    assert (
        client.post(
            "/api/v1/social/mentions", json={"mentions": [mention(1, text)]}, headers=h["analyst"]
        ).status_code
        == 200
    )
    mine = client.get("/api/v1/social/mentions", headers=h["agent"]).json()["mentions"][0]
    assert mine["text"] == text  # agents read personal data
    seen = client.get("/api/v1/social/mentions", headers=h["viewer"]).json()["mentions"][0]
    assert (
        "0551234567" not in seen["text"] and "sara@example.com" not in seen["text"] and seen["pii_count"] == 2
    )
    one = client.get(f"/api/v1/social/mentions/{seen['mention_id']}", headers=h["viewer"]).json()
    assert one["text"] == seen["text"]
    # another workspace sees none of it, and cannot reach it by id
    assert client.get("/api/v1/social/mentions", headers=h2["analyst"]).json()["total"] == 0
    assert (
        client.get(f"/api/v1/social/mentions/{seen['mention_id']}", headers=h2["analyst"]).status_code == 404
    )
    q = client.post("/api/v1/social/queries", json=BRANDS[0], headers=h["analyst"]).json()
    assert (
        client.put(f"/api/v1/social/queries/{q['id']}", json=BRANDS[1], headers=h2["analyst"]).status_code
        == 404
    )
    assert client.delete(f"/api/v1/social/queries/{q['id']}", headers=h2["analyst"]).status_code == 404
    assert client.post("/api/v1/social/queries", json=BRANDS[0], headers=h["viewer"]).status_code == 403
    assert client.post("/api/v1/social/queries", json=BRANDS[0], headers=h["analyst"]).status_code == 409
    empty = {"name": "Nothing", "kind": "brand"}
    r = client.post("/api/v1/social/queries", json=empty, headers=h["analyst"])
    assert r.status_code == 422 and r.json()["error"]["field"] == "keywords"
    assert (
        client.post(
            f"/api/v1/social/mentions/{seen['mention_id']}/replies",
            json={"text": "نعتذر"},
            headers=h2["analyst"],
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/social/mentions/{seen['mention_id']}/replies",
            json={"text": "نعتذر"},
            headers=h["viewer"],
        ).status_code
        == 403
    )


def test_queries_retag_stored_mentions_and_replies_wait_for_the_provider(app, client, db, ws) -> None:  # type: ignore[no-untyped-def]
    h = keys(db, ws)
    batch = {
        "mentions": [
            mention(1, "جرير الشاعر الأموي"),
            mention(2, "عروض جرير هذا الأسبوع"),
            mention(3, "garir 3ndhom 3rood"),
        ]
    }
    client.post("/api/v1/social/mentions", json=batch, headers=h["analyst"])
    assert all(
        not m["queries"]
        for m in client.get("/api/v1/social/mentions", headers=h["viewer"]).json()["mentions"]
    )
    q = client.post("/api/v1/social/queries", json=BRANDS[1], headers=h["analyst"]).json()
    retagged(app)
    rows = client.get(f"/api/v1/social/mentions?query_id={q['id']}", headers=h["viewer"]).json()
    assert {m["url"].rsplit("/", 1)[1] for m in rows["mentions"]} == {
        "1002",
        "1003",
    }  # not the poet (excluded)
    client.delete(f"/api/v1/social/queries/{q['id']}", headers=h["analyst"])
    retagged(app)
    assert client.get(f"/api/v1/social/mentions?query_id={q['id']}", headers=h["viewer"]).json()["total"] == 0
    mid = rows["mentions"][0]["mention_id"]
    r = client.post(f"/api/v1/social/mentions/{mid}/replies", json={"text": "شكرا لك!"}, headers=h["agent"])
    assert r.status_code == 201 and r.json()["status"] == "pending"
    pending = client.get("/api/v1/social/replies?status=pending", headers=h["viewer"]).json()["replies"]
    assert [p["text"] for p in pending] == ["شكرا لك!"]
    assert (
        client.post(f"/api/v1/social/replies/{pending[0]['id']}/posted", headers=h["viewer"]).status_code
        == 403
    )
    posted = client.post(f"/api/v1/social/replies/{pending[0]['id']}/posted", headers=h["analyst"]).json()
    assert posted["status"] == "posted" and posted["posted_at"]
    assert client.get("/api/v1/social/replies?status=pending", headers=h["viewer"]).json()["replies"] == []


def test_near_duplicates_and_imports(client, db, ws) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    h = keys(db, ws)
    text = "والله المندوب ما جاء للحين والطلب متأخر"
    first = [
        mention(1, text),
        mention(2, "RT @u1: " + text + " https://t.co/x", created_at="2026-11-28T20:00:00+03:00"),
    ]
    r = client.post("/api/v1/social/mentions", json={"mentions": first}, headers=h["analyst"]).json()
    assert (r["stored"], r["near_duplicates"]) == (1, 1)
    later = [
        mention(3, text + " 😡", created_at="2026-11-29T10:00:00+03:00"),
        mention(4, text, created_at="2026-12-04T10:00:00+03:00"),
    ]
    r = client.post("/api/v1/social/mentions", json={"mentions": later}, headers=h["analyst"]).json()
    assert (r["stored"], r["near_duplicates"]) == (
        1,
        1,
    )  # a copy the next day; the same words a week later are new
    payload = (Path(__file__).parent / "payloads" / "google_play_reviews.csv").read_bytes()
    r = client.post("/api/v1/social/imports?format=google_play", content=payload, headers=h["analyst"])
    assert r.status_code == 200 and r.json()["stored"] == 2, r.text
    r = client.post("/api/v1/social/imports?format=x", content=b"{not json", headers=h["analyst"])
    assert r.status_code == 422 and "not JSON" in r.json()["error"]["message"]
    r = client.post("/api/v1/social/imports?format=friendster", content=b"{}", headers=h["analyst"])
    assert r.status_code == 422 and r.json()["error"]["field"] == "format"
    before = client.get("/api/v1/social/mentions", headers=h["viewer"]).json()["total"]
    broken = {"mentions": [mention(9, "fine"), {"text": "no time"}]}
    r = client.post("/api/v1/social/mentions", json=broken, headers=h["analyst"])
    assert r.status_code == 422
    assert (
        client.get("/api/v1/social/mentions", headers=h["viewer"]).json()["total"] == before
    )  # nothing half-stored


def retagged(app) -> None:  # type: ignore[no-untyped-def]
    """Run the worker until the queued retag job (due two seconds after a query changed) is done."""
    import time

    from sqlalchemy import select

    import tajriba.app  # noqa: F401  (registers the handlers)
    from tajriba.jobs.worker import Worker
    from tajriba.models import Job

    worker = Worker(app.state.session_factory, settings=app.state.settings, warehouse=app.state.warehouse)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        worker.run_once()
        with app.state.session_factory() as s:
            waiting = s.scalar(
                select(Job.id).where(Job.kind == "social.retag", Job.status.in_(("queued", "running")))
            )
        if waiting is None:
            return
        time.sleep(0.1)
    raise AssertionError("the retag job did not finish")


def test_case_rules_on_words_leave_public_mentions_to_their_reach(app, client, db, ws) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    import pandas as pd
    from sqlalchemy import select

    from tajriba.cases import rules
    from tajriba.models import Case, CaseRule

    db.add(CaseRule(workspace_id=ws.id, name="Complaints", position=0, priority="normal",
                    since=datetime(2026, 1, 1, tzinfo=UTC), conditions={"signal": "text", "intents": ["complaint"]}))  # fmt: skip
    db.commit()
    h = keys(db, ws)
    quiet = mention(1, "المندوب تأخر ثلاثة أيام وما رد على الجوال", author={"handle": "u1", "followers": 12})
    assert (
        client.post("/api/v1/social/mentions", json={"mentions": [quiet]}, headers=h["analyst"]).json()[
            "stored"
        ]
        == 1
    )
    wh = app.state.warehouse
    wh.append("feedback_texts", pd.DataFrame({"workspace_id": [ws.id], "feedback_id": ["f1"], "customer_id": ["c1"],
                                              "source": ["review"], "text": ["المندوب تأخر ثلاثة أيام وما رد على الجوال"],
                                              "created_at": [datetime(2026, 11, 27, 12)]}))  # fmt: skip
    from tajriba.text import service as text_service
    from tajriba.text import topics

    text_service.enrich(wh, ws.id, topics.default())
    rules.evaluate(db, wh, workspace_id=ws.id, now=datetime(2026, 11, 28, tzinfo=UTC))
    db.commit()
    assert [(c.source, c.customer_id) for c in db.scalars(select(Case))] == [("feedback", "c1")]


def test_spikes_with_their_words_through_the_api_and_the_dashboard(app, client, db, ws) -> None:  # type: ignore[no-untyped-def]
    import random
    from datetime import datetime, timedelta

    from tajriba.social import service
    from tajriba.social.connectors import Mention
    from tests.conftest import login, make_user

    rng = random.Random(4)
    calm = [
        "الطلب وصل اليوم",
        "خدمة العملاء ردوا بسرعة",
        "good prices this week",
        "التطبيق سهل",
        "وصلني الطلب كامل",
    ]
    items, start = [], datetime(2026, 6, 1, 0)  # June 2026: no Ramadan, Eid or sale in these days
    for h in range(24 * 24):
        for j in range(rng.choice([1, 2, 2, 3])):
            at = start + timedelta(hours=h, minutes=rng.randint(0, 59))
            url = f"https://x.com/c/status/{h}-{j}"
            items.append(Mention(platform="x", text=f"{rng.choice(calm)} {h}-{j}", created_at=at, url=url))
    burst = start + timedelta(days=22, hours=17)  # 20:00 in Riyadh
    for k in range(45):
        text = f"سوقنا الدفع معطل والبطاقة انخصمت مرتين {k}"
        at = burst + timedelta(minutes=k)
        items.append(Mention(platform="x", text=text, created_at=at, url=f"https://x.com/p/status/{k}"))
    service.take(db, app.state.warehouse, workspace=ws, items=items, now=datetime(2026, 7, 1))
    db.commit()
    h = keys(db, ws)
    r = client.get("/api/v1/social/spikes?start=2026-06-15&end=2026-06-25", headers=h["viewer"])
    assert r.status_code == 200, r.text
    found = r.json()["spikes"]
    assert len(found) == 1 and found[0]["start"].startswith("2026-06-23T20:00:00+03:00"), found
    assert found[0]["observed"] >= 45 and {"الدفع", "معطل"} <= {w["word"] for w in found[0]["terms"]}
    assert found[0]["examples"] and "انخصمت" in found[0]["examples"][0]["text"]
    assert (
        client.get("/api/v1/social/spikes?start=2026-06-25&end=2026-06-15", headers=h["viewer"]).status_code
        == 422
    )
    viewer = make_user(db, "v2@acme.example", workspace=ws, role="viewer", locale="en")
    db.commit()
    login(client, viewer)
    page = client.get("/w/acme/social")  # the default window ends with the newest mention, not today
    # June's data ends on the 24th: the default window holds the spike, shown in full with its words
    assert (
        page.status_code == 200
        and "Rising words" in page.text
        and "Earlier spikes this year" not in page.text
    )
    week = client.get("/w/acme/social?start=2026-06-20&end=2026-06-25").text
    assert "Rising words" in week and "معطل" in week
