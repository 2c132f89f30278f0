"""Topics: a CX taxonomy in Arabic, Persian and English, editable per workspace, plus emerging topics.

A topic has a key, names in the three languages, keywords per language and optional regular expressions.
Keywords match whole words of the folded text (tajriba.text.normalize.fold, so spelling variants meet):
an Arabic or Persian word may carry its clitics (و ف ب ل ك, the article) and common suffixes (pronouns,
plurals), and a keyword ending in "*" matches any word it begins ("deliver*" finds "delivered").
Multi-word keywords are phrases. Patterns are regular expressions on the folded text.

Emerging topics: texts no topic matches are clustered (spherical k-means on word TF-IDF, seeded) and
each cluster is labelled by its most characteristic words.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import scipy.sparse as sp

from tajriba.errors import Invalid
from tajriba.text.normalize import fold

LANGUAGES = ("ar", "fa", "en")
_CLITICS = r"(?:و|ف|ب|ل|ك|وال|بال|فال|كال|لل|ال|وب|ول|وبال)?"
_SUFFIXES = r"(?:ه|ها|هم|هن|هما|ي|ك|كم|كن|نا|ات|ين|ون|وا|ته|تها|تي|هاي|اي|ام|اش|مان|تان|شان|يش)?"
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass
class Topic:
    key: str
    names: dict[str, str]
    keywords: dict[str, list[str]] = field(default_factory=dict)
    patterns: list[str] = field(default_factory=list)

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.key

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "names": self.names, "keywords": self.keywords, "patterns": self.patterns}


def _trie_regex(words: list[str]) -> str:
    """The keywords as one pattern, written as a trie: at each letter one branch per next letter, so a word
    start costs one step per letter instead of one attempt per keyword (560 keywords: as a plain alternation,
    topics were a third of the pipeline's time). A keyword's folded words are joined by any whitespace; an
    Arabic-script keyword may carry suffixes, one ending in "*" any word ending; longer keywords win, as in
    the alternation longest first that tests/text/test_topics.py holds it equal to."""
    root: dict[str, Any] = {}
    for word in words:
        prefix = word.endswith("*")
        body = fold(word.rstrip("*"))
        kind = "prefix" if prefix else "arabic" if _ARABIC_SCRIPT.search(body) else "plain"
        node = root
        for i, part in enumerate(body.split()):
            if i:
                node = node.setdefault(" ", {})
            for ch in part:
                node = node.setdefault(ch, {})
        node.setdefault("", set()).add(kind)

    ends = {"prefix": r"\w*", "arabic": _SUFFIXES, "plain": ""}

    def emit(node: dict[str, Any]) -> str:
        branches = [
            (r"\s+" if key == " " else re.escape(key)) + emit(child)
            for key, child in node.items()
            if key != ""
        ]
        branches += [ends[k] for k in ("prefix", "arabic", "plain") if k in node.get("", ())]
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return emit(root)


class Taxonomy:
    """Compiled topics; `match` gives, per text, the keys of the topics it mentions, in taxonomy order."""

    def __init__(self, topics: list[Topic], version: str) -> None:
        self.topics = topics
        self.version = version
        # keywords of every topic in one pattern (a named group per topic: one pass over a text); workspace
        # patterns, which may hold groups of their own, each in a pattern of its own
        groups, self._patterns = [], []
        self._group_topic: dict[str, str] = {}
        for i, t in enumerate(topics):
            words = sorted({w for ws in t.keywords.values() for w in ws if w.strip()}, key=len, reverse=True)
            if words:
                self._group_topic[f"t{i}"] = t.key
                groups.append(f"(?P<t{i}>" + _trie_regex(words) + ")")
            if t.patterns:
                self._patterns.append(
                    (t.key, re.compile("|".join(f"(?:{p})" for p in t.patterns), re.IGNORECASE))
                )
        self._keywords = (
            re.compile(rf"(?<![^\W_]){_CLITICS}(?:{'|'.join(groups)})(?![^\W_])", re.IGNORECASE)
            if groups
            else None
        )
        self._order = {t.key: i for i, t in enumerate(topics)}

    def match(self, folded: str) -> list[str]:
        return list(self.spans(folded))

    def spans(self, folded: str) -> dict[str, list[tuple[int, int]]]:
        """Where each topic is mentioned (offsets in the folded text), topics in taxonomy order."""
        out: dict[str, list[tuple[int, int]]] = {}
        if self._keywords is not None:
            for m in self._keywords.finditer(folded):
                out.setdefault(self._group_topic[m.lastgroup or ""], []).append((m.start(), m.end()))
        for key, rx in self._patterns:
            found = [(m.start(), m.end()) for m in rx.finditer(folded)]
            if found:
                out.setdefault(key, []).extend(found)
        return dict(sorted(out.items(), key=lambda kv: self._order[kv[0]]))

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "topics": [t.as_dict() for t in self.topics]}


def _keywords(keywords: Any, where: str) -> dict[str, list[str]]:
    """A topic's keywords by language (ar, fa, en), trimmed; a lone "*" is dropped."""
    if not isinstance(keywords, dict):
        raise Invalid(f"{where}.keywords: expected {{language: [words]}}", field=f"{where}.keywords")
    clean: dict[str, list[str]] = {}
    for lang, words in keywords.items():
        if lang not in LANGUAGES:
            raise Invalid(
                f"{where}.keywords: unknown language {lang!r} (ar, fa or en)",
                field=f"{where}.keywords.{lang}",
            )
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise Invalid(
                f"{where}.keywords.{lang}: expected a list of words", field=f"{where}.keywords.{lang}"
            )
        clean[lang] = [w.strip() for w in words if w.strip() and w.strip() != "*"]
    return clean


def _patterns(patterns: Any, where: str) -> list[str]:
    """A topic's regular expressions, each checked to compile."""
    if not isinstance(patterns, list):
        raise Invalid(f"{where}.patterns: expected a list of regular expressions", field=f"{where}.patterns")
    for j, p in enumerate(patterns):
        try:
            re.compile(str(p))
        except re.error as exc:
            raise Invalid(
                f"{where}.patterns[{j}]: not a regular expression ({exc})", field=f"{where}.patterns[{j}]"
            ) from exc
    return [str(p) for p in patterns]


def parse(data: dict[str, Any]) -> Taxonomy:
    """A taxonomy from its JSON form, every problem named by topic and field."""
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise Invalid("a taxonomy is an object with a list of topics", field="topics")
    topics: list[Topic] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["topics"]):
        where = f"topics[{i}]"
        if not isinstance(raw, dict):
            raise Invalid(f"{where}: expected an object", field=where)
        key = str(raw.get("key", "")).strip()
        if not _KEY.match(key):
            raise Invalid(
                f"{where}.key: {key!r} must be 2-40 lower-case letters, digits or _, starting with a letter",
                field=f"{where}.key",
            )
        if key in seen:
            raise Invalid(f"{where}.key: {key!r} appears twice", field=f"{where}.key")
        seen.add(key)
        names = raw.get("names") or {}
        if not isinstance(names, dict) or not any(str(v).strip() for v in names.values()):
            raise Invalid(
                f"{where}.names: give the topic a name in at least one language", field=f"{where}.names"
            )
        topics.append(
            Topic(
                key,
                {k: str(v).strip() for k, v in names.items() if str(v).strip()},
                _keywords(raw.get("keywords") or {}, where),
                _patterns(raw.get("patterns") or [], where),
            )
        )
    version = str(data.get("version") or "") or content_version(topics)
    return Taxonomy(topics, version)


