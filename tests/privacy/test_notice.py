"""The privacy notice: versioned, shown to respondents in their language under every screen with the privacy
contact, and recorded with each answer (NTC-1); a published version cannot be changed."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tajriba.accounts import service as accounts
from tajriba.surveys import service as surveys
from tests.conftest import make_workspace


class Actor:
    actor = "test"
    user = None

    def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
        pass


def _answer(client: TestClient, token: str) -> None:
    """A new respondent (no cookie of an earlier one) answers every screen."""
    client.cookies.clear()
    page = client.get(f"/s/{token}?lang=ar")
    for _ in range(12):
        html = page.text
        screen = re.search(r'name="screen" value="([^"]*)"', html)
        assert screen, html[:300]
        form = {"screen": screen.group(1), "lang": "ar", "nav": "next"}
        form.update(
            dict(re.findall(r'<input type="hidden" name="((?:p|h\.[\w]+|started))" value="([^"]*)"', html))
        )
        for key in screen.group(1).split(","):
            values = re.findall(rf'name="{re.escape(key)}" value="([^"]+)"', html)
            if values:
                form[key] = values[0]
        done = client.post(f"/s/{token}", data=form)
        assert done.status_code == 303, done.text[:300]
        if "/done" in done.headers["location"]:
            return
        page = client.get(done.headers["location"])
    raise AssertionError("the survey did not end")


def test_answers_record_the_notice_they_were_collected_under(app, client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "shop")
    key = accounts.create_key(db, workspace=ws, kind="api", name="dpo", role="admin")[1]
    survey = surveys.from_template(
        db, workspace_id=ws.id, template="relationship_nps", locale="ar", actor=Actor()
    )
    surveys.set_status(db, survey=survey, status="active", actor=Actor())
    db.commit()
    token = survey.public_token
    admin = {"Authorization": f"Bearer {key}"}
    _answer(client, token)  # before any notice: the answer records none
    notice = {"version": "2026-12", "contact": "dpo@example.sa",
              "texts": {"ar": "نستخدم إجاباتك لتحسين خدماتنا فقط ونحتفظ بها ٢٤ شهرًا.",
                        "en": "We use your answers only to improve our service and keep them 24 months."}}  # fmt: skip
    published = client.post("/api/v1/privacy/notice", json=notice, headers=admin)
    assert published.status_code == 201, published.text
    again = client.post("/api/v1/privacy/notice", json=notice, headers=admin)
    assert again.status_code == 409  # a published version never changes
    client.cookies.clear()
    page = client.get(f"/s/{token}?lang=ar").text
    assert notice["texts"]["ar"] in page and "dpo@example.sa" in page and "2026-12" in page
    assert notice["texts"]["en"] in client.get(f"/s/{token}?lang=en").text
    _answer(client, token)
    client.post("/api/v1/privacy/notice", json={**notice, "version": "2027-01"}, headers=admin)
    _answer(client, token)
    versions = app.state.warehouse.sql(
        "SELECT notice_version FROM survey_responses WHERE workspace_id = ? AND response_id NOT LIKE '%:%' "
        "ORDER BY submitted_at",
        [ws.id],
    )
    assert [v[0] for v in versions] == [None, "2026-12", "2027-01"]
    history = client.get("/api/v1/privacy/notice", headers=admin).json()
    assert [n["version"] for n in history] == ["2026-12", "2027-01"]
