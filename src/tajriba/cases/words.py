"""A starting list of complaint words in Arabic (MSA, Gulf, Egyptian, Levantine), Persian and English.

Matched on folded text (tajriba.text.normalize.fold: alef forms, ta marbuta, Persian letters folded), as
whole words or word starts, so "تأخر", "تاخرت" and "متأخر" all match "تاخر". A rule may add its own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tajriba.text import service as text_service

COMPLAINT_WORDS: dict[str, tuple[str, ...]] = {
    "ar": (
        # late, slow, waiting
        "تأخر",
        "متأخر",
        "تأخير",
        "بطيء",
        "بطء",
        "انتظرت",
        "لسه ما وصل",
        "ما وصل",
        "ماوصل",
        "لم يصل",
        "ما جا",
        "ماجا",
        "مو واصل",
        "مش واصل",
        "موصلش",
        "ماوصلش",
        # no answer, ignored
        "لا أحد يرد",
        "ما أحد يرد",
        "محد يرد",
        "ماحد رد",
        "ما ردوا",
        "مش بيردوا",
        "محدش بيرد",
        "لم يرد",
        "ما يردون",
        "تجاهل",
        "بدون رد",
        # refund, money, charged
        "استرجاع",
        "استرداد",
        "ارجاع المبلغ",
        "رجعوا فلوسي",
        "فلوسي",
        "خصم مرتين",
        "سحب مرتين",
        "احتيال",
        # broken, wrong, bad
        "تالف",
        "مكسور",
        "خربان",
        "بايظ",
        "غلط",
        "خطأ",
        "ناقص",
        "سيء",
        "سيئ",
        "زفت",
        "مقرف",
        "فاشل",
        "أسوأ",
        "اسوأ",
        "كارثة",
        "مهزلة",
        "نصب",
        "شكوى",
        "اشتكي",
        "أشتكي",
        "الغاء",
        "إلغاء",
        "ألغي",
    ),
    "fa": (
        "تاخیر",
        "دیر",
        "هنوز نرسیده",
        "نرسید",
        "منتظرم",
        "کند",
        "جواب نمیدن",
        "جواب نمی‌دهند",
        "پاسخ نمی",
        "کسی جواب",
        "بی‌جواب",
        "بازپرداخت",
        "پس بدید",
        "پولم",
        "مرجوعی",
        "استرداد",
        "دوبار کسر",
        "خراب",
        "شکسته",
        "اشتباه",
        "ناقص",
        "بد",
        "افتضاح",
        "کلاهبرداری",
        "شکایت",
        "لغو",
    ),
    "en": (
        "late",
        "delay",
        "delayed",
        "still waiting",
        "never arrived",
        "not arrived",
        "hasn't arrived",
        "slow",
        "no answer",
        "no response",
        "no reply",
        "nobody answers",
        "ignored",
        "unanswered",
        "refund",
        "money back",
        "charged twice",
        "double charged",
        "scam",
        "fraud",
        "broken",
        "damaged",
        "wrong item",
        "missing",
        "terrible",
        "awful",
        "worst",
        "horrible",
        "useless",
        "complaint",
        "complain",
        "cancel",
        "unacceptable",
        "disappointed",
    ),
}


def all_words() -> tuple[str, ...]:
    return tuple(w for words in COMPLAINT_WORDS.values() for w in words)


def pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regular expression finding any of the words at a word start in folded text."""
    folded = sorted({text_service.fold(w) for w in words if w and w.strip()}, key=len, reverse=True)
    latin = [w for w in folded if w.isascii()]
    other = [w for w in folded if not w.isascii()]
    parts = []
    if latin:  # whole words: "late" must not find "latest"
        parts.append(r"(?<!\w)(" + "|".join(re.escape(w) for w in latin) + r")(?!\w)")
    if other:  # word starts after an optional Arabic proclitic (و ف ب ل ك, ال): "والتأخير", "بتأخر"
        parts.append(r"(?<!\w)(?:[وفبلك]?(?:ال)?)(" + "|".join(re.escape(w) for w in other) + ")")
    return re.compile("|".join(parts)) if parts else None


def found(text: str, compiled: re.Pattern[str] | None) -> list[str]:
    """The complaint words in a text."""
    if compiled is None or not text:
        return []
    return sorted({next(g for g in m.groups() if g) for m in compiled.finditer(text_service.fold(text))})
