"""Warehouse: schema on an empty file, idempotent appends, upserts, erasing a customer everywhere."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from tajriba.errors import Invalid
from tajriba.warehouse import DuckDBWarehouse, Warehouse
from tajriba.warehouse.schema import TABLES

T0 = datetime(2026, 3, 1, 12, 0)


@pytest.fixture
def wh(any_wh: Warehouse) -> Warehouse:
    """Each test on DuckDB and on PostgreSQL."""
    return any_wh


def test_schema_is_created_on_an_empty_duckdb_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    assert not path.exists()
    w = DuckDBWarehouse(str(path))
    w.create_schema()
    w.create_schema()  # idempotent
    tables = {r[0] for r in w.sql("SELECT table_name FROM information_schema.tables")}
    assert set(TABLES) <= tables
    cols = {
        r[0] for r in w.sql("SELECT column_name FROM information_schema.columns WHERE table_name = 'orders'")
    }
    assert {"workspace_id", "customer_id", "amount", "currency", "tz", "touchpoint_id", "channel"} <= cols
    w.close()


def _events(ids: list[str], ws: int = 1, customer: str = "c1") -> pa.Table:
    return pa.table(
        {
            "workspace_id": [ws] * len(ids),
            "message_id": ids,
            "customer_id": [customer] * len(ids),
            "type": ["track"] * len(ids),
            "event": ["Order Completed"] * len(ids),
            "timestamp": [T0 + timedelta(seconds=i) for i in range(len(ids))],
            "properties": ['{"note": "تم التوصيل \u200f✅ سريع", "fa": "ممنون‌ام"}'] * len(ids),
        }
    )


def test_the_health_probe_answers_on_every_engine(wh: Warehouse) -> None:
    assert wh.ping() is None  # raises when the engine does not answer


ADDED_TO_CONSENTS = ("lawful_basis", "explicit", "channel", "notice_version", "language", "tz", "actor")


def _as_an_older_release_left_it(wh: Warehouse) -> None:
    """The consents table without the columns added to it since (each engine's own way of storing it)."""
    if wh.engine == "duckdb":
        for name in ADDED_TO_CONSENTS:
            wh.con.execute(f"ALTER TABLE consents DROP COLUMN {name}")  # type: ignore[attr-defined]
    elif wh.engine == "postgres":
        with wh.transaction():
            for name in ADDED_TO_CONSENTS:
                wh._handle().con.execute(f"ALTER TABLE consents DROP COLUMN {name}")  # type: ignore[attr-defined]
    else:
        import pyarrow.parquet as pq

        for rel in wh.lake.current().files("consents"):  # type: ignore[attr-defined]
            path = wh.lake.path(rel)  # type: ignore[attr-defined]
            pq.write_table(pq.read_table(path).drop_columns(list(ADDED_TO_CONSENTS)), path)


def test_an_older_warehouse_gains_the_columns_added_since_and_keeps_its_rows(wh: Warehouse) -> None:
    old = {"workspace_id": [1], "consent_id": ["k1"], "customer_id": ["c1"], "purpose": ["surveys"],
           "granted": [True], "recorded_at": [T0], "source": ["survey"]}  # fmt: skip
    wh.append("consents", pd.DataFrame(old))
    _as_an_older_release_left_it(wh)
    wh.create_schema()  # what every start does
    new = {**old, "consent_id": ["k2"], "granted": [False], "recorded_at": [T0 + timedelta(hours=1)],
           "lawful_basis": ["consent"], "explicit": [True], "channel": ["phone"], "language": ["ar"]}  # fmt: skip
    assert wh.append("consents", pd.DataFrame(new)) == 1
    rows = wh.sql(
        "SELECT consent_id, granted, lawful_basis, explicit, channel FROM consents ORDER BY consent_id"
    )
    assert rows == [("k1", True, None, None, None), ("k2", False, "consent", True, "phone")]
    # the older rows take part in every write and read: a customer's erasure, a streamed copy
    batches = list(wh.read_batches("consents", workspace_id=1))
    assert sum(b.num_rows for b in batches) == 2 and batches[0].column_names[-1] == "actor"
    assert wh.delete_customer(1, "c1")["consents"] == 2
    assert wh.count("consents") == 0


def test_the_same_batch_twice_is_stored_once(wh: Warehouse) -> None:
    batch = _events(["m1", "m2", "m3"])
    assert wh.append("events", batch) == 3
    assert wh.append("events", batch) == 0
    assert wh.append("events", _events(["m3", "m4", "m4"])) == 1
    assert wh.counts(1)["events"] == 4


def test_same_message_id_in_two_workspaces_is_two_events(wh: Warehouse) -> None:
    wh.append("events", _events(["m1"], ws=1))
    wh.append("events", _events(["m1"], ws=2))
    assert wh.counts()["events"] == 2 and wh.counts(2)["events"] == 1


def test_text_with_arabic_persian_emoji_and_rtl_marks_round_trips(wh: Warehouse) -> None:
    wh.append("events", _events(["m1"]))
    (props,) = wh.sql("SELECT properties FROM events")[0]
    assert props == '{"note": "تم التوصيل \u200f✅ سريع", "fa": "ممنون‌ام"}'


def test_aware_timestamps_are_stored_as_utc(wh: Warehouse) -> None:
    riyadh = timezone(timedelta(hours=3))
    wh.append(
        "orders",
        pd.DataFrame(
            {
                "workspace_id": [1],
                "order_id": ["o1"],
                "customer_id": ["c1"],
                "currency": ["SAR"],
                "amount": [Decimal("199.95")],
                "ordered_at": [datetime(2026, 3, 1, 15, 0, tzinfo=riyadh)],
                "tz": ["Asia/Riyadh"],
            }
        ),
    )
    ordered_at, amount, tz = wh.sql("SELECT ordered_at, amount, tz FROM orders")[0]
    assert ordered_at == datetime(2026, 3, 1, 12, 0)
    assert amount == Decimal("199.9500") and tz == "Asia/Riyadh"


def test_upsert_merges_profiles_keeping_the_earliest_first_seen(wh: Warehouse) -> None:
    wh.upsert(
        "customers",
        pd.DataFrame(
            {
                "workspace_id": [1],
                "customer_id": ["c1"],
                "name": ["منى"],
                "email": ["mona@example.com"],
                "first_seen_at": [T0],
                "last_seen_at": [T0],
            }
        ),
    )
    wh.upsert(
        "customers",
        pd.DataFrame(
            {
                "workspace_id": [1, 1],
                "customer_id": ["c1", "c1"],
                "name": ["منى حسن", "منى عبد الفتاح"],
                "email": [None, None],
                "first_seen_at": [T0 + timedelta(days=5), T0 - timedelta(days=2)],
                "last_seen_at": [T0 + timedelta(days=9), T0 + timedelta(days=1)],
            }
        ),
    )
    row = wh.sql("SELECT name, email, first_seen_at, last_seen_at FROM customers")
    # last row of the batch wins for plain traits; first_seen takes the least, last_seen the greatest
    assert row == [("منى عبد الفتاح", "mona@example.com", T0 - timedelta(days=2), T0 + timedelta(days=9))]


def test_deleting_a_customer_removes_their_rows_from_every_table(wh: Warehouse) -> None:
    for cid, anon in (("c1", "anon-1"), ("c2", "anon-2")):
        wh.append("customers", pd.DataFrame({"workspace_id": [1], "customer_id": [cid], "name": ["x"]}))
        wh.append(
            "customer_identities",
            pd.DataFrame(
                {
                    "workspace_id": [1, 1],
                    "kind": ["anonymous_id", "email"],
                    "value": [anon, f"{cid}@example.com"],
                    "customer_id": [cid, cid],
                }
            ),
        )
        wh.append("events", _events([f"{cid}-e1", f"{cid}-e2"], customer=cid))
        # an event not yet linked to the profile, only by its anonymous id
        wh.append(
            "events",
            pa.table(
                {
                    "workspace_id": [1],
                    "message_id": [f"{cid}-anon"],
                    "anonymous_id": [anon],
                    "type": ["page"],
                    "timestamp": [T0],
                }
            ),
        )
        wh.append(
            "orders",
            pd.DataFrame(
                {
                    "workspace_id": [1],
                    "order_id": [f"{cid}-o"],
                    "customer_id": [cid],
                    "currency": ["SAR"],
                    "amount": [10.5],
                    "ordered_at": [T0],
                }
            ),
        )
        wh.append(
            "survey_responses",
            pd.DataFrame(
                {
                    "workspace_id": [1],
                    "response_id": [f"{cid}-r"],
                    "customer_id": [cid],
                    "metric": ["nps"],
                    "score": [9.0],
                    "submitted_at": [T0],
                }
            ),
        )
        wh.append(
            "feedback_texts",
            pd.DataFrame(
                {
                    "workspace_id": [1],
                    "feedback_id": [f"{cid}-f"],
                    "customer_id": [cid],
                    "source": ["review"],
                    "text": ["ممتاز"],
                    "created_at": [T0],
                }
            ),
        )
        wh.append(
            "tickets",
            pd.DataFrame(
                {"workspace_id": [1], "ticket_id": [f"{cid}-t"], "customer_id": [cid], "created_at": [T0]}
            ),
        )
        wh.append(
            "consents",
            pd.DataFrame(
                {
                    "workspace_id": [1],
                    "consent_id": [f"{cid}-k"],
                    "customer_id": [cid],
                    "purpose": ["email_marketing"],
                    "granted": [True],
                    "recorded_at": [T0],
                }
            ),
        )
    # what case rules noted of the customer's records goes too
    wh.append(
        "case_signals",
        pd.DataFrame(
            {
                "workspace_id": [1],
                "source": ["ticket"],
                "source_id": ["c1-t"],
                "customer_id": ["c1"],
                "rule_id": [1],
                "case_id": [1],
                "matched_at": [T0],
            }
        ),
    )
    # the same customer id in another workspace is someone else
    wh.append(
        "orders",
        pd.DataFrame(
            {
                "workspace_id": [2],
                "order_id": ["x"],
                "customer_id": ["c1"],
                "currency": ["SAR"],
                "amount": [1.0],
                "ordered_at": [T0],
            }
        ),
    )
    counts = wh.delete_customer(1, "c1")
    assert counts == {
        "events": 3,
        "orders": 1,
        "survey_responses": 1,
        "feedback_texts": 1,
        "tickets": 1,
        "customer_identities": 2,
        "customers": 1,
        "trait_changes": 0,
        "consents": 1,
        "identity_merges": 0,
        "customer_values": 0,
        "case_signals": 1,
        "text_enrichments": 0,  # tests/text covers the rows of erased texts
    }
    for table, spec in TABLES.items():
        if "customer_id" not in spec.column_names:
            continue
        left = wh.sql(f"SELECT count(*) FROM {table} WHERE workspace_id = 1 AND customer_id = 'c1'")[0][0]
        assert left == 0, table
    assert wh.sql("SELECT count(*) FROM events WHERE anonymous_id = 'anon-1'")[0][0] == 0
    assert wh.counts(1)["events"] == 3 and wh.counts(1)["customers"] == 1
    assert wh.counts(2)["orders"] == 1


def test_bad_batches_name_the_column_and_row_and_write_nothing(wh: Warehouse) -> None:
    with pytest.raises(Invalid) as err:
        wh.append(
            "orders",
            pd.DataFrame(
                {
                    "workspace_id": [1],
                    "order_id": ["o"],
                    "currency": ["SAR"],
                    "amount": [1.0],
                    "ordered_at": [T0],
                }
            ),
        )
    assert err.value.field == "customer_id" and "missing" in err.value.message
    with pytest.raises(Invalid) as err:
        wh.append(
            "orders",
            pd.DataFrame(
                {
                    "workspace_id": [1, 1],
                    "order_id": ["o1", "o2"],
                    "customer_id": ["c", None],
                    "currency": ["SAR", "SAR"],
                    "amount": [1.0, 2.0],
                    "ordered_at": [T0, T0],
                }
            ),
        )
    assert err.value.field == "customer_id" and "row 1" in err.value.message
    with pytest.raises(Invalid) as err:
        wh.append(
            "orders",
            pd.DataFrame(
                {
                    "workspace_id": [1],
                    "order_id": ["o"],
                    "customer_id": ["c"],
                    "currency": ["SAR"],
                    "amount": ["a lot"],
                    "ordered_at": [T0],
                }
            ),
        )
    assert err.value.field == "amount"
    with pytest.raises(Invalid) as err:
        wh.append("orders", pd.DataFrame({"workspace_id": [1], "order_id": ["o"], "surprise": [1]}))
    assert err.value.field == "surprise"
    assert wh.counts()["orders"] == 0


def test_table_expressions_are_scoped_to_one_workspace(wh: Warehouse) -> None:
    wh.append("events", _events(["a", "b"], ws=1))
    wh.append("events", _events(["c"], ws=2))
    t = wh.table("events", workspace_id=2)
    assert wh.execute(t.count()) == 1
    with pytest.raises(Invalid):
        wh.table("users", workspace_id=1)


def test_a_cursor_runs_its_own_transaction_beside_the_main_connection(wh: Warehouse) -> None:
    other = wh.cursor()
    try:
        with other.transaction():
            other.append("events", _events(["slow-import"]))
            # the main handle is not blocked by the open transaction, and does not see it yet
            assert wh.append("events", _events(["live-event"])) == 1
            assert wh.counts()["events"] == 1
        assert wh.counts()["events"] == 2
    finally:
        other.close()
    assert wh.sql("SELECT 1") == [(1,)]  # closing the cursor leaves the database open


def test_threads_read_and_write_at_once_and_a_failed_statement_poisons_nobody(wh) -> None:  # type: ignore[no-untyped-def]
    import threading

    errors: list[BaseException] = []
    stop = threading.Event()

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            try:
                wh.append(
                    "orders",
                    pd.DataFrame(
                        {
                            "workspace_id": [1],
                            "order_id": [f"w{n}-{i}"],
                            "customer_id": ["c"],
                            "currency": ["SAR"],
                            "amount": [1.0],
                            "ordered_at": [T0],
                        }
                    ),
                )
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)
            i += 1

    def reader() -> None:
        while not stop.is_set():
            try:
                wh.sql("SELECT count(*) FROM orders")
                wh.execute(wh.table("orders", workspace_id=1).count())
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)] + [
        threading.Thread(target=reader) for _ in range(3)
    ]
    for t in threads:
        t.start()
    # meanwhile, a transaction that fails half-way on this thread's connection
    for _ in range(20):
        with pytest.raises(Exception), wh.transaction() as con:  # noqa: B017 - any DuckDB error
            con.execute("INSERT INTO orders (workspace_id, order_id) VALUES (1, NULL)")
        assert wh.sql("SELECT 1") == [(1,)]  # this thread's connection works on
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert wh.sql("SELECT count(*) FROM orders")[0][0] > 0


