"""Success stories: which texts qualify, ranking, staff named, consent shown, redaction, API, page, exports."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pandas as pd
from openpyxl import load_workbook

from tajriba.accounts import service as accounts
from tajriba.stories import service
from tests.conftest import login, make_user, make_workspace

T = datetime(2026, 5, 1, 9)
LONG_PRAISE = "التوصيل كان سريع جدا والمندوب محترم، وشكرا لنورة في خدمة العملاء على حل مشكلتي بسرعة"


def _seed(app, ws_id: int) -> None:  # type: ignore[no-untyped-def]
    wh = app.state.warehouse
    wh.append(
        "survey_responses",
        pd.DataFrame(
            [
                # a survey answer (surveys module style): rows rid and rid:q, text in feedback_texts
                {
                    "response_id": "r1",
                    "metric": "nps",
                    "score": 10.0,
                    "scale_min": 0,
                    "scale_max": 10,
                    "customer_id": "c1",
                },
                {
                    "response_id": "r1:csat",
                    "metric": "csat",
                    "score": 5.0,
                    "scale_min": 1,
                    "scale_max": 5,
                    "customer_id": "c1",
                },
                # a promoter with a comment on the answer row itself (imports, demo), naming no one
                {
                    "response_id": "r2",
                    "metric": "nps",
                    "score": 9.0,
                    "scale_min": 0,
                    "scale_max": 10,
                    "customer_id": "c2",
                    "comment": "Great app and quick delivery, call me on +966 55 123 4567 any time you need feedback",
                },
                # a detractor with a long comment: not a story
                {
                    "response_id": "r3",
                    "metric": "nps",
                    "score": 2.0,
                    "scale_min": 0,
                    "scale_max": 10,
                    "customer_id": "c3",
                    "comment": "The order came late and nobody answered my messages for three whole days",
                },
                # a promoter with a short comment: not rich enough
                {
                    "response_id": "r4",
                    "metric": "nps",
                    "score": 10.0,
                    "scale_min": 0,
                    "scale_max": 10,
                    "customer_id": "c4",
                    "comment": "ممتاز",
                },
            ]
        ).assign(workspace_id=ws_id, submitted_at=T, touchpoint_id=7, channel="email"),
    )
    wh.append(
        "feedback_texts",
        pd.DataFrame(
            [
                {
                    "feedback_id": "survey-r1-why",
                    "response_id": "r1",
                    "text": LONG_PRAISE,
                    "customer_id": "c1",
                    "source": "survey",
                    "language": "ar",
                },
                {
                    "feedback_id": "rev-1",
                    "rating": 5.0,
                    "text": "Lovely packaging and the product is exactly as described, will buy again",
                    "customer_id": "c5",
                    "source": "review",
                },
                {
                    "feedback_id": "rev-2",
                    "rating": 2.0,
                    "text": "The product broke after two days of use and the refund is still pending",
                    "customer_id": "c6",
                    "source": "review",
                },
                # a five-star review that text analytics found negative (sarcasm): left out
                {
                    "feedback_id": "rev-3",
                    "rating": 5.0,
                    "text": "Five stars for making me wait two weeks, truly a wonderful experience",
                    "customer_id": "c7",
                    "source": "review",
                },
            ]
        ).assign(workspace_id=ws_id, created_at=T + timedelta(hours=1), touchpoint_id=7),
    )
    wh.append(
        "text_enrichments",
        pd.DataFrame(
            [
                {"source": "feedback", "source_id": "rev-3", "sentiment": "negative", "p_positive": 0.1},
                {"source": "feedback", "source_id": "rev-1", "sentiment": "positive", "p_positive": 0.9},
                {
                    "source": "feedback",
                    "source_id": "survey-r1-why",
                    "sentiment": "positive",
                    "p_positive": 0.8,
                },
            ]
        ).assign(workspace_id=ws_id, processed_at=T),
    )
    wh.append(
        "tickets",
        pd.DataFrame([{"ticket_id": "t1", "agent": "نورة", "created_at": T}]).assign(workspace_id=ws_id),
    )
    wh.append(
        "consents",
        pd.DataFrame(
            [
                {
                    "consent_id": "k1",
                    "customer_id": "c1",
                    "purpose": "testimonials",
                    "granted": True,
                    "recorded_at": T,
                },
                {
                    "consent_id": "k2",
                    "customer_id": "c5",
                    "purpose": "marketing",
                    "granted": True,
                    "recorded_at": T,
                },
                {
                    "consent_id": "k3",
                    "customer_id": "c5",
                    "purpose": "marketing",
                    "granted": False,
                    "recorded_at": T + timedelta(days=1),
                },
            ]
        ).assign(workspace_id=ws_id),
    )


def test_stories_pick_high_scores_with_rich_positive_text_and_show_consent(app, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "stories")
    _seed(app, ws.id)
    out = service.stories(db, app.state.warehouse, ws)
    got = {s["source_id"]: s for s in out["stories"]}
    assert set(got) == {"survey-r1-why", "r2", "rev-1"}
    assert out["candidates"] == 3 and out["naming_staff"] == 1
    # ranks: praise naming staff 0.8 (1 + ln(1 + 84/40)) + 0.5 = 2.20 > review 0.9 (1 + ln(1 + 72/40)) = 1.83;
    # consent as recorded last
    first = out["stories"][0]
    assert first["source_id"] == "survey-r1-why" and first["staff"] == ["نورة"]
    assert first["consent"] == "granted" and "nps 10/10" in first["scores"]
    assert got["rev-1"]["consent"] == "withdrawn" and got["r2"]["consent"] == "not_asked"
    # personal data is redacted unless asked for
    assert "[PHONE]" in got["r2"]["text"] and "123 4567" not in got["r2"]["text"]
    shown = service.stories(db, app.state.warehouse, ws, show_personal_data=True)
    assert any("123 4567" in s["text"] for s in shown["stories"])
    assert service.stories(db, app.state.warehouse, ws, touchpoint_id=8)["stories"] == []
    assert service.stories(db, app.state.warehouse, ws, min_chars=80)["candidates"] == 2


def test_staff_names_match_as_words_with_arabic_prefixes() -> None:
    names = ["Sara", "نورة"]
    assert service.named_staff("Thanks Sara!", names) == ["Sara"]
    assert service.named_staff("Sarah was kind", names) == []
    assert service.named_staff("وشكرا لنورة", names) == ["نورة"]
    assert service.named_staff("ونورة ممتازة", names) == ["نورة"]


def test_stories_api_page_and_exports(app, db, client) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "storyws")
    _seed(app, ws.id)
    key = accounts.create_key(db, workspace=ws, kind="api", name="v", role="viewer")[1]
    viewer = make_user(db, "viewer@example.com", workspace=ws, role="viewer")
    db.commit()
    r = client.get("/api/v1/stories?limit=2", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200 and [s["source_id"] for s in r.json()["stories"]] == [
        "survey-r1-why",
        "rev-1",
    ]
    r = client.get("/api/v1/stories", headers={"Authorization": f"Bearer {key}"})  # a viewer: redacted
    assert "[PHONE]" in r.text and "123 4567" not in r.text
    login(client, viewer)
    page = client.get(f"/w/{ws.slug}/stories")
    assert page.status_code == 200 and "data-story=" in page.text and "نورة" in page.text
    csv = client.get(f"/w/{ws.slug}/stories?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert len(text.splitlines()[0].split(",")) == 9 and LONG_PRAISE in text  # headers in the user's language
    xlsx = client.get(f"/w/{ws.slug}/stories?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 4 and sheet.cell(2, 6).value == LONG_PRAISE
    assert client.get(f"/w/{ws.slug}/stories?format=pdf").status_code == 422
