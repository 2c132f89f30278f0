"""Respondent pages end to end over HTTP: public and personal links, branching, resume, RTL, abuse guards,
and what lands in the warehouse."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tajriba.accounts import service as accounts
from tajriba.models import SurveyInvitation
from tajriba.surveys import links
from tests.conftest import make_workspace


def api(client, key, method, path, **kw):  # type: ignore[no-untyped-def]
    r = client.request(method, path, headers={"Authorization": f"Bearer {key}"}, **kw)
    return r


@pytest.fixture
def shop(app, db, client):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "surveyshop")
    key = accounts.create_key(db, workspace=ws, kind="api", name="analyst", role="analyst")[1]
    viewer = accounts.create_key(db, workspace=ws, kind="api", name="viewer", role="viewer")[1]
    db.commit()
    r = api(client, key, "POST", "/api/v1/surveys", json={"template": "relationship_nps"})
    assert r.status_code == 201, r.text
    survey = r.json()
    r = api(client, key, "PATCH", f"/api/v1/surveys/{survey['id']}", json={"status": "active"})
    assert r.status_code == 200, r.text
    return {"ws": ws, "key": key, "viewer": viewer, "survey": r.json(), "wh": app.state.warehouse}


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _responses(wh, ws_id):  # type: ignore[no-untyped-def]
    return wh.frame("SELECT * FROM survey_responses WHERE workspace_id = ? ORDER BY response_id", [ws_id])


def test_public_link_one_question_per_screen_with_branching(client, shop) -> None:  # type: ignore[no-untyped-def]
    link = _path(shop["survey"]["public_url"]) + "?channel=qr&order_id=A-17"
    page = client.get(link, headers={"accept-language": "ar-SA,ar;q=0.9"})
    assert page.status_code == 200
    html = page.text
    assert 'lang="ar" dir="rtl"' in html
    assert "ما مدى احتمال أن توصي بنا" in html
    assert ">١٠<" in html and ">٠<" in html  # Arabic-Indic digits on the scale
    assert 'name="h.channel" value="qr"' in html
    # the scale is labelled and each point keyboard-reachable (radio inputs inside labels)
    assert 'role="radiogroup"' in html and html.count('type="radio" name="nps"') == 11
    form = {"screen": "nps", "lang": "ar", "nav": "next", "nps": "4", "h.channel": "qr", "h.order_id": "A-17"}
    r = client.post(_path(shop["survey"]["public_url"]), data=form)
    assert r.status_code == 303
    nxt = r.headers["location"]
    assert "at=reason" in nxt and "p=" in nxt
    ptoken = re.search(r"p=([^&]+)", nxt).group(1)  # type: ignore[union-attr]
    page = client.get(nxt)
    assert "ما السبب الرئيسي لتقييمك؟" in page.text
    assert '<progress max="4" value="1"' in page.text  # the detractor branch adds "improve": 4 screens
    # Back keeps the answer and shows the first screen again
    r = client.post(
        _path(shop["survey"]["public_url"]),
        data={"screen": "reason", "lang": "ar", "nav": "back", "p": ptoken, "reason": "slow"},
    )
    assert "at=nps" in r.headers["location"]
    page = client.get(r.headers["location"])
    assert re.search(r'value="4" checked', page.text)
    base = {"lang": "ar", "nav": "next", "p": ptoken}
    client.post(_path(shop["survey"]["public_url"]), data=base | {"screen": "nps", "nps": "4"})
    client.post(
        _path(shop["survey"]["public_url"]), data=base | {"screen": "reason", "reason": "التوصيل متأخر جداً"}
    )
    # a detractor is asked what to improve (max 3 choices); four are refused with the reason
    r = client.post(
        _path(shop["survey"]["public_url"]),
        data=base | {"screen": "improve", "improve": ["delivery", "price", "quality", "app"]},
    )
    assert r.status_code == 422 and "aria-invalid" in r.text
    r = client.post(
        _path(shop["survey"]["public_url"]),
        data=base | {"screen": "improve", "improve": ["delivery", "price"]},
    )
    assert "at=contact" in r.headers["location"]
    r = client.post(_path(shop["survey"]["public_url"]), data=base | {"screen": "contact", "contact": "yes"})
    assert r.status_code == 303 and r.headers["location"].endswith("/done?lang=ar")
    assert "شكراً لك" in client.get(r.headers["location"]).text
    # a replay of the last post stores nothing more
    r = client.post(_path(shop["survey"]["public_url"]), data=base | {"screen": "contact", "contact": "yes"})
    assert r.headers["location"].endswith("/done?lang=ar")
    rows = _responses(shop["wh"], shop["ws"].id)
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row.metric, row.score, row.scale_min, row.scale_max) == ("nps", 4.0, 0, 10)
    assert (row.channel, row.language, row.order_id, row.survey_id) == (
        "qr",
        "ar",
        "A-17",
        shop["survey"]["id"],
    )
    assert row.comment == "التوصيل متأخر جداً"
    assert row.started_at <= row.submitted_at
    fb = shop["wh"].frame("SELECT * FROM feedback_texts WHERE workspace_id = ?", [shop["ws"].id])
    assert (
        list(fb.text) == ["التوصيل متأخر جداً"]
        and fb.response_id[0] == row.response_id
        and fb.rating[0] == 4.0
    )


def test_promoter_skips_the_detractor_question_and_resumes_from_cookie(client, shop) -> None:  # type: ignore[no-untyped-def]
    url = _path(shop["survey"]["public_url"])
    r = client.post(url, data={"screen": "nps", "lang": "en", "nav": "next", "nps": "10"})
    assert r.status_code == 303 and "tjs_" in r.headers.get("set-cookie", "")
    # leave and come back without the p parameter: the cookie resumes at the first unanswered screen
    page = client.get(url + "?lang=en")
    assert "What is the main reason for your score?" in page.text
    assert 'dir="ltr"' in page.text
    client.post(url, data={"screen": "reason", "lang": "en", "nav": "next"})
    r = client.get(url + "?lang=en")
    assert "What should we improve?" not in r.text  # promoters skip it
    assert "customer care team may contact me" in r.text


def test_honeypot_and_rate_limit(client, shop, app) -> None:  # type: ignore[no-untyped-def]
    url = _path(shop["survey"]["public_url"])
    r = client.post(url, data={"screen": "nps", "nps": "9", "website": "http://spam", "nav": "next"})
    assert r.status_code == 303 and r.headers["location"].endswith("/done?lang=ar")
    assert _responses(shop["wh"], shop["ws"].id).empty
    app.state.settings.survey_rate_per_minute = 3
    codes = [
        client.post(url, data={"screen": "nps", "nps": "9", "nav": "next"}).status_code for _ in range(5)
    ]
    assert codes[:2] == [303, 303] and codes[-1] == 429


def test_personal_link_is_single_use_and_signed(client, shop, db, app) -> None:  # type: ignore[no-untyped-def]
    r = api(
        client,
        shop["key"],
        "POST",
        f"/api/v1/surveys/{shop['survey']['id']}/invitations",
        json={
            "channel": "link",
            "recipients": [{"customer_id": "c-1", "language": "fa", "hidden": {"agent": "sara"}}],
        },
    )
    assert r.status_code == 201, r.text
    inv = r.json()["invitations"][0]
    assert inv["status"] == "sent" and "wa.me" in inv["share"]["whatsapp"]
    url = _path(inv["url"])
    page = client.get(url)
    assert 'lang="fa" dir="rtl"' in page.text and "۱۰" in page.text  # Persian digits
    for screen, value in (
        ("nps", {"nps": "9"}),
        ("reason", {"reason": "خوب بود"}),
        ("contact", {"contact": "yes"}),
    ):
        r = client.post(url, data={"screen": screen, "lang": "fa", "nav": "next", **value})
        assert r.status_code == 303
    assert r.headers["location"].endswith("/done?lang=fa")
    again = client.get(url)
    assert again.status_code == 410
    assert client.post(url, data={"screen": "nps", "nps": "1", "nav": "next"}).status_code == 410
    rows = _responses(shop["wh"], shop["ws"].id)
    assert list(rows.customer_id) == ["c-1"] and rows.channel[0] == "link" and rows.language[0] == "fa"
    consents = shop["wh"].frame("SELECT * FROM consents WHERE workspace_id = ?", [shop["ws"].id])
    assert list(consents.purpose) == ["contact"] and bool(consents.granted[0])
    db.expire_all()
    stored = db.get(SurveyInvitation, inv["id"])
    assert stored.status == "completed" and stored.response_id == rows.response_id[0] and stored.opened_at
    # a forged signature and an expired token
    forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert client.get(forged).status_code == 404
    stored.expires_at = datetime.now(UTC) - timedelta(days=1)
    token = links.personal_token(app.state.settings.secret, stored)
    assert client.get(f"/s/{token}").status_code == 410


def test_closed_survey_and_api_permissions(client, shop) -> None:  # type: ignore[no-untyped-def]
    sid = shop["survey"]["id"]
    assert (
        api(client, shop["viewer"], "PATCH", f"/api/v1/surveys/{sid}", json={"status": "closed"}).status_code
        == 403
    )
    assert (
        api(client, shop["key"], "PATCH", f"/api/v1/surveys/{sid}", json={"status": "closed"}).status_code
        == 200
    )
    assert client.get(_path(shop["survey"]["public_url"])).status_code == 410
    # a live survey's question cannot change type (stored answers keep their meaning)
    definition = shop["survey"]["definition"]
    definition["questions"][0]["type"] = "csat"
    r = api(client, shop["key"], "PATCH", f"/api/v1/surveys/{sid}", json={"definition": definition})
    assert r.status_code == 422 and "nps" in r.json()["error"]["message"]


def test_links_qr_embed_and_surveyjs_over_the_api(client, shop) -> None:  # type: ignore[no-untyped-def]
    sid = shop["survey"]["id"]
    links = api(
        client, shop["viewer"], "GET", f"/api/v1/surveys/{sid}/links?touchpoint=checkout&channel=web"
    ).json()
    assert "touchpoint=checkout" in links["public_url"] and "<iframe" in links["embed"]
    assert links["share"]["sms"].startswith("sms:?body=")
    png = api(client, shop["viewer"], "GET", f"/api/v1/surveys/{sid}/qr.png")
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = api(client, shop["viewer"], "GET", f"/api/v1/surveys/{sid}/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert api(client, shop["viewer"], "GET", f"/api/v1/surveys/{sid}/qr.gif").status_code == 422
    exported = api(client, shop["viewer"], "GET", f"/api/v1/surveys/{sid}/surveyjs").json()
    r = api(client, shop["key"], "POST", "/api/v1/surveys/import", json=exported)
    assert r.status_code == 201 and r.json()["definition"] == shop["survey"]["definition"]
    bad = {"pages": [{"elements": [{"type": "signaturepad", "name": "s"}]}]}
    r = api(client, shop["key"], "POST", "/api/v1/surveys/import", json=bad)
    assert r.status_code == 422 and "pages[0].elements[0]" in r.json()["error"]["message"]


def test_all_on_one_screen_without_javascript(client, shop) -> None:  # type: ignore[no-untyped-def]
    r = api(client, shop["key"], "POST", "/api/v1/surveys", json={"template": "post_delivery_ces"})
    sid = r.json()["id"]
    definition = r.json()["definition"] | {"one_per_screen": False}
    r = api(
        client,
        shop["key"],
        "PATCH",
        f"/api/v1/surveys/{sid}",
        json={"definition": definition, "status": "active"},
    )
    url = _path(r.json()["public_url"])
    page = client.get(url + "?lang=en")
    assert page.text.count("<fieldset") == 3  # CES, matrix, comment together
    form = {
        "screen": "ces,delivery,comment",
        "lang": "en",
        "nav": "next",
        "ces": "6",
        "delivery.speed": "5",
        "delivery.courier": "4",
        "delivery.packaging": "2",
        "comment": "box was torn",
    }
    r = client.post(url, data=form)
    assert r.headers["location"].endswith("/done?lang=en")
    rows = _responses(shop["wh"], shop["ws"].id)
    assert list(rows.metric) == ["ces"] and rows.score[0] == 6.0
    import json

    assert json.loads(rows.answers[0])["answers"]["delivery"] == {"speed": 5, "courier": 4, "packaging": 2}
