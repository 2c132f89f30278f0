"""Every page names the favicon, and it is served (a browser tab shows Tajriba, not a blank icon)."""

from __future__ import annotations


def test_pages_link_a_favicon_that_is_served(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
