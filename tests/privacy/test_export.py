"""`tajriba privacy export`: one person's items in every table that holds them, in both stores, as JSON that
follows the published schema, CSV and a summary in their language; nobody else's items."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import pyarrow as pa

from tajriba.accounts import service as accounts
from tajriba.config import load_settings
from tajriba.models import Case, CaseEvent
from tajriba.privacy import service as privacy
from tajriba.privacy.schemas import RequestIn
from tajriba.warehouse import open_warehouse
from tests.live import stores

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 9, 0)
COMMENT = "المندوب تأخر ورقمي ٠٥٥١٢٣٤٥٦٧ ما أحد اتصل عليه"
PERSIAN = "سفارش دیر رسید؛ لطفاً با شماره‌ی من تماس بگیرید"


class System:
    actor = "test"

    def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
        pass


def _t(**cols: list) -> pa.Table:  # type: ignore[type-arg]
    return pa.table(cols)


def _seed(wh, ws: int, who: str, n: int) -> None:  # type: ignore[no-untyped-def]
    """`n` items of `who` in each warehouse table (and one event from before they logged in)."""
    wh.upsert(
        "customers", _t(workspace_id=[ws], customer_id=[who], name=["سارة"], email=[f"{who}@example.com"])
    )
    wh.append(
        "customer_identities",
        _t(workspace_id=[ws] * 2, kind=["email", "anonymous_id"], value=[f"{who}@example.com", f"anon-{who}"],
           customer_id=[who] * 2),
    )  # fmt: skip
    times = [T0 + timedelta(hours=i) for i in range(n)]
    ids = [f"{who}-{i}" for i in range(n)]
    wh.append("events", _t(workspace_id=[ws] * n, message_id=ids, customer_id=[who] * n, type=["track"] * n,
                           event=["Order Completed"] * n, timestamp=times))  # fmt: skip
    wh.append("events", _t(workspace_id=[ws], message_id=[f"{who}-before"], anonymous_id=[f"anon-{who}"],
                           type=["page"], timestamp=[T0 - timedelta(days=1)]))  # fmt: skip
    wh.append("orders", _t(workspace_id=[ws] * n, order_id=ids, customer_id=[who] * n, ordered_at=times,
                           currency=["SAR"] * n, amount=[120.5] * n))  # fmt: skip
    wh.append("survey_responses", _t(workspace_id=[ws] * n, response_id=ids, customer_id=[who] * n,
                                     metric=["nps"] * n, score=[3.0] * n, comment=[COMMENT] * n,
                                     submitted_at=times))  # fmt: skip
    wh.append("feedback_texts", _t(workspace_id=[ws] * n, feedback_id=ids, customer_id=[who] * n,
                                   source=["review"] * n, text=[PERSIAN] * n, created_at=times))  # fmt: skip
    wh.append("tickets", _t(workspace_id=[ws] * n, ticket_id=ids, customer_id=[who] * n, subject=[COMMENT] * n,
                            created_at=times))  # fmt: skip
    wh.append("trait_changes", _t(workspace_id=[ws] * n, change_id=ids, customer_id=[who] * n, trait=["city"] * n,
                                  changed_at=times))  # fmt: skip
    wh.append("consents", _t(workspace_id=[ws] * n, consent_id=ids, customer_id=[who] * n, purpose=["surveys"] * n,
                             granted=[True] * n, recorded_at=times))  # fmt: skip
    wh.append("text_enrichments", _t(workspace_id=[ws] * n, source=["feedback"] * n, source_id=ids,
                                     processed_at=times))  # fmt: skip
    wh.append("identity_merges", _t(workspace_id=[ws], merge_id=[f"m-{who}"], into_customer_id=[who],
                                    merged_customer_ids=[json.dumps([f"{who}-old"])], merged_at=[T0]))  # fmt: skip


def test_the_archive_holds_every_item_of_the_person_and_nothing_of_anyone_else(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with stores(data) as s:
        ws = accounts.create_workspace(s, slug="shop", name="Shop")
        ws_id = ws.id
        case = Case(workspace_id=ws.id, customer_id="sara", subject="تأخر التوصيل", source="survey")
        s.add(case)
        s.add(Case(workspace_id=ws.id, customer_id="omar", subject="other", source="manual"))
        s.flush()
        s.add(CaseEvent(workspace_id=ws.id, case_id=case.id, kind="message", body="نعتذر، سنتصل بك اليوم"))
        privacy.log_request(
            s,
            workspace_id=ws.id,
            data=RequestIn(kind="access", customer_id="sara", language="fa"),
            actor=System(),
        )
    wh = open_warehouse(load_settings(data_dir=data, env="test").warehouse_address)
    _seed(wh, ws_id, "sara", 3)
    _seed(wh, ws_id, "omar", 2)
    wh.close()

    out = tmp_path / "sara.zip"
    done = subprocess.run(
        [sys.executable, "-m", "tajriba.cli", "privacy", "export", "--workspace", "shop", "--customer", "sara",
         "--out", str(out), "--language", "fa", "--data-dir", str(data)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TAJRIBA_ENV": "test"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    items = json.loads(done.stdout)["items"]
    expected = {"customers": 1, "customer_identities": 2, "events": 4, "orders": 3, "survey_responses": 3,
                "feedback_texts": 3, "tickets": 3, "trait_changes": 3, "consents": 3, "text_enrichments": 3,
                "identity_merges": 1, "customer_values": 0, "case_signals": 0, "cases": 1, "case_events": 1,
                "privacy_requests": 1}  # fmt: skip
    assert items == expected
    with zipfile.ZipFile(out) as z:
        doc = json.loads(z.read("data.json"))
        schema = json.loads((ROOT / "docs" / "schemas" / "privacy-export.schema.json").read_text())
        jsonschema.validate(doc, schema)
        assert {n: len(rows) for n, rows in doc["tables"].items()} == expected
        everything = z.read("data.json").decode()
        assert "omar" not in everything  # nobody else's items
        assert doc["tables"]["survey_responses"][0]["comment"] == COMMENT  # Arabic-Indic digits intact
        assert doc["tables"]["feedback_texts"][0]["text"] == PERSIAN  # the zero-width non-joiner kept
        assert doc["tables"]["identity_merges"][0]["merged_customer_ids"] == ["sara-old"]
        rows = list(csv.DictReader(io.StringIO(z.read("csv/tickets.csv").decode("utf-8-sig"))))
        assert [r["subject"] for r in rows] == [COMMENT] * 3
        summary = z.read("summary.txt").decode()
        assert "sara" in summary and "A copy of the data" not in summary and "Support tickets" not in summary
    missing = subprocess.run(
        [sys.executable, "-m", "tajriba.cli", "privacy", "export", "--workspace", "shop", "--customer", "nobody",
         "--out", str(tmp_path / "x.zip"), "--data-dir", str(data)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TAJRIBA_ENV": "test"},
    )  # fmt: skip
    assert missing.returncode == 2 and "nobody" in missing.stderr
