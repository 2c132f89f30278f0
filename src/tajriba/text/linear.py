"""Multinomial logistic regression on sparse features, fitted by L-BFGS, with temperature calibration.

Small on purpose: the product only needs `scores @ W + b` and a softmax at run time; training is a
smooth convex problem (weighted cross-entropy + L2) that SciPy's L-BFGS solves in a few hundred steps.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize, minimize_scalar


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_softmax(
    x: sp.csr_matrix,
    y: np.ndarray,
    n_classes: int,
    *,
    sample_weight: np.ndarray | None = None,
    l2: float = 1e-5,
    max_iter: int = 300,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (n_features x n_classes, float32) and biases minimising mean weighted log-loss + l2/2 |W|^2."""
    n, d = x.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    w = w / w.sum()
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y] = 1.0
    xt = x.T.tocsr()

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef = theta[: d * n_classes].reshape(d, n_classes)
        bias = theta[d * n_classes :]
        z = x @ coef + bias
        zmax = z.max(axis=1, keepdims=True)
        logsum = zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=1))
        ll = float(w @ (logsum - (z * onehot).sum(axis=1)))
        g = (softmax(z) - onehot) * w[:, None]
        grad_w = xt @ g + l2 * coef
        value = ll + 0.5 * l2 * float((coef * coef).sum())
        return value, np.concatenate((grad_w.ravel(), g.sum(axis=0)))

    theta0 = np.zeros(d * n_classes + n_classes)
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter, "maxcor": 10})
    coef = res.x[: d * n_classes].reshape(d, n_classes).astype(np.float32)
    return coef, res.x[d * n_classes :].astype(np.float32)


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The temperature T minimising held-out log-loss of softmax(scores / T)."""

    def nll(log_t: float) -> float:
        p = softmax(scores / np.exp(log_t))
        return float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), y], 1e-12))))

    res = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(res.x))


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def fit_multilabel(
    x: sp.csr_matrix,
    y: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
    label_mask: np.ndarray | None = None,
    l2: float = 1e-5,
    max_iter: int = 300,
) -> tuple[np.ndarray, np.ndarray]:
    """One logistic regression per column of the 0/1 label matrix `y` (n x k), fitted together: weights
    (n_features x k, float32) and biases minimising the mean weighted binary log-loss summed over labels
    + l2/2 |W|^2. `label_mask` (n x k, 0/1) leaves out the labels a row says nothing about."""
    n, d = x.shape
    k = y.shape[1]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    w = w / w.sum()
    cell = w[:, None] * (np.ones((n, k)) if label_mask is None else np.asarray(label_mask, float))
    xt = x.T.tocsr()
    yf = y.astype(float)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef = theta[: d * k].reshape(d, k)
        z = x @ coef + theta[d * k :]
        # log(1 + e^z) - y z, computed without overflow
        ll = float((cell * (np.logaddexp(0.0, z) - yf * z)).sum())
        g = (sigmoid(z) - yf) * cell
        value = ll + 0.5 * l2 * float((coef * coef).sum())
        return value, np.concatenate(((xt @ g + l2 * coef).ravel(), g.sum(axis=0)))

    res = minimize(loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    return res.x[: d * k].reshape(d, k).astype(np.float32), res.x[d * k :].astype(np.float32)
