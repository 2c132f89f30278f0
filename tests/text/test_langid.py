"""Language identification on hand-written Arabic, Persian, English, Arabizi and mixed texts."""

from __future__ import annotations

import pytest

from tajriba.text.langid import identify, identify_batch


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("التوصيل كان سريع والمنتج ممتاز", "ar"),
        ("والله الخدمة ما عجبتني أبدا", "ar"),  # Gulf
        ("الطلب اتأخر خالص ومحدش رد عليا", "ar"),  # Egyptian
        ("كتير منيح بس التوصيل تأخر", "ar"),  # Levantine
        ("غذا خیلی سرد بود و پیک دیر رسید", "fa"),
        ("کیفیت محصول عالی بود، ممنون", "fa"),
        ("من از این فروشگاه راضی نیستم", "fa"),
        ("The delivery was late and the driver was rude", "en"),
        ("great service, thanks!", "en"),
        ("el delivery kan 7elw bas el as3ar ghalya", "ar"),  # Arabizi (Egyptian)
        ("ana mesh 3ayez el order da", "ar"),
        ("ena t3jbni barcha el khedma", "ar"),  # Tunisian Arabizi
        ("Le service était très lent", "other"),
        ("12345 !!!", "other"),
        ("التطبيق crash كل مرة أفتح الـ app", "ar"),  # mixed, Arabic dominant
        ("The app is great and fast, بس التوصيل بطيء", "en"),  # mixed, English dominant
    ],
)
def test_identify(text: str, language: str) -> None:
    assert identify(text).language == language


def test_arabizi_and_script_are_reported() -> None:
    lang = identify("wallah el khedma 7elwa kteer")
    assert lang.language == "ar" and lang.arabizi and lang.script == "latin"
    assert identify("التطبيق crash كل مرة").script in ("arabic", "mixed")
    assert [x.language for x in identify_batch(["hello there, the order is fine", "سلام خوبی؟ چه خبر"])] == [
        "en",
        "fa",
    ]
