"""File imports: formats, encodings, dates and amounts, the ready-made mappings, rejects and re-imports."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tajriba.errors import Invalid
from tajriba.ingest.imports.mapping import Mapping, builtin_names, load_mapping
from tajriba.ingest.imports.service import import_file
from tajriba.warehouse import Warehouse


@pytest.fixture
def wh(any_wh: Warehouse) -> Warehouse:
    """Each test on DuckDB and on PostgreSQL."""
    return any_wh


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


ORDERS = [
    ["order_id", "ordered_at", "amount", "currency", "customer_email", "customer_phone", "customer_name"],
    ["A-1", "2026-03-01T20:15:00+03:00", "250.50", "SAR", "Mona@Example.com", "", "منى حسن"],
    ["A-2", "2026-03-02 21:00", "1,299.00", "SAR", "", "0559876543", "فيصل"],
]


def orders(wh: Warehouse) -> dict[str, tuple]:
    return {
        r[0]: r[1:] for r in wh.sql("SELECT order_id, ordered_at, amount, currency, customer_id FROM orders")
    }


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1256"])
def test_each_encoding_is_detected(wh: Warehouse, tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / f"orders-{encoding}.csv", ORDERS, encoding=encoding)
    report = import_file(wh, workspace_id=1, kind="orders", path=path)
    assert (report.rows, report.stored, report.rejected) == (2, 2, 0)
    got = orders(wh)
    assert got["A-1"][0] == datetime(2026, 3, 1, 17, 15) and got["A-1"][1] == Decimal("250.5")
    assert got["A-2"][0] == datetime(2026, 3, 2, 18, 0)  # no offset: read in the workspace zone (Riyadh)
    names = {r[0] for r in wh.sql("SELECT name FROM customers")}
    assert names == {"منى حسن", "فيصل"}


def test_arabic_indic_digits_and_separators_and_day_first_dates(wh: Warehouse, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "o.csv",
        [["رقم", "التاريخ", "المبلغ", "الجوال"], ["١٠١", "٠١/٠٣/٢٠٢٦ ١٤:٣٠", "١٬٢٣٤٫٥٠", "٠٥٠١٢٣٤٥٦٧"]],
    )
    mapping = Mapping(
        kind="orders",
        columns={"order_id": "رقم", "ordered_at": "التاريخ", "amount": "المبلغ", "customer_phone": "الجوال"},
        formats={"ordered_at": "%d/%m/%Y %H:%M"},
        defaults={"currency": "SAR"},
    )
    report = import_file(wh, workspace_id=1, kind="orders", path=path, mapping=mapping)
    assert report.stored == 1
    assert orders(wh)["101"][:3] == (datetime(2026, 3, 1, 11, 30), Decimal("1234.5"), "SAR")
    assert wh.sql("SELECT value FROM customer_identities WHERE kind = 'phone'") == [("+966501234567",)]


@pytest.mark.parametrize(
    ("fmt", "value", "tz", "expected"),
    [
        ("hijri", "1447-09-01", "Asia/Riyadh", datetime(2026, 2, 17, 21, 0)),
        ("hijri", "1447/9/1 20:00", "Asia/Riyadh", datetime(2026, 2, 18, 17, 0)),
        ("jalali", "1403/01/15", "Asia/Tehran", datetime(2024, 4, 2, 20, 30)),
        ("%d-%m-%Y", "31-12-2025", "UTC", datetime(2025, 12, 31, 0, 0)),
    ],
)
def test_calendar_date_formats(
    wh: Warehouse, tmp_path: Path, fmt: str, value: str, tz: str, expected: datetime
) -> None:
    path = write_csv(tmp_path / "t.csv", [["ticket_id", "created_at"], ["T1", value]])
    mapping = Mapping(
        kind="tickets",
        columns={"ticket_id": "ticket_id", "created_at": "created_at"},
        formats={"created_at": fmt},
    )
    assert import_file(wh, workspace_id=1, kind="tickets", path=path, mapping=mapping, tz=tz).stored == 1
    assert wh.sql("SELECT created_at FROM tickets") == [(expected,)]


def test_rejected_rows_are_reported_and_valid_rows_imported_once(wh: Warehouse, tmp_path: Path) -> None:
    rows = [
        *ORDERS,
        ["A-3", "yesterday", "abc", "SAR", "x@example.com", "", ""],
        ["A-4", "2026-03-03T10:00:00Z", "-5", "SAR", "y@example.com", "", ""],
        ["A-5", "2026-03-03T10:00:00Z", "10", "SAR", "", "", ""],
        ["", "2026-03-03T10:00:00Z", "10", "SAR", "z@e.com", "", ""],
    ]
    path = write_csv(tmp_path / "orders.csv", rows)
    first = import_file(wh, workspace_id=1, kind="orders", path=path)
    assert (first.rows, first.valid, first.stored, first.rejected) == (6, 2, 2, 4)
    with open(first.report_path, encoding="utf-8-sig") as handle:
        report = list(csv.DictReader(handle))
    reasons = {(r["row"], r["field"]): r["reason"] for r in report}
    assert reasons[("3", "ordered_at")].startswith("expected a date and time")
    assert reasons[("3", "amount")] == "expected an amount" and ("3", "amount") in reasons
    assert reasons[("4", "amount")] == "must not be negative"
    assert reasons[("5", "customer")].startswith("no customer identifier")
    assert reasons[("6", "order_id")] == "required, but empty"
    assert {r["value"] for r in report if r["row"] == "3" and r["field"] == "ordered_at"} == {"yesterday"}
    again = import_file(wh, workspace_id=1, kind="orders", path=path)
    assert (again.stored, again.valid) == (0, 2)
    assert wh.counts(1)["orders"] == 2


def test_a_dry_run_writes_nothing(wh: Warehouse, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "orders.csv", ORDERS)
    report = import_file(wh, workspace_id=1, kind="orders", path=path, dry_run=True)
    assert (report.valid, report.dry_run) == (2, True)
    assert wh.counts() == {k: 0 for k in wh.counts()}


@pytest.mark.parametrize("fmt", ["tsv", "jsonl", "parquet", "xlsx"])
def test_every_file_format(wh: Warehouse, tmp_path: Path, fmt: str) -> None:
    header, *data = ORDERS
    path = tmp_path / f"orders.{fmt}"
    if fmt == "tsv":
        write_csv(path, ORDERS, delimiter="\t")
    elif fmt == "jsonl":
        path.write_text(
            "\n".join(json.dumps(dict(zip(header, r, strict=True)), ensure_ascii=False) for r in data),
            encoding="utf-8",
        )
    elif fmt == "parquet":
        pq.write_table(pa.table({h: [r[i] for r in data] for i, h in enumerate(header)}), path)
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        for row in ORDERS:
            sheet.append(row)
        book.save(path)
    report = import_file(wh, workspace_id=1, kind="orders", path=path)
    assert (report.stored, report.rejected) == (2, 0)


def test_missing_columns_and_empty_files_get_clear_errors(wh: Warehouse, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [["Order", "When"], ["1", "2026-01-01"]])
    with pytest.raises(Invalid, match="Columns found: Order, When"):
        import_file(wh, workspace_id=1, kind="orders", path=path)
    with pytest.raises(Invalid, match="needs column"):
        import_file(wh, workspace_id=1, kind="orders", path=path, mapping=load_mapping("shopify_orders"))
    empty = write_csv(tmp_path / "empty.csv", [ORDERS[0]])
    with pytest.raises(Invalid, match="no data rows"):
        import_file(wh, workspace_id=1, kind="orders", path=empty)
    with pytest.raises(Invalid, match="not valid TOML"):
        bad = tmp_path / "m.toml"
        bad.write_text("kind = ", encoding="utf-8")
        load_mapping(bad)


SAMPLES = {
    "shopify_orders": (
        "orders",
        [
            [
                "Name",
                "Email",
                "Financial Status",
                "Paid at",
                "Fulfillment Status",
                "Fulfilled at",
                "Currency",
                "Subtotal",
                "Shipping",
                "Taxes",
                "Total",
                "Discount Amount",
                "Created at",
                "Lineitem quantity",
                "Lineitem name",
                "Billing Name",
                "Shipping City",
                "Phone",
                "Cancelled at",
                "Payment Method",
            ],
            [
                "#1001",
                "sara@example.com",
                "paid",
                "2026-03-01 10:00:00 +0300",
                "fulfilled",
                "2026-03-03 12:00:00 +0300",
                "SAR",
                "230.00",
                "20.00",
                "34.50",
                "284.50",
                "0.00",
                "2026-03-01 09:58:10 +0300",
                "2",
                "عطر عود",
                "Sara Ahmadi",
                "Riyadh",
                "+966501112233",
                "",
                "mada",
            ],
            [
                "#1001",
                "sara@example.com",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "2026-03-01 09:58:10 +0300",
                "1",
                "بخور",
                "",
                "",
                "",
                "",
                "",
            ],
            [
                "#1002",
                "omar@example.com",
                "refunded",
                "",
                "",
                "",
                "SAR",
                "99.00",
                "0.00",
                "14.85",
                "113.85",
                "10.00",
                "2026-03-05 18:30:00 +0300",
                "1",
                "شاحن",
                "Omar",
                "Jeddah",
                "",
                "2026-03-06 09:00:00 +0300",
                "visa",
            ],
        ],
        2,
    ),
    "shopify_customers": (
        "customers",
        [
            [
                "Customer ID",
                "First Name",
                "Last Name",
                "Email",
                "Accepts Email Marketing",
                "Accepts SMS Marketing",
                "Default Address City",
                "Default Address Country Code",
                "Phone",
                "Total Spent",
                "Total Orders",
                "Tags",
            ],
            [
                "7001",
                "Sara",
                "Ahmadi",
                "sara@example.com",
                "yes",
                "no",
                "Riyadh",
                "SA",
                "+966501112233",
                "284.50",
                "1",
                "vip",
            ],
            ["7002", "عمر", "الحربي", "omar@example.com", "no", "", "Jeddah", "SA", "", "113.85", "1", ""],
        ],
        2,
    ),
    "zid_orders": (
        "orders",
        [
            [
                "order_id",
                "created_at",
                "customer_name",
                "customer_mobile",
                "customer_email",
                "city",
                "order_status",
                "payment_method",
                "order_total",
                "currency_code",
            ],
            [
                "Z-55",
                "2026-04-01T12:00:00+03:00",
                "نورة",
                "0551234567",
                "noura@example.com",
                "الخبر",
                "delivered",
                "cod",
                "410.00",
                "SAR",
            ],
        ],
        1,
    ),
    "zendesk_tickets": (
        "tickets",
        [
            [
                "Id",
                "Requester",
                "Requester email",
                "Subject",
                "Status",
                "Priority",
                "Ticket type",
                "Via",
                "Assignee",
                "Group",
                "Created at",
                "Solved at",
                "First reply time in minutes",
                "Satisfaction Score",
            ],
            [
                "901",
                "Sara",
                "sara@example.com",
                "الطلب متأخر",
                "solved",
                "high",
                "problem",
                "Web form",
                "Khalid",
                "Support",
                "2026-03-04T08:00:00Z",
                "2026-03-04T14:00:00Z",
                "45",
                "4",
            ],
        ],
        1,
    ),
    "freshdesk_tickets": (
        "tickets",
        [
            [
                "Ticket ID",
                "Subject",
                "Status",
                "Priority",
                "Source",
                "Type",
                "Agent",
                "Group",
                "Created time",
                "Resolved time",
                "Closed time",
                "Initial response time",
                "Full name",
                "Email",
                "Work phone",
            ],
            [
                "44",
                "مشكلة في الدفع",
                "Closed",
                "Medium",
                "Email",
                "Question",
                "Reem",
                "Billing",
                "2026-03-04 09:00:00",
                "2026-03-04 11:00:00",
                "2026-03-05 09:00:00",
                "2026-03-04 09:20:00",
                "Omar",
                "omar@example.com",
                "",
            ],
        ],
        1,
    ),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_ready_made_mappings_on_realistic_exports(wh: Warehouse, tmp_path: Path, name: str) -> None:
    kind, rows, stored = SAMPLES[name]
    path = write_csv(tmp_path / f"{name}.csv", rows)
    report = import_file(wh, workspace_id=1, kind=kind, path=path)  # detected from the headers
    assert report.mapping == load_mapping(name).name
    assert (report.stored, report.rejected) == (stored, 0), report.errors
    if name == "shopify_orders":
        assert orders(wh)["#1001"][1] == Decimal("284.5")
        assert wh.sql("SELECT items FROM orders WHERE order_id = '#1001'") == [(3,)]  # 2 + 1 line items
        assert wh.sql("SELECT cancelled_at IS NOT NULL FROM orders WHERE order_id = '#1002'") == [(True,)]
    if name == "zendesk_tickets":
        assert wh.sql("SELECT first_response_at FROM tickets") == [(datetime(2026, 3, 4, 8, 45),)]
    if name == "shopify_customers":
        assert {r[0] for r in wh.sql("SELECT name FROM customers")} == {"Sara Ahmadi", "عمر الحربي"}
        assert (
            json.loads(wh.sql("SELECT traits FROM customers WHERE email = 'sara@example.com'")[0][0])["tags"]
            == "vip"
        )


def test_salla_mapping_reads_arabic_headers(wh: Warehouse, tmp_path: Path) -> None:
    mapping = load_mapping("salla_orders")
    header = list(mapping.columns.values())
    row = {
        "رقم الطلب": "S-1",
        "تاريخ الطلب": "2026-03-01 20:15:00",
        "اسم العميل": "منى",
        "جوال العميل": "0501234567",
        "البريد الإلكتروني": "",
        "المدينة": "جدة",
        "حالة الطلب": "مكتمل",
        "طريقة الدفع": "مدى",
        "إجمالي الطلب": "250.50",
        "تكلفة الشحن": "19",
        "الخصم": "0",
    }
    path = write_csv(tmp_path / "salla.csv", [header, [row[h] for h in header]], encoding="cp1256")
    report = import_file(wh, workspace_id=1, kind="orders", path=path)
    assert report.mapping == mapping.name and report.stored == 1


def test_imported_orders_join_the_profile_the_tracking_api_created(wh: Warehouse, tmp_path: Path) -> None:
    from datetime import UTC

    import orjson

    from tajriba.customers.identity import IdentityPolicy
    from tajriba.ingest.segment import parse_request
    from tajriba.ingest.writer import WorkspaceRules, store

    body = {"batch": [{"type": "identify", "userId": "u1", "traits": {"email": "mona@example.com"}}]}
    parsed, _ = parse_request(
        orjson.dumps(body), path_type=None, received_at=datetime(2026, 3, 1, tzinfo=UTC)
    )
    store(wh, workspace_id=1, batch=parsed.table(), rules=WorkspaceRules(policy=IdentityPolicy()))
    tracked = wh.sql("SELECT customer_id FROM customer_identities WHERE value = 'u1'")[0][0]
    import_file(wh, workspace_id=1, kind="orders", path=write_csv(tmp_path / "o.csv", ORDERS))
    assert orders(wh)["A-1"][3] == tracked


def test_a_row_linking_two_profiles_merges_them_with_a_record_and_moves_their_data(
    wh: Warehouse, tmp_path: Path
) -> None:
    import_file(wh, workspace_id=1, kind="orders", path=write_csv(tmp_path / "o.csv", ORDERS))
    mona, faisal = orders(wh)["A-1"][3], orders(wh)["A-2"][3]
    assert mona != faisal
    linking = [ORDERS[0], ["A-3", "2026-03-05 10:00", "99", "SAR", "mona@example.com", "0559876543", "منى"]]
    import_file(wh, workspace_id=1, kind="orders", path=write_csv(tmp_path / "link.csv", linking))
    into, merged, reason = wh.sql(
        "SELECT into_customer_id, merged_customer_ids, reason FROM identity_merges"
    )[0]
    assert {into, *json.loads(merged)} == {mona, faisal} and "import" in reason
    assert {o[3] for o in orders(wh).values()} == {into}  # every order is on the surviving profile
    owners = wh.sql("SELECT DISTINCT customer_id FROM customer_identities WHERE workspace_id = 1")
    assert owners == [(into,)]


def test_builtin_mappings_are_all_valid() -> None:
    assert set(builtin_names()) == set(SAMPLES) | {"salla_orders"}
    for name in builtin_names():
        load_mapping(name).check()


def test_a_salla_style_file_with_its_own_arabic_headers_and_hijri_dates_maps_itself(
    wh: Warehouse, tmp_path: Path
) -> None:
    """Headers as a Salla or Zid export in Arabic writes them (not the built-in mapping's exact names), dates
    in Hijri with Arabic-Indic digits: every needed column is recognised and the calendar read from the values."""
    from tajriba.ingest.imports.mapping import detect_mapping

    rows = [
        [
            "رقم الطلب",
            "تاريخ الطلب",
            "اسم العميل",
            "الجوال",
            "الإجمالي",
            "حالة الطلب",
            "طريقة الدفع",
            "ملاحظات",
        ],
        ["١٠٠١", "١٤٤٧/٠٩/٠١ ٢٠:١٥", "منى حسن", "0551234567", "٢٥٠٫٥٠", "تم التوصيل", "مدى", "بدون بصل"],
        ["1002", "1447/09/15", "فيصل", "0559876543", "1,299.00", "ملغي", "Apple Pay", ""],
    ]
    path = write_csv(tmp_path / "salla.csv", rows)
    mapping = detect_mapping(
        "orders", rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]], currency="SAR"
    )
    assert mapping.columns == {
        "order_id": "رقم الطلب",
        "ordered_at": "تاريخ الطلب",
        "customer_name": "اسم العميل",
        "customer_phone": "الجوال",
        "amount": "الإجمالي",
        "status": "حالة الطلب",
        "payment_method": "طريقة الدفع",
    }
    assert mapping.formats == {"ordered_at": "hijri"} and mapping.defaults == {"currency": "SAR"}
    report = import_file(wh, workspace_id=1, kind="orders", path=path, currency="SAR")
    assert (report.rows, report.stored, report.rejected) == (2, 2, 0), report.errors
    got = orders(wh)
    # 1 Ramadan 1447 (Umm al-Qura) is 18 February 2026; 20:15 in Riyadh is 17:15 UTC
    assert got["1001"][0] == datetime(2026, 2, 18, 17, 15) and got["1001"][1] == Decimal("250.5")
    assert got["1002"][0] == datetime(2026, 3, 3, 21, 0) and got["1002"][2] == "SAR"


def test_persian_headers_and_jalali_dates_are_recognised() -> None:
    from tajriba.ingest.imports.guess import fold, time_format
    from tajriba.ingest.imports.mapping import detect_mapping

    headers = ["شماره سفارش", "تاریخ سفارش", "مبلغ کل", "ارز", "موبایل"]
    sample = [dict(zip(headers, ["۵۰۱", "۱۴۰۴/۱۲/۰۱", "۱۲۰۰۰۰۰", "IRR", "09121234567"], strict=True))]
    mapping = detect_mapping("orders", headers, sample)
    assert mapping.columns["order_id"] == "شماره سفارش" and mapping.columns["amount"] == "مبلغ کل"
    assert mapping.columns["currency"] == "ارز" and mapping.formats == {"ordered_at": "jalali"}
    # spelling variants fold together; day-first and month-first Gregorian dates are told apart
    assert fold("تأريخ_الطلب") == fold("تاريخ الطلب") and fold("ايميل") == fold("ایمیل")
    assert time_format(["25/03/2026", "01/04/2026"]) == "%d/%m/%Y"
    assert time_format(["03/25/2026", "04/01/2026"]) == "%m/%d/%Y"
    assert time_format(["2026-03-25"]) is None


def test_rejection_reasons_speak_the_importers_language(wh: Warehouse, tmp_path: Path) -> None:
    from tajriba.i18n import speaking

    path = write_csv(tmp_path / "bad.csv", [ORDERS[0], ["A-9", "yesterday", "-5", "SAR", "a@b.c", "", "x"]])
    with speaking("ar"):
        report = import_file(wh, workspace_id=1, kind="orders", path=path, dry_run=True)
    reasons = {e["field"]: e["reason"] for e in report.errors}
    assert reasons["amount"] == "يجب ألا يكون سالبًا" and reasons["ordered_at"].startswith(
        "المتوقع تاريخ ووقت"
    )


def test_a_broken_file_names_the_file_and_the_line_in_the_readers_language(
    wh: Warehouse, tmp_path: Path
) -> None:
    from tajriba.i18n import speaking

    path = tmp_path / "orders-march.csv"
    path.write_text(
        "order_id,ordered_at,amount,currency\nA-1,2026-03-01,10,SAR\nA-2,2026-03-02,12,SAR\nA-3,2026-03-03,1,2,SAR,x\n",
        encoding="utf-8",
    )
    with speaking("ar"), pytest.raises(Invalid) as caught:
        import_file(wh, workspace_id=1, kind="orders", path=path)
    assert caught.value.message == "orders-march.csv: السطر 4 فيه 6 أعمدة بينما في الترويسة 4"
    bad = tmp_path / "events.jsonl"
    bad.write_text('{"event": "a"}\nnot json\n', encoding="utf-8")
    with pytest.raises(Invalid, match=r"events.jsonl: line 2 is not JSON"):
        import_file(wh, workspace_id=1, kind="events", path=bad)


def test_a_profiles_phone_is_read_in_the_workspaces_region_like_its_identifier(
    wh: Warehouse, tmp_path: Path
) -> None:
    """0501234567 is a Saudi mobile and an Egyptian landline: an Egyptian workspace reads it as Egyptian, on the
    profile as in the identifiers (each distinct phone parsed once)."""
    rows = [["order_id", "ordered_at", "amount", "currency", "customer_phone"],
            ["E-1", "2026-03-01", "10", "EGP", "0501234567"], ["E-2", "2026-03-02", "12", "EGP", "050 123 4567"]]  # fmt: skip
    import_file(wh, workspace_id=1, kind="orders", path=write_csv(tmp_path / "eg.csv", rows), region="EG")
    assert wh.sql("SELECT DISTINCT phone FROM customers") == [("+20501234567",)]
    assert wh.sql("SELECT value FROM customer_identities WHERE kind = 'phone'") == [("+20501234567",)]
