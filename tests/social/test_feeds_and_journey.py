"""Feed sources read by the job from a real HTTP server (a broken feed keeps its error and stores nothing), and
public complaints placed on the journey's touchpoints."""

from __future__ import annotations

import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tajriba.social import service
from tajriba.social.connectors import Mention
from tajriba.social.schemas import SourceIn
from tests.social.test_connectors import RSS


class _Actor:
    def audit(self, *_a: object, **_k: object) -> None:
        pass


@pytest.fixture
def feed_server():  # type: ignore[no-untyped-def]
    pages = {"/ok.xml": RSS.encode(), "/broken.xml": RSS.encode()[:400], "/gone.xml": None}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_feeds_are_read_when_due_and_a_broken_one_stores_nothing(app, db, ws, feed_server) -> None:  # type: ignore[no-untyped-def]
    from tajriba.social.tasks import social_poll

    made = {
        name: service.create_source(
            db,
            workspace=ws,
            data=SourceIn(kind="feed", name=name, url=f"{feed_server}/{name}.xml"),
            actor=_Actor(),
        ).id
        for name in ("ok", "broken", "gone")
    }
    db.commit()
    wh = app.state.warehouse
    done = social_poll(factory=app.state.session_factory, warehouse=wh)
    assert done[str(made["ok"])]["stored"] == 2
    assert "not well-formed" in done[str(made["broken"])]["error"]
    assert "HTTP 404" in done[str(made["gone"])]["error"]
    db.expire_all()
    sources = {s.name: s for s in service.list_sources(db, ws.id)}
    assert (sources["ok"].last_status, sources["ok"].stored) == ("ok", 2)
    assert sources["broken"].last_status == "failed" and sources["broken"].stored == 0
    assert wh.sql("SELECT count(*) FROM social_mentions")[0][0] == 2  # nothing of the broken feed
    assert social_poll(factory=app.state.session_factory, warehouse=wh) == {}  # not due again for 30 minutes


def test_public_complaints_land_on_the_journeys_touchpoints(app, db, ws) -> None:  # type: ignore[no-untyped-def]
    from tajriba.journeys import schemas as js
    from tajriba.journeys import service as journeys
    from tajriba.text.service import Filters, pain_points

    journey = journeys.create_journey(
        db,
        workspace_id=ws.id,
        journey_in=js.JourneyIn(name="J", stages=[js.StageIn(key="s", name="S")]),
        actor=_Actor(),
    )
    tp = journeys.create_touchpoint(
        db,
        journey=journey,
        touchpoint_in=js.TouchpointIn(key="courier", name="Courier", stage_key="s"),
        actor=_Actor(),
    )
    service.set_topic_touchpoints(
        db, workspace=ws, mapping={"delivery": tp.id}, touchpoint_ids={tp.id}, actor=_Actor()
    )
    with pytest.raises(Exception, match="not in this workspace"):
        service.set_topic_touchpoints(
            db, workspace=ws, mapping={"price": 99999}, touchpoint_ids={tp.id}, actor=_Actor()
        )
    items = [
        Mention(
            platform="x",
            text=f"المندوب تأخر {i} أيام والشحنة ما وصلت",
            url=f"https://x.com/a/status/{i}",
            created_at=datetime(2026, 11, 20, 10 + i),
        )  # fmt: skip
        for i in range(6)
    ]
    report = service.take(db, app.state.warehouse, workspace=ws, items=items, now=datetime(2026, 11, 21))
    db.commit()
    row = service.one(app.state.warehouse, ws.id, report.ids[0])
    assert row is not None and row["touchpoint_id"] == tp.id
    pains = pain_points(app.state.warehouse, ws.id, Filters(source="social"), min_mentions=5)
    assert [(p["touchpoint_id"], p["topic"], p["negative"]) for p in pains] == [(tp.id, "delivery", 6)]


def test_the_cli_imports_an_export_and_refuses_a_broken_feed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from tajriba.cli import app
    from tests.live import stores

    data = tmp_path / "data"
    with stores(data) as s:
        from tajriba.accounts import service as accounts

        accounts.create_workspace(s, slug="shop", name="Shop")
    runner = CliRunner()
    export = Path(__file__).parent / "payloads" / "x_search.json"
    args = ["social", "import", str(export), "--workspace", "shop", "--format", "x", "--data-dir", str(data)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["stored"] == 3
    assert json.loads(runner.invoke(app, args).output)["duplicates"] == 3
    broken = tmp_path / "broken.xml"
    broken.write_text("<rss><channel><item>")
    r = runner.invoke(
        app,
        ["social", "import", str(broken), "--workspace", "shop", "--format", "rss", "--data-dir", str(data)],
    )
    assert r.exit_code == 2 and "not well-formed" in r.output
    r = runner.invoke(
        app,
        ["social", "import", str(export), "--workspace", "nope", "--format", "x", "--data-dir", str(data)],
    )
    assert r.exit_code == 2
