"""Maximum-likelihood machinery shared by the lifetime-value models.

Every model maximises its log-likelihood over the logarithms of its (positive) parameters with L-BFGS-B,
then takes the observed information (the Hessian of the negative log-likelihood at the optimum, by central
differences of the gradient) as the inverse covariance of the estimates. Standard errors are on the natural
scale (delta method); confidence intervals are formed on the log scale, exp(log theta +- z se / theta), so
they stay positive (docs/value.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from scipy import optimize, stats
from threadpoolctl import ThreadpoolController

from tajriba.errors import Invalid

LEVEL = 0.95
_controller: ThreadpoolController | None = None


def one_blas_thread() -> Any:
    """Context pinning BLAS/OpenMP pools to one thread (small fits run slower with a pool)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()  # scanning the loaded libraries is the slow part: do it once
    return _controller.limit(limits=1)


def numeric_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, rel: float = 1e-6) -> np.ndarray:
    """Central-difference gradient (used where a model has no analytic one)."""
    g = np.empty_like(x)
    for i in range(x.size):
        h = rel * max(abs(x[i]), 1.0)
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (f(up) - f(down)) / (2 * h)
    return g


class LikelihoodModel:
    """Base class: ``fit`` validates its inputs and returns ``self``; fitted attributes end in ``_``."""

    param_names: ClassVar[tuple[str, ...]]
    #: whether _neg_log_likelihood returns an exact gradient (else the Hessian uses second differences)
    analytic_gradient: ClassVar[bool] = False
    #: starting values on the natural scale
    start: ClassVar[tuple[float, ...]]

    params_: dict[str, float]
    std_errors_: dict[str, float]
    covariance_: np.ndarray
    log_likelihood_: float
    n_: int
    converged_: bool
    iterations_: int

    def __init__(self, *, level: float = LEVEL) -> None:
        if not 0 < level < 1:
            raise Invalid("level must be between 0 and 1, e.g. 0.95", field="level")
        self.level = level

    # -- subclasses implement
    def _neg_log_likelihood(self, theta: np.ndarray) -> tuple[float, np.ndarray | None]:
        """Negative log-likelihood at natural parameters theta and its gradient (None: use differences)."""
        raise NotImplementedError

    # -- shared
    def _objective_natural(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = self._neg_log_likelihood(theta)
        if grad is None:
            grad = numeric_gradient(lambda t: self._neg_log_likelihood(t)[0], theta)
        return value, grad

    def _optimise(self, start: np.ndarray | None = None) -> Self:
        x0 = np.log(np.asarray(start if start is not None else self.start, dtype=float))
        # the mean log-likelihood per customer keeps the first steps of the line search modest
        scale = 1.0 / max(float(self.n_), 1.0)

        def objective(log_theta: np.ndarray) -> tuple[float, np.ndarray]:
            theta = np.exp(log_theta)
            with np.errstate(all="ignore"):
                value, grad = self._objective_natural(theta)
            if not (math.isfinite(value) and np.isfinite(grad).all()):
                # outside the region where the likelihood is computable: steer back towards the start
                return 1e10, (log_theta - x0) * 1e3
            return value * scale, grad * theta * scale

        with one_blas_thread():
            result = optimize.minimize(
                objective,
                x0,
                jac=True,
                method="L-BFGS-B",
                bounds=[(-25.0, 25.0)] * x0.size,
                options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-8},
            )
            theta = np.exp(result.x)
            value = result.fun / scale
            hessian = self._hessian(theta)
        self.params_ = dict(zip(self.param_names, map(float, theta), strict=True))
        self.log_likelihood_ = -float(value)
        self.converged_ = bool(result.success)
        self.iterations_ = int(result.nit)
        try:
            cov = np.linalg.inv(hessian)
        except np.linalg.LinAlgError:
            cov = np.full_like(hessian, np.nan)
        self.covariance_ = cov
        diag = np.diag(cov)
        self.std_errors_ = {
            n: float(math.sqrt(v)) if v >= 0 else math.nan
            for n, v in zip(self.param_names, diag, strict=True)
        }
        return self

    def _hessian(self, theta: np.ndarray) -> np.ndarray:
        k = theta.size
        h = np.empty((k, k))
        if not self.analytic_gradient:
            f = lambda t: self._neg_log_likelihood(t)[0]  # noqa: E731
            steps = 1e-4 * theta
            f0 = f(theta)
            for i in range(k):
                for j in range(i, k):
                    ei, ej = np.zeros(k), np.zeros(k)
                    ei[i], ej[j] = steps[i], steps[j]
                    if i == j:
                        h[i, i] = (f(theta + ei) - 2 * f0 + f(theta - ei)) / steps[i] ** 2
                    else:
                        h[i, j] = h[j, i] = (
                            f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)
                        ) / (4 * steps[i] * steps[j])
            return h
        # forward differences of the exact gradient (k evaluations; symmetrised): standard errors need
        # two or three significant figures, which a relative step of 1e-6 gives with room to spare
        g0 = self._objective_natural(theta)[1]
        for i in range(k):
            step = 1e-6 * theta[i]
            up = theta.copy()
            up[i] += step
            h[i] = (self._objective_natural(up)[1] - g0) / step
        return (h + h.T) / 2

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise Invalid(f"{type(self).__name__} is not fitted yet: call fit() first", field="model")

    @property
    def summary(self) -> pd.DataFrame:
        """Parameters with standard errors and log-scale confidence intervals."""
        self._check_fitted()
        z = float(stats.norm.ppf(0.5 + self.level / 2))
        rows = []
        for name in self.param_names:
            est, se = self.params_[name], self.std_errors_[name]
            half = z * se / est if est > 0 and math.isfinite(se) else math.nan
            rows.append(
                {
                    "parameter": name,
                    "estimate": est,
                    "std_error": se,
                    "ci_low": est * math.exp(-half),
                    "ci_high": est * math.exp(half),
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Parameters, standard errors, log-likelihood: what `tajriba value fit` prints."""
        self._check_fitted()
        return {
            "model": self.name,
            "n": self.n_,
            "log_likelihood": self.log_likelihood_,
            "converged": self.converged_,
            "parameters": self.summary.to_dict(orient="records"),
        }

    name: ClassVar[str] = ""

    def parameter_draws(self, size: int, *, seed: int = 0) -> np.ndarray:
        """Parameter vectors drawn from the asymptotic normal of log theta (for intervals of predictions)."""
        self._check_fitted()
        theta = np.array([self.params_[n] for n in self.param_names])
        jac = np.diag(1 / theta)
        cov_log = jac @ self.covariance_ @ jac
        rng = np.random.default_rng(seed)
        return np.exp(rng.multivariate_normal(np.log(theta), cov_log, size=size, check_valid="ignore"))


def as_array(values: Any, name: str, *, integer: bool = False, minimum: float | None = 0.0) -> np.ndarray:
    """A 1-D float array with a clear error naming the field and the first bad row."""
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise Invalid(f"{name} must be numbers", field=name) from exc
    bad = ~np.isfinite(arr)
    if minimum is not None:
        bad |= arr < minimum
    if integer:
        bad |= arr != np.round(arr)
    if bad.any():
        row = int(np.argmax(bad))
        kind = "a whole number" if integer else "a number"
        floor = f" >= {minimum:g}" if minimum is not None else ""
        raise Invalid(f"row {row + 1}: {name} must be {kind}{floor}, got {arr[row]!r}", field=name)
    return arr


def same_length(**arrays: np.ndarray) -> int:
    sizes = {k: v.size for k, v in arrays.items()}
    if len(set(sizes.values())) != 1:
        raise Invalid(f"inputs differ in length: {sizes}", field=next(iter(sizes)))
    n = next(iter(sizes.values()))
    if n == 0:
        raise Invalid("no customers to fit: the input is empty", field=next(iter(sizes)))
    return n


def weights_or_ones(weights: Any, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = as_array(weights, "weights")
    if w.size != n:
        raise Invalid(f"weights has {w.size} values for {n} customers", field="weights")
    return w
