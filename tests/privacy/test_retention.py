"""Retention: with a clock moved forward, what is older than each category's months is gone after the purge
(on every warehouse engine), what is younger stays, a legal hold keeps a person's data, the dry run counts the
same and removes nothing, and the purge's audit entry has the counts; a released hold lets a deferred erasure
run with the purge."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import select

from tajriba.accounts import service as accounts
from tajriba.audit import Operator
from tajriba.db import migrate
from tajriba.db.session import make_engine, make_session_factory
from tajriba.errors import Invalid
from tajriba.models import AuditEntry, Case, DataSubjectRequest
from tajriba.privacy import holds, retention
from tajriba.privacy.schemas import RequestIn
from tajriba.privacy.service import log_request
from tests.conftest import ENGINES, engine_warehouse
from tests.live import stores

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _ago(months: int, days: int = 0) -> datetime:
    return retention.add_months(NOW, -months).replace(tzinfo=None) - timedelta(days=days)


def _seed(wh, ws: int) -> None:  # type: ignore[no-untyped-def]
    """For each of three customers: an event, a feedback text (with its analysis), an answer with a comment and
    a ticket, 40 and 10 months old."""
    people = ["old", "held", "young"]
    ages = {"old": 40, "held": 40, "young": 10}
    n = len(people)
    times = [_ago(ages[p]) for p in people]
    wh.append("events", pa.table({"workspace_id": [ws] * n, "message_id": [f"e-{p}" for p in people],
                                  "customer_id": people, "type": ["track"] * n, "timestamp": times}))  # fmt: skip
    wh.append("feedback_texts", pa.table({"workspace_id": [ws] * n, "feedback_id": [f"f-{p}" for p in people],
                                          "customer_id": people, "source": ["review"] * n,
                                          "text": ["الخدمة بطيئة"] * n, "created_at": times}))  # fmt: skip
    wh.append("text_enrichments", pa.table({"workspace_id": [ws] * n, "source": ["feedback"] * n,
                                            "source_id": [f"f-{p}" for p in people], "processed_at": times}))  # fmt: skip
    wh.append("survey_responses", pa.table({"workspace_id": [ws] * n, "response_id": [f"r-{p}" for p in people],
                                            "customer_id": people, "metric": ["nps"] * n, "score": [3.0] * n,
                                            "comment": ["تأخر الطلب"] * n, "submitted_at": times}))  # fmt: skip
    wh.append("tickets", pa.table({"workspace_id": [ws] * n, "ticket_id": [f"t-{p}" for p in people],
                                   "customer_id": people, "subject": ["لم يصل"] * n, "created_at": times}))  # fmt: skip


@pytest.mark.parametrize("engine_name", [e for e in ENGINES if e != "spark"])
def test_the_purge_removes_what_is_past_keeping(engine_name: str, tmp_path: Path) -> None:
    """On DuckDB and PostgreSQL (the Spark warehouse writes through the same DuckDB SQL over its lake files)."""
    with engine_warehouse(engine_name, tmp_path) as any_wh:
        _purge_scenario(any_wh, tmp_path)


def _purge_scenario(any_wh, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    migrate.upgrade(engine)
    db = make_session_factory(engine)()
    ws = accounts.create_workspace(db, slug="shop", name="Shop")
    _seed(any_wh, ws.id)
    db.add_all([Case(workspace_id=ws.id, customer_id=p, subject="x", source="manual", status="closed",
                     closed_at=_ago(m).replace(tzinfo=UTC)) for p, m in (("old", 30), ("held", 30), ("young", 2))])  # fmt: skip
    actor = Operator(ws.id, "test")
    with pytest.raises(Invalid, match="unknown data category"):
        retention.set_rules(db, workspace_id=ws.id, months={"everything": 1}, actor=actor)
    with pytest.raises(Invalid, match="between 1 and"):
        retention.set_rules(db, workspace_id=ws.id, months={"events": 0}, actor=actor)
    months = {"events": 36, "feedback_text": 24, "tickets": 24, "cases": 24}
    assert retention.set_rules(db, workspace_id=ws.id, months=months, actor=actor) == months
    holds.place_hold(db, workspace_id=ws.id, customer_id="held", reason="court case 77/2026 pending", reference=None,
                     actor=actor)  # fmt: skip

    dry = retention.purge(db, any_wh, workspace_id=ws.id, actor=actor, now=NOW, dry_run=True)
    expected = {"events": 1, "feedback_texts": 1, "text_enrichments": 1, "survey_comments": 1, "tickets": 1,
                "cases": 1}  # fmt: skip
    assert dry.counts == expected
    assert any_wh.sql("SELECT count(*) FROM events")[0][0] == 3  # the dry run removed nothing
    assert (
        retention.purge(db, any_wh, workspace_id=ws.id, actor=actor, now=NOW - timedelta(days=3650)).counts
        == {}
    )

    done = retention.purge(db, any_wh, workspace_id=ws.id, actor=actor, now=NOW)
    assert done.counts == expected
    assert sorted(r[0] for r in any_wh.sql("SELECT customer_id FROM events")) == ["held", "young"]
    assert sorted(r[0] for r in any_wh.sql("SELECT customer_id FROM feedback_texts")) == ["held", "young"]
    assert sorted(r[0] for r in any_wh.sql("SELECT source_id FROM text_enrichments")) == ["f-held", "f-young"]
    answers = dict(any_wh.sql("SELECT customer_id, comment FROM survey_responses"))
    assert answers == {
        "old": None,
        "held": "تأخر الطلب",
        "young": "تأخر الطلب",
    }  # the score stays, the words go
    assert sorted(r[0] for r in any_wh.sql("SELECT customer_id FROM tickets")) == ["held", "young"]
    assert sorted(db.scalars(select(Case.customer_id))) == ["held", "young"]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.purge")).one()
    assert entry.details["counts"] == expected
    assert retention.purge(db, any_wh, workspace_id=ws.id, actor=actor, now=NOW).counts == {}  # idempotent
    db.close()
    engine.dispose()


def test_a_released_hold_lets_the_purge_carry_out_the_deferred_erasure_and_the_cli_previews(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with stores(data) as s:
        ws = accounts.create_workspace(s, slug="shop", name="Shop")
        ws_id = ws.id
        hold = holds.place_hold(s, workspace_id=ws.id, customer_id="held", reason="court case 77/2026 pending",
                                reference=None, actor=Operator(ws.id, "t"))  # fmt: skip
        request = log_request(s, workspace_id=ws.id, data=RequestIn(kind="erasure", customer_id="held"),
                              actor=Operator(ws.id, "t"))  # fmt: skip
        request.status = "deferred"
        retention.set_rules(s, workspace_id=ws.id, months={"events": 36}, actor=Operator(ws.id, "t"))
    from tajriba.config import load_settings
    from tajriba.warehouse import open_warehouse

    wh = open_warehouse(load_settings(data_dir=data, env="test").warehouse_address)
    wh.upsert("customers", pa.table({"workspace_id": [ws_id], "customer_id": ["held"], "name": ["هناء"]}))
    _seed(wh, ws_id)
    wh.close()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tajriba.cli", "privacy", "purge", "--workspace", "shop",
                               "--data-dir", str(data), *args], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "TAJRIBA_ENV": "test"})  # fmt: skip

    preview = cli("--dry-run", "--as-of", "2027-06-01")
    assert preview.returncode == 0, preview.stderr[-2000:]
    assert '"events": 1' in preview.stdout and '"erasures": 0' in preview.stdout
    with stores(data) as s:
        holds.release_hold(s, workspace_id=ws_id, hold_id=hold.id, actor=Operator(ws_id, "t"))
    ran = cli()
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert '"erasures": 1' in ran.stdout
    with stores(data) as s:
        done = s.get(DataSubjectRequest, request.id)
        assert done is not None and done.status == "done" and done.customer_id is None
    wh = open_warehouse(load_settings(data_dir=data, env="test").warehouse_address)
    try:
        assert wh.sql("SELECT count(*) FROM customers WHERE customer_id = 'held'")[0][0] == 0
        assert [r[0] for r in wh.sql("SELECT customer_id FROM events")] == [
            "young"
        ]  # hers erased, his too old
    finally:
        wh.close()
