"""The sentiment corpora in ../shared/data/sentiment: which to use, how their labels map, how they split.

Labels map to positive / negative / neutral (CLASSES). "Mixed" rows (ASTD's NEUTRAL, ArSAS and MAC's
mixed) are left out of three-class training. Corpora whose test split is held out elsewhere are split
here 80/20 (seeded, stratified by label) and the 20 % is never trained on. Every evaluation text, in
any corpus of the language, is removed from training after folding (tweets recur across corpora), and
texts that recur in training with conflicting labels are dropped.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tajriba.text.normalize import fold

CLASSES = ("positive", "negative", "neutral")
POSITIVE, NEGATIVE, NEUTRAL = 0, 1, 2

LABELS = {
    "positive": POSITIVE, "pos": POSITIVE, "happy": POSITIVE, "1": POSITIVE, "2": POSITIVE,
    "very_positive": POSITIVE,
    "negative": NEGATIVE, "neg": NEGATIVE, "sad": NEGATIVE, "-1": NEGATIVE, "-2": NEGATIVE,
    "very_negative": NEGATIVE,
    "neutral": NEUTRAL, "neu": NEUTRAL, "obj": NEUTRAL, "0": NEUTRAL,
}  # fmt: skip
MIXED = {"mixed"}


@dataclass(frozen=True)
class Corpus:
    name: str
    language: str
    eval_split: str  # "test", "dev", or "holdout" (20 % of train, seeded)
    weak: bool = False  # distant supervision: trained on at a lower weight, never a benchmark
    binary: bool = False  # positive/negative only: scored by the larger of the two


CORPORA = (
    Corpus("arsarcasm_v2", "ar", "holdout"),
    Corpus("arsas_3class", "ar", "test"),
    Corpus("astd_3class", "ar", "test"),
    Corpus("semeval17_ar", "ar", "holdout"),
    Corpus("umsab_ar", "ar", "dev"),
    Corpus("ajgt", "ar", "test", binary=True),
    Corpus("artwitter", "ar", "test", binary=True),
    Corpus("arsentd_lev", "ar", "test"),
    Corpus("elsahar_prod", "ar", "holdout"),
    Corpus("elsahar_res", "ar", "test"),
    Corpus("elsahar_att", "ar", "test", binary=True),
    Corpus("tsac", "ar", "holdout", binary=True),
    Corpus("mac", "ar", "holdout"),
    Corpus("atsad_noemoji", "ar", "test", weak=True, binary=True),
    Corpus("snappfood", "fa", "holdout", binary=True),
    Corpus("deepsentipers_5class", "fa", "test"),
    Corpus("semeval17_en", "en", "holdout"),
    Corpus("sst2", "en", "test", binary=True),
    Corpus("uci_amazon_yelp", "en", "test", binary=True),
)


@dataclass
class Split:
    corpus: Corpus
    texts: list[str]
    labels: np.ndarray  # class index, -1 for mixed
    dialects: list[str] | None = None


def read_tsv(path: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if header[:2] != ["text", "label"]:
            raise ValueError(f"{path}: expected the header 'text<TAB>label', got {header!r}")
        for line, row in enumerate(reader, start=2):
            if len(row) != 2:
                raise ValueError(f"{path}, line {line}: expected 2 tab-separated fields, got {len(row)}")
            texts.append(row[0])
            labels.append(row[1])
    return texts, labels


def _map(labels: list[str], path: Path) -> np.ndarray:
    out = np.empty(len(labels), np.int64)
    for i, lab in enumerate(labels):
        key = lab.strip().lower()
        if key in MIXED:
            out[i] = -1
        elif key in LABELS:
            out[i] = LABELS[key]
        else:
            raise ValueError(f"{path}, row {i + 2}: unknown sentiment label {lab!r}")
    return out


def holdout_mask(labels: np.ndarray, seed: int = 42, share: float = 0.2) -> np.ndarray:
    """True for the seeded, label-stratified evaluation share of a train split."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), bool)
    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        rng.shuffle(idx)
        mask[idx[: round(len(idx) * share)]] = True
    return mask


def load(corpus: Corpus, data_dir: Path) -> tuple[Split, Split] | None:
    """(train, evaluation) for one corpus, or None when its folder is absent."""
    folder = data_dir / corpus.name
    train_path = folder / "train.tsv"
    if not train_path.exists():
        return None
    texts, raw = read_tsv(train_path)
    labels = _map(raw, train_path)
    dialects = None
    dialect_path = folder / "train_dialect.csv"
    if dialect_path.exists():
        with dialect_path.open(encoding="utf-8") as f:
            dialects = [row["dialect"] for row in csv.DictReader(f)]
        if len(dialects) != len(texts):
            raise ValueError(f"{dialect_path}: {len(dialects)} rows, but train.tsv has {len(texts)}")
    if corpus.eval_split == "holdout":
        mask = holdout_mask(labels)
        keep, held = np.flatnonzero(~mask), np.flatnonzero(mask)
        pick = lambda seq, idx: [seq[i] for i in idx]  # noqa: E731
        train = Split(corpus, pick(texts, keep), labels[keep], pick(dialects, keep) if dialects else None)
        test = Split(corpus, pick(texts, held), labels[held], pick(dialects, held) if dialects else None)
        return train, test
    eval_path = folder / f"{corpus.eval_split}.tsv"
    if not eval_path.exists():
        return Split(corpus, texts, labels, dialects), Split(corpus, [], np.zeros(0, np.int64))
    etexts, eraw = read_tsv(eval_path)
    return Split(corpus, texts, labels, dialects), Split(corpus, etexts, _map(eraw, eval_path))


def training_pool(
    language: str, data_dir: Path, *, weak_weight: float = 0.0
) -> tuple[list[str], np.ndarray, np.ndarray, list[Split]]:
    """Folded training texts, labels and weights for one language, and its evaluation splits."""
    loaded = [(c, load(c, data_dir)) for c in CORPORA if c.language == language]
    evals = [pair[1] for c, pair in loaded if pair is not None and not c.weak]
    banned = {fold(t) for s in evals for t in s.texts}
    for c, pair in loaded:
        if pair is not None and c.weak:
            banned |= {fold(t) for t in pair[1].texts}
    seen: dict[str, tuple[int, float]] = {}
    conflicts: set[str] = set()
    for c, pair in loaded:
        if pair is None or (c.weak and weak_weight <= 0):
            continue
        train = pair[0]
        weight = weak_weight if c.weak else 1.0
        for text, lab in zip(train.texts, train.labels, strict=True):
            if lab < 0:
                continue
            key = fold(text)
            if not key or key in banned:
                continue
            if key in seen:
                if seen[key][0] != lab:
                    conflicts.add(key)
                continue
            seen[key] = (int(lab), weight)
    items = [(k, v) for k, v in seen.items() if k not in conflicts]
    texts = [k for k, _ in items]
    labels = np.array([v[0] for _, v in items], np.int64)
    weights = np.array([v[1] for _, v in items], float)
    return texts, labels, weights, evals
