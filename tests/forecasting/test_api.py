"""`/api/v1/forecasts` and `/api/v1/staffing` on a live server, many analysts at once: every answer is the
service's own for the same question, and bad input is refused by field and point, never a 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pandas as pd
import pytest

from tajriba.accounts import service as accounts
from tajriba.forecasting import service, simulate
from tajriba.forecasting.staffing import Targets
from tests.live import serving, stores


def _points(level: int, seed: int) -> list[dict]:
    days = pd.date_range("2024-01-01", periods=150, freq="D")
    points = []
    for team, scale in (("billing", 1), ("sales", 2)):
        counts = simulate.daily_counts(days, level * scale, seed=seed + scale)
        points += [
            {"series": team, "ds": d.date().isoformat(), "y": float(c)}
            for d, c in zip(days, counts, strict=True)
        ]
    return points


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data = tmp_path_factory.mktemp("forecast") / "data"
    with stores(data) as s:
        ws = accounts.create_workspace(s, slug="shop", name="Shop")
        key = accounts.create_key(s, workspace=ws, kind="api", name="bi", role="analyst")[1]
    with serving(data) as live:
        yield live.url, {"Authorization": f"Bearer {key}"}


def test_many_analysts_forecast_and_staff_at_once(site) -> None:  # type: ignore[no-untyped-def]
    url, auth = site
    asks = [{"points": _points(40 + 10 * i, seed=i), "horizon": 14, "backtest": 2} for i in range(6)]
    staff = [{"contacts": 50 + 25 * i, "interval_seconds": 1800, "aht_seconds": 180, "shrinkage": 0.3,
              **({"patience_seconds": 180} if i % 2 else {})} for i in range(6)]  # fmt: skip

    def call(job: tuple[str, dict]) -> httpx.Response:
        with httpx.Client(base_url=url, headers=auth, timeout=120) as client:
            return client.post(job[0], json=job[1])

    jobs = [("/api/v1/forecasts", a) for a in asks] + [("/api/v1/staffing", s) for s in staff]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(call, jobs))
    assert [a.status_code for a in answers] == [200] * len(jobs), [a.text[:200] for a in answers]
    for ask, answer in zip(asks, answers[: len(asks)], strict=True):
        got = answer.json()
        assert len(got["forecast"]) == 2 * 14 and {r["series"] for r in got["forecast"]} == {
            "billing",
            "sales",
        }
        assert sum(r["chosen"] for r in got["backtest"]) == 2
        mine = _service_answer(ask)  # the same question to the service in this process
        assert [r["mean"] for r in got["forecast"]] == [r["mean"] for r in mine]
        assert [r["bounds"]["hi_80"] for r in got["forecast"]] == [r["hi_80"] for r in mine]
    for ask, answer in zip(staff, answers[len(asks) :], strict=True):
        targets = Targets(shrinkage=0.3)
        mine = service.staffing(
            ask["contacts"], 1800, 180, targets, patience_seconds=ask.get("patience_seconds")
        )
        assert answer.json() == mine


def _service_answer(ask: dict) -> list[dict]:
    from tajriba.forecasting import series

    points = ask["points"]
    item = series.from_rows(pd.Series([p["series"] for p in points]), pd.Series([p["ds"] for p in points]),
                            pd.Series([p["y"] for p in points]), pd.Series(range(len(points))), series.Shape())  # fmt: skip
    result, steps = service.run(item, ask["horizon"], ask["backtest"])
    return service.forecast_rows(result, steps)


@pytest.mark.parametrize(
    ("path", "body", "needle"),
    [
        ("/api/v1/forecasts", {"points": [{"ds": "2024-01-01", "y": -1}], "horizon": 3}, "y"),
        (
            "/api/v1/forecasts",
            {"points": [{"ds": "2024-01-01", "y": 1}] * 30 + [{"ds": "later", "y": 1}], "horizon": 3},
            "row 30: 'later' is not a date",
        ),  # fmt: skip
        ("/api/v1/forecasts", {"points": [{"ds": "2024-01-01", "y": 1}], "horizon": 3}, "at least 21 days"),
        ("/api/v1/forecasts", {"points": [], "horizon": 3}, "points"),
        (
            "/api/v1/forecasts",
            {"points": [{"ds": "2024-01-01", "y": 1}], "horizon": 3, "freq": "7min"},
            "freq",
        ),
        (
            "/api/v1/staffing",
            {"contacts": 100, "interval_seconds": 0, "aht_seconds": 180},
            "interval_seconds",
        ),
        (
            "/api/v1/staffing",
            {"contacts": 1e7, "interval_seconds": 1, "aht_seconds": 86400},
            "agents can carry",
        ),
    ],
)
def test_bad_questions_are_refused_by_field(site, path: str, body: dict, needle: str) -> None:  # type: ignore[no-untyped-def]
    url, auth = site
    answer = httpx.post(url + path, json=body, headers=auth, timeout=60)
    assert answer.status_code == 422, answer.text
    assert needle in answer.text


def test_a_key_is_needed(site) -> None:  # type: ignore[no-untyped-def]
    url, _ = site
    assert httpx.post(url + "/api/v1/staffing", json={}, timeout=30).status_code == 401
