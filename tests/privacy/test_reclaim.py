"""After an erasure no deleted value stays in the stores' files: DuckDB keeps a deleted row's bytes in its
block (shown here), so the file is rewritten the next time it is opened; SQLite zeroes deleted rows."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from sqlalchemy import text

from tajriba.db.session import make_engine, reclaim
from tajriba.warehouse import open_warehouse

SECRET = "hana.almutairi.secret@example.sa"


def test_duckdb_rewrites_its_file_on_the_next_open_and_keeps_everyone_else(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    wh = open_warehouse(f"duckdb:///{path}")
    wh.create_schema()
    others = [f"c{i}" for i in range(2000)]
    wh.upsert("customers", pa.table({"workspace_id": [1] * 2001, "customer_id": ["hana", *others],
                                     "email": [SECRET, *(f"{c}@example.com" for c in others)]}))  # fmt: skip
    wh.checkpoint()
    assert wh.delete_customer(1, "hana")["customers"] == 1
    assert wh.reclaim(["customers"]) == "next_open"
    wh.close()
    assert SECRET.encode() in path.read_bytes()  # deleted, checkpointed, and still in the file
    wh = open_warehouse(f"duckdb:///{path}")
    try:
        assert SECRET.encode() not in path.read_bytes()
        assert not Path(f"{path}.rewrite").exists()
        assert wh.sql("SELECT count(*) FROM customers")[0][0] == 2000
        wh.upsert(
            "customers", pa.table({"workspace_id": [1], "customer_id": ["c1"], "email": ["new@example.com"]})
        )
        assert wh.sql("SELECT count(*) FROM customers")[0][0] == 2000  # the key still holds after the copy
    finally:
        wh.close()


def test_sqlite_zeroes_deleted_rows_and_truncates_its_log(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    engine = make_engine(f"sqlite:///{path}")
    rows = [{"b": f"note {i} " + "x" * 50} for i in range(250)]
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        conn.execute(text("INSERT INTO notes (body) VALUES (:b)"), rows)
        conn.execute(text("INSERT INTO notes (body) VALUES (:b)"), {"b": SECRET})
        conn.execute(text("INSERT INTO notes (body) VALUES (:b)"), rows)
    assert reclaim(engine, ["notes"]) == "done"
    assert SECRET.encode() in path.read_bytes()  # in the file itself now, amid other rows
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM notes WHERE body = :b"), {"b": SECRET})
    assert reclaim(engine, ["notes"]) == "done"
    for file in tmp_path.iterdir():
        assert SECRET.encode() not in file.read_bytes(), file.name
    assert Path(f"{path}-wal").stat().st_size == 0
    engine.dispose()
