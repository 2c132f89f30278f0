"""Which queries a mention matches, and its fingerprint for near-duplicates.

A query's keywords are matched on the folded text (`text.service.fold`: أ/إ/آ -> ا, ى -> ي, ة -> ه, Persian ی/ک,
diacritics and tatweel gone, Latin lower-cased, elongations cut), as whole words; an Arabic-script keyword also
matches behind the clitics written onto it (و ف ب ل ك: "وبنخلة"; before the article when the keyword has it:
"والراجحي", "للراجحي"; a keyword without the article does not match the article's noun), and, in
Latin-script words (Arabizi: "noon", "raj7i", "jarir"/"garir"), by its consonant skeleton: both sides are written
as classes of letters (ح/h/7 -> h, ج/j/g -> j, ق/ك/q/k -> k, ع/ء/2/3 and vowels dropped...) and a keyword of three
or more classes matches a Latin word or two-word run with the same classes. Hashtags match a "#tag" (any case, `_`
and spelling folded), handles an "@handle" in the text or the author; an exclusion anywhere rules the mention out.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from tajriba.text.service import fold

_WORD = r"[\w#@]"
_AR_LETTERS = "\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff"
_PROCLITICS = "[وف]?[بلك]?"  # and, then; with, for, like (written onto the word)
_ARTICLE = "[وف]?(?:ال|بال|كال|لل)"  # the same before the article; ل + ال is written لل

# Arabic letters and Arabizi spellings as consonant classes ("" = dropped: vowels, alef, ain, hamza)
_AR_CLASS = {
    "ب": "b", "پ": "b", "ت": "t", "ط": "t", "ث": "s", "س": "s", "ص": "s", "ج": "j", "چ": "j", "ح": "h", "ه": "h",
    "خ": "x", "د": "d", "ض": "d", "ذ": "z", "ز": "z", "ظ": "z", "ژ": "z", "ر": "r", "ش": "c", "غ": "g", "ف": "f",
    "ق": "k", "ك": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n", "و": "", "ي": "", "ا": "", "ء": "", "ئ": "",
    "ؤ": "", "ع": "",
}  # fmt: skip
_LATIN_CLASS = [
    ("kh", "x"), ("sh", "c"), ("ch", "c"), ("gh", "g"), ("th", "s"), ("dh", "z"), ("ou", ""),
    ("7", "h"), ("5", "x"), ("6", "t"), ("9", "s"), ("8", "g"), ("3", ""), ("2", ""), ("'", ""),
    ("b", "b"), ("p", "b"), ("t", "t"), ("s", "s"), ("c", "k"), ("j", "j"), ("g", "j"), ("h", "h"),
    ("x", "x"), ("d", "d"), ("z", "z"), ("r", "r"), ("f", "f"), ("v", "f"), ("q", "k"), ("k", "k"),
    ("l", "l"), ("m", "m"), ("n", "n"), ("a", ""), ("e", ""), ("i", ""), ("o", ""), ("u", ""), ("w", ""), ("y", ""),
]  # fmt: skip
_LATIN_RE = re.compile("|".join(re.escape(k) for k, _ in _LATIN_CLASS))
_LATIN_MAP = dict(_LATIN_CLASS)
_LATIN_WORD = re.compile(r"[a-z0-9']+")
_ARABIC = re.compile(f"[{_AR_LETTERS}]")
_LATIN_LETTER = re.compile("[a-z]")


def skeleton_arabic(word: str) -> str:
    # an Arabic word's classes (the article dropped); ج is j and g alike, so is its Egyptian spelling
    word = fold(word)
    word = word[2:] if word.startswith("ال") and len(word) > 3 else word
    word = word[:-1] if word.endswith("ه") and len(word) > 2 else word  # ة (folded to ه) is written a or e
    out = "".join(_AR_CLASS.get(ch, "") for ch in word)
    return _squeeze(out)


@functools.lru_cache(maxsize=65536)
def skeleton_latin(word: str) -> str:
    word = word.lower()
    word = word[3:] if word.startswith(("al-", "el-")) else word
    word = re.sub(r"^(al|el)(?=[^aeiou])", "", word) if len(word) > 4 else word
    word = word[:-1] if word.endswith(("ah", "eh")) and len(word) > 3 else word
    out = _LATIN_RE.sub(lambda m: _LATIN_MAP[m.group(0)], word)
    return _squeeze(out)


def _squeeze(classes: str) -> str:
    # doubled letters (shadda written out, "noon" -> "nn" stays: two n's are two letters in Arabic too)
    return re.sub(r"(.)\1+", r"\1\1", classes)


@dataclass(frozen=True)
class Compiled:
    id: int
    pattern: re.Pattern[str] | None
    skeletons: frozenset[str]
    hashtags: frozenset[str]
    handles: frozenset[str]
    exclusions: re.Pattern[str] | None
    languages: frozenset[str]


def _words(keywords: list[str]) -> re.Pattern[str] | None:
    parts = []
    for kw in keywords:
        folded = fold(kw).replace("_", " ").strip()
        if not folded:
            continue
        if _ARABIC.match(folded) and folded.startswith("ال") and len(folded) > 3:
            # a keyword with the article ("الراجحي") takes the clitics before it; one without ("نخلة") does not
            # match the article's noun ("النخلة", the palm tree)
            prefix, folded = _ARTICLE, folded[2:]
        else:
            prefix = _PROCLITICS if _ARABIC.match(folded) else ""
        body = r"\s+".join(re.escape(w) for w in folded.split())
        parts.append(f"(?<!{_WORD}){prefix}{body}(?!{_WORD})")
    return re.compile("|".join(parts)) if parts else None


def compile_query(query: Any) -> Compiled:
    """A query (a SocialQuery or any object with its fields) ready to match."""
    skeletons = set()
    for kw in query.keywords or []:
        if _ARABIC.search(kw):
            sk = "".join(skeleton_arabic(w) for w in fold(kw).split())
            if len(sk) >= 3:
                skeletons.add(sk)
    return Compiled(
        id=int(query.id),
        pattern=_words(list(query.keywords or [])),
        skeletons=frozenset(skeletons),
        hashtags=frozenset(
            fold(h).lstrip("#").replace(" ", "_") for h in query.hashtags or [] if h.strip("# ")
        ),
        handles=frozenset(fold(h).lstrip("@") for h in query.handles or [] if h.strip("@ ")),
        exclusions=_words(list(query.exclusions or [])),
        languages=frozenset(query.languages or []),
    )


_HASHTAG = re.compile(r"#([\w]+)")
_HANDLE = re.compile(r"@([\w.]+)")


def _latin_skeletons(folded: str) -> set[str]:
    words = _LATIN_WORD.findall(folded)
    singles = [skeleton_latin(w) for w in words]
    pairs = [a + b for a, b in zip(singles, singles[1:], strict=False)]
    return {s for s in singles + pairs if len(s) >= 3}


def matches(
    queries: list[Compiled], text: str, *, author: str | None = None, language: str | None = None
) -> list[int]:
    """The ids of the queries the mention matches."""
    folded = fold(text)
    spaced = folded.replace("_", " ")
    tags = {t for t in _HASHTAG.findall(folded)}
    handles = {h.rstrip(".") for h in _HANDLE.findall(folded)} | (
        {fold(author).lstrip("@")} if author else set()
    )
    latin: set[str] | None = None
    out = []
    for q in queries:
        if q.languages and language not in q.languages:
            continue
        if q.exclusions is not None and q.exclusions.search(spaced):
            continue
        hit = bool(q.pattern is not None and q.pattern.search(spaced))
        hit = hit or bool(q.hashtags & tags) or bool(q.handles & handles)
        if not hit and q.skeletons and _LATIN_LETTER.search(folded):
            if latin is None:
                latin = _latin_skeletons(folded)
            hit = bool(q.skeletons & latin)
        if hit:
            out.append(q.id)
    return out


def keys(ids: list[int]) -> str | None:
    """The query_keys column: "|1|4|" (None when no query matches)."""
    return "|" + "|".join(str(i) for i in sorted(ids)) + "|" if ids else None


_NOISE = re.compile(r"https?://\S+|www\.\S+|@[\w.]+|^rt\b|[^\w\s]|_", re.UNICODE)


def fingerprint(text: str) -> str | None:
    """What near-identical copies share (a retweet, a pasted complaint): the folded words without links,
    handles, punctuation and emoji, in order (numbers stay: "3 days late" and "5 days late" are two people).
    None for texts under four words (a bare "thanks" is not a copy of another)."""
    words = _NOISE.sub(" ", fold(text)).split()
    if len(words) < 4:
        return None
    return hashlib.md5(" ".join(words).encode(), usedforsecurity=False).hexdigest()
