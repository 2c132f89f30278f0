"""Estimates against hand-computed values and an independent implementation (SciPy's Welch test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tajriba.metrics import estimates as est


def test_wilson_interval_for_8_of_10_matches_the_published_value() -> None:
    # Wilson (1927) score interval; 8/10 at 95 %: (0.4902, 0.9433) (Newcombe 1998, Table I method 3)
    e = est.wilson(8, 10)
    assert e.value == 0.8
    assert e.low == pytest.approx(0.4902, abs=5e-5) and e.high == pytest.approx(0.9433, abs=5e-5)


def test_wilson_stays_inside_zero_and_one_at_the_extremes() -> None:
    assert est.wilson(0, 20).low == 0.0 and est.wilson(20, 20).high == 1.0
    assert est.wilson(0, 0) == est.EMPTY


def test_nps_with_its_standard_error_by_hand() -> None:
    # 50 promoters, 30 passives, 20 detractors: NPS 30; Var = (0.5 + 0.2 - 0.3^2) / 100 = 0.0061
    e = est.nps(50, 30, 20)
    se = 100 * math.sqrt(0.0061)
    assert e.value == pytest.approx(30.0)
    # adjusted Wald: p = 50.75 / 103, d = 20.75 / 103, NPS' = 0.291262, se' = sqrt((p + d - NPS'^2) / 103)
    assert e.low == pytest.approx(14.0511, abs=1e-4) and e.high == pytest.approx(44.2013, abs=1e-4)
    assert est.nps_se(50, 30, 20) == pytest.approx(se)
    # all promoters: the plain Wald interval would be [100, 100]; the adjusted one is honest about n = 5
    every = est.nps(5, 0, 0)
    assert every.value == 100 and every.low == pytest.approx(17.4915, abs=1e-4) and every.high == 100


def test_mean_t_interval_by_hand() -> None:
    # 1..5: mean 3, s = 1.5811, t(0.975, 4) = 2.776445, half width = 2.776445 * 1.5811 / sqrt(5) = 1.9632
    e = est.mean([1, 2, 3, 4, 5])
    assert e.value == 3.0 and e.n == 5
    assert e.low == pytest.approx(1.0368, abs=1e-4) and e.high == pytest.approx(4.9632, abs=1e-4)
    assert est.mean([4]) == est.Estimate(4.0, None, None, 1)


def test_median_interval_from_order_statistics() -> None:
    # n = 10: P(B <= 1) = 0.0107 <= 0.025 < P(B <= 2) = 0.0547, so the interval is [x(2), x(9)]
    e = est.median(list(range(1, 11)))
    assert (e.value, e.low, e.high) == (5.5, 2.0, 9.0)
    # too few values for a 95 % interval: no bounds rather than a false one
    assert est.median([3.0, 1.0, 2.0]) == est.Estimate(2.0, None, None, 3)


def test_difference_of_means_matches_scipy_welch() -> None:
    a, b = np.array([1, 2, 3, 4, 5.0]), np.array([2, 4, 6, 8, 10.0, 11])
    ea, eb = est.mean(a), est.mean(b)
    d = est.difference_of_means(ea, a.std(ddof=1), eb, b.std(ddof=1))
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert d.difference == pytest.approx(b.mean() - a.mean())
    assert d.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    ci = ref.confidence_interval(0.95)
    assert (d.low, d.high) == (pytest.approx(ci.low, rel=1e-9), pytest.approx(ci.high, rel=1e-9))


def test_difference_normal_by_hand() -> None:
    d = est.difference_normal(30.0, 3.0, 36.0, 4.0)  # se = 5
    assert d.difference == 6.0
    assert d.low == pytest.approx(6 - 1.959964 * 5, abs=1e-5) and d.high == pytest.approx(
        6 + 1.959964 * 5, abs=1e-5
    )
    assert d.p_value == pytest.approx(2 * stats.norm.sf(6 / 5))
    assert est.difference_normal(None, 1.0, 2.0, 1.0) == est.NO_DIFFERENCE
