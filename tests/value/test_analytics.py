"""RFM, cohorts and key drivers on hand-made data whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tajriba.errors import Invalid
from tajriba.metrics.estimates import compare_groups, outcome_by_group
from tajriba.value.cohorts import cohort_table, new_vs_returning, project_retention
from tajriba.value.drivers import key_drivers, nps_group
from tajriba.value.rfm import GRID, SEGMENTS, movement, quintile_scores, rfm_table, segment_counts


def test_quintile_scores_split_ten_customers_two_per_score_and_ties_share_the_lower():
    assert quintile_scores(range(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores(range(10), higher_is_better=False).tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # six one-time buyers tie at the bottom: all get 1
    assert quintile_scores([0, 0, 0, 0, 0, 0, 1, 2, 3, 4]).tolist() == [1] * 6 + [4, 4, 5, 5]


def test_rfm_segments_on_a_hand_made_table():
    table = pd.DataFrame(
        {
            "customer_id": list("abcdefghij"),
            # days since last purchase: a, b most recent
            "since_last": [1, 2, 30, 40, 60, 70, 90, 100, 300, 400],
            "frequency": [9, 0, 8, 7, 1, 0, 9, 8, 0, 1],
            "mean_spend": [500, 10, 400, 300, 50, 20, 450, 350, 15, 30],
        }
    )
    out = rfm_table(table).set_index("customer_id")
    assert out.loc["a", "rfm"] == "555" and out.loc["a", "segment"] == "champions"
    # recent, one purchase, low spend: R5, F1 (tied at 0), M1 -> new
    assert out.loc["b", "rfm"] == "511" and out.loc["b", "segment"] == "new"
    # long silent big spenders: R2 F5 M5 -> can't lose them
    assert out.loc["g", "rfm"] == "255" and out.loc["g", "segment"] == "cant_lose"
    # the oldest one-timers -> lost
    assert out.loc["i", "segment"] == "lost" and out.loc["j", "segment"] == "lost"
    counts = segment_counts(out.reset_index())
    assert counts["customers"].sum() == 10 and list(counts["segment"]) == list(SEGMENTS)


def test_every_grid_cell_names_a_known_segment_and_all_eleven_are_reachable():
    cells = {cell for row in GRID for cell in row}
    assert cells == set(SEGMENTS)


def test_movement_counts_customers_between_segments_including_new_ones():
    before = pd.DataFrame({"customer_id": ["a", "b"], "segment": ["champions", "at_risk"]})
    after = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": ["loyal", "at_risk", "new"]})
    m = movement(before, after)
    assert (
        m.loc["champions", "loyal"] == 1 and m.loc["at_risk", "at_risk"] == 1 and m.loc["absent", "new"] == 1
    )
    assert m.to_numpy().sum() == 3


ORDERS = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "b", "b", "c", "d", "d"],
        "ordered_at": [
            "2024-01-05",
            "2024-02-10",
            "2024-03-01",
            "2024-01-20",
            "2024-03-15",
            "2024-02-02",
            "2024-02-20",
            "2024-02-25",
        ],
        "amount": [10.0, 20.0, 30.0, 5.0, 15.0, 8.0, 12.0, 6.0],
    }
)


def test_cohort_table_on_a_hand_made_order_log():
    t = cohort_table(ORDERS, observation_end=pd.Timestamp("2024-03-31").date()).set_index(
        ["cohort", "period"]
    )
    # January cohort a, b: Feb only a (1/2), March both (2/2)
    assert t.loc[("2024-01", 0), "cohort_size"] == 2
    assert t.loc[("2024-01", 1), "retention"] == 0.5 and t.loc[("2024-01", 2), "retention"] == 1.0
    assert t.loc[("2024-01", 0), "revenue"] == pytest.approx(7.5)  # (10 + 5) / 2
    assert t.loc[("2024-01", 2), "cumulative_revenue"] == pytest.approx((15 + 20 + 45) / 2)
    # February cohort c, d: d's second order is in the same month; nobody in March
    assert t.loc[("2024-02", 0), "revenue"] == pytest.approx(13.0)
    assert t.loc[("2024-02", 1), "retention"] == 0.0
    assert t["complete"].all()
    partial = cohort_table(ORDERS, observation_end=pd.Timestamp("2024-03-20").date())
    assert not partial.loc[
        partial["period"] == partial.groupby("cohort")["period"].transform("max"), "complete"
    ].any()


def test_hijri_cohorts_use_hijri_months():
    t = cohort_table(ORDERS, calendar="hijri")
    # 2024-01-05 is 23 Jumada al-Thani 1445; 2024-02-10 is 1 Sha'ban 1445
    assert t["cohort"].iloc[0] == "1445-06"
    assert set(t["cohort"]) == {"1445-06", "1445-07", "1445-08"}


def test_new_vs_returning_by_month():
    t = new_vs_returning(ORDERS).set_index("month")
    assert t.loc["2024-02", "new_customers"] == 2 and t.loc["2024-02", "returning_customers"] == 2
    assert t.loc["2024-02", "returning_revenue"] == pytest.approx(26.0)  # a's 20 and d's same-month 6
    assert t.loc["2024-03", "new_customers"] == 0


def test_cohorts_reject_empty_and_bad_dates():
    with pytest.raises(Invalid, match="no orders"):
        cohort_table(ORDERS.iloc[0:0])
    bad = ORDERS.copy()
    bad.loc[3, "ordered_at"] = "yesterday"
    with pytest.raises(Invalid, match="row 4: 'ordered_at' is not a date"):
        cohort_table(bad)


def test_retention_projection_recovers_a_geometric_mixture():
    rng = np.random.default_rng(3)
    theta = rng.beta(1.0, 3.0, 20_000)
    lifetimes = rng.geometric(theta)  # months until churn
    rows = []
    start = pd.Timestamp("2023-01-15")
    for i, life in enumerate(lifetimes):
        for k in range(min(int(life), 18)):
            rows.append((f"c{i}", start + pd.DateOffset(months=k), 10.0))
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    table = cohort_table(orders, observation_end=pd.Timestamp("2024-06-30").date())
    proj = project_retention(table, "2023-01", horizon=24)
    assert proj.attrs["alpha"] == pytest.approx(1.0, rel=0.1) and proj.attrs["beta"] == pytest.approx(
        3.0, rel=0.1
    )
    assert (proj["ci_low"] <= proj["projected"]).all() and (proj["projected"] <= proj["ci_high"]).all()
    with pytest.raises(Invalid, match="at least 3"):
        project_retention(cohort_table(ORDERS), "2024-02")


def test_key_drivers_recover_known_importances():
    rng = np.random.default_rng(11)
    n = 4000
    x = rng.normal(size=(n, 3))
    y = 0.6 * x[:, 0] + 0.3 * x[:, 1] + 0.5 * rng.normal(size=n)
    frame = pd.DataFrame({"delivery": x[:, 0], "support": x[:, 1], "website": x[:, 2], "nps": y})
    out = key_drivers(
        frame, target="nps", drivers=["delivery", "support", "website"], bootstrap=100
    ).set_index("driver")
    # independent drivers: Shapley share = beta^2 var / var(y) = 0.36/0.70, 0.09/0.70, 0
    assert out.loc["delivery", "importance"] == pytest.approx(0.36 / 0.70, abs=0.03)
    assert out.loc["support", "importance"] == pytest.approx(0.09 / 0.70, abs=0.02)
    assert out.loc["website", "importance"] < 0.005
    assert out.loc["delivery", "ci_low"] < out.loc["delivery", "importance"] < out.loc["delivery", "ci_high"]
    assert out["importance"].sum() == pytest.approx(out.attrs["r2"])


def test_shapley_splits_shared_variance_between_correlated_drivers():
    rng = np.random.default_rng(5)
    common = rng.normal(size=5000)
    a = common + 0.3 * rng.normal(size=5000)
    b = common + 0.3 * rng.normal(size=5000)
    frame = pd.DataFrame({"a": a, "b": b, "y": a + b + rng.normal(size=5000)})
    out = key_drivers(frame, target="y", drivers=["a", "b"], bootstrap=0).set_index("driver")
    assert out.loc["a", "importance"] == pytest.approx(out.loc["b", "importance"], rel=0.05)


def test_key_drivers_need_enough_complete_rows_and_known_columns():
    frame = pd.DataFrame({"a": [1.0, 2.0, None], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(Invalid, match="complete rows"):
        key_drivers(frame, target="y", drivers=["a"])
    with pytest.raises(Invalid, match="columns missing: b"):
        key_drivers(frame, target="y", drivers=["b"])


def test_outcomes_by_nps_group_with_intervals_and_difference():
    frame = pd.DataFrame(
        {"score": [10, 9, 8, 7, 6, 0], "repeat": [1, 1, 1, 0, 0, 0], "spend": [100, 80, 60, 50, 20, 10]}
    )
    frame["group"] = nps_group(frame["score"])
    assert frame["group"].tolist() == ["promoter", "promoter", "passive", "passive", "detractor", "detractor"]
    spend = outcome_by_group(
        frame, group="group", outcome="spend", order=("promoter", "passive", "detractor")
    )
    assert spend["value"].tolist() == [90.0, 55.0, 15.0]
    share = outcome_by_group(
        frame, group="group", outcome="repeat", kind="share", order=("promoter", "detractor")
    )
    assert share["value"].tolist() == [1.0, 0.0] and share["ci_low"].iloc[0] < 1.0
    diff = compare_groups(frame, group="group", outcome="spend", first="promoter", second="detractor")
    assert diff["difference"] == 75.0 and diff["low"] < 75.0 < diff["high"]
    with pytest.raises(Invalid, match="row 1: an NPS score"):
        nps_group([11])
