"""Imports stream: the memory an import holds does not follow the file's size, and a 450,000-row file
imported by `tajriba import` with TAJRIBA_IMPORT_MEMORY_MB stays under 1 GB (benchmarks/import_bench.py
measures 1,000,000 rows)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pyarrow as pa

from tajriba.ingest.imports.service import import_file
from tajriba.warehouse import DuckDBWarehouse
from tests.ingest.test_real_clients import prepare


def _orders(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("order_id,ordered_at,amount,currency,customer_email,customer_name,customer_phone\n")
        for i in range(rows):
            c = i % max(rows // 3, 1)
            fh.write(f"{path.stem}-{i},2026-03-{1 + i % 28:02d}T10:{i % 60:02d}:00+03:00,{100 + i % 900}.50,SAR,"
                     f"customer{c}@example.com,منى حسن,05{c % 10**8:08d}\n")  # fmt: skip


def _arrow_peak(tmp_path: Path, rows: int) -> int:
    """The most Arrow memory held at the end of any batch of an import of `rows` rows (in one transaction)."""
    path = tmp_path / f"o{rows}.csv"
    _orders(path, rows)
    wh = DuckDBWarehouse(str(tmp_path / f"w{rows}.duckdb"))
    wh.create_schema()
    peak = [0]

    def progress(_rows: int) -> None:
        peak[0] = max(peak[0], pa.total_allocated_bytes())

    try:
        report = import_file(wh, workspace_id=1, kind="orders", path=path, progress=progress)
    finally:
        wh.close()
    assert report.stored == rows
    return peak[0]


def test_the_memory_an_import_holds_does_not_follow_the_file_size(tmp_path: Path) -> None:
    # both past one batch (100,000 rows); a batch's tables were once kept alive until the import's commit
    small, large = _arrow_peak(tmp_path, 150_000), _arrow_peak(tmp_path, 450_000)
    assert large < small + 30 * 2**20, (small / 2**20, large / 2**20)


def test_a_cli_import_stays_under_a_gigabyte(tmp_path: Path) -> None:
    data = tmp_path / "data"
    prepare(data)
    orders = tmp_path / "orders.csv"
    _orders(orders, 450_000)
    out, err = tmp_path / "out.json", tmp_path / "err.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tajriba.cli", "import", "orders", str(orders), "--workspace", "shop",
             "--data-dir", str(data), "--json"],
            stdout=stdout, stderr=stderr, env={**os.environ, "TAJRIBA_IMPORT_MEMORY_MB": "300"},
        )  # fmt: skip
        peak = 0  # the child's own high-water mark (getrusage would count this test process's, from the fork)
        while proc.poll() is None:
            peak = max(peak, _high_water_kb(proc.pid))
            time.sleep(0.1)
    assert proc.returncode == 0, err.read_text()[-2000:]
    assert orjson.loads(out.read_bytes())["stored"] == 450_000
    assert 100_000 < peak < 1024 * 1024, peak / 1024


def _high_water_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # it has just ended
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
