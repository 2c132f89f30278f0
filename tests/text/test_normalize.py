"""Normalisation cases per language, and the fold used for search and features."""

from __future__ import annotations

import pytest

from tajriba.text.normalize import ZWNJ, ascii_digits, fold, normalize


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("مُمْتَازٌ جِدًّا", "ar", "ممتاز جدا"),  # diacritics
        ("رائـــــع", "ar", "رائع"),  # tatweel
        ("أحمد إبراهيم آمن ٱلله", "ar", "احمد ابراهيم امن الله"),  # alef forms
        ("مستشفى المدينة", "ar", "مستشفي المدينه"),  # alef maqsura, taa marbuta
        ("حلوووووو", "ar", "حلوو"),  # elongation cut to two
        ("الطلب رقم ١٢٣٤", "ar", "الطلب رقم 1234"),  # Arabic-Indic digits
        ("خيلي ممنون", "fa", "خیلی ممنون"),  # Arabic yeh -> Persian yeh
        ("كيفيت", "fa", "کیفیت"),  # Arabic kaf -> Persian kaf
        (f"می{ZWNJ}{ZWNJ}خواهم", "fa", f"می{ZWNJ}خواهم"),  # ZWNJ runs collapse
        (f"می {ZWNJ}خواهم", "fa", "می خواهم"),  # a ZWNJ beside a space goes
        ("سفارش ۱۴۰۲", "fa", "سفارش 1402"),  # Persian digits
        ("SOOOO   Good!!", "en", "soo good!!"),
        ("great 😍😍", "en", "great 😍😍"),  # emoji kept
    ],
)
def test_normalize(text: str, language: str, expected: str) -> None:
    assert normalize(text, language) == expected


def test_fold_meets_arabic_and_persian_spellings() -> None:
    assert fold("کیفیت") == fold("كيفيت") == fold("كيفيت")
    assert fold("إرجاع") == fold("ارجاع") == fold("أرجاع")
    assert fold(f"می{ZWNJ}خواهم") == "مي خواهم"
    assert fold("  التوصيل\n\tمتأخر  ") == "التوصيل متاخر"


def test_ascii_digits_keeps_offsets() -> None:
    text = "هويتي ١٠٩٣ و ۰۹۱۲"
    out = ascii_digits(text)
    assert len(out) == len(text) and out.endswith("1093 و 0912")
