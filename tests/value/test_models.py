"""Model behaviour: parameter recovery, hostile inputs, numerically extreme customers, CLV and churn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tajriba.errors import Invalid
from tajriba.value.bgbb import BetaGeoBetaBinomModel
from tajriba.value.bgnbd import BetaGeoModel
from tajriba.value.clv import ClvSettings, calibration_table, churn_risk, customer_lifetime_value
from tajriba.value.gammagamma import GammaGammaModel
from tajriba.value.paretonbd import ParetoNBDModel
from tajriba.value.sbg import ShiftedBetaGeoModel
from tajriba.value.simulate import bgnbd_customers
from tajriba.value.summary import summarize

from .conftest import cdnow_summary_at

TRUE = {"r": 0.4, "alpha": 3.0, "a": 0.7, "b": 2.0}


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return bgnbd_customers(40_000, **TRUE, seed=7)


def test_bgnbd_recovers_known_parameters_within_their_intervals(simulated):
    m = BetaGeoModel().fit(simulated["frequency"], simulated["recency"], simulated["T"])
    table = m.summary.set_index("parameter")
    for name, value in TRUE.items():
        # a 99.9 % band: day-rounded recencies add a little bias on top of sampling error
        se = table.loc[name, "std_error"]
        assert abs(table.loc[name, "estimate"] - value) < 3.3 * se + 0.03 * value, name
        assert table.loc[name, "ci_low"] < table.loc[name, "estimate"] < table.loc[name, "ci_high"]


def test_big_fits_warm_start_to_the_same_optimum_as_a_cold_start(monkeypatch, simulated):
    import tajriba.value.bgnbd as bgnbd

    cold = BetaGeoModel().fit(simulated["frequency"], simulated["recency"], simulated["T"])
    monkeypatch.setattr(bgnbd, "WARM_START_ABOVE", 10_000)
    warm = BetaGeoModel().fit(simulated["frequency"], simulated["recency"], simulated["T"])
    for k in TRUE:
        assert warm.params_[k] == pytest.approx(cold.params_[k], rel=1e-4)


@pytest.mark.parametrize(
    ("freq", "rec", "T", "message"),
    [
        ([1, 2], [5, 40], [39, 39], "row 2: recency"),
        ([0], [3], [39], "frequency 0"),
        ([2], [0], [39], "recency > 0"),
        ([-1], [0], [39], "row 1: frequency must be a whole number >= 0"),
        ([1.5], [3], [39], "whole number"),
        ([0], [0], [-1], "row 1: T must be a number >= 0"),
        ([1], [float("nan")], [3], "recency must be a number"),
        ([], [], [], "empty"),
        ([1, 2], [3], [5, 5], "differ in length"),
    ],
)
def test_bgnbd_rejects_hostile_summaries_with_the_row_and_field(freq, rec, T, message):
    with pytest.raises(Invalid, match=message):
        BetaGeoModel().fit(freq, rec, T)


def test_gamma_gamma_rejects_negative_spend_and_repeat_buyers_without_spend():
    with pytest.raises(Invalid, match="row 2: monetary_value must be a number >= 0"):
        GammaGammaModel().fit([1, 2], [10.0, -5.0])
    with pytest.raises(Invalid, match="row 1: a repeat buyer needs a mean repeat spend > 0"):
        GammaGammaModel().fit([3], [0.0])
    with pytest.raises(Invalid, match="no repeat buyers"):
        GammaGammaModel().fit([0, 0], [0.0, 0.0])


def test_summary_rejects_negative_amounts_and_unknown_columns():
    tx = pd.DataFrame({"c": ["a", "a"], "d": ["2024-01-01", "2024-01-05"], "v": [10.0, -3.0]})
    with pytest.raises(Invalid, match="row 2: amount must be a number >= 0"):
        summarize(tx, customer="c", datetime="d", amount="v", observation_end="2024-02-01")
    with pytest.raises(Invalid, match="'when' is not in the data"):
        summarize(tx, customer="c", datetime="when", observation_end="2024-02-01")
    with pytest.raises(Invalid, match="observation end must be a date"):
        summarize(tx, customer="c", datetime="d", observation_end="last week")


def test_summary_collapses_same_day_purchases_and_names_recency_first_to_last():
    tx = pd.DataFrame(
        {
            "c": ["a", "a", "a", "a", "b"],
            "d": ["2024-01-01 09:00", "2024-01-01 18:00", "2024-01-08", "2024-01-15", "2024-01-10"],
            "v": [10.0, 5.0, 20.0, 40.0, 7.0],
        }
    )
    s = summarize(tx, customer="c", datetime="d", amount="v", observation_end="2024-01-29", unit="week")
    a, b = s.set_index("customer_id").loc["a"], s.set_index("customer_id").loc["b"]
    assert (a["frequency"], a["recency"], a["T"], a["since_last"]) == (2, 2.0, 4.0, 2.0)
    assert a["monetary_value"] == 30.0  # mean of the two repeat days; the first day (15) left out
    assert a["mean_spend"] == 25.0 and a["total_spend"] == 75.0
    assert (b["frequency"], b["recency"], b["monetary_value"]) == (0, 0.0, 0.0)


def test_sbg_rejects_empty_cohorts_and_rising_survivors():
    with pytest.raises(Invalid, match="cohort is empty"):
        ShiftedBetaGeoModel().fit_survival([0, 0, 0])
    with pytest.raises(Invalid, match="period 2: survivors cannot increase"):
        ShiftedBetaGeoModel().fit_survival([100, 50, 60])
    with pytest.raises(Invalid, match="row 1: recency 9 exceeds T 8"):
        ShiftedBetaGeoModel().fit([9], [8])


def test_extreme_customers_give_finite_predictions_and_probabilities_in_0_1(simulated):
    bg = BetaGeoModel().fit(simulated["frequency"], simulated["recency"], simulated["T"])
    pn = ParetoNBDModel().fit(
        simulated["frequency"][:3000], simulated["recency"][:3000], simulated["T"][:3000]
    )
    x = np.array([0, 1, 200, 200, 1000, 5000, 3])
    t_x = np.array([0, 0.1, 0.5, 103.9, 50, 104, 104])
    T = np.array([0.1, 104, 104, 104, 104, 104, 104])
    for model in (bg, pn):
        alive = model.probability_alive(x, t_x, T)
        assert np.isfinite(alive).all() and ((alive >= 0) & (alive <= 1)).all()
        expected = model.conditional_expected_purchases(52, x, t_x, T)
        assert np.isfinite(expected).all() and (expected >= 0).all()
    grid_x, grid_t = np.meshgrid(np.arange(1, 300, 7), np.linspace(0.1, 100, 40))
    alive = bg.probability_alive(grid_x.ravel(), grid_t.ravel(), np.full(grid_x.size, 100.0))
    assert np.isfinite(alive).all() and alive.min() >= 0 and alive.max() <= 1


def test_probability_alive_falls_as_the_silence_grows(simulated):
    bg = BetaGeoModel().fit(simulated["frequency"], simulated["recency"], simulated["T"])
    alive = bg.probability_alive([5, 5, 5], [50, 30, 10], [52, 52, 52])
    assert alive[0] > alive[1] > alive[2]
    assert churn_risk(bg, [5], [10], [52])[0] == pytest.approx(1 - alive[2])


def test_clv_grows_with_horizon_and_falls_with_discount_and_has_an_interval(cdnow_transactions):
    s = cdnow_summary_at(cdnow_transactions, "1997-09-30")
    bg = BetaGeoModel().fit(s["frequency"], s["recency"], s["T"])
    gg = GammaGammaModel().fit(s["frequency"], s["monetary_value"])
    args = (bg, gg, s["frequency"], s["recency"], s["T"], s["monetary_value"])
    year = customer_lifetime_value(*args, interval=True)
    two = customer_lifetime_value(*args, settings=ClvSettings(horizon_months=24))
    dear = customer_lifetime_value(*args, settings=ClvSettings(discount_rate=0.05))
    assert (two["clv"] >= year["clv"]).all() and (dear["clv"] <= year["clv"]).all()
    assert (year["clv_low"] <= year["clv"]).all() and (year["clv"] <= year["clv_high"]).all()
    assert 0 < year["clv"].mean() < 200
    # no discounting: CLV = spend x expected purchases
    flat = customer_lifetime_value(*args, settings=ClvSettings(discount_rate=0.0, horizon_months=12))
    month = 365.25 / 12 / 7
    spend = gg.conditional_expected_average_profit(s["frequency"], s["monetary_value"])
    purchases = bg.conditional_expected_purchases(12 * month, s["frequency"], s["recency"], s["T"])
    assert np.allclose(flat["clv"], spend * purchases)
    with pytest.raises(Invalid, match="discount_rate is per month"):
        customer_lifetime_value(*args, settings=ClvSettings(discount_rate=1.5))


def test_calibration_on_a_holdout_period_of_cdnow(cdnow_transactions):
    from tajriba.value.clv import brier_score, probability_of_purchase

    cal = cdnow_summary_at(cdnow_transactions, "1997-09-30")
    full = cdnow_summary_at(cdnow_transactions, "1998-06-29").set_index("customer_id")
    bg = BetaGeoModel().fit(cal["frequency"], cal["recency"], cal["T"])
    bought = (full.loc[cal["customer_id"], "frequency"].to_numpy() - cal["frequency"].to_numpy()) > 0
    p = probability_of_purchase(bg, 39, cal["frequency"], cal["recency"], cal["T"])
    table = calibration_table(p, bought, bins=5)
    assert table["n"].sum() == len(cal)
    # predicted and observed shares agree within 0.1 in every fifth, and the ordering is right
    assert (abs(table["predicted"] - table["observed"]) < 0.1).all()
    assert table["observed"].iloc[-1] > table["observed"].iloc[0]
    assert brier_score(p, bought) < 0.2


def test_homogeneous_dropout_limit_matches_the_hypergeometric_formula_and_stays_finite():
    m = BetaGeoModel()
    m.params_ = {"r": 0.8, "alpha": 5.0, "a": 600.0, "b": 2400.0}
    x, t_x, T = np.array([0.0, 3.0, 12.0]), np.array([0.0, 20.0, 50.0]), np.array([52.0, 52.0, 52.0])
    exact = m._if_alive(26.0, x, T)
    import tajriba.value.bgnbd as bgnbd

    limit_at = bgnbd.HOMOGENEOUS_DROPOUT
    try:
        bgnbd.HOMOGENEOUS_DROPOUT = 100.0
        approx = m._if_alive(26.0, x, T)
    finally:
        bgnbd.HOMOGENEOUS_DROPOUT = limit_at
    assert np.allclose(exact, approx, rtol=0.01)
    m.params_ = {"r": 0.8, "alpha": 5.0, "a": 4e6, "b": 1.5e7}
    out = m.conditional_expected_purchases(26.0, x, t_x, T)
    assert np.isfinite(out).all() and (out > 0).all()


def test_predictions_for_a_customer_just_acquired_equal_the_unconditional_ones(simulated):
    """Identities between the models' conditional and unconditional formulas (each from its own equation)."""
    bg = BetaGeoModel().fit(simulated["frequency"], simulated["recency"], simulated["T"])
    horizons = np.array([1.0, 13.0, 52.0])
    conditional = [bg.conditional_expected_purchases(h, [0], [0], [0])[0] for h in horizons]
    assert np.allclose(conditional, bg.expected_purchases(horizons), rtol=1e-9)

    bgbb = BetaGeoBetaBinomModel()
    bgbb.params_ = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    # with no opportunity seen yet, E[X(0, n*) | 0, 0, 0] is E[X(n*)]; one silent opportunity lowers it
    for n_star in (1, 5, 11):
        assert bgbb.conditional_expected_purchases(n_star, [0], [0], [0])[0] == pytest.approx(
            bgbb.expected_purchases(n_star), rel=1e-9
        )
        assert bgbb.conditional_expected_purchases(n_star, [0], [0], [1])[0] < bgbb.expected_purchases(n_star)
    alive = bgbb.probability_alive([0, 3, 3, 6], [0, 3, 6, 6], [6, 6, 6, 6])
    # silence since the last transaction lowers P(alive); a customer active at the last opportunity is likelier alive
    assert alive[1] < alive[2] and alive[0] < alive[3] and ((alive > 0) & (alive <= 1)).all()

    gg = GammaGammaModel()
    gg.params_ = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    # with no repeat transaction the expected spend is the population mean p gamma / (q - 1)
    assert gg.conditional_expected_average_profit([0], [0.0])[0] == pytest.approx(gg.mean_spend())
    assert gg.mean_spend() == pytest.approx(6.25 * 15.44 / 2.74)

    sbg = ShiftedBetaGeoModel()
    sbg.params_ = {"alpha": 0.704, "beta": 1.182}
    t = np.arange(1.0, 13.0)
    assert np.allclose(sbg.retention_rate(t), sbg.survival(t) / sbg.survival(t - 1))
    assert (np.diff(sbg.retention_rate(t)) > 0).all()  # retention rises as the churn-prone leave
