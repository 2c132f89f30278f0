"""The Spark warehouse's lake: commits land whole or not at all, writers of several processes take turns without
losing or doubling a row, clean-up keeps what readers need, and addresses are checked."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from tajriba.errors import TajribaError
from tajriba.warehouse import open_warehouse
from tajriba.warehouse.lake import Lake, LakeConflict, Snapshot, rebase
from tajriba.warehouse.spark import SparkWarehouse, split_url
from tests.conftest import spark_url

T0 = datetime(2026, 3, 1, 12, 0)


def _orders(ids: list[str], ws: int = 1, amount: float = 10.0) -> pa.Table:
    return pa.table(
        {
            "workspace_id": [ws] * len(ids),
            "order_id": ids,
            "customer_id": ["c1"] * len(ids),
            "currency": ["SAR"] * len(ids),
            "amount": [amount] * len(ids),
            "ordered_at": [T0 + timedelta(minutes=i) for i in range(len(ids))],
        }
    )


@pytest.fixture
def spark_wh(tmp_path: Path):  # type: ignore[no-untyped-def]
    w = open_warehouse(spark_url(tmp_path))
    w.create_schema()
    yield w
    w.close()


def _ids(wh: SparkWarehouse, table: str = "orders") -> list[str]:
    return sorted(
        str(b) for batch in wh.read_batches(table) for b in batch.column(TABLES_KEY[table]).to_pylist()
    )


TABLES_KEY = {"orders": "order_id", "events": "message_id"}


def test_a_failed_transaction_leaves_the_lake_as_it_was_and_no_file_behind(spark_wh: SparkWarehouse) -> None:
    spark_wh.append("orders", _orders(["a", "b"]))
    before = spark_wh.lake.current()
    files_before = set(spark_wh.lake.root.rglob("*.parquet"))
    with pytest.raises(RuntimeError), spark_wh.transaction():
        spark_wh.append("orders", _orders(["c"]))
        spark_wh.run("DELETE FROM orders WHERE workspace_id = ? AND order_id = ?", [1, "a"])
        # inside the transaction its own writes are visible to its reads
        assert spark_wh.sql("SELECT order_id FROM orders ORDER BY 1") == [("b",), ("c",)]
        raise RuntimeError("the import failed half-way")
    assert spark_wh.lake.current().version == before.version
    assert set(spark_wh.lake.root.rglob("*.parquet")) == files_before
    assert spark_wh.sql("SELECT order_id FROM orders ORDER BY 1") == [("a",), ("b",)]


def test_other_threads_read_the_last_commit_while_a_transaction_is_open(spark_wh: SparkWarehouse) -> None:
    import threading

    spark_wh.append("orders", _orders(["a"]))
    seen: list[object] = []
    with spark_wh.transaction():
        spark_wh.append("orders", _orders(["b"]))
        reader = threading.Thread(
            target=lambda: seen.append(spark_wh.sql("SELECT count(*) FROM orders")[0][0])
        )
        reader.start()
        reader.join(timeout=120)
    assert seen == [1]
    assert spark_wh.sql("SELECT count(*) FROM orders")[0][0] == 2


def test_updates_and_deletes_change_only_the_partition_they_name(spark_wh: SparkWarehouse) -> None:
    spark_wh.append("orders", _orders(["a", "b"], ws=1))
    spark_wh.append("orders", _orders(["a", "z"], ws=2))
    untouched = spark_wh.lake.current().files("orders", 2)
    assert (
        spark_wh.run("UPDATE orders SET amount = 99 WHERE workspace_id = ? AND order_id = ?", [1, "a"]) == 1
    )
    assert spark_wh.run("DELETE FROM orders WHERE workspace_id = $ws AND order_id = 'b'", {"ws": 1}) == 1
    assert spark_wh.lake.current().files("orders", 2) == untouched
    rows = spark_wh.sql("SELECT workspace_id, order_id, amount FROM orders ORDER BY 1, 2")
    assert [(w, o, float(a)) for w, o, a in rows] == [(1, "a", 99.0), (2, "a", 10.0), (2, "z", 10.0)]
    # without a workspace condition every partition is considered
    assert spark_wh.run("UPDATE orders SET currency = 'EGP' WHERE order_id = 'a'") == 2
    # an INSERT is an append: a key stored already is kept as it is
    inserted = spark_wh.run(
        "INSERT INTO orders (workspace_id, order_id, customer_id, currency, amount, ordered_at) "
        "VALUES (?, ?, 'c1', 'SAR', 1, ?), (?, ?, 'c1', 'SAR', 1, ?)",
        [1, "a", T0, 1, "new", T0],
    )
    assert inserted == 1
    assert spark_wh.sql("SELECT count(*) FROM orders WHERE workspace_id = 1")[0][0] == 2


def test_upserts_rewrite_only_the_files_holding_their_keys(spark_wh: SparkWarehouse) -> None:
    spark_wh.upsert(
        "customers", pa.table({"workspace_id": [1], "customer_id": ["a"], "traits": ['{"x": 1}']})
    )
    spark_wh.upsert(
        "customers", pa.table({"workspace_id": [1], "customer_id": ["b"], "traits": ['{"y": 2}']})
    )
    first = spark_wh.lake.current().files("customers", 1)
    assert len(first) == 2
    spark_wh.upsert(
        "customers", pa.table({"workspace_id": [1], "customer_id": ["b"], "traits": ['{"z": 3}']})
    )
    after = spark_wh.lake.current().files("customers", 1)
    assert first[0] in after and first[1] not in after
    traits = dict(spark_wh.sql("SELECT customer_id, traits FROM customers ORDER BY 1"))
    assert traits == {"a": '{"x": 1}', "b": '{"y":2,"z":3}'}


def test_a_checkpoint_folds_small_files_and_removes_only_what_no_reader_needs(
    spark_wh: SparkWarehouse,
) -> None:
    for i in range(8):
        spark_wh.append("orders", _orders([f"o{i}"]))
    assert len(spark_wh.lake.current().files("orders", 1)) == 8
    spark_wh.checkpoint()
    assert len(spark_wh.lake.current().files("orders", 1)) == 1
    # the replaced files stay for readers of older snapshots until the grace period ends
    assert len(list(spark_wh.lake.root.rglob("*.parquet"))) == 9
    assert spark_wh.lake.vacuum(grace_seconds=0) == 8
    assert _ids(spark_wh) == [f"o{i}" for i in range(8)]
    assert spark_wh.sql("SELECT count(*) FROM orders")[0][0] == 8


def _append_many(url: str, worker: int, n: int) -> None:
    w = open_warehouse(url)
    for i in range(n):
        # every worker also sends one order all the others send (a resend): it must be stored once
        w.append("orders", _orders([f"w{worker}-{i}", f"shared-{i}"]))
    w.close()


def test_writers_in_several_processes_lose_nothing_and_double_nothing(tmp_path: Path) -> None:
    url = spark_url(tmp_path)
    open_warehouse(url).create_schema()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(url, k, 15)) for k in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    w = open_warehouse(url)
    ids = _ids(w)  # type: ignore[arg-type]
    expected = sorted([f"w{k}-{i}" for k in range(3) for i in range(15)] + [f"shared-{i}" for i in range(15)])
    assert ids == expected
    w.close()


def test_a_commit_on_top_of_another_applies_its_changes_or_reports_a_conflict() -> None:
    base = Snapshot(1, {"orders": {1: ("a.parquet", "b.parquet")}})
    mine = base.copy()
    mine.replace("orders", 1, ("a.parquet", "c.parquet"))  # rewrote b as c
    theirs = base.copy()
    theirs.replace("orders", 1, ("a.parquet", "b.parquet", "d.parquet"))  # appended d
    theirs.version = 2
    assert rebase(mine, base, theirs).files("orders", 1) == ("a.parquet", "d.parquet", "c.parquet")
    gone = base.copy()
    gone.replace("orders", 1, ("a.parquet",))  # removed b too
    gone.version = 2
    with pytest.raises(LakeConflict):
        rebase(mine, base, gone)


def test_addresses_name_what_is_wrong(tmp_path: Path) -> None:
    assert split_url(f"spark+local://2?lake={tmp_path}&memory=3g") == (
        "local[2]",
        str(tmp_path),
        {"memory": "3g"},
    )
    assert split_url(f"spark://master.internal:7077?lake={tmp_path}")[0] == "spark://master.internal:7077"
    with pytest.raises(TajribaError, match="lake="):
        split_url("spark+local://2")
    with pytest.raises(TajribaError, match="number of cores"):
        split_url(f"spark+local://many?lake={tmp_path}")
    lake = Lake(tmp_path / "l")
    assert lake.current().version == 0
