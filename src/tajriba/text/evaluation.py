"""Classification metrics as the sentiment literature reports them.

F1-PN is the mean F1 of the positive and negative classes with every class still in the label set
(SemEval-2017 secondary metric, WANLP-2021 primary metric); macro-recall (AvgRec) is the SemEval-2017
primary metric. Macro-F1 averages over the classes present in the gold labels.
"""

from __future__ import annotations

import numpy as np


def f1_per_class(y: np.ndarray, pred: np.ndarray, cls: int) -> float:
    tp = int(np.sum((pred == cls) & (y == cls)))
    fp = int(np.sum((pred == cls) & (y != cls)))
    fn = int(np.sum((pred != cls) & (y == cls)))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def recall(y: np.ndarray, pred: np.ndarray, cls: int) -> float:
    n = int(np.sum(y == cls))
    return float(np.sum((pred == cls) & (y == cls)) / n) if n else 0.0


def scores(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """accuracy, macro_f1, f1_pn and macro_recall in percent, and n."""
    y, pred = np.asarray(y), np.asarray(pred)
    present = sorted(int(c) for c in np.unique(y))
    if len(y) == 0:
        return {
            "n": 0,
            "accuracy": float("nan"),
            "macro_f1": float("nan"),
            "f1_pn": float("nan"),
            "macro_recall": float("nan"),
        }
    return {
        "n": len(y),
        "accuracy": 100 * float(np.mean(y == pred)),
        "macro_f1": 100 * float(np.mean([f1_per_class(y, pred, c) for c in present])),
        "f1_pn": 100 * (f1_per_class(y, pred, 0) + f1_per_class(y, pred, 1)) / 2,
        "macro_recall": 100 * float(np.mean([recall(y, pred, c) for c in present])),
    }
