"""Model quality regression: the shipped models, re-evaluated on the corpora, must stay within one point
of the evaluation table recorded with them (manifest.json, docs/models.md); plus size, speed and
calibration facts the model card states."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tajriba.text import models
from tajriba.text.train import evaluate_all

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "sentiment"
METRICS = ("accuracy", "macro_f1", "f1_pn", "macro_recall")


@pytest.fixture(scope="module")
def evaluation() -> dict:
    if not DATA.is_dir():
        pytest.skip(f"{DATA} not present")
    return evaluate_all(DATA)


def test_metrics_stay_within_one_point_of_the_model_card(evaluation) -> None:  # type: ignore[no-untyped-def]
    recorded = {(r["corpus"], r["dialect"]): r for r in models.manifest()["evaluation"]}
    now = {(r["corpus"], r["dialect"]): r for r in evaluation["sentiment"]}
    assert set(now) == set(recorded)
    drops = [
        (key, m, recorded[key][m], now[key][m])
        for key in recorded
        for m in METRICS
        if now[key][m] < recorded[key][m] - 1.0
    ]
    assert drops == []
    dialects = {r["corpus"]: r for r in models.manifest()["dialect_evaluation"]}
    for r in evaluation["dialect"]:
        assert r["accuracy"] >= dialects[r["corpus"]]["accuracy"] - 1.0


def test_cx_set_scores_stay_within_one_point_of_the_model_card() -> None:
    """The CX set ships in the package: the whole pipeline on its test side, as recorded at training."""
    from tajriba.text.train_cx import evaluate_cx

    recorded = {(r["group"], r["part"]): r for r in models.manifest()["cx_evaluation"]}
    now = {(r["group"], r["part"]): r for r in evaluate_cx()}
    assert set(now) == set(recorded)
    keys = ("complaint_precision", "complaint_recall", "intent_micro_f1", "exact_intents", "aspect_polarity")
    drops = [
        (g, k, recorded[g][k], now[g][k]) for g in recorded for k in keys if now[g][k] < recorded[g][k] - 1.0
    ]
    assert drops == []


def test_shipped_models_fit_the_size_budget_and_load_fast() -> None:
    import time

    files = list(models.MODEL_DIR.glob("*.npz"))
    assert {f.stem for f in files} == {
        "sentiment_ar", "sentiment_fa", "sentiment_en", "dialect_ar", "intent", "intent_e5",
    }  # fmt: skip
    assert sum(f.stat().st_size for f in files) <= 50 * 2**20
    started = time.perf_counter()
    for f in files:
        if f.stem != "intent_e5":  # the encoder stage's head: tajriba.text.encoder.DenseModel
            models.LinearTextModel.load(f)
    assert time.perf_counter() - started < 5  # the benchmark holds the 1 s target; this guards regressions


def test_probabilities_are_calibrated_on_held_out_texts() -> None:
    man = models.manifest()
    for name in ("sentiment_ar", "sentiment_fa", "sentiment_en"):
        info = man["models"][name]
        assert info["calibration_ece"] <= 0.05, (name, info)
    p = models.load("sentiment_en").predict_proba(["great", "awful", ""])
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-5)
