"""File import of an orders CSV (target: >= 200,000 rows/s for 1,000,000 rows, peak memory under 1 GB).

    python benchmarks/import_bench.py [--rows 1000000] [--customers 300000] [--no-phones]

The file is what a Saudi shop exports: order id, time with its zone, amount with thousands separators,
currency, the customer's e-mail and phone (written as people write them: +966 5x xxx xxxx, 05xxxxxxxx, with
dashes, in Arabic-Indic digits) and Arabic name. Prints the product's rate (`import_file` into an empty DuckDB
warehouse, then a re-import: nothing new), its peak RSS, and the floor: DuckDB's own `read_csv` into a table
keyed the same way.
"""

from __future__ import annotations

import argparse
import csv
import platform
import resource
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from tajriba.ingest.imports.service import import_file
from tajriba.warehouse import DuckDBWarehouse

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
NAMES = ["منى حسن", "فيصل العتيبي", "سارة القحطاني", "عبدالله الدوسري", "نورة الشمري", "خالد الزهراني"]


def _phone(n: int, style: int) -> str:
    digits = f"5{n % 100_000_000:08d}"
    if style == 0:
        return f"+966 {digits[:2]} {digits[2:5]} {digits[5:]}"
    if style == 1:
        return f"0{digits}"
    if style == 2:
        return f"0{digits[:2]}-{digits[2:5]}-{digits[5:]}"
    return f"0{digits}".translate(ARABIC_DIGITS)


def write_orders(path: Path, rows: int, customers: int, phones: bool) -> None:
    rng = np.random.default_rng(7)
    who = rng.integers(0, customers, rows)
    style = rng.integers(0, 4, customers)  # each customer writes their phone one way
    seconds = np.sort(rng.integers(0, 365 * 86400, rows))
    amount = rng.gamma(2.0, 200.0, rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["order_id", "ordered_at", "amount", "currency", "customer_email", "customer_name"]
                     + (["customer_phone"] if phones else []))  # fmt: skip
        for i in range(rows):
            c = int(who[i])
            day = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1_735_689_600 + int(seconds[i])))
            row = [
                f"O-{i}",
                f"{day}+03:00",
                f"{amount[i]:,.2f}",
                "SAR",
                f"customer{c}@example.com",
                NAMES[c % 6],
            ]
            out.writerow(row + ([_phone(c * 7919, int(style[c]))] if phones else []))


def _as_xlsx(path: Path) -> Path:
    """The CSV's rows as an XLSX workbook (openpyxl, write-only)."""
    from openpyxl import Workbook

    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            sheet.append(row)
    out = path.with_suffix(".xlsx")
    book.save(out)
    print(f"XLSX {out.stat().st_size / 1e6:.0f} MB written in {time.perf_counter() - started:.1f} s")
    return out


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=300_000)
    parser.add_argument("--no-phones", action="store_true")
    parser.add_argument(
        "--memory-mb", type=int, default=None, help="DuckDB memory_limit, as TAJRIBA_IMPORT_MEMORY_MB"
    )
    parser.add_argument("--xlsx", action="store_true", help="the same rows as an XLSX file (first sheet)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.csv"
        started = time.perf_counter()
        write_orders(path, args.rows, args.customers, phones=not args.no_phones)
        print(f"machine: {platform.machine()}, {platform.python_version()}; file {path.stat().st_size / 1e6:.0f} MB "
              f"written in {time.perf_counter() - started:.1f} s")  # fmt: skip
        source = _as_xlsx(path) if args.xlsx else path
        wh = DuckDBWarehouse(f"{tmp}/wh.duckdb")
        wh.create_schema()
        if args.memory_mb:
            wh.run(f"SET memory_limit = '{args.memory_mb}MB'")
        for label in ("first import", "re-import"):
            started = time.perf_counter()
            report = import_file(wh, workspace_id=1, kind="orders", path=source)
            took = time.perf_counter() - started
            print(f"{label}: {took:.1f} s = {args.rows / took:,.0f} rows/s, stored {report.stored:,}, "
                  f"rejected {report.rejected:,}; peak RSS so far {_peak_mb():,.0f} MB")  # fmt: skip
        profiles = wh.sql("SELECT count(*), count(phone) FROM customers")[0]
        print(f"profiles {profiles[0]:,}, with a phone {profiles[1]:,}")
        wh.close()
        floor = duckdb.connect(f"{tmp}/floor.duckdb")
        started = time.perf_counter()
        floor.execute("CREATE TABLE o AS SELECT * FROM read_csv(?, header = true)", [str(path)])
        floor.execute("ALTER TABLE o ADD PRIMARY KEY (order_id)")
        took = time.perf_counter() - started
        print(f"floor (DuckDB read_csv into a keyed table): {took:.1f} s = {args.rows / took:,.0f} rows/s")
        floor.close()


if __name__ == "__main__":
    main()
