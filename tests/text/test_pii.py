"""Personal data: the labelled cases of ../shared/data/pii/cases.json and our own (digit scripts,
separators, false-positive traps)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tajriba.text.pii import detect, iban_ok, iran_id_ok, luhn_ok, redact, saudi_id_ok

CASES = Path(__file__).resolve().parents[3] / "shared" / "data" / "pii" / "cases.json"


def _cases() -> list:
    if not CASES.exists():
        pytest.skip(f"{CASES} not present")
    return json.loads(CASES.read_text(encoding="utf-8"))


def test_recall_per_type_and_no_false_positives_on_the_shared_cases() -> None:
    found, wanted, false = Counter(), Counter(), []
    for text, spans in _cases():
        got = {(s.start, s.end, s.type) for s in detect(text)}
        want = {tuple(s) for s in spans}
        for s in want:
            wanted[s[2]] += 1
            found[s[2]] += s in got
        false += [(text, s) for s in got - want]
    recall = {t: found[t] / wanted[t] for t in wanted}
    assert all(r >= 0.95 for r in recall.values()), recall
    assert false == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("جوالي ٠٥٥ ١٢٣ ٤٥٦٧ اتصلوا", [("PHONE", "٠٥٥ ١٢٣ ٤٥٦٧")]),  # Arabic-Indic digits, spaced
        ("call 055-123-4567 please", [("PHONE", "055-123-4567")]),
        ("رقمي 00966 55 123 4567", [("PHONE", "00966 55 123 4567")]),
        ("موبایلم ۰۹۱۲ ۳۴۵ ۶۷۸۹ هست", [("PHONE", "۰۹۱۲ ۳۴۵ ۶۷۸۹")]),
        ("Egypt mobile 0100 123 4567", [("PHONE", "0100 123 4567")]),
        ("write to Sara.Ali+cx@mail.example.com.sa now", [("EMAIL", "Sara.Ali+cx@mail.example.com.sa")]),
        ("IBAN SA03 8000 0000 6080 1016 7519 thanks", [("IBAN", "SA03 8000 0000 6080 1016 7519")]),
        ("card 4111-1111-1111-1111 declined", [("CREDIT_CARD", "4111-1111-1111-1111")]),
        (
            "reset link https://shop.example.com/reset?token=ab12cd34ef56&lang=ar",
            [("URL", "https://shop.example.com/reset?token=ab12cd34ef56&lang=ar")],
        ),
    ],
)
def test_own_cases(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(s.type, text[s.start : s.end]) for s in detect(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "رقم الطلب 0551234567 لم يصل",  # an order number shaped like a mobile, after "order"
        "invoice 4111111111111111",  # a Luhn-valid number after "invoice"
        "شماره سفارش ۰۹۱۲۳۴۵۶۷۸۹",
        "delivered on 2024-03-11 at 14:30, total 1,250.00 SAR",
        "tracking 1Z999AA10123456784",
        "https://shop.example.com/products/blue-shirt?size=m",  # a URL without a secret
        "IBAN SA03 8000 0000 6080 1016 7518",  # a wrong check digit
        "card 4111 1111 1111 1112",  # fails Luhn
        "Order #4839201756 and #1526018153",
        "call 12345678",  # 8 digits and no country code or Gulf prefix
    ],
)
def test_traps_are_not_personal_data(text: str) -> None:
    assert detect(text) == []


def test_check_digit_algorithms() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert saudi_id_ok("1526018153") and not saudi_id_ok("3526018153")
    assert iran_id_ok("0792440269") and not iran_id_ok("0792440268") and not iran_id_ok("1111111111")
    assert iban_ok("SA0380000000608010167519") and not iban_ok("SA0380000000608010167518")


def test_redact_replaces_each_span_with_its_type() -> None:
    text = "هويتي 1526018153 وجوالي 0560830166"
    assert redact(text, detect(text)) == "هويتي [SA_NATIONAL_ID] وجوالي [PHONE]"
    assert redact("nothing here", []) == "nothing here"