def content_version(topics: list[Topic]) -> str:
    blob = json.dumps([t.as_dict() for t in topics], ensure_ascii=False, sort_keys=True)
    return "ws-" + hashlib.sha256(blob.encode()).hexdigest()[:12]


def default_data() -> dict[str, Any]:
    return json.loads(
        resources.files("tajriba.text").joinpath("data/taxonomy.json").read_text(encoding="utf-8")
    )


_DEFAULT: Taxonomy | None = None


def default() -> Taxonomy:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = parse(default_data())
    return _DEFAULT


def for_workspace(settings: dict[str, Any] | None) -> Taxonomy:
    """The workspace's edited taxonomy (stored in its settings), or the shipped one."""
    data = (settings or {}).get("taxonomy")
    if not data:
        return default()
    topics = parse(data).topics
    return Taxonomy(topics, content_version(topics))


def names(settings: dict[str, Any] | None, locale: str) -> dict[str, str]:
    """Each topic's name in `locale`, by key, from the workspace's taxonomy."""
    return {t.key: t.name(locale) for t in for_workspace(settings).topics}


# --- emerging topics --------------------------------------------------------------------------------

_WORDS = re.compile(r"[^\W\d_]{3,}")
STOPWORDS = frozenset(
    (
        "the and for with this that was were are you your have has had not but very from they them our "
        "out all just get got its it's been will would can could there their what when which who how "
        "than then too في من على الى عن مع هذا هذه ذلك التي الذي كان كانت لكن ولكن انا انت احنا اللي "
        "عشان بس مش ليش ايش شي كل وش لما لقد قد لم لن ما ولا او ثم حتى عند بعد قبل جدا والله يعني است "
        "هست این اون که از با برای بود شد کرد خیلی ولی اما هم یه یک رو را می نمی هیچ همه"
    ).split()
)


