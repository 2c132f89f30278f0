"""Login, lockout, rate limiting, session cookies and expiry, logout."""

from __future__ import annotations

import math
import re
import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tajriba.models import User, UserSession
from tajriba.models.base import utcnow
from tajriba.web.deps import SESSION_COOKIE
from tests.conftest import PASSWORD, csrf_from, login, make_user, make_workspace


def _post_login(client: TestClient, email: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client)
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"}
    )


def test_login_sets_an_httponly_lax_session_cookie_and_opens_the_workspace(client, db) -> None:
    ws = make_workspace(db)
    user = make_user(db, "amal@example.com", workspace=ws, role="analyst")
    response = _post_login(client, "AMAL@example.com ", PASSWORD)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie
    home = client.get("/")
    assert home.status_code == 303 and home.headers["location"] == f"/w/{ws.slug}/"
    assert client.get(f"/w/{ws.slug}/").status_code == 200
    assert db.scalar(select(User.failed_logins).where(User.id == user.id)) == 0


def test_session_cookie_is_secure_over_https(app, db) -> None:
    make_user(db, "tls@example.com")
    with TestClient(app, base_url="https://tajriba.test", follow_redirects=False) as client:
        response = _post_login(client, "tls@example.com", PASSWORD)
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, db) -> None:
    make_user(db, "x@example.com")
    wrong_password = _post_login(client, "x@example.com", "wrong password!")
    no_user = _post_login(client, "nobody@example.com", "wrong password!")
    assert wrong_password.status_code == no_user.status_code == 401
    assert SESSION_COOKIE not in wrong_password.headers.get("set-cookie", "")


def test_failures_slow_only_that_email_from_that_address_and_never_reveal_accounts(app, db, settings) -> None:
    make_user(db, "lock@example.com")
    with TestClient(app, follow_redirects=False, client=("203.0.113.9", 5000)) as stranger:
        started = []
        for email in ("lock@example.com", "nobody@example.com"):
            for _ in range(settings.login_max_failures):
                assert _post_login(stranger, email, "not the password").status_code == 401
            # the next failure starts a back-off: from here on this address waits, for either email alike
            assert _post_login(stranger, email, "not the password").status_code == 401
            started.append(time.monotonic())
        known = _post_login(stranger, "lock@example.com", PASSWORD)
        unknown = _post_login(stranger, "nobody@example.com", PASSWORD)
        assert known.status_code == unknown.status_code == 429
        # the two waits differ only by the time between their starts (password hashing makes that long on a
        # busy machine), never by whether the account exists
        apart = math.ceil(started[1] - started[0])
        assert abs(int(known.headers["retry-after"]) - int(unknown.headers["retry-after"])) <= apart + 1
        assert int(known.headers["retry-after"]) > 0
        strip = re.compile(r'name="(csrf_token|email)" value="[^"]*"')
        assert strip.sub("", known.text) == strip.sub("", unknown.text)  # the same page for both
    # the owner, at another address, is not locked out by the stranger
    with TestClient(app, follow_redirects=False, client=("198.51.100.7", 5000)) as owner:
        assert _post_login(owner, "lock@example.com", PASSWORD).status_code == 303


def test_login_attempts_are_rate_limited_per_address(app, db) -> None:
    app.state.settings.login_rate_per_minute = 3
    make_user(db, "rate@example.com")
    with TestClient(app, follow_redirects=False) as client:
        codes = [_post_login(client, "nobody@example.com", "whatever pw").status_code for _ in range(4)]
    assert codes[:3] == [401, 401, 401]
    assert codes[3] == 429


def test_expired_and_idle_sessions_log_the_user_out(client, db, settings) -> None:
    ws = make_workspace(db)
    user = make_user(db, workspace=ws)
    login(client, user)
    assert client.get(f"/w/{ws.slug}/").status_code == 200
    db.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.commit()
    response = client.get(f"/w/{ws.slug}/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")

    login(client, user)
    idle = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
    db.execute(update(UserSession).where(UserSession.user_id == user.id).values(last_seen_at=idle))
    db.commit()
    assert client.get(f"/w/{ws.slug}/").status_code == 303


def test_logout_ends_the_session_on_the_server(client, db) -> None:
    ws = make_workspace(db)
    user = make_user(db, workspace=ws)
    token = login(client, user)
    stolen = client.cookies.get(SESSION_COOKIE)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert db.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    client.cookies.set(SESSION_COOKIE, stolen)
    assert client.get(f"/w/{ws.slug}/").status_code == 303


def test_login_never_redirects_off_site(client, db) -> None:
    make_user(db, "redir@example.com")
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={
            "email": "redir@example.com",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/steal",
        },
    )
    assert response.headers["location"] == "/"
