"""Normalisation per language: what two spellings of the same word have in common.

Arabic: diacritics and tatweel removed; alef forms (أ إ آ ٱ) to ا; ى to ي; ة to ه; Persian ی/ک to ي/ك.
Persian: diacritics and tatweel removed; ي/ى to ی, ك to ک, ة to ه, alef forms to ا; runs of zero-width
non-joiners collapse to one and one next to a space is dropped. Every language: Arabic-Indic and Persian
digits to ASCII, Latin letters lower-cased, a letter repeated three or more times (elongation, "حلووووو",
"sooo") cut to two, whitespace collapsed. Emoji are kept: they carry sentiment.

`fold` is the language-free key used for search and features: the Arabic forms above, and a zero-width
non-joiner read as a space, so a query in either script and any spelling finds the same texts.
"""

from __future__ import annotations

import re

ZWNJ = "\u200c"
DIACRITICS = "".join(chr(c) for c in range(0x064B, 0x0653)) + "\u0670\u0653\u0654\u0655"
TATWEEL = "\u0640"
DIGITS = {ord(a): str(i) for i, a in enumerate("٠١٢٣٤٥٦٧٨٩")} | {
    ord(a): str(i) for i, a in enumerate("۰۱۲۳۴۵۶۷۸۹")
}

_COMMON = {ord(c): None for c in DIACRITICS + TATWEEL} | DIGITS | {ord("\u200f"): None, ord("\u200e"): None}
_ALEF = {ord(c): "ا" for c in "أإآٱ"}
AR_TABLE = str.maketrans(_COMMON | _ALEF | {ord("ى"): "ي", ord("ة"): "ه", ord("ی"): "ي", ord("ک"): "ك"})
FA_TABLE = str.maketrans(_COMMON | _ALEF | {ord("ي"): "ی", ord("ى"): "ی", ord("ك"): "ک", ord("ة"): "ه"})
FOLD_TABLE = str.maketrans(
    _COMMON | _ALEF | {ord("ى"): "ي", ord("ة"): "ه", ord("ی"): "ي", ord("ک"): "ك", ord(ZWNJ): " "}
)
DIGIT_TABLE = str.maketrans(DIGITS)

_ELONGATION = re.compile(r"([^\W\d_])\1{2,}")
_SPACES = re.compile(r"\s+")
_ZWNJ_RUNS = re.compile(f"{ZWNJ}+")
_ZWNJ_SPACE = re.compile(f" ?{ZWNJ} ?")


def _finish(text: str) -> str:
    text = _ELONGATION.sub(r"\1\1", text.lower())
    return _SPACES.sub(" ", text).strip()


def normalize(text: str, language: str | None = None) -> str:
    """One text in the normal form of its language (ar, fa, en; anything else gets the shared steps)."""
    if language == "fa":
        text = text.translate(FA_TABLE)
        text = _ZWNJ_SPACE.sub(lambda m: ZWNJ if m.group(0) == ZWNJ else " ", _ZWNJ_RUNS.sub(ZWNJ, text))
        return _finish(text)
    if language == "ar":
        return _finish(text.translate(AR_TABLE))
    return _finish(text.translate(FOLD_TABLE) if language is None else text.translate(DIGIT_TABLE))


def fold(text: str) -> str:
    """The search and feature key: Arabic and Persian spellings fold together, ZWNJ is a space."""
    return _finish(text.translate(FOLD_TABLE))


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits to ASCII, one character for one (offsets are kept)."""
    return text.translate(DIGIT_TABLE)
