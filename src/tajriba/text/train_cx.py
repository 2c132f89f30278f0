"""The intent model and the CX-set evaluation (`tajriba text train` and `tajriba text evaluate` call these).

Intent model: one logistic regression per intent (tajriba.text.cxset.INTENTS), fitted together on the same
hashed n-grams as the sentiment models, from
- the CX set's training side (composed texts, and every training clause alone), weight 1;
- customer reviews of the public corpora as weak labels (a negative review is a complaint, a positive one
  praise, neither anything else), weight `WEAK_WEIGHT`: they bring the vocabulary of real reviews that no
  clause bank covers. Only their training parts are used; the CX set's test side is never trained on.

CX evaluation: the whole pipeline (tajriba.text.pipeline.analyze) on the CX test side, per language group
and per part (composed from held-out clauses; written whole): complaint precision and recall, micro-F1
over all intents, exact intent sets, aspect polarity, and the dialect of the Arabic groups.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from tajriba.text import corpora, cxset, encoder, models
from tajriba.text.encoder import DenseModel
from tajriba.text.features import Featurizer
from tajriba.text.intents import INTENTS
from tajriba.text.linear import fit_multilabel
from tajriba.text.models import MODEL_DIR, LinearTextModel
from tajriba.text.normalize import fold

WEAK_CORPORA = ("elsahar_prod", "elsahar_res", "elsahar_att", "snappfood", "uci_amazon_yelp")
WEAK_WEIGHT = 0.3
L2 = 1e-5
ENCODER_L2 = 3e-5
THRESHOLD_GRID = tuple(round(0.05 * i, 2) for i in range(1, 15))  # 0.05 ... 0.7
N_FEATURES = 2**19

Log = Callable[[str], None]


def _labels(intents: tuple[str, ...]) -> list[int]:
    return [int(i in intents) for i in INTENTS]


def intent_data(
    data_dir: Path | None, weak_weight: float = WEAK_WEIGHT
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Folded training texts, their 0/1 intent matrix, weights, and which labels each row speaks for: a CX
    text for all, a review only for complaint and praise (it says nothing of questions or requests).
    Repeats are kept once, the first label wins."""
    rows: dict[str, tuple[list[int], float]] = {}
    for e in cxset.cx_set():
        if e.split == "train":
            rows.setdefault(fold(e.text), (_labels(e.intents), 1.0))
    for group in cxset.GROUPS:
        for cs in cxset.clauses(group)["train"].values():
            for c in cs:
                rows.setdefault(fold(c.text), (_labels((c.intent,) if c.intent else ()), 1.0))
    test = {fold(e.text) for e in cxset.cx_set() if e.split == "test"}
    if data_dir is not None and weak_weight > 0:
        for corpus in corpora.CORPORA:
            pair = corpora.load(corpus, data_dir) if corpus.name in WEAK_CORPORA else None
            if pair is None:
                continue
            for text, lab in zip(pair[0].texts, pair[0].labels, strict=True):
                key = fold(text)
                if key and key not in test and lab in (corpora.POSITIVE, corpora.NEGATIVE):
                    intent = "praise" if lab == corpora.POSITIVE else "complaint"
                    rows.setdefault(key, (_labels((intent,)), weak_weight))
    texts = [k for k in rows if k and k not in test]
    weights = np.array([rows[t][1] for t in texts])
    mask = np.ones((len(texts), len(INTENTS)), np.int8)
    mask[weights != 1] = [int(i in ("complaint", "praise")) for i in INTENTS]
    return texts, np.array([rows[t][0] for t in texts], np.int8), weights, mask


def train_intents(data_dir: Path | None, log: Log = print) -> tuple[LinearTextModel, dict[str, Any]]:
    texts, y, w, mask = intent_data(data_dir)
    featurizer = Featurizer(n_features=N_FEATURES)
    df = featurizer.document_frequency(texts)
    idf = (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)
    started = time.perf_counter()
    x = featurizer.matrix(texts, idf)
    coef, bias = fit_multilabel(x, y, sample_weight=w, label_mask=mask, l2=L2, max_iter=400)
    model = LinearTextModel("intent", INTENTS, featurizer, coef, bias, idf, activation="sigmoid")
    info = {
        "train_texts": len(texts),
        "cx_texts": int((w == 1).sum()),
        "weak_texts": int((w != 1).sum()),
        "weak_weight": WEAK_WEIGHT,
        "label_counts": {i: int(n) for i, n in zip(INTENTS, y.sum(axis=0), strict=True)},
        "fit_seconds": round(time.perf_counter() - started, 1),
        "l2": L2,
    }
    log(f"intent: {info}")
    return model, info


