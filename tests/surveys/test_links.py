"""Survey links point where customers can reach the server: the configured public address, else the address
the page was requested on; a link to this computer's own address is flagged as dead."""

from __future__ import annotations

import re

import pytest

from tajriba.config import load_settings
from tajriba.surveys import service
from tests.conftest import login, make_user, make_workspace


class Actor:
    def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
        pass


def _survey_page(client, db) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "links")
    owner = make_user(db, "owner@links.example", workspace=ws, role="owner")
    survey = service.from_template(
        db, workspace_id=ws.id, template="relationship_nps", locale="ar", actor=Actor()
    )
    service.set_status(db, survey=survey, status="active", actor=Actor())
    db.commit()
    login(client, owner)
    return f"/w/links/surveys/{survey.id}", survey.id


def _public_link(html: str) -> str:
    match = re.search(r'href="(https?://[^"]+/s/[^"]+)" dir="ltr"', html)
    assert match, "no public link on the page"
    return match.group(1)


def test_links_follow_the_address_the_page_was_requested_on(client, db) -> None:  # type: ignore[no-untyped-def]
    path, _ = _survey_page(client, db)
    html = client.get(path, headers={"host": "cx.shop.example:8101"}).text
    assert _public_link(html).startswith("http://cx.shop.example:8101/s/")
    assert 'data-warning="loopback"' not in html
    # opened on this computer's own address, the link would be dead for customers: the page says so
    html = client.get(path, headers={"host": "127.0.0.1:8101"}).text
    assert _public_link(html).startswith("http://127.0.0.1:8101/s/")
    assert 'data-warning="loopback"' in html


def test_the_configured_public_address_wins(app, client, db) -> None:  # type: ignore[no-untyped-def]
    app.state.settings.public_url = "https://cx.example.com"
    path, survey_id = _survey_page(client, db)
    html = client.get(path, headers={"host": "127.0.0.1:8000"}).text
    assert _public_link(html).startswith("https://cx.example.com/s/")
    assert 'data-warning="loopback"' not in html


def test_mail_links_use_the_public_address_else_where_the_server_listens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=tmp_path, env="test")
    assert settings.links_base == "http://127.0.0.1:8000"
    settings = settings.model_copy(update={"served_url": "http://shop-server:8101"})
    assert settings.links_base == "http://shop-server:8101"
    settings = load_settings(data_dir=tmp_path, env="test", public_url="https://cx.example.com/")
    assert settings.links_base == "https://cx.example.com"
    with pytest.raises(Exception, match="https://cx.example.com"):
        load_settings(data_dir=tmp_path, env="test", public_url="cx.example.com")
