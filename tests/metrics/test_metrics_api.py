"""`GET /api/v1/metrics` on seeded warehouse rows, checked against an independent pandas + SciPy computation."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tajriba.accounts import service as accounts
from tajriba.journeys import schemas
from tajriba.journeys import service as journeys
from tests.conftest import make_workspace

T0 = datetime(2026, 1, 1)  # UTC; the workspace is in Asia/Riyadh (UTC+3)
Z = 1.959963984540054


class Actor:
    def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
        pass


def _responses(ws_id: int, tps: dict[str, int]) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 1500
    tp_keys = rng.choice(list(tps), n)
    metric = rng.choice(["nps", "csat", "csat10"], n, p=[0.5, 0.35, 0.15])
    score = np.where(
        metric == "nps",
        rng.integers(0, 11, n),
        np.where(metric == "csat", rng.integers(1, 6, n), rng.integers(1, 11, n)),
    )
    # minutes over 120 days, so that answers near midnight UTC fall on the next local day
    minutes = rng.integers(0, 120 * 24 * 60, n)
    return pd.DataFrame(
        {
            "workspace_id": ws_id,
            "response_id": [f"r{i}" for i in range(n)],
            "customer_id": [f"c{i % 40}" for i in range(n)],
            "touchpoint_id": [tps[k] for k in tp_keys],
            "tp_key": tp_keys,
            "channel": rng.choice(["web", "app", "whatsapp"], n),
            "language": rng.choice(["ar", "en", "fa"], n),
            "metric": np.where(metric == "csat10", "csat", metric),
            "score": score.astype(float),
            "scale_min": np.where(metric == "nps", 0, 1),
            "scale_max": np.where(metric == "nps", 10, np.where(metric == "csat10", 10, 5)),
            "submitted_at": [T0 + timedelta(minutes=int(m)) for m in minutes],
        }
    )


@pytest.fixture
def shop(app, db, client):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "metricshop")
    a = Actor()
    journey = journeys.create_journey(
        db,
        workspace_id=ws.id,
        journey_in=schemas.JourneyIn(
            name="Shopping",
            stages=[schemas.StageIn(key="buy", name="Buy"), schemas.StageIn(key="get", name="Get")],
        ),
        actor=a,
    )
    tps = {}
    for key, stage in (("checkout", "buy"), ("payment", "buy"), ("courier", "get")):
        tp = journeys.create_touchpoint(
            db,
            journey=journey,
            touchpoint_in=schemas.TouchpointIn(key=key, name=key.title(), stage_key=stage),
            actor=a,
        )
        tps[key] = tp.id
    keys = {
        role: accounts.create_key(db, workspace=ws, kind="api", name=role, role=role)[1]
        for role in ("viewer",)
    }
    db.commit()
    frame = _responses(ws.id, tps)
    app.state.warehouse.append("survey_responses", frame.drop(columns=["tp_key"]))
    # the reference: local (Riyadh) days, by pandas
    frame["day"] = (
        pd.to_datetime(frame["submitted_at"]).dt.tz_localize("UTC").dt.tz_convert("Asia/Riyadh").dt.date
    )
    frame["stage"] = frame["tp_key"].map({"checkout": "Buy", "payment": "Buy", "courier": "Get"})

    def call(path: str, **params):  # type: ignore[no-untyped-def]
        return client.get(path, params=params, headers={"Authorization": f"Bearer {keys['viewer']}"})

    return ws, frame, tps, call


def _nps_reference(scores: pd.Series) -> dict[str, float]:
    n = len(scores)
    p, d = (scores >= 9).mean(), (scores <= 6).mean()
    pa, da = ((scores >= 9).sum() + 0.75) / (n + 3), ((scores <= 6).sum() + 0.75) / (n + 3)
    half = Z * np.sqrt((pa + da - (pa - da) ** 2) / (n + 3))
    return {
        "n": n,
        "value": 100 * (p - d),
        "ci_low": 100 * (pa - da - half),
        "ci_high": 100 * (pa - da + half),
    }


def test_nps_by_touchpoint_and_month_matches_pandas(shop) -> None:  # type: ignore[no-untyped-def]
    ws, frame, tps, call = shop
    response = call("/api/v1/metrics", metric="nps", by="touchpoint", period="month", min_n=1)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["metric"] == "nps" and body["scale"] == [0, 10]
    nps = frame[frame["metric"] == "nps"].copy()
    nps["month"] = [d.strftime("%Y-%m") for d in nps["day"]]
    expected = {}
    for (tp, month), part in nps.groupby(["tp_key", "month"]):
        expected[(str(tps[tp]), month)] = _nps_reference(part["score"])
    got = {(r["group"], r["period"]): r for r in body["rows"]}
    assert set(got) == set(expected)
    for key, ref in expected.items():
        row = got[key]
        assert row["n"] == ref["n"] and row["label"] in {"Checkout", "Payment", "Courier"}
        for field in ("value", "ci_low", "ci_high"):
            assert row[field] == pytest.approx(ref[field], abs=1e-3), (key, field)
    # 2026-04 exists only because of Riyadh's clock: the last answers are on 30 April local time at most
    assert {p for _, p in got} <= {"2026-01", "2026-02", "2026-03", "2026-04", "2026-05"}


def test_csat_mixed_scales_by_stage_in_hijri_months(shop) -> None:  # type: ignore[no-untyped-def]
    from tajriba.calendars import to_hijri

    ws, frame, tps, call = shop
    body = call(
        "/api/v1/metrics", metric="csat", by="stage", period="month", calendar="hijri", min_n=1
    ).json()
    csat = frame[frame["metric"] == "csat"].copy()
    csat["on5"] = 1 + 4 * (csat["score"] - csat["scale_min"]) / (csat["scale_max"] - csat["scale_min"])
    csat["top2"] = csat["score"] >= csat["scale_max"] - 1
    csat["month"] = ["{:04d}-{:02d}".format(*to_hijri(d)[:2]) for d in csat["day"]]
    got = {(r["label"], r["period"]): r for r in body["rows"]}
    groups = csat.groupby(["stage", "month"])
    assert len(got) == groups.ngroups
    for (stage, month), part in groups:
        row = got[(stage, month)]
        assert row["n"] == len(part)
        assert row["value"] == pytest.approx(part["on5"].mean(), abs=1e-3)
        if len(part) > 1:
            low, high = stats.t.interval(
                0.95, len(part) - 1, loc=part["on5"].mean(), scale=stats.sem(part["on5"])
            )
            assert (row["ci_low"], row["ci_high"]) == (
                pytest.approx(low, abs=1e-3),
                pytest.approx(high, abs=1e-3),
            )
        ci = stats.binomtest(int(part["top2"].sum()), len(part)).proportion_ci(method="wilson")
        assert row["top2_box"] == pytest.approx(part["top2"].mean(), abs=1e-4)
        assert (row["top2_box_ci_low"], row["top2_box_ci_high"]) == (
            pytest.approx(ci.low, abs=1e-4),
            pytest.approx(ci.high, abs=1e-4),
        )


def test_filters_suppression_and_the_whole_workspace(shop) -> None:  # type: ignore[no-untyped-def]
    ws, frame, tps, call = shop
    nps = frame[frame["metric"] == "nps"]
    whole = call("/api/v1/metrics", metric="nps").json()["rows"]
    assert len(whole) == 1 and whole[0]["group"] == "all" and whole[0]["n"] == len(nps)
    web_ar = nps[(nps["channel"] == "web") & (nps["language"] == "ar")]
    one = call("/api/v1/metrics", metric="nps", channel="web", language="ar").json()["rows"][0]
    assert one["n"] == len(web_ar) and one["value"] == pytest.approx(
        _nps_reference(web_ar["score"])["value"], abs=1e-3
    )
    # local days: January 10 (Riyadh) to February 1, end excluded
    span = nps[
        (nps["day"] >= pd.Timestamp("2026-01-10").date()) & (nps["day"] < pd.Timestamp("2026-02-01").date())
    ]
    dated = call("/api/v1/metrics", metric="nps", start="2026-01-10", end="2026-02-01").json()["rows"][0]
    assert dated["n"] == len(span)
    stage_buy = call("/api/v1/metrics", metric="nps", stage=_stage_id(shop, "buy")).json()["rows"][0]
    assert stage_buy["n"] == int((nps["stage"] == "Buy").sum())
    daily = call("/api/v1/metrics", metric="nps", by="channel", period="day").json()["rows"]
    small = [r for r in daily if r["n"] < 10]
    assert small and all(r["value"] is None and r["suppressed"] == "fewer than 10 answers" for r in small)


def _stage_id(shop, key: str) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from tajriba.models.journeys import Stage

    ws, *_ = shop
    from sqlalchemy.orm import object_session

    session = object_session(ws)
    assert session is not None
    return int(session.scalar(select(Stage.id).where(Stage.workspace_id == ws.id, Stage.key == key)))


def test_compare_two_periods_against_welch(shop) -> None:  # type: ignore[no-untyped-def]
    ws, frame, tps, call = shop
    body = call(
        "/api/v1/metrics/compare", metric="csat", by="touchpoint", min_n=1,
        before_start="2026-01-01", before_end="2026-02-01", after_start="2026-02-01", after_end="2026-03-01",
    ).json()  # fmt: skip
    csat = frame[frame["metric"] == "csat"].copy()
    csat["on5"] = 1 + 4 * (csat["score"] - csat["scale_min"]) / (csat["scale_max"] - csat["scale_min"])
    jan = csat[
        (csat["day"] >= pd.Timestamp("2026-01-01").date()) & (csat["day"] < pd.Timestamp("2026-02-01").date())
    ]
    feb = csat[
        (csat["day"] >= pd.Timestamp("2026-02-01").date()) & (csat["day"] < pd.Timestamp("2026-03-01").date())
    ]
    rows = {r["group"]: r for r in body["rows"]}
    for key, tp in tps.items():
        a, b = jan[jan["tp_key"] == key]["on5"], feb[feb["tp_key"] == key]["on5"]
        welch = stats.ttest_ind(b, a, equal_var=False)
        change = rows[str(tp)]["change"]
        assert change["difference"] == pytest.approx(b.mean() - a.mean(), abs=1e-3)
        assert change["p_value"] == pytest.approx(welch.pvalue, abs=1e-3)
        ci = welch.confidence_interval(0.95)
        assert (change["low"], change["high"]) == (
            pytest.approx(ci.low, abs=1e-3),
            pytest.approx(ci.high, abs=1e-3),
        )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"metric": "nsp"}, "metric"),
        ({"metric": "nps", "by": "colour"}, "by"),
        ({"metric": "nps", "period": "fortnight"}, "period"),
        ({"metric": "nps", "calendar": "mayan"}, "calendar"),
        ({"metric": "nps", "start": "2026-02-01", "end": "2026-01-01"}, "start"),
        ({"metric": "nps", "by": "channel", "stage": 1}, "by"),
    ],
)
def test_bad_queries_name_the_field(shop, params, field) -> None:  # type: ignore[no-untyped-def]
    ws, frame, tps, call = shop
    response = call("/api/v1/metrics", **params)
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("period", "week_start"),
    [("week", "monday"), ("week", "saturday"), ("week", "sunday"), ("quarter", "monday"), ("year", "monday")],
)
def test_periods_cut_at_local_midnight_however_the_warehouse_buckets_them(shop, period, week_start) -> None:  # type: ignore[no-untyped-def]
    """Gregorian months, quarters, years and Monday weeks are bucketed in SQL, other weeks from the days in
    Python (metrics.query.bucket): both give pandas' figures on Riyadh's local days."""
    from tajriba import periods

    ws, frame, tps, call = shop
    body = call(
        "/api/v1/metrics", metric="csat", by="touchpoint", period=period, week_start=week_start, min_n=1
    ).json()
    csat = frame[frame["metric"] == "csat"].copy()
    csat["on5"] = 1 + 4 * (csat["score"] - csat["scale_min"]) / (csat["scale_max"] - csat["scale_min"])
    csat["label"] = [periods.label(d, period, "gregorian", week_start) for d in csat["day"]]
    expected = {
        (str(tps[tp]), label): (len(part), part["on5"].mean())
        for (tp, label), part in csat.groupby(["tp_key", "label"])
    }
    got = {(r["group"], r["period"]): (r["n"], r["value"]) for r in body["rows"]}
    assert set(got) == set(expected)
    for key, (n, mean) in expected.items():
        assert got[key][0] == n and got[key][1] == pytest.approx(mean, abs=1e-3), key
