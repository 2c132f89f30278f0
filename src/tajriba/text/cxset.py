"""The labelled CX set: customer texts with their intents and aspect polarities, in seven language groups.

Two parts, both written by hand (docs/text-labelling.md is the guide):
- clause banks (`data/cx/<group>.json`): per group, complaint and praise clauses by aspect, questions,
  requests (refund, cancel, change, contact), suggestions and neutral statements. `composed()` joins them
  into texts the way customers write (a complaint alone, praise "but" a complaint, a complaint and a request,
  a question after a complaint...) with the group's own connectors. Each clause belongs to the training or
  the test side (a seeded fifth of every list is test), and a text is made only of clauses of one side, so
  the test texts hold no clause the model was trained on.
- whole texts (`data/cx/golden_*.tsv`): 52 per Arabic group and 51 each for Persian and English, written
  apart from the banks; all test, and the golden file of `tests/text/test_cx_golden.py`.

`cx_set()` is deterministic: the same files give the same texts, labels and sides.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from tajriba.text.intents import INTENTS, REQUESTS
from tajriba.text.normalize import fold

GROUPS = ("gulf", "egyptian", "levantine", "maghrebi", "msa", "fa", "en")
ARABIC_GROUPS = GROUPS[:5]
CX_DIR = Path(str(resources.files("tajriba.text").joinpath("data", "cx")))
TEST_SHARE = 0.2
COMPOSED_PER_GROUP = 460
SEED = 20261205


@dataclass(frozen=True)
class Example:
    text: str
    group: str
    intents: tuple[str, ...]
    aspects: dict[str, str] = field(default_factory=dict)
    source: str = "composed"  # composed | written
    split: str = "train"  # train | test
    parts: tuple[str, ...] = ()  # composed texts: the bank clauses they are made of

    @property
    def language(self) -> str:
        return "ar" if self.group in ARABIC_GROUPS else self.group


@dataclass(frozen=True)
class Clause:
    text: str
    intent: str | None  # None: a neutral statement
    aspect: str | None = None  # complaint/praise clauses: the aspect they judge ("general": none)


def _bank(group: str) -> dict:
    return json.loads((CX_DIR / f"{group}.json").read_text(encoding="utf-8"))


def _sides(items: list[Clause], rng: random.Random, fixed: dict[str, str]) -> dict[str, list[Clause]]:
    """A seeded fifth of the list to test, the rest to training; a clause another group already placed
    (the same words after folding) keeps that side, so no text is on both."""
    order = items[:]
    rng.shuffle(order)
    k = max(1, round(len(order) * TEST_SHARE))
    out: dict[str, list[Clause]] = {"test": [], "train": []}
    for i, c in enumerate(order):
        side = fixed.setdefault(fold(c.text), "test" if i < k else "train")
        out[side].append(c)
    return out


@cache
def _all_clauses(seed: int) -> dict[str, dict[str, dict[str, list[Clause]]]]:
    fixed: dict[str, str] = {}
    out: dict[str, dict[str, dict[str, list[Clause]]]] = {}
    for group in GROUPS:
        bank = _bank(group)
        rng = random.Random(f"{seed}:{group}")
        mine: dict[str, dict[str, list[Clause]]] = {"train": {}, "test": {}}
        for kind in ("complaint", "praise"):
            for aspect, texts in bank[kind].items():
                cs = [Clause(t, kind, aspect) for t in texts]
                for side, part in _sides(cs, rng, fixed).items():
                    mine[side].setdefault(kind, []).extend(part)
        for kind in ("question", *REQUESTS, "suggestion", "neutral"):
            cs = [Clause(t, None if kind == "neutral" else kind) for t in bank[kind]]
            for side, part in _sides(cs, rng, fixed).items():
                mine[side][kind] = part
        out[group] = mine
    return out


def clauses(group: str, seed: int = SEED) -> dict[str, dict[str, list[Clause]]]:
    """side -> kind ("complaint", "praise", "question", a request, "suggestion", "neutral") -> clauses."""
    return _all_clauses(seed)[group]


# recipes: the kinds of clause a text is made of, how often, and the connector between them
RECIPES: tuple[tuple[tuple[str, ...], str, int], ...] = (
    (("complaint",), "", 16),
    (("complaint", "complaint"), "and", 8),
    (("complaint", "request"), "then", 10),
    (("complaint", "complaint", "request"), "and", 3),
    (("praise",), "", 14),
    (("praise", "complaint"), "but", 9),
    (("complaint", "praise"), "but", 5),
    (("praise", "praise"), "and", 4),
    (("question",), "", 6),
    (("complaint", "question"), "then", 5),
    (("request",), "", 6),
    (("suggestion",), "", 4),
    (("praise", "suggestion"), "then", 3),
    (("neutral",), "", 8),
    (("neutral", "praise"), "then", 3),
    (("neutral", "complaint"), "then", 4),
    (("neutral", "question"), "then", 3),
)


def _connect(language: str, left: str, right: str, word: str) -> str:
    """Two clauses joined by a connector word or punctuation, as written in the language."""
    if word in (".", "،", ","):
        return f"{left}{word} {right}"
    if word == " -":
        return f"{left} - {right}"
    if language == "ar" and word == "و":
        return f"{left} و{right}"
    if language == "en" and word in ("but", "however", "but sadly", "and", "also", "on top of that"):
        sep = ", " if word in ("however", "also", "on top of that") else " "
        return f"{left}{sep}{word} {right}"
    return f"{left} {word} {right}"


def _pick(pool: dict[str, list[Clause]], kind: str, rng: random.Random, used: set[str]) -> Clause | None:
    if kind == "request":
        kind = rng.choice(REQUESTS)
    choices = [
        c for c in pool.get(kind, []) if c.text not in used and (c.aspect is None or c.aspect not in used)
    ]
    if not choices:
        return None
    return rng.choice(choices)


def _compose_one(
    bank: dict, pool: dict[str, list[Clause]], recipe: tuple[tuple[str, ...], str, int], rng: random.Random
) -> tuple[str, tuple[str, ...], dict[str, str], tuple[str, ...]] | None:
    kinds, link, _ = recipe
    used: set[str] = set()
    picked: list[Clause] = []
    for kind in kinds:
        c = _pick(pool, kind, rng, used)
        if c is None:
            return None
        picked.append(c)
        used.add(c.text)
        if c.aspect and c.aspect != "general":
            used.add(c.aspect)
    language = bank["language"]
    text = picked[0].text
    for c in picked[1:]:
        text = _connect(language, text, c.text, rng.choice(bank["connectors"][link]))
    if language == "en" and rng.random() < 0.5:
        text = text[0].upper() + text[1:]
    if rng.random() < 0.3:
        text += rng.choice(("!", ".", "!!", "..."))
    intents = tuple(i for i in INTENTS if any(c.intent == i for c in picked))
    aspects = {
        c.aspect: "negative" if c.intent == "complaint" else "positive"
        for c in picked
        if c.aspect and c.aspect != "general"
    }
    return text, intents, aspects, tuple(c.text for c in picked)


def composed(group: str, seed: int = SEED, n: int = COMPOSED_PER_GROUP) -> list[Example]:
    """`n` composed texts of the group: a fifth from test clauses, the rest from training clauses."""
    bank = _bank(group)
    sides = clauses(group, seed)
    rng = random.Random(f"{seed}:{group}:compose")
    weights = [w for _, _, w in RECIPES]
    out: list[Example] = []
    seen: set[str] = set()
    for side, count in (("test", round(n * TEST_SHARE)), ("train", n - round(n * TEST_SHARE))):
        made, tries = 0, 0
        while made < count and tries < count * 50:
            tries += 1
            recipe = rng.choices(RECIPES, weights)[0]
            one = _compose_one(bank, sides[side], recipe, rng)
            if one is None or one[0] in seen:
                continue
            seen.add(one[0])
            out.append(Example(one[0], group, one[1], one[2], "composed", side, one[3]))
            made += 1
    return out


def written(path: Path | None = None) -> list[Example]:
    """The whole texts written apart from the banks (all test)."""
    paths = [path] if path else sorted(CX_DIR.glob("golden_*.tsv"))
    out = []
    for p in paths:
        with p.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                intents = tuple(i for i in row["intents"].split(",") if i)
                unknown = set(intents) - set(INTENTS)
                if unknown or row["group"] not in GROUPS:
                    raise ValueError(
                        f"{p.name}: {row['text']!r}: unknown intent or group {unknown or row['group']}"
                    )
                aspects = dict(a.split(":") for a in row["aspects"].split(",") if a)
                out.append(Example(row["text"], row["group"], intents, aspects, "written", "test"))
    return out


@cache
def cx_set(seed: int = SEED) -> tuple[Example, ...]:
    """Every example: composed texts of each group, then the written ones."""
    out: list[Example] = []
    for group in GROUPS:
        out += composed(group, seed)
    return tuple(out + written())