def train_encoder_intents(log: Log = print) -> tuple[DenseModel, dict[str, Any]]:
    """The encoder stage's intent model: the CX set's training side only (the encoder brings the vocabulary
    that the weak reviews bring to the fast model)."""
    texts, y, w, _ = intent_data(None)
    started = time.perf_counter()
    x = sp.csr_matrix(encoder.embed(texts))
    embedded = time.perf_counter() - started
    coef, bias = fit_multilabel(x, y, sample_weight=w, l2=ENCODER_L2, max_iter=1000)
    model = DenseModel(encoder.ENCODER_MODEL, INTENTS, coef, bias)
    info = {
        "train_texts": len(texts),
        "embed_seconds": round(embedded, 1),
        "fit_seconds": round(time.perf_counter() - started - embedded, 1),
        "l2": ENCODER_L2,
    }
    log(f"{encoder.ENCODER_MODEL}: {info}")
    return model, info


def choose_thresholds(model_dir: Path, *, encoder_stage: bool = False) -> np.ndarray:
    """Each intent's decision threshold: the value of THRESHOLD_GRID with the best F1 on the composed test
    texts (the written ones are not looked at); 0.5 for an intent too rare there to tell. Read on the model
    files in `model_dir` with their thresholds unset."""
    from tajriba.text.pipeline import analyze

    model = encoder.load(model_dir) if encoder_stage else models.load("intent", model_dir)
    model.thresholds = None
    dev = [e for e in cxset.cx_set() if e.split == "test" and e.source == "composed"]
    results = analyze([e.text for e in dev], model_dir=model_dir, encoder_stage=encoder_stage)
    out = np.full(len(INTENTS), 0.5, np.float32)
    for j, intent in enumerate(INTENTS):
        gold = np.array([intent in e.intents for e in dev])
        if gold.sum() < 10:
            continue
        p = np.array([r.intents[intent] for r in results])
        f1 = [_prf(int((gold & (p >= t)).sum()), int((~gold & (p >= t)).sum()), int((gold & (p < t)).sum()))[2]
              for t in THRESHOLD_GRID]  # fmt: skip
        out[j] = THRESHOLD_GRID[int(np.argmax(f1))]
    return out


def describe() -> dict[str, Any]:
    """The CX set's size by group, side and part, and its intent counts (for the manifest and model card)."""
    examples = cxset.cx_set()
    counts: dict[str, dict[str, int]] = {}
    for e in examples:
        row = counts.setdefault(e.group, {"train": 0, "test_composed": 0, "test_written": 0})
        row["train" if e.split == "train" else f"test_{e.source}"] += 1
    return {
        "texts": len(examples),
        "test_texts": sum(e.split == "test" for e in examples),
        "by_group": counts,
        "intents": {i: sum(i in e.intents for e in examples) for i in INTENTS},
        "aspects": sum(len(e.aspects) for e in examples),
    }


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return p, r, f


def _row(name: str, part: str, examples: list[cxset.Example], results: list[Any]) -> dict[str, Any]:
    gold = np.array([_labels(e.intents) for e in examples], bool)
    pred = np.array([_labels(tuple(r.intent_labels)) for r in results], bool)
    c = INTENTS.index("complaint")
    cp, cr, _ = _prf(int((gold[:, c] & pred[:, c]).sum()), int((~gold[:, c] & pred[:, c]).sum()),
                     int((gold[:, c] & ~pred[:, c]).sum()))  # fmt: skip
    _, _, micro = _prf(int((gold & pred).sum()), int((~gold & pred).sum()), int((gold & ~pred).sum()))
    labelled = right = 0
    for e, r in zip(examples, results, strict=True):
        found = {a["aspect"]: a["sentiment"] for a in r.aspects}
        labelled += len(e.aspects)
        right += sum(found.get(k) == v for k, v in e.aspects.items())
    arabic = [(e, r) for e, r in zip(examples, results, strict=True) if e.group in cxset.ARABIC_GROUPS]
    return {
        "group": name,
        "part": part,
        "n": len(examples),
        "complaints": int(gold[:, c].sum()),
        "complaint_precision": round(100 * cp, 1),
        "complaint_recall": round(100 * cr, 1),
        "intent_micro_f1": round(100 * micro, 1),
        "exact_intents": round(100 * float((gold == pred).all(axis=1).mean()), 1),
        "aspects": labelled,
        "aspect_polarity": round(100 * right / labelled, 1) if labelled else float("nan"),
        "dialect": round(100 * sum(r.dialect == e.group for e, r in arabic) / len(arabic), 1)
        if arabic
        else None,
    }


def evaluate_cx(model_dir: Path = MODEL_DIR, *, encoder_stage: bool = False) -> list[dict[str, Any]]:
    """One row per language group and part of the CX test side, then one per group and one for all."""
    from tajriba.text.pipeline import analyze

    test = [e for e in cxset.cx_set() if e.split == "test"]
    results = analyze([e.text for e in test], model_dir=model_dir, encoder_stage=encoder_stage)
    pairs = list(zip(test, results, strict=True))
    rows = []
    for group in (*cxset.GROUPS, "all"):
        mine = [(e, r) for e, r in pairs if group in ("all", e.group)]
        for part in ("composed", "written", "all"):
            sel = [(e, r) for e, r in mine if part in ("all", e.source)]
            if sel:
                rows.append(_row(group, part, [e for e, _ in sel], [r for _, r in sel]))
    return rows
