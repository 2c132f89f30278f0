"""Language identification: ar, fa, en or other, by script evidence and vocabulary.

Arabic script: Persian-only letters (پ چ ژ گ) and Persian forms and function words (ی ک, است, می, را,
خیلی...) against Arabic-only letters (ة ى ي ك, the article ال) and function words. Latin script: Arabizi
(Arabic written with Latin letters and the digits 2 3 5 6 7 8 9 for ء ع خ ط ح غ ق, plus a vocabulary of
common dialect words) is Arabic; English by its function words; anything else Latin is "other". A text
mixing scripts gets the language of its larger share of letters, with Arabizi checked on the Latin part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_PERSIAN_ONLY = re.compile(r"[پچژگ]")
_PERSIAN_FORMS = re.compile(r"[یک]")
_ARABIC_ONLY = re.compile(r"[ةىيكؤ]")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ARABIZI_DIGIT = re.compile(r"(?:[a-z][2356789]|[2356789][a-z])", re.IGNORECASE)

FA_WORDS = frozenset(
    (
        "است هست نیست را می خیلی این آن که از با برای بود شد کرد کنم کنید ولی اما هم یه یک چی چرا نه "
        "بله ممنون خوب خوبه بد عالی غذا سفارش تحویل پیک دیر رسید بسیار هیچ همه چون تا اگر باید نمی میشه "
        "بودم کردم"
    ).split()
)
AR_WORDS = frozenset(
    (
        "في على الى إلى الذي التي هذا هذه ذلك كان كانت لم لن قد مع عن هو هي انا أنا انت نحن هم ما ماذا "
        "ليس جدا جداً والله شكرا شكراً بس مش ايش وش ليش كيف لا يا اللي عشان علشان مره كثير"
    ).split()
)
EN_WORDS = frozenset(
    (
        "the and is are was were to of it this that for with my you not very but have has had be on in "
        "at i me we they he she so just no yes good bad great thanks thank please love"
    ).split()
)
OTHER_LATIN_WORDS = frozenset(  # French, Spanish, Turkish, Indonesian function words: Latin, not English
    (
        "le la les est et une des du je il elle très était pas avec pour dans sur mais el los las es "
        "muy pero por para con una bir ve çok bu da de ini itu dan yang tidak"
    ).split()
)
ARABIZI_WORDS = frozenset(
    (
        "ana enta enti inta inti ahla ahlan w el al ya yalla wallah walla inshallah insha allah "
        "mashallah habibi 7abibi shukran shokran mesh msh mish mafi mafish kteer kter ktir ktiir bas "
        "ma3 3la 3ala 3an mnih mni7 kwayes kwayis kwayyes zay ezay eh leh lesh ليش keda kda ba2a barcha "
        "behi yesser chnowa 3andi 3ndi 7aga 7aja 5ales khalas tamam sa7 s7i7 wa7ed wahed bkra bokra "
        "ahsan a7san 7elw helw 7lw zain zeen 3ajabni 3jbni t3jbni ma7la mouch mech moch"
    ).split()
)


@dataclass(frozen=True)
class Language:
    language: str  # ar, fa, en, other
    script: str  # arabic, latin, mixed, none
    arabizi: bool = False
    confidence: float = 1.0


def _latin_language(text: str, words: list[str]) -> tuple[str, bool, float]:
    lower = [w.lower() for w in words]
    arabizi = sum(w in ARABIZI_WORDS for w in lower) + len(_ARABIZI_DIGIT.findall(text))
    english = sum(w in EN_WORDS for w in lower)
    other = sum(w in OTHER_LATIN_WORDS for w in lower)
    if other > english and other > arabizi:
        return "other", False, other / (arabizi + english + other)
    if arabizi > english:
        return "ar", True, arabizi / (arabizi + english)
    if english:
        return "en", False, english / (arabizi + english)
    return "other", False, 0.5


def _arabic_script_language(text: str, words: list[str]) -> tuple[str, float]:
    fa = 3 * len(_PERSIAN_ONLY.findall(text)) + len(_PERSIAN_FORMS.findall(text))
    ar = 2 * len(_ARABIC_ONLY.findall(text))
    fa += 3 * sum(w in FA_WORDS for w in words)
    ar += 3 * sum(w in AR_WORDS for w in words) + 2 * sum(w.startswith("ال") and len(w) > 3 for w in words)
    if fa == ar == 0:
        return "ar", 0.5
    return ("fa", fa / (fa + ar)) if fa > ar else ("ar", ar / (fa + ar))


def identify(text: str) -> Language:
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    if arabic == 0 and latin == 0:
        return Language("other", "none", confidence=0.0)
    words = _WORD.findall(text)
    script = "mixed" if arabic and latin and min(arabic, latin) >= 0.2 * max(arabic, latin) else (
        "arabic" if arabic >= latin else "latin"
    )  # fmt: skip
    if arabic >= latin:
        lang, conf = _arabic_script_language(text, words)
        return Language(lang, script, confidence=round(conf, 3))
    lang, arabizi, conf = _latin_language(text, words)
    return Language(lang, script, arabizi=arabizi, confidence=round(conf, 3))


def identify_batch(texts: list[str]) -> list[Language]:
    return [identify(t) for t in texts]
