"""The shipped model files: load once, score batches.

Each model is one `.npz` in `tajriba/text/models/` (hashed-feature weights in float16, biases, IDF, the
class names, a calibration temperature and the featurizer settings); `manifest.json` beside them gives the
version, the training recipe and the evaluation table (docs/models.md is written from it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tajriba.text.features import Featurizer
from tajriba.text.linear import sigmoid, softmax

MODEL_DIR = Path(str(resources.files("tajriba.text").joinpath("models")))


@dataclass
class LinearTextModel:
    name: str
    classes: tuple[str, ...]
    featurizer: Featurizer
    weights: np.ndarray  # n_features x n_classes, float32
    bias: np.ndarray
    idf: np.ndarray
    temperature: float = 1.0
    # softmax: one class per text; sigmoid: each class (an intent) on its own, several may hold
    activation: str = "softmax"
    # sigmoid models: each class's decision threshold, chosen after training (None: 0.5 for every class)
    thresholds: np.ndarray | None = None

    def scores(self, folded: list[str]) -> np.ndarray:
        return self.featurizer.linear_scores(folded, self.weights, self.idf) + self.bias

    def predict_proba(self, folded: list[str]) -> np.ndarray:
        """Calibrated class probabilities, one row per (folded) text."""
        if not folded:
            return np.zeros((0, len(self.classes)), np.float32)
        return self._proba(self.scores(folded))

    def _proba(self, scores: np.ndarray) -> np.ndarray:
        z = scores / self.temperature
        return sigmoid(z) if self.activation == "sigmoid" else softmax(z)

    def save(self, path: Path) -> None:
        f = self.featurizer
        extra: dict[str, Any] = (
            {} if self.thresholds is None else {"thresholds": self.thresholds.astype(np.float32)}
        )
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
            idf=self.idf.astype(np.float16),
            classes=np.array(self.classes),
            temperature=np.array(self.temperature),
            featurizer=np.array([f.n_features, f.char_min, f.char_max, f.word_max]),
            activation=np.array(self.activation),
            **extra,
        )

    @classmethod
    def load(cls, path: Path) -> LinearTextModel:
        with np.load(path, allow_pickle=False) as z:
            n, cmin, cmax, wmax = (int(v) for v in z["featurizer"])
            return cls(
                name=path.stem,
                classes=tuple(str(c) for c in z["classes"]),
                featurizer=Featurizer(n_features=n, char_min=cmin, char_max=cmax, word_max=wmax),
                weights=z["weights"].astype(np.float32),
                bias=z["bias"],
                idf=z["idf"].astype(np.float32),
                temperature=float(z["temperature"]),
                activation=str(z["activation"]) if "activation" in z.files else "softmax",
                thresholds=z["thresholds"] if "thresholds" in z.files else None,
            )


def manifest(model_dir: Path = MODEL_DIR) -> dict[str, Any]:
    path = model_dir / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no trained models here; run `tajriba text train`")
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def load(name: str, model_dir: Path = MODEL_DIR) -> LinearTextModel:
    path = model_dir / f"{name}.npz"
    if not path.exists():
        raise FileNotFoundError(f"{path}: model {name!r} is not shipped; run `tajriba text train`")
    return LinearTextModel.load(path)


def version(model_dir: Path = MODEL_DIR) -> str:
    return str(manifest(model_dir)["version"])


def predict_together(models: list[LinearTextModel], folded: list[str]) -> list[np.ndarray]:
    """Each model's `predict_proba(folded)`, hashing the texts' n-grams once for models that share a
    featurizer (the sentiment and intent models do)."""
    out: list[np.ndarray] = []
    hashed: dict[Featurizer, tuple[int, list[tuple[np.ndarray, np.ndarray]]]] = {}
    for m in models:
        if not folded:
            out.append(np.zeros((0, len(m.classes)), np.float32))
            continue
        fams = hashed.get(m.featurizer)
        if fams is None:
            fams = hashed[m.featurizer] = m.featurizer.families(folded)
        out.append(m._proba(m.featurizer.scores_of(fams, m.weights, m.idf) + m.bias))
    return out