def _stop(word: str) -> bool:
    return word in STOPWORDS or fold(word) in STOPWORDS


def content_words(text: str) -> list[str]:
    """The folded words of three letters or more that are not stop words (what a burst of texts is about)."""
    return [w for w in _WORDS.findall(fold(text)) if not _stop(w)]


def _tfidf(texts: list[str]) -> tuple[Any, dict[str, int]]:
    """Sublinear TF-IDF of the folded texts over the words found in at least two of them (stop words out)."""
    folded = [fold(t) for t in texts]
    docs = [[w for w in _WORDS.findall(f) if not _stop(w)] for f in folded]
    df = Counter(w for d in docs for w in set(d))
    vocab = {w: i for i, w in enumerate(sorted(w for w, c in df.items() if c >= 2))}
    rows, cols, vals = [], [], []
    for r, d in enumerate(docs):
        counts = Counter(w for w in d if w in vocab)
        for w, c in counts.items():
            rows.append(r)
            cols.append(vocab[w])
            vals.append(1 + np.log(c))
    if not vocab:
        return None, vocab
    n = len(texts)
    x = sp.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)))
    idf = np.log((1 + n) / (1 + np.array([df[w] for w in sorted(vocab, key=vocab.get)]))) + 1  # type: ignore[arg-type]
    return x @ sp.diags(idf), vocab


def discover(
    texts: list[str], *, k: int | None = None, seed: int = 7, top: int = 4, min_size: int = 3
) -> list[dict[str, Any]]:
    """Clusters of texts with a label of top words: [{label, terms, size, members (indices)}], largest first."""
    n = len(texts)
    x, vocab = _tfidf(texts)
    if n < min_size or not vocab:
        return []
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).ravel()
    keep = np.flatnonzero(norms > 0)
    if len(keep) < min_size:
        return []
    x = sp.diags(1 / norms[keep]) @ x[keep]
    k = k or int(min(12, max(2, round(np.sqrt(len(keep) / 4)))))
    k = min(k, len(keep))
    rng = np.random.default_rng(seed)
    # farthest-first seeding: each next centre is the text least similar to the centres so far
    first = int(rng.integers(len(keep)))
    chosen = [first]
    best = np.asarray(x @ x[first].T.toarray()).ravel()
    for _ in range(1, k):
        nxt = int(np.argmin(best))
        chosen.append(nxt)
        best = np.maximum(best, np.asarray(x @ x[nxt].T.toarray()).ravel())
    centers = x[chosen].toarray()
    assign = np.zeros(len(keep), int)
    for _ in range(30):
        sims = np.asarray(x @ centers.T)
        new = sims.argmax(axis=1)
        if _ > 0 and np.array_equal(new, assign):
            break
        assign = new
        for c in range(k):
            members = x[assign == c]
            if members.shape[0]:
                v = np.asarray(members.sum(axis=0)).ravel()
                centers[c] = v / max(np.linalg.norm(v), 1e-12)
    words = np.array(sorted(vocab, key=vocab.get))  # type: ignore[arg-type]
    present = (x > 0).astype(np.float64)
    overall = np.asarray(present.mean(axis=0)).ravel()
    out: list[dict[str, Any]] = []
    for c in range(k):
        members = np.flatnonzero(assign == c)
        if len(members) < min_size:
            continue
        # a label word is common in the cluster and rarer outside: coverage x log-lift
        cover = np.asarray(present[members].mean(axis=0)).ravel()
        score = cover * np.log(np.maximum(cover, 1e-12) / np.maximum(overall, 1e-12))
        terms = [str(words[i]) for i in np.argsort(-score, kind="stable")[:top] if cover[i] > 0]
        out.append(
            {
                "label": " · ".join(terms),
                "terms": terms,
                "size": len(members),
                "members": [int(keep[m]) for m in members],
            }
        )
    out.sort(key=lambda d: (-d["size"], d["label"]))
    return out
