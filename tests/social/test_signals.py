"""Spike detection against a seasonal baseline; share of voice and net sentiment against hand computations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from tajriba.social import listening, spikes

START = date(2025, 1, 1)
DAYS = 485  # to 2026-04-30: Ramadan 1446 (March 2025) and Ramadan 1447 (February-March 2026)


def _profile(ramadan: bool) -> np.ndarray:
    h = np.arange(24)
    if ramadan:  # quiet days, a surge after iftar (about 18:00) until suhoor
        w = 0.2 + 2.5 * np.exp(-(((h - 22) % 24) ** 2) / 6) + 1.2 * np.exp(-((h - 1) ** 2) / 3)
    else:
        w = 0.2 + np.exp(-((h - 13) ** 2) / 18) + 1.2 * np.exp(-((h - 20) ** 2) / 6)
    return w / w.sum()


def _series(seed: int = 3) -> tuple[pd.Series, np.ndarray]:
    rng = np.random.default_rng(seed)
    classes = spikes.day_classes(START, DAYS)
    lam = np.concatenate(
        [
            240 * {"normal": 1.0, "ramadan": 1.4, "eid": 0.7, "sale": 2.0}[c]
            * (1.2 if (START + timedelta(days=d)).weekday() in (4, 5) else 1.0)
            * _profile(c == "ramadan")
            for d, c in enumerate(classes)
        ]
    )  # fmt: skip
    counts = rng.negative_binomial(20, 20 / (20 + lam)).astype(float)
    index = pd.date_range(datetime(2025, 1, 1), periods=DAYS * 24, freq="h")
    return pd.Series(counts, index=index), classes


def test_no_alarm_on_ordinary_ramadan_evenings_and_an_alarm_on_the_injected_spike() -> None:
    counts, classes = _series()
    ramadan_1447 = pd.Timestamp("2026-02-18")
    assert classes[(ramadan_1447.date() - START).days] == "ramadan"
    injected = pd.Timestamp("2026-03-05 23:00")
    counts[injected] += 3 * counts[injected - pd.Timedelta(days=7)] + 40
    found, frame = spikes.detect(counts, since=datetime(2026, 1, 15))
    assert [s.start for s in found] == [injected.to_pydatetime()]
    assert found[0].observed > 3 * found[0].expected
    # Ramadan evenings are several times a normal evening, and none of them raised an alarm
    night = (frame.index.hour >= 20) | (frame.index.hour <= 2)
    evenings = frame[(frame.index >= ramadan_1447) & (frame.index < "2026-03-20") & night]
    normal = frame[(frame.index >= "2026-01-15") & (frame.index < ramadan_1447) & (frame.index.hour == 1)]
    assert evenings[evenings.index.hour == 1]["observed"].mean() > 4 * normal["observed"].mean()
    assert int(evenings["spike"].sum()) == 1


def test_a_flat_mean_plus_three_sigma_would_cry_wolf_every_ramadan_night() -> None:
    # the reason for the seasonal baseline: the same series under the flat rule
    counts, _classes = _series()
    s = counts[counts.index >= "2025-12-01"]
    mean = s.rolling(28 * 24).mean().shift(1)
    sd = s.rolling(28 * 24).std().shift(1)
    ramadan_nights = s[(s > mean + 3 * sd) & (s.index >= "2026-02-18") & (s.index < "2026-03-20")]
    assert len(ramadan_nights) > 20


def test_the_first_ramadan_a_workspace_sees_is_not_a_string_of_alarms() -> None:
    # with no Ramadan in its history, its first evenings may stand out against the normal days' busiest hour;
    # from its third day the Ramadan rhythm is learnt from the days before (Ramadan 1446 began on 1 March 2025)
    counts, _classes = _series(seed=5)
    found, _frame = spikes.detect(counts, since=datetime(2025, 2, 25))
    in_first_ramadan = [s for s in found if datetime(2025, 3, 1) <= s.start < datetime(2025, 3, 30)]
    assert all(s.start < datetime(2025, 3, 3) for s in in_first_ramadan), in_first_ramadan


def test_spikes_on_an_empty_or_short_series() -> None:
    assert spikes.detect(pd.Series(dtype=float))[0] == []
    short = pd.Series(5.0, index=pd.date_range("2026-01-01", periods=24 * 10, freq="h"))
    assert spikes.detect(short)[0] == []  # the warm-up: no baseline, no alarm


def test_share_of_voice_against_a_hand_computation() -> None:
    rows = {r["query_id"]: r for r in listening.share_of_voice({1: 60, 2: 30, 3: 10})}
    # Wilson 95% interval of 60 / 100: [0.5020, 0.6906] (Newcombe 1998, method 3)
    assert rows[1]["share"]["value"] == 0.6
    assert rows[1]["share"]["low"] == pytest.approx(0.5020, abs=1e-4)
    assert rows[1]["share"]["high"] == pytest.approx(0.6906, abs=1e-4)
    # 10 / 100: [0.0552, 0.1744]
    assert rows[3]["share"]["low"] == pytest.approx(0.0552, abs=1e-4)
    assert rows[3]["share"]["high"] == pytest.approx(0.1744, abs=1e-4)
    assert [r["query_id"] for r in listening.share_of_voice({1: 60, 2: 30, 3: 10})] == [1, 2, 3]
    assert listening.share_of_voice({1: 0})[0]["share"]["value"] is None


def test_net_sentiment_uses_the_nps_interval() -> None:
    out = listening._sentiments(50, 20, 30)
    # adjusted Wald (Rocks 2016): n + 3, positives + 3/4, negatives + 3/4, worked by hand: [14.05, 44.20]
    assert out["net"]["value"] == pytest.approx(30.0)
    assert out["net"]["low"] == pytest.approx(14.05, abs=0.01)
    assert out["net"]["high"] == pytest.approx(44.20, abs=0.01)
    assert out["negative"]["value"] == pytest.approx(0.2)