def test_a_checkpoint_gives_postgres_the_statistics_its_plans_need(tmp_path: Path) -> None:
    """After a bulk load PostgreSQL plans as if tables held one row (a case rule's query took 17 s on the demo
    instead of 0.05 s) until its statistics are refreshed: checkpoint() refreshes them."""
    from tests.conftest import engine_warehouse

    with engine_warehouse("postgres", tmp_path) as w:
        w.append("events", _events([f"m{i}" for i in range(500)]))
        w.checkpoint()
        rows = w.sql(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() AND last_analyze IS NOT NULL"
        )
        assert {"events", "customers", "survey_responses"} <= {r[0] for r in rows}
        (estimate,) = w.sql("SELECT reltuples FROM pg_class WHERE oid = 'events'::regclass")[0]
        assert estimate == 500


def test_small_and_large_upserts_merge_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB upserts a tracking flush through the key's index and an import's large batch through joins:
    the same batches give the same rows either way (repeated keys in a batch, traits merged key by key,
    first seen kept earliest, nulls keeping stored values), inside one transaction or not."""
    import random

    from tajriba.warehouse import duckdb_engine

    rng = random.Random(11)
    start = datetime(2026, 1, 1)

    def batch(n: int) -> pa.Table:
        ids = [f"c{rng.randrange(60)}" for _ in range(n)]
        return pa.table(
            {
                "workspace_id": pa.array([1] * n, pa.int32()),
                "customer_id": ids,
                "name": [rng.choice([None, "منى", "Sara", "سارا"]) for _ in ids],
                "email": [rng.choice([None, f"{i}@x.sa"]) for i in ids],
                "traits": [
                    rng.choice([None, '{"plan":"gold"}', '{"plan":null,"vip":true}', '{"age":30}'])
                    for _ in ids
                ],
                "first_seen_at": [start + timedelta(hours=rng.randrange(1000)) for _ in ids],
                "last_seen_at": [start + timedelta(hours=rng.randrange(1000)) for _ in ids],
            }
        )

    batches = [batch(rng.choice((1, 5, 40, 200))) for _ in range(25)]
    tables = []
    for name, limit in (("index", 10**9), ("join", 0)):
        monkeypatch.setattr(duckdb_engine, "INDEXED_UPSERT_ROWS", limit)
        wh = DuckDBWarehouse(str(tmp_path / f"{name}.duckdb"))
        wh.create_schema()
        for b in batches[:10]:
            wh.upsert("customers", b)
        with wh.transaction():  # as an import does: many batches in one transaction
            for b in batches[10:]:
                wh.upsert("customers", b)
        tables.append(
            wh.sql(
                "SELECT customer_id, name, email, traits, first_seen_at, last_seen_at FROM customers "
                "ORDER BY customer_id"
            )
        )
        wh.close()
    assert tables[0] == tables[1]
    assert len(tables[0]) > 40 and any(r[3] and "vip" in r[3] for r in tables[0])


def test_writes_work_on_a_connection_ibis_has_wrapped(tmp_path: Path) -> None:
    """Ibis turns off DuckDB's scan of Python variables on its connection; the writes use it."""
    wh = DuckDBWarehouse(str(tmp_path / "wh.duckdb"))
    wh.create_schema()
    wh.execute(wh.table("customers", workspace_id=1).count())  # the thread's handle now has its Ibis backend
    rows = pa.table({"workspace_id": pa.array([1], pa.int32()), "customer_id": ["c1"], "name": ["منى"]})
    assert wh.upsert("customers", rows) == 1
    assert wh.append("customers", rows.set_column(1, "customer_id", pa.array(["c2"]))) == 1
    with wh.transaction(), wh.register("__probe", rows):
        assert wh.sql("SELECT count(*) FROM __probe") == [(1,)]
    wh.close()
