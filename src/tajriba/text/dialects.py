"""Arabic dialect: the dialect model's probabilities, sharpened by words that only one dialect uses.

A short complaint carries too few character n-grams for the model alone ("الطلب وصل متأخر والمندوب ما رد"
read as Maghrebi), but one marker word often settles it: "للحين" (Gulf), "عايز" (Egyptian), "هلق" (Levantine),
"بزاف" (Maghrebi), "لم" (MSA). Each marker found (a whole word of the folded text, with its clitics) adds
`MARKER_WEIGHT` to its dialect's log-probability. The lists hold words typical of one dialect group; words
that several share ("ليش", "مش", "فين", "شي") are left out.
"""

from __future__ import annotations

import re

import numpy as np

from tajriba.text.normalize import fold

MARKER_WEIGHT = 3.0
MARKERS: dict[str, tuple[str, ...]] = {
    "msa": (
        "لم", "لن", "سوف", "الذي", "التي", "الذين", "إطلاقا", "لدي", "لديكم", "لديه", "أرغب", "أرجو", "يرجى",
        "منذ", "لقد", "ليس", "ليست", "ذلك", "تلك", "لماذا", "ماذا", "عبر", "أيضا", "حيث", "بشكل", "تم", "إنه",
        "إنني", "أستطيع", "نفسه", "دون",
    ),
    "gulf": (
        "وش", "للحين", "الحين", "هالحين", "أبي", "أبغى", "أبغي", "أبغا", "تبون", "تبي", "يبي", "نبي", "ودي",
        "واجد", "وايد", "شلون", "محد", "مب", "هذي", "زين", "الجوال", "جوالي", "يعطيكم", "عطتني", "قعدت",
        "ياخي", "ابد", "تكفون", "لا هنت",
    ),
    "egyptian": (
        "عايز", "عايزة", "عاوز", "إزاي", "أوي", "كده", "دلوقتي", "بتاع", "بتاعي", "بتاعتي", "النهارده",
        "خالص", "محدش", "مفيش", "إيه", "بقالي", "برضه", "علشان", "هيوصل", "هطلب", "معاد", "حضرتك", "جالي",
        "امبارح", "اتأخر", "اتأخرت", "اتأخرتوا", "اتلغى", "اتسحبت", "اتخصم", "مستني",
    ),
    "levantine": (
        "هلق", "هلأ", "لهلق", "بدي", "بدك", "بدنا", "بدو", "كتير", "منيح", "منيحة", "هيك", "هيدا", "هيدي",
        "عم", "حدا", "فيي", "فيكن", "عندكن", "إلكن", "مبارح", "بكرا", "كرمال", "منشان", "هون", "تبع", "تبعي",
        "يلي", "صرلي", "مصاري", "مصرياتي", "ناطر", "إجا", "إجت", "ضليت", "شوفير", "عالخط",
    ),
    "maghrebi": (
        "بزاف", "برشا", "ياسر", "واش", "ديال", "ديالي", "ديالو", "ديالك", "ديالكم", "دابا", "توا", "بغيت",
        "بغينا", "مزيان", "مزيانة", "زوين", "زوينة", "غادي", "كيفاش", "علاش", "شنو", "شكون", "والو", "عافاك",
        "عافاكم", "سيمانة", "صيفطت", "عيط", "عيطو", "دغيا", "زربة", "هادشي", "الكوموند", "ليفرور", "الليفرور",
        "الكارطة", "نهار", "كنتسنى", "كيجاوب", "ما كيجاوبش", "بلي", "مازال",
    ),
}  # fmt: skip
_CLITICS = r"(?:و|ف|ب|ل|ك|ال|وال|بال|فال|لل)?"


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(
        sorted({r"\s+".join(map(re.escape, fold(w).split())) for w in words}, key=len, reverse=True)
    )


# one pass over a text: a named group per dialect
_PATTERN = re.compile(
    rf"(?<![^\W_]){_CLITICS}(?:"
    + "|".join(f"(?P<{d}>{_alternation(ws)})" for d, ws in MARKERS.items())
    + r")(?![^\W_])"
)


def marker_counts(folded: list[str], classes: tuple[str, ...]) -> np.ndarray:
    """How many markers of each dialect (columns in `classes` order) each folded text holds."""
    out = np.zeros((len(folded), len(classes)), np.float32)
    column = {d: j for j, d in enumerate(classes)}
    for i, t in enumerate(folded):
        for m in _PATTERN.finditer(t):
            j = column.get(m.lastgroup or "")
            if j is not None:
                out[i, j] += 1
    return out


def sharpen(probs: np.ndarray, folded: list[str], classes: tuple[str, ...]) -> np.ndarray:
    """The model's dialect probabilities with each marker's weight added to its dialect's log-probability."""
    z = np.log(np.maximum(probs, 1e-9)) + MARKER_WEIGHT * marker_counts(folded, classes)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
