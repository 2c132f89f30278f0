"""Golden values of NPS, CSAT and CES per group, edge cases, and agreement with pandas + SciPy on random data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tajriba import periods
from tajriba.errors import Invalid
from tajriba.metrics import scores


def _one(metric: str, values: list[float], scale: tuple[int, int] | None = None, **kw) -> dict:  # type: ignore[no-untyped-def,type-arg]
    span = scale or scores.default_scale(metric)
    s = np.array(values, float)
    sums = scores.sums_from_scores(metric, s, np.zeros(s.size, np.int64), 1, span)
    return scores.rows(metric, ["all"], sums, **kw)[0]


def test_nps_by_hand() -> None:
    # 5 promoters (9, 10), 3 passives (7, 8), 2 detractors (0-6): NPS = 100 (0.5 - 0.2) = 30
    row = _one("nps", [10, 9, 9, 10, 9, 7, 8, 8, 6, 0])
    assert row["n"] == 10 and row["value"] == pytest.approx(30.0)
    assert (row["promoters"], row["passives"], row["detractors"]) == (0.5, 0.3, 0.2)
    assert row["std_error"] == pytest.approx(100 * np.sqrt((0.5 + 0.2 - 0.09) / 10), abs=1e-4)  # 24.6982
    # adjusted Wald: p = 5.75 / 13, d = 2.75 / 13
    p, d = 5.75 / 13, 2.75 / 13
    half = 1.959964 * np.sqrt((p + d - (p - d) ** 2) / 13)
    assert row["ci_low"] == pytest.approx(100 * (p - d - half), abs=1e-3)
    assert row["ci_high"] == pytest.approx(100 * (p - d + half), abs=1e-3)


def test_nps_edges_no_answers_one_answer_all_promoters() -> None:
    empty = scores.rows("nps", ["x"], scores.Sums.empty(1))[0]
    assert empty == {
        "group": "x", "n": 0, "value": None, "ci_low": None, "ci_high": None, "std_error": None,
        "promoters": None, "passives": None, "detractors": None, "suppressed": "no answers",
    }  # fmt: skip
    one = _one("nps", [8])
    assert one["value"] == 0 and one["std_error"] is None
    assert one["ci_low"] == pytest.approx(-60.0114, abs=1e-3) and one["ci_high"] == pytest.approx(
        60.0114, abs=1e-3
    )
    every = _one("nps", [10] * 5)
    assert every["value"] == 100 and every["std_error"] == 0
    assert every["ci_low"] == pytest.approx(17.4915, abs=1e-3) and every["ci_high"] == 100
    assert _one("nps", [0] * 5)["ci_low"] == -100


def test_csat_mean_t_interval_and_top_two_box_wilson() -> None:
    row = _one("csat", [1, 2, 3, 4, 5])
    # mean 3, s = 1.5811, t(0.975, 4) = 2.776445: 3 +- 1.9632; se = s / sqrt(5) = 0.7071
    assert row["value"] == 3 and row["std_error"] == pytest.approx(0.7071, abs=1e-4)
    assert (row["ci_low"], row["ci_high"]) == (
        pytest.approx(1.0368, abs=1e-4),
        pytest.approx(4.9632, abs=1e-4),
    )
    # top-2-box 2 of 5 = 0.4; Wilson 95 %: (0.1176, 0.7693), the textbook value
    assert row["top2_box"] == 0.4
    assert row["top2_box_ci_low"] == pytest.approx(0.1176, abs=1e-4)
    assert row["top2_box_ci_high"] == pytest.approx(0.7693, abs=1e-4)
    ten = _one("csat", [10, 9, 8, 1], scale=(1, 10))
    assert ten["top2_box"] == 0.5 and ten["value"] == 7


def test_ces_mean_and_share_easy() -> None:
    row = _one("ces", [7, 6, 5, 4, 3, 1, 7, 7])
    assert row["value"] == pytest.approx(5.0) and row["easy"] == pytest.approx(5 / 8)
    one = _one("ces", [6])
    assert one["value"] == 6 and one["ci_low"] is None and one["std_error"] is None and one["easy"] == 1


def test_small_groups_are_suppressed_with_the_reason() -> None:
    row = _one("csat", [5, 4, 3], min_n=10)
    assert row["n"] == 3 and row["value"] is None and row["top2_box"] is None
    assert row["suppressed"] == "fewer than 10 answers"


def test_scores_off_the_scale_name_the_row() -> None:
    with pytest.raises(
        Invalid, match=r"row 7: nps score 11 is not a whole number from 0 to 10 \(2 such rows\)"
    ):
        scores.check_scores("nps", np.array([1, 11, 12.0]), (0, 10), np.array([3, 7, 9]))
    with pytest.raises(Invalid, match="row 1: ces score 4.5"):
        scores.check_scores("ces", np.array([4.5]), (1, 7))
    with pytest.raises(Invalid, match="csat is answered on 1-5 or 1-10, not 1-7"):
        scores.check_scale("csat", (1, 7))
    with pytest.raises(Invalid, match="unknown metric 'nsp'"):
        scores.check_metric("nsp")


def test_agrees_with_pandas_and_scipy_on_random_groups() -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {"g": rng.integers(0, 12, 3000), "nps": rng.integers(0, 11, 3000), "csat": rng.integers(1, 6, 3000)}
    )
    labels, index = np.unique(frame["g"].to_numpy(), return_inverse=True)
    nps_rows = scores.rows(
        "nps",
        list(labels),
        scores.sums_from_scores("nps", frame["nps"].to_numpy(), index, len(labels), (0, 10)),
    )
    csat_rows = scores.rows(
        "csat",
        list(labels),
        scores.sums_from_scores("csat", frame["csat"].to_numpy(), index, len(labels), (1, 5)),
    )
    for (g, part), nps_row, csat_row in zip(frame.groupby("g"), nps_rows, csat_rows, strict=True):
        assert nps_row["group"] == g == csat_row["group"]
        coded = np.select([part["nps"] >= 9, part["nps"] <= 6], [1.0, -1.0], 0.0)
        assert nps_row["value"] == pytest.approx(100 * coded.mean(), abs=1e-3)
        assert nps_row["std_error"] == pytest.approx(100 * coded.std(ddof=0) / np.sqrt(len(coded)), abs=1e-3)
        low, high = stats.t.interval(
            0.95, len(part) - 1, loc=part["csat"].mean(), scale=stats.sem(part["csat"])
        )
        assert (csat_row["ci_low"], csat_row["ci_high"]) == (
            pytest.approx(low, abs=1e-3),
            pytest.approx(high, abs=1e-3),
        )
        ci = stats.binomtest(int((part["csat"] >= 4).sum()), len(part)).proportion_ci(method="wilson")
        assert csat_row["top2_box_ci_low"] == pytest.approx(ci.low, abs=1e-4)
        assert csat_row["top2_box_ci_high"] == pytest.approx(ci.high, abs=1e-4)


def test_periods_gregorian_hijri_jalali_and_weeks() -> None:
    days = np.array(["2026-11-22", "2026-11-16", "2026-03-21", "2026-02-18"], dtype="datetime64[D]")
    assert list(periods.labels(days, "month")) == ["2026-11", "2026-11", "2026-03", "2026-02"]
    assert list(periods.labels(days, "quarter")) == ["2026-Q4", "2026-Q4", "2026-Q1", "2026-Q1"]
    # 2026-11-22 is a Sunday: a Monday week starts 11-16, a Saturday week 11-21, a Sunday week that day
    assert periods.labels(days[:1], "week")[0] == "2026-11-16"
    assert periods.labels(days[:1], "week", week_start="saturday")[0] == "2026-11-21"
    assert periods.labels(days[:1], "week", week_start="sunday")[0] == "2026-11-22"
    # 1 Nowruz 1405 is 2026-03-21; 1 Ramadan 1447 is 2026-02-18 (Umm al-Qura)
    assert periods.labels(days[2:3], "month", "jalali")[0] == "1405-01"
    assert periods.labels(days[3:], "month", "hijri")[0] == "1447-09"
    with pytest.raises(Invalid, match="unknown period 'fortnight'"):
        periods.check("fortnight")


def test_a_low_answer_is_the_same_in_python_and_in_sql_on_every_scale() -> None:
    """`is_low` (cases' recovery check and report) and `low_sql` (the metrics' low share) agree, answer by answer."""
    import duckdb

    from tajriba.metrics.scores import is_low, low_sql

    con = duckdb.connect()
    for metric, scales in (
        ("nps", [(0, 10)]),
        ("csat", [(1, 5), (1, 10), (0, 4)]),
        ("ces", [(1, 7), (1, 5)]),
    ):
        for lo, hi in scales:
            for s in range(lo, hi + 1):
                (in_sql,) = con.execute(f"SELECT {low_sql(metric, str(s), str(lo), str(hi))}").fetchone()
                assert is_low(metric, float(s), lo, hi) == bool(in_sql), (metric, lo, hi, s)
    # unknown scale: the metric's default one (1-5 CSAT: 1 and 2 are low; 1-7 CES: 1 to 3)
    assert [is_low("csat", s) for s in (1.0, 2.0, 3.0)] == [True, True, False]
    assert [is_low("ces", s) for s in (3.0, 4.0)] == [True, False]
    assert [is_low("nps", s) for s in (6.0, 7.0)] == [True, False]
