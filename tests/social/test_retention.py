"""Public mentions under the workspace's retention rule: old ones go with what text analysis derived from them."""

from __future__ import annotations

from datetime import datetime

from tajriba.audit import Operator
from tajriba.privacy import retention
from tajriba.social import service
from tajriba.social.connectors import Mention


def test_old_mentions_are_purged_with_their_enrichments(app, db, ws) -> None:  # type: ignore[no-untyped-def]
    wh = app.state.warehouse
    items = [
        Mention(
            platform="x",
            text=f"{label} mention about the delivery",
            url=f"https://x.com/a/status/{label}",
            created_at=when,
        )  # fmt: skip
        for label, when in (("old", datetime(2023, 1, 5)), ("young", datetime(2026, 6, 1)))
    ]
    report = service.take(db, wh, workspace=ws, items=items, now=datetime(2026, 7, 1))
    assert report.stored == 2
    actor = Operator(ws.id, "test")
    retention.set_rules(db, workspace_id=ws.id, months={"social_mentions": 24}, actor=actor)
    now = datetime(2026, 7, 1)
    dry = retention.purge(db, wh, workspace_id=ws.id, actor=actor, now=now, dry_run=True)
    assert dry.counts == {"social_mentions": 1, "text_enrichments": 1}
    done = retention.purge(db, wh, workspace_id=ws.id, actor=actor, now=now)
    assert done.counts == {"social_mentions": 1, "text_enrichments": 1}
    assert [r[0] for r in wh.sql("SELECT text FROM social_mentions")] == ["young mention about the delivery"]
    assert wh.sql("SELECT count(*) FROM text_enrichments WHERE source = 'mention'")[0][0] == 1
