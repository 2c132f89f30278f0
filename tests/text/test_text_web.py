"""Text analytics in a workspace: enrichment (incremental, resumable, versioned), erasure, the API,
the taxonomy editor, the background job and the feedback explorer page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from tajriba.accounts import service as accounts
from tajriba.text import service, topics
from tests.conftest import login, make_user, make_workspace

TEXTS = [
    ("التوصيل تأخر أسبوع والمندوب ما رد على اتصالاتي، جوالي 0551234567", "ar", 1),
    ("الخدمة ممتازة والموظفة محترمة جدا", "ar", 2),
    ("پیک خیلی دیر رسید و غذا سرد بود", "fa", 1),
    ("کیفیت غذا عالی بود، ممنون", "fa", 2),
    ("Delivery was late and nobody answered my emails at sara@example.com", "en", 1),
    ("Great staff, very helpful", "en", 2),
] * 3


def _fill(wh, ws_id: int) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2026, 1, 1)
    rows = [
        {
            "workspace_id": ws_id,
            "feedback_id": f"f{i}",
            "customer_id": f"c{i % 4}",
            "source": "review" if i % 2 else "survey",
            "text": text,
            "language": lang,
            "touchpoint_id": tp,
            "created_at": start + timedelta(days=3 * i),
        }
        for i, (text, lang, tp) in enumerate(TEXTS)
    ]
    wh.append("feedback_texts", pd.DataFrame(rows))
    wh.append(
        "tickets",
        pd.DataFrame(
            [
                {
                    "workspace_id": ws_id,
                    "ticket_id": "t1",
                    "customer_id": "c1",
                    "subject": "Refund not received",
                    "created_at": start,
                }
            ]
        ),
    )


@pytest.fixture
def shop(app, db, client):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "shop")
    keys = {
        role: accounts.create_key(db, workspace=ws, kind="api", name=role, role=role)[1]
        for role in ("analyst", "agent", "viewer")
    }
    db.commit()
    _fill(app.state.warehouse, ws.id)

    def call(method: str, path: str, who: str = "analyst", **kw):  # type: ignore[no-untyped-def]
        return client.request(method, path, headers={"Authorization": f"Bearer {keys[who]}"}, **kw)

    return ws, call


def test_enrich_is_incremental_versioned_and_resumable(app, shop) -> None:  # type: ignore[no-untyped-def]
    ws, _ = shop
    wh = app.state.warehouse
    tax = topics.default()
    assert service.pending_count(wh, ws.id, tax) == len(TEXTS) + 1
    first = service.enrich(wh, ws.id, tax, batch_size=5, limit=7)
    assert first.processed == 7 and first.remaining == len(TEXTS) + 1 - 7  # stopped; resumes below
    rest = service.enrich(wh, ws.id, tax, batch_size=5)
    assert rest.processed == len(TEXTS) + 1 - 7 and rest.remaining == 0
    assert service.enrich(wh, ws.id, tax).processed == 0  # nothing new
    row = wh.sql(
        "SELECT language, sentiment, topic_keys, pii_count, redacted, model_version FROM text_enrichments "
        "WHERE source = 'feedback' AND source_id = 'f0'"
    )[0]
    assert row[0] == "ar" and row[1] != "positive" and "|delivery|" in row[2]
    assert row[3] == 1 and "[PHONE]" in row[4] and "0551234567" not in row[4]
    # an edited text and a new taxonomy are both redone
    wh.sql("UPDATE feedback_texts SET text = 'الأسعار غالية' WHERE feedback_id = 'f1'")
    assert service.pending_count(wh, ws.id, tax) == 1
    data = tax.as_dict()
    data["topics"] = data["topics"][:3]
    edited = topics.for_workspace({"taxonomy": data})
    assert service.enrich(wh, ws.id, edited).processed == len(TEXTS) + 1
    assert (
        wh.sql("SELECT count(*) FROM text_enrichments WHERE taxonomy_version = ?", [edited.version])[0][0]
        == len(TEXTS) + 1
    )


def test_erasure_deletes_what_text_analytics_kept(app, shop) -> None:  # type: ignore[no-untyped-def]
    ws, _ = shop
    wh = app.state.warehouse
    service.enrich(wh, ws.id, topics.default())
    before = wh.sql("SELECT count(*) FROM text_enrichments")[0][0]
    counts = wh.delete_customer(ws.id, "c1")
    mine = sum(1 for i in range(len(TEXTS)) if i % 4 == 1) + 1  # their feedback and their ticket
    assert counts["text_enrichments"] == mine
    assert wh.sql("SELECT count(*) FROM text_enrichments")[0][0] == before - mine


def test_analyze_api_contract_limits_and_permissions(shop) -> None:  # type: ignore[no-untyped-def]
    _, call = shop
    res = call(
        "POST",
        "/api/v1/text/analyze",
        who="agent",
        json={"texts": ["الطلب وصل متأخر جدا", "Great service!", "سلام، پیک دیر رسید"]},
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["model_version"] and body["taxonomy_version"]
    first = body["results"][0]
    assert set(first) == {
        "language", "dialect", "sentiment", "probabilities", "intents", "intent_probabilities", "aspects", "topics",
        "pii", "redacted",
    }  # fmt: skip
    # "the order came very late": a complaint about delivery, whatever the tone
    assert "complaint" in first["intents"] and first["intent_probabilities"]["complaint"] >= 0.5
    assert {"aspect": "delivery", "sentiment": "negative", "intents": ["complaint"]} in first["aspects"]
    assert "praise" in body["results"][1]["intents"] and "complaint" not in body["results"][1]["intents"]
    assert [r["language"] for r in body["results"]] == ["ar", "en", "fa"]
    assert first["dialect"] in ("msa", "gulf", "egyptian", "levantine", "maghrebi")
    assert body["results"][1]["dialect"] is None
    assert abs(sum(first["probabilities"].values()) - 1) < 1e-3
    assert {"topic": "delivery", "sentiment": first["topics"][0]["sentiment"]} in first["topics"]
    assert call("POST", "/api/v1/text/analyze", who="viewer", json={"text": "x"}).status_code == 403
    both = call("POST", "/api/v1/text/analyze", json={"text": "a", "texts": ["b"]})
    assert both.status_code == 422 and "either text" in both.text
    too_many = call("POST", "/api/v1/text/analyze", json={"texts": ["x"] * 1001})
    assert too_many.status_code == 422 and "at most 1000" in too_many.text
    too_long = call("POST", "/api/v1/text/analyze", json={"texts": ["ok", "x" * 20_001]})
    assert too_long.status_code == 422 and "texts[1]" in too_long.text


def test_explorer_api_filters_search_and_pain_points(app, shop) -> None:  # type: ignore[no-untyped-def]
    ws, call = shop
    service.enrich(app.state.warehouse, ws.id, topics.default())
    everything = call("GET", "/api/v1/text/feedback?limit=100", who="viewer").json()
    assert everything["total"] == len(TEXTS) + 1
    assert all(
        "@example.com" not in r["redacted"] and "0551234567" not in r["redacted"] for r in everything["items"]
    )
    # search folds alef and hamza variants: "تاخر" finds "تأخر"
    found = call("GET", "/api/v1/text/feedback", params={"q": "تاخر"}).json()
    assert found["total"] == 3 and all("تأخر" in r["redacted"] for r in found["items"])
    persian = call("GET", "/api/v1/text/feedback", params={"language": "fa", "topic": "delivery"}).json()
    assert persian["total"] == 3
    assert call("GET", "/api/v1/text/feedback", params={"source": "ticket"}).json()["total"] == 1
    dated = call("GET", "/api/v1/text/feedback", params={"since": "2026-01-04", "until": "2026-01-04"}).json()
    assert dated["total"] == 1
    assert call("GET", "/api/v1/text/feedback", params={"sentiment": "angry"}).status_code == 422
    # intents and aspect polarity: the nine late-delivery complaints, not the nine praises
    complaints = call("GET", "/api/v1/text/feedback", params={"intent": "complaint", "limit": 100}).json()
    assert {r["redacted"][:10] for r in complaints["items"]} >= {t[:10] for t, _, tp in TEXTS if tp == 1}
    assert not any(t[:10] == r["redacted"][:10] for r in complaints["items"] for t, _, tp in TEXTS if tp == 2)
    assert all("complaint" in r["intents"] for r in complaints["items"])
    assert everything["complaints"] == complaints["total"]
    late = call(
        "GET", "/api/v1/text/feedback", params={"topic": "delivery", "topic_sentiment": "negative"}
    ).json()
    assert late["total"] == 9
    praised = call(
        "GET", "/api/v1/text/feedback", params={"topic_sentiment": "positive", "limit": 100}
    ).json()
    assert praised["total"] >= 6 and not {r["source_id"] for r in praised["items"]} & {
        r["source_id"] for r in late["items"]
    }
    assert call("GET", "/api/v1/text/feedback", params={"intent": "angry"}).status_code == 422
    assert call("GET", "/api/v1/text/feedback", params={"topic_sentiment": "mixed"}).status_code == 422
    summary = {t["topic"]: t for t in call("GET", "/api/v1/text/topics").json()["topics"]}
    assert summary["delivery"]["n"] >= 9 and summary["delivery"]["negative"] > 0.5
    pains = call("GET", "/api/v1/text/pain-points").json()["pain_points"]
    assert pains and pains[0]["touchpoint_id"] == 1 and pains[0]["topic"] == "delivery" and pains[0]["quotes"]
    trend = call("GET", "/api/v1/text/trend?period=month").json()
    assert trend["periods"][0] == "2026-01-01" and trend["series"][0]["topic"] == "delivery"
    assert call("GET", "/api/v1/text/trend?period=year").status_code == 422


def test_taxonomy_api_validates_audits_and_schedules_reprocessing(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from tajriba.models import Job

    ws, call = shop
    base = call("GET", "/api/v1/text/taxonomy", who="viewer").json()
    base["topics"].append({"key": "parking", "names": {"en": "Parking"}, "keywords": {"en": ["parking*"]}})
    assert call("PUT", "/api/v1/text/taxonomy", who="viewer", json=base).status_code == 403
    bad = call("PUT", "/api/v1/text/taxonomy", json={"topics": [{"key": "x y", "names": {"en": "X"}}]})
    assert bad.status_code == 422 and "topics[0].key" in bad.text
    saved = call("PUT", "/api/v1/text/taxonomy", json=base)
    assert saved.status_code == 200 and saved.json()["version"].startswith("ws-")
    assert call("GET", "/api/v1/text/taxonomy").json()["topics"][-1]["key"] == "parking"
    jobs = db.scalars(select(Job).where(Job.kind == "text.enrich")).all()
    assert len(jobs) == 1 and jobs[0].payload == {"workspace_id": ws.id}
    # the job handler enriches the workspace with its edited taxonomy
    from tajriba.text.tasks import text_enrich

    result = text_enrich(factory=app.state.session_factory, warehouse=app.state.warehouse, workspace_id=ws.id)
    assert result["processed"] == len(TEXTS) + 1 and result["taxonomy_version"] == saved.json()["version"]
    assert call("POST", "/api/v1/text/reprocess").json()["pending"] == 0
    assert call("DELETE", "/api/v1/text/taxonomy").json()["version"] == topics.default().version


@pytest.mark.parametrize("locale", ["ar", "fa", "en"])
def test_feedback_explorer_page(app, db, client, shop, locale: str) -> None:  # type: ignore[no-untyped-def]
    ws, _ = shop
    user = make_user(db, f"reader-{locale}@example.com", workspace=ws, role="viewer", locale=locale)
    db.commit()
    login(client, user)
    waiting = client.get("/w/shop/feedback")
    assert waiting.status_code == 200
    service.enrich(app.state.warehouse, ws.id, topics.default())
    page = client.get("/w/shop/feedback", params={"topic": "delivery"})
    assert page.status_code == 200
    html = page.text
    assert ('dir="rtl"' in html) == (locale in ("ar", "fa"))
    assert "0551234567" not in html and "[PHONE]" in html
    assert 'data-chart="trend"' in html and '<bdi translate="no">' in html
    complaints = client.get("/w/shop/feedback", params={"intent": "complaint", "topic_sentiment": "negative"})
    assert complaints.status_code == 200
    assert 'value="complaint" selected' in complaints.text and "[PHONE]" in complaints.text
    assert "Great staff" not in complaints.text  # praise is filtered out
    bad = client.get("/w/shop/feedback", params={"since": "yesterday"})
    assert bad.status_code == 422
    assert client.get("/w/shop/feedback", params={"intent": "shouting"}).status_code == 422
    topics_page = client.get("/w/shop/feedback/topics")
    assert topics_page.status_code == 200 and 'name="key-0"' not in topics_page.text  # viewers read only


def test_topic_editor_saves_rejects_and_resets(app, db, client, shop) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_from

    ws, call = shop
    user = make_user(db, "analyst@example.com", workspace=ws, role="analyst")
    db.commit()
    login(client, user)
    page = client.get("/w/shop/feedback/topics")
    assert page.status_code == 200 and 'name="key-0"' in page.text
    token = csrf_from(client, "/w/shop/feedback/topics")
    form = {
        "csrf_token": token,
        "action": "save",
        "key-0": "delivery",
        "name-en-0": "Delivery",
        "kw-en-0": "deliver*, courier",
        "kw-ar-0": "توصيل\nمندوب",
        "key-1": "parking",
        "name-ar-1": "المواقف",
        "kw-ar-1": "مواقف",
        "patterns-1": "(unclosed",
    }
    bad = client.post("/w/shop/feedback/topics", data=form)
    assert bad.status_code == 422 and "topics[1].patterns[0]" in bad.text and "المواقف" in bad.text
    form["patterns-1"] = r"\bp\d\b"
    saved = client.post("/w/shop/feedback/topics", data=form, follow_redirects=False)
    assert saved.status_code == 303
    keys = [t["key"] for t in call("GET", "/api/v1/text/taxonomy").json()["topics"]]
    assert keys == ["delivery", "parking"]
    reset = client.post(
        "/w/shop/feedback/topics", data={"csrf_token": token, "action": "reset"}, follow_redirects=False
    )
    assert reset.status_code == 303
    assert len(call("GET", "/api/v1/text/taxonomy").json()["topics"]) == len(topics.default().topics)
