"""The words on a live server, many agents and analysts at once: analyze calls (with and without the encoder
stage, which serialises its C engine) and explorer filters on intents and aspects run side by side, and every
answer is the one the pipeline gives in this process for the same texts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
import pandas as pd
import pytest

from tajriba.accounts import service as accounts
from tajriba.text import cxset, topics
from tajriba.text import service as text_service
from tajriba.text.pipeline import analyze
from tajriba.warehouse import open_warehouse
from tests.live import serving, stores

WRITTEN = cxset.written()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data = tmp_path_factory.mktemp("words") / "data"
    with stores(data) as s:
        ws = accounts.create_workspace(s, slug="shop", name="Shop")
        keys = {
            role: accounts.create_key(s, workspace=ws, kind="api", name=role, role=role)[1]
            for role in ("agent", "analyst")
        }
        ws_id = ws.id
    wh = open_warehouse(f"duckdb:///{data / 'warehouse.duckdb'}")
    start = datetime(2026, 11, 1)
    rows = [
        {"workspace_id": ws_id, "feedback_id": f"f{i}", "source": "review", "text": e.text,
         "created_at": start + timedelta(hours=i)}
        for i, e in enumerate(WRITTEN)
    ]  # fmt: skip
    wh.append("feedback_texts", pd.DataFrame(rows))
    text_service.enrich(wh, ws_id, topics.default())
    wh.close()
    with serving(data) as live:
        yield live.url, {r: {"Authorization": f"Bearer {k}"} for r, k in keys.items()}


def test_many_callers_analyze_and_filter_at_once(site) -> None:  # type: ignore[no-untyped-def]
    url, auth = site
    texts = [e.text for e in WRITTEN]
    batches = [texts[i : i + 40] for i in range(0, 320, 40)]
    jobs = [("analyze", b, i % 3 == 0) for i, b in enumerate(batches)]
    jobs += [("filter", {"intent": "complaint", "limit": 500}, False)] * 3
    jobs += [("filter", {"topic": "delivery", "topic_sentiment": "negative", "limit": 500}, False)] * 3

    def call(job: tuple[str, object, bool]) -> httpx.Response:
        kind, what, encoder = job
        with httpx.Client(base_url=url, timeout=300) as client:
            if kind == "analyze":
                return client.post(
                    "/api/v1/text/analyze", headers=auth["agent"], json={"texts": what, "encoder": encoder}
                )
            return client.get("/api/v1/text/feedback", headers=auth["analyst"], params=what)  # type: ignore[arg-type]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(call, jobs))
    assert [a.status_code for a in answers] == [200] * len(jobs), [a.text[:200] for a in answers]
    for (kind, what, encoder), answer in zip(jobs, answers, strict=True):
        if kind != "analyze":
            continue
        mine = [r.as_dict() for r in analyze(list(what), encoder_stage=encoder)]  # type: ignore[arg-type]
        got = answer.json()["results"]
        assert [r["intents"] for r in got] == [r["intents"] for r in mine]
        assert [r["aspects"] for r in got] == [r["aspects"] for r in mine]
    complaints = answers[len(batches)].json()
    expected = sum("complaint" in r.intent_labels for r in analyze(texts))
    assert complaints["total"] == expected and complaints["complaints"] == expected
    assert all("complaint" in r["intents"] for r in complaints["items"])
    late = answers[len(batches) + 3].json()
    assert late["total"] > 0
    assert all(
        any(t["topic"] == "delivery" and t["sentiment"] == "negative" for t in r["topics"])
        for r in late["items"]
    )


def test_bad_words_requests_are_refused_by_field(site) -> None:  # type: ignore[no-untyped-def]
    url, auth = site
    with httpx.Client(base_url=url, timeout=60) as client:
        many = client.post(
            "/api/v1/text/analyze", headers=auth["agent"], json={"texts": ["x"] * 51, "encoder": True}
        )
        assert many.status_code == 422 and "at most 50" in many.text
        bad = client.get("/api/v1/text/feedback", headers=auth["analyst"], params={"intent": "rage"})
        assert bad.status_code == 422 and "intent" in bad.text
        wrong = client.post(
            "/api/v1/text/analyze", headers=auth["agent"], json={"texts": ["ok"], "encoder": "maybe"}
        )
        assert wrong.status_code == 422
