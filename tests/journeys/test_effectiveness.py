"""Touchpoint effectiveness: excels, meets or below standard against targets, from estimates and intervals."""

from __future__ import annotations

from tajriba.journeys.effectiveness import classify, overall
from tajriba.metrics.estimates import Estimate


def test_excels_only_when_the_whole_interval_beats_the_target() -> None:
    s = classify("csat", Estimate(4.6, 4.45, 4.75, 200), 4.3)
    assert (s.status, s.significant, s.target, s.better) == ("excels", True, 4.3, "higher")


def test_meets_when_on_target_but_within_the_noise() -> None:
    assert classify("csat", Estimate(4.35, 4.2, 4.5, 80), 4.3).status == "meets"
    assert classify("csat", Estimate(4.3, 4.1, 4.5, 80), 4.3).status == "meets"


def test_below_standard_when_the_estimate_misses_and_says_whether_clearly() -> None:
    noisy = classify("csat", Estimate(4.25, 4.1, 4.4, 60), 4.3)
    clear = classify("csat", Estimate(3.9, 3.8, 4.0, 600), 4.3)
    assert (noisy.status, noisy.significant) == ("below", False)
    assert (clear.status, clear.significant) == ("below", True)


def test_lower_is_better_for_service_times() -> None:
    assert classify("first_response_min", Estimate(3.5, 3.0, 4.0, 100), 5).status == "excels"
    assert classify("first_response_min", Estimate(19.6, 17.0, 22.0, 100), 5).status == "below"
    assert classify("resolution_h", Estimate(23.0, 20.0, 26.0, 100), 24).status == "meets"


def test_an_explicit_bound_overrides_the_kpi_direction() -> None:
    # an effort score where low is good ("effort <= 2" on a 1-5 effort scale)
    assert classify("ces", Estimate(1.8, 1.6, 1.95, 300), {"max": 2}).status == "excels"
    assert classify("ces", Estimate(2.4, 2.2, 2.6, 300), {"max": 2}).status == "below"
    assert classify("ces", Estimate(5.9, 5.8, 6.0, 300), {"min": 5.5}).status == "excels"


def test_too_few_observations_or_no_target_gives_no_verdict() -> None:
    assert classify("csat", Estimate(2.0, 1.0, 3.0, 9), 4.3).status is None
    assert classify("csat", Estimate(2.0, 1.9, 2.1, 900), None).status is None
    assert classify("csat", Estimate(None, None, None, 0), 4.3).status is None


def test_a_touchpoint_is_as_good_as_its_worst_targeted_kpi() -> None:
    excels = classify("csat", Estimate(4.6, 4.5, 4.7, 300), 4.3)
    meets = classify("ces", Estimate(5.6, 5.4, 5.8, 300), 5.5)
    below = classify("first_response_min", Estimate(19.0, 17.0, 21.0, 300), 5)
    assert overall([excels, meets, below], None) == ("below", "data")
    assert overall([excels, meets], None) == ("meets", "data")
    assert overall([excels], "below") == ("excels", "data")


def test_the_manual_assessment_stands_where_no_data_exists() -> None:
    unmeasured = classify("csat", Estimate(None, None, None, 0), 4.3)
    assert overall([unmeasured], "meets") == ("meets", "manual")
    assert overall([unmeasured], None) == (None, "none")
