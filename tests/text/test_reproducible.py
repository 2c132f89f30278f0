"""The shipped intent model is what `tajriba text train` makes: retrained here from the same data with the
same recipe (seeded, deterministic), it scores the CX set within 0.5 points of the numbers recorded with the
shipped files. (The sentiment and dialect recipes are unchanged by it; `tajriba text train` rewrites them
byte for byte, docs/models.md.)"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tajriba.text import models, train_cx

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "sentiment"
KEYS = ("complaint_precision", "complaint_recall", "intent_micro_f1", "exact_intents", "aspect_polarity")

pytestmark = pytest.mark.skipif(
    os.environ.get("TAJRIBA_TEST_WAREHOUSE", "duckdb") != "duckdb",
    reason="no warehouse involved: runs once, in the DuckDB pass",
)


def test_retraining_the_intent_model_gives_the_shipped_scores(tmp_path) -> None:  # type: ignore[no-untyped-def]
    if not DATA.is_dir():
        pytest.skip(f"{DATA} not present: the weak review labels come from there")
    for f in models.MODEL_DIR.iterdir():
        if f.name != "intent.npz":
            shutil.copy(f, tmp_path / f.name)
    model, info = train_cx.train_intents(DATA, log=lambda _: None)
    shipped = models.manifest()["models"]["intent"]
    assert info["train_texts"] == shipped["train_texts"] and info["label_counts"] == shipped["label_counts"]
    model.save(tmp_path / "intent.npz")
    model.thresholds = train_cx.choose_thresholds(tmp_path)
    assert dict(zip(model.classes, map(float, model.thresholds), strict=True)) == pytest.approx(
        shipped["thresholds"]
    )
    model.save(tmp_path / "intent.npz")
    models.load.cache_clear()
    try:
        now = {(r["group"], r["part"]): r for r in train_cx.evaluate_cx(tmp_path)}
    finally:
        models.load.cache_clear()
    recorded = {(r["group"], r["part"]): r for r in models.manifest()["cx_evaluation"]}
    off = [
        (g, k, recorded[g][k], now[g][k])
        for g in recorded
        for k in KEYS
        if abs(now[g][k] - recorded[g][k]) > 0.5
    ]
    assert off == []
