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
