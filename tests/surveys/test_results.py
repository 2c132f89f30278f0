"""A survey's results page and exports: hand-computed distributions, the metrics module's numbers for the
same survey, filters, personal data by role, and SPSS files read back with pyreadstat."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pyreadstat
import pytest

from tajriba.metrics import service as metrics
from tajriba.surveys import results, service
from tajriba.surveys.definition import Definition, definition_of
from tests.conftest import login, make_user, make_workspace

T = {"ar": "سؤال", "en": "Question"}
DEFINITION = {
    "languages": ["ar", "fa", "en"],
    "default_language": "ar",
    "title": {"ar": "استبيان", "en": "Survey"},
    "questions": [
        {"key": "nps", "type": "nps", "title": {"ar": "هل توصي بنا؟", "en": "Recommend us?"}},
        {"key": "sat", "type": "csat", "scale": 5, "title": {"ar": "ما مدى رضاك؟", "en": "Satisfied?"}},
        {"key": "stars", "type": "rating", "scale": 5, "title": T},
        {
            "key": "pick",
            "type": "single",
            "title": {"ar": "ما السبب؟", "en": "Why?"},
            "other": True,
            "choices": [
                {"value": "price", "label": {"ar": "السعر", "en": "Price"}},
                {"value": "speed", "label": {"ar": "السرعة", "en": "Speed"}},
            ],
        },
        {
            "key": "many",
            "type": "multiple",
            "title": T,
            "choices": [
                {"value": "a", "label": {"ar": "أ", "en": "A"}},
                {"value": "b", "label": {"ar": "ب", "en": "B"}},
                {"value": "c", "label": {"ar": "ج", "en": "C"}},
            ],
        },
        {
            "key": "grid",
            "type": "matrix",
            "scale": 5,
            "title": T,
            "rows": [
                {"value": "x", "label": {"ar": "س", "en": "X"}},
                {"value": "y", "label": {"ar": "ص", "en": "Y"}},
            ],
        },
        {"key": "note", "type": "text", "title": {"ar": "ملاحظاتك", "en": "Notes"}},
        {"key": "ok", "type": "consent", "purpose": "contact", "title": T},
    ],
}
NPS = [10, 10, 9, 9, 8, 7, 6, 5, 0, 10, 9, 3]
SAT = [5, 5, 4, 4, 4, 3, 2, 1, 1, 5, 4, 2]
LANG = ["ar"] * 6 + ["fa"] * 4 + ["en"] * 2


@pytest.fixture
def survey(app, db):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "results", timezone="Asia/Riyadh")
    s = service.create_survey(
        db,
        workspace_id=ws.id,
        name="نتائج",
        definition=Definition.model_validate(DEFINITION),
        actor=_Quiet(),
    )
    wh = app.state.warehouse
    day0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
    for i, score in enumerate(NPS):
        answers = {
            "nps": score,
            "sat": SAT[i],
            "stars": 1 + i % 5,
            "many": ["a", "b"] if i % 3 == 0 else ["c"],
            "grid": {"x": 1 + i % 5, "y": 5},
            "ok": True if i < 4 else None,
        }
        if i < 5:
            answers["pick"] = "price" if i < 3 else "speed"
        elif i == 5:
            answers["pick"] = {"other": "التغليف"}
        if i % 2 == 0:
            answers["note"] = f"التوصيل تأخر يا محمد، جوالي 0501234567 رقم {i}"
        service.store_response(
            db,
            wh,
            survey=s,
            answers=answers,
            hidden={"channel": "sms" if i % 2 else "email"},
            language=LANG[i],
            started_at=day0 + timedelta(days=i) - timedelta(minutes=3),
            submitted_at=day0 + timedelta(days=i),
        )
    db.commit()
    return {"ws": ws, "survey": s, "wh": wh}


class _Quiet:
    def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
        pass


def _summary(db, survey, f=results.Filters()):  # type: ignore[no-untyped-def]
    s = survey["survey"]
    return results.summary(db, survey["wh"], survey["ws"], s, definition_of(s), f, locale="en")


def test_distributions_are_the_hand_counted_ones(db, survey) -> None:  # type: ignore[no-untyped-def]
    out = _summary(db, survey)
    assert out["n"] == 12
    q = {x["key"]: x for x in out["questions"]}
    # NPS: 6 promoters, 2 passives, 4 detractors of 12 -> 16.67; adjusted-Wald interval by hand:
    # n' = 15, p' = 6.75/15, d' = 4.75/15, half = 1.96 sqrt((p'+d'-(p'-d')^2)/15) -> [-30.46, 57.13]
    nps = q["nps"]["estimate"]
    assert nps["n"] == 12 and nps["value"] == pytest.approx(100 * 2 / 12, abs=1e-3)
    assert nps["ci_low"] == pytest.approx(-30.46, abs=0.01) and nps["ci_high"] == pytest.approx(
        57.13, abs=0.01
    )
    assert [p["n"] for p in q["nps"]["points"]] == [1, 0, 0, 1, 0, 1, 1, 1, 1, 3, 3]
    # CSAT: mean 40/12, top-2-box 7/12
    sat = q["sat"]["estimate"]
    assert sat["value"] == pytest.approx(40 / 12, abs=1e-4) and sat["top2_box"] == pytest.approx(
        7 / 12, abs=1e-4
    )
    # single choice: 5 of 6 answers named a choice, one wrote its own
    pick = {o["value"]: o for o in q["pick"]["options"]}
    assert q["pick"]["answered"] == 6
    assert (pick["price"]["n"], pick["speed"]["n"], pick[results.OTHER]["n"]) == (3, 2, 1)
    assert pick["price"]["share"] == pytest.approx(0.5)
    # multiple: a and b chosen by the 4 with i % 3 == 0, c by the other 8; shares of respondents
    many = {o["value"]: o for o in q["many"]["options"]}
    assert (many["a"]["n"], many["b"]["n"], many["c"]["n"]) == (4, 4, 8)
    assert many["c"]["share"] == pytest.approx(8 / 12)
    # matrix: x is 1..5 cycling (mean of 1,2,3,4,5,1,2,3,4,5,1,2 = 33/12), y always 5
    grid = {r["value"]: r for r in q["grid"]["rows"]}
    assert grid["x"]["estimate"]["value"] == pytest.approx(33 / 12) and grid["y"]["estimate"]["value"] == 5
    assert [p["n"] for p in grid["y"]["points"]] == [0, 0, 0, 0, 12]
    assert q["note"]["answered"] == 6
    assert q["ok"]["agreed"]["n"] == 4 and q["ok"]["agreed"]["share"] == pytest.approx(4 / 12)


def test_metric_numbers_equal_the_metrics_module_for_the_same_survey(db, survey) -> None:  # type: ignore[no-untyped-def]
    s, ws, wh = survey["survey"], survey["ws"], survey["wh"]
    for f, query in (
        (results.Filters(), {}),
        (results.Filters(language="fa"), {"language": "fa"}),
        (
            results.Filters(start=date(2026, 3, 3), end=date(2026, 3, 9)),
            {"start": date(2026, 3, 3), "end": date(2026, 3, 9)},
        ),
        (results.Filters(channel="sms"), {"channel": "sms"}),
    ):
        out = {x["key"]: x for x in _summary(db, survey, f)["questions"]}
        for metric, key in (("nps", "nps"), ("csat", "sat")):
            table = metrics.metric_table(
                db, wh, ws, metrics.Query(metric=metric, survey_id=s.id, min_n=1, **query)
            )
            (row,) = table["rows"]
            mine = out[key]["estimate"]
            for field in ("n", "value", "ci_low", "ci_high"):
                assert mine[field] == row[field], (f, metric, field)
    # the filters did filter: the fa answers are the 4 of days 7-10; March 3-8 local is 6 answers
    assert _summary(db, survey, results.Filters(language="fa"))["n"] == 4
    assert _summary(db, survey, results.Filters(start=date(2026, 3, 3), end=date(2026, 3, 9)))["n"] == 6


def _login(client, db, ws, role, locale="ar"):  # type: ignore[no-untyped-def]
    user = make_user(db, workspace=ws, role=role, locale=locale)
    login(client, user)


def test_results_page_in_arabic_with_isolated_intervals(client, db, survey) -> None:  # type: ignore[no-untyped-def]
    _login(client, db, survey["ws"], "analyst")
    base = f"/w/{survey['ws'].slug}/surveys/{survey['survey'].id}"
    page = client.get(f"{base}/results")
    assert page.status_code == 200, page.text[:300]
    html = page.text
    assert re.search(r'data-kpi="responses"><div class="label">[^<]+</div><div class="value">(12|١٢)<', html)
    assert "هل توصي بنا؟" in html and "السعر" in html
    # every interval is an LTR isolate: "[low – high]" keeps its order inside Arabic text
    intervals = re.findall(r'<bdi class="ci" dir="ltr">\[([^\]]+)\]</bdi>', html)
    assert intervals and all(" – " in i for i in intervals)
    # the list shows every survey's responses (public-link answers have no invitation)
    listing = client.get(f"/w/{survey['ws'].slug}/surveys").text
    assert f"{base}/results" in listing and re.search(r">(12|١٢)<", listing)
    # filters: a bad date is a clear 422, not a 500
    bad = client.get(f"{base}/results?start=2026-13-01")
    assert bad.status_code == 422 and "start" in bad.text
    fa = client.get(f"{base}/results?language=fa").text
    assert re.search(r'data-kpi="responses"><div class="label">[^<]+</div><div class="value">(4|٤)<', fa)


def test_response_page_redacts_for_roles_without_personal_data(client, db, survey) -> None:  # type: ignore[no-untyped-def]
    wh, ws, s = survey["wh"], survey["ws"], survey["survey"]
    rid = results.responses(wh, ws, s, results.Filters())["response_id"].iloc[-1]  # the oldest: i = 0
    _login(client, db, ws, "viewer")
    page = client.get(f"/w/{ws.slug}/surveys/{s.id}/responses/{rid}")
    assert page.status_code == 200
    assert "0501234567" not in page.text and "السعر" in page.text
    client.cookies.clear()
    _login(client, db, ws, "agent")
    assert "0501234567" in client.get(f"/w/{ws.slug}/surveys/{s.id}/responses/{rid}").text
    assert client.get(f"/w/{ws.slug}/surveys/{s.id}/responses/nope").status_code == 404


def test_spss_export_keeps_labels_and_arabic_text(client, db, survey, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws, s = survey["ws"], survey["survey"]
    _login(client, db, ws, "analyst")
    r = client.get(f"/w/{ws.slug}/surveys/{s.id}/results.sav")
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('.sav"')
    path = tmp_path / "r.sav"
    path.write_bytes(r.content)
    frame, meta = pyreadstat.read_sav(str(path))
    assert len(frame) == 12
    labels = meta.column_names_to_labels
    assert labels["nps"] == "هل توصي بنا؟" and labels["pick"] == "ما السبب؟"
    assert meta.variable_value_labels["pick"] == {1.0: "السعر", 2.0: "السرعة", 99.0: "أخرى"}
    assert meta.variable_value_labels["many_a"] == {0.0: "لم يُختر", 1.0: "مُختار"}
    assert sorted(frame["nps"].tolist()) == sorted(float(x) for x in NPS)
    assert frame["pick"].value_counts().to_dict() == {1.0: 3, 2.0: 2, 99.0: 1}
    assert "التغليف" in set(frame["pick_other"])
    notes = [n for n in frame["note"] if n]
    assert len(notes) == 6 and all(n.startswith("التوصيل تأخر يا محمد") for n in notes)
    assert frame["many_c"].sum() == 8 and frame["grid_y"].eq(5).all()
    assert "customer_id" not in frame.columns  # analysts may not see personal data
    # CSV and XLSX carry the same rows with labels instead of codes
    csv = client.get(f"/w/{ws.slug}/surveys/{s.id}/results.csv?language=ar")
    table = pd.read_csv(io.StringIO(csv.content.decode("utf-8-sig")))
    assert len(table) == 6 and "هل توصي بنا؟" in table.columns
    assert set(table["ما السبب؟"].dropna()) == {"السعر", "السرعة", "أخرى"}
    xlsx = client.get(f"/w/{ws.slug}/surveys/{s.id}/results.xlsx")
    sheet = pd.read_excel(io.BytesIO(xlsx.content))
    assert len(sheet) == 12
    assert client.get(f"/w/{ws.slug}/surveys/{s.id}/results.pdf").status_code == 422


def test_api_gives_the_same_results_and_files(client, db, survey) -> None:  # type: ignore[no-untyped-def]
    from tajriba.accounts import service as accounts

    ws, s = survey["ws"], survey["survey"]
    key = accounts.create_key(db, workspace=ws, kind="api", name="bi", role="analyst")[1]
    db.commit()
    auth = {"Authorization": f"Bearer {key}"}
    r = client.get(f"/api/v1/surveys/{s.id}/results?language=ar", headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    page = _summary(db, survey, results.Filters(language="ar"))
    assert body["n"] == page["n"] == 6
    assert body["questions"][0]["estimate"] == page["questions"][0]["estimate"]
    assert body["open_answers"]["total"] == 4  # three notes and one "other" text among the Arabic answers
    listed = client.get(f"/api/v1/surveys/{s.id}/responses?limit=5", headers=auth).json()
    assert listed["total"] == 12 and len(listed["items"]) == 5
    assert all("0501234567" not in str(i["answers"]) for i in listed["items"])  # API keys see redacted text
    sav = client.get(f"/api/v1/surveys/{s.id}/responses.sav?lang=fa", headers=auth)
    assert sav.status_code == 200 and sav.content[:4] == b"$FL2"
    bad = client.get(f"/api/v1/surveys/{s.id}/results?end=2026-01-01&start=2026-02-01", headers=auth)
    assert bad.status_code == 422 and "start" in bad.text


def test_open_answers_waiting_for_analysis_beside_analysed_ones(client, db, survey) -> None:  # type: ignore[no-untyped-def]
    """Some comments analysed, others still queued (NULL topics and sentiment beside values): the page lists
    both, the queued ones without a sentiment badge."""
    import pyarrow as pa

    wh, ws, s = survey["wh"], survey["ws"], survey["survey"]
    first = wh.sql(
        "SELECT feedback_id FROM feedback_texts WHERE workspace_id = ? ORDER BY feedback_id LIMIT 1", [ws.id]
    )[0][0]
    wh.append(
        "text_enrichments",
        pa.Table.from_pylist(
            [
                {
                    "workspace_id": ws.id,
                    "source": "feedback",
                    "source_id": first,
                    "sentiment": "negative",
                    "topics": '[{"topic": "delivery", "sentiment": "negative"}]',
                    "redacted": "التوصيل تأخر يا [NAME]",
                    "processed_at": datetime(2026, 3, 20),
                }
            ]
        ),
    )
    found = results.open_answers(wh, ws, s, results.Filters(), personal=False)
    assert found["total"] == 7 and found["by_sentiment"].get("negative") == 1
    assert sum(1 for i in found["items"] if i["sentiment"] is None and i["topics"] == []) == 6
    _login(client, db, ws, "analyst")
    page = client.get(f"/w/{ws.slug}/surveys/{s.id}/results")
    assert page.status_code == 200 and ">nan<" not in page.text
