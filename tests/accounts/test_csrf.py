"""Every state-changing form needs the CSRF token bound to the browser's cookie."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, csrf_from, login, make_user, make_workspace


def test_login_without_a_csrf_token_is_refused(client, db) -> None:
    make_user(db, "c@example.com")
    client.get("/login")
    response = client.post("/login", data={"email": "c@example.com", "password": PASSWORD})
    assert response.status_code == 403


def test_a_token_from_another_browser_is_refused(app, db) -> None:
    make_user(db, "c2@example.com")
    with TestClient(app, follow_redirects=False) as other:
        foreign = csrf_from(other)
    with TestClient(app, follow_redirects=False) as client:
        client.get("/login")
        response = client.post(
            "/login", data={"email": "c2@example.com", "password": PASSWORD, "csrf_token": foreign}
        )
    assert response.status_code == 403


def test_workspace_forms_need_the_token_in_the_form_or_the_htmx_header(client, db) -> None:
    ws = make_workspace(db)
    user = make_user(db, workspace=ws, role="owner")
    token = login(client, user)
    form = {
        "name": "Renamed",
        "default_locale": "en",
        "calendar": "hijri",
        "timezone": "Asia/Riyadh",
        "currency": "sar",
    }
    assert client.post(f"/w/{ws.slug}/settings", data=form).status_code == 403
    assert client.post(f"/w/{ws.slug}/settings", data={**form, "csrf_token": "0" * 64}).status_code == 403
    assert (
        client.post(f"/w/{ws.slug}/settings", data=form, headers={"X-CSRF-Token": token}).status_code == 200
    )
    saved = client.post(f"/w/{ws.slug}/settings", data={**form, "csrf_token": token})
    assert saved.status_code == 200
    db.expire_all()
    db.refresh(ws)
    assert (ws.name, ws.calendar, ws.currency) == ("Renamed", "hijri", "SAR")
