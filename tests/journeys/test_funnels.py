"""Funnels on hand-built journeys: ordering, conversion window, repeated steps, equal timestamps, breakdown."""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import pyarrow as pa
import pytest

from tajriba.errors import Invalid
from tajriba.journeys.funnels import funnel

T0 = datetime(2026, 1, 1)


def log(rows: list[tuple[str, str, float, str]]) -> ibis.Table:
    """(case, activity, minutes after T0, channel); `ord` is the row order."""
    return ibis.memtable(
        pa.table(
            {
                "case_id": [r[0] for r in rows],
                "activity": [r[1] for r in rows],
                "ts": pa.array([T0 + timedelta(minutes=r[2]) for r in rows], pa.timestamp("us")),
                "ord": list(range(len(rows))),
                "channel": [r[3] for r in rows],
            }
        )
    )


def entered(result: dict) -> list[int]:
    return [s["entered"] for s in result["steps"]]


def test_steps_must_happen_in_order() -> None:
    events = log(
        [
            ("a", "view", 0, "web"),
            ("a", "cart", 5, "web"),
            ("a", "pay", 9, "web"),
            ("b", "cart", 0, "app"),  # cart before view: only the view counts
            ("b", "view", 3, "app"),
            ("c", "view", 0, "app"),
            ("c", "pay", 2, "app"),  # skipped the cart: stops at step 1
            ("c", "cart", 4, "app"),  # a cart after the pay does not make the pay count
            ("d", "search", 0, "web"),  # never entered
        ]
    )
    result = funnel(events, steps=["view", "cart", "pay"])
    assert entered(result) == [3, 2, 1]
    assert result["entered"] == 3 and result["converted"] == 1
    steps = result["steps"]
    assert steps[1]["conversion"] == pytest.approx(2 / 3) and steps[1]["drop_off"] == 1
    assert steps[2]["from_previous"] == pytest.approx(0.5) and steps[2]["drop_off"] == 1
    # a: 5 min to cart, then 4 min to pay; c: cart 4 min after view
    assert steps[1]["median_s_from_previous"] == pytest.approx(270.0)
    assert steps[1]["mean_s_from_previous"] == pytest.approx(270.0)
    assert steps[2]["median_s_from_previous"] == pytest.approx(240.0)
    assert steps[2]["median_s_from_start"] == pytest.approx(540.0)


def test_conversion_window_counts_from_the_first_step_and_a_later_attempt_can_succeed() -> None:
    events = log(
        [
            ("a", "view", 0, "web"),
            ("a", "pay", 61, "web"),  # 61 min after the view: outside a one-hour window
            ("b", "view", 0, "web"),
            ("b", "view", 100, "web"),  # a second attempt...
            ("b", "pay", 130, "web"),  # ...converts within its own window
            ("c", "view", 0, "web"),
            ("c", "pay", 60, "web"),  # exactly at the window's end counts
        ]
    )
    result = funnel(events, steps=["view", "pay"], window_seconds=3600)
    assert entered(result) == [3, 2]
    assert result["steps"][1]["median_s_from_start"] == pytest.approx(45 * 60)  # b: 30 min, c: 60 min
    assert entered(funnel(events, steps=["view", "pay"])) == [3, 3]  # no window


def test_repeated_steps_need_distinct_later_events() -> None:
    events = log(
        [
            ("a", "view", 0, "web"),
            ("a", "view", 1, "web"),
            ("a", "cart", 2, "web"),
            ("b", "view", 0, "web"),
            ("b", "cart", 1, "web"),
        ]
    )
    assert entered(funnel(events, steps=["view", "view", "cart"])) == [2, 1, 1]


def test_equal_timestamps_follow_the_order_column() -> None:
    events = log(
        [
            ("a", "view", 0, "web"),
            ("a", "cart", 0, "web"),  # same minute, after the view in file order
            ("b", "cart", 0, "web"),
            ("b", "view", 0, "web"),  # same minute, but the cart came first
        ]
    )
    result = funnel(events, steps=["view", "cart"])
    assert entered(result) == [2, 1]
    assert result["steps"][1]["median_s_from_previous"] == 0.0


def test_breakdown_uses_the_first_steps_event() -> None:
    events = log(
        [
            ("a", "view", 0, "web"),
            ("a", "pay", 1, "app"),
            ("b", "view", 0, "web"),
            ("c", "view", 0, "app"),
            ("c", "pay", 1, "app"),
        ]
    )
    result = funnel(events, steps=["view", "pay"], by="channel")
    groups = {g["group"]: entered(g) for g in result["groups"]}
    assert groups == {"web": [2, 1], "app": [1, 1]}


def test_bad_requests_are_refused_clearly() -> None:
    events = log([("a", "view", 0, "web")])
    with pytest.raises(Invalid, match="at least two steps"):
        funnel(events, steps=["view"])
    with pytest.raises(Invalid, match="positive"):
        funnel(events, steps=["view", "pay"], window_seconds=0)
    with pytest.raises(Invalid, match="break down by 'persona'"):
        funnel(events, steps=["view", "pay"], by="persona")


def test_nobody_entering_gives_zeros_not_errors() -> None:
    result = funnel(log([("a", "search", 0, "web")]), steps=["view", "pay"])
    assert entered(result) == [0, 0] and result["steps"][1]["conversion"] is None
