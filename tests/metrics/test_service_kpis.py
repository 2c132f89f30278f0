"""Service KPIs from tickets, trend lines, response rates and experience -> outcomes: golden values computed by
hand, random data against independent pandas / NumPy / SciPy computations, and the HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tajriba.accounts import service as accounts
from tajriba.metrics import estimates, outcomes, tickets, trend
from tajriba.metrics import response_rate as rates
from tajriba.models.surveys import Survey, SurveyInvitation
from tests.conftest import make_workspace

T0 = datetime(2026, 3, 1, 6)  # UTC; the workspace is in Asia/Riyadh (UTC+3)
NOW = datetime(2026, 3, 20, 6, tzinfo=UTC)


class Actor:
    def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
        self.last = (action, kw)


def _ticket(ws_id: int, i: int, created: datetime, **kw) -> dict:  # type: ignore[no-untyped-def]
    row = {
        "workspace_id": ws_id,
        "ticket_id": f"T{i}",
        "customer_id": f"c{i}",
        "channel": "email",
        "agent": "Sara",
        "is_complaint": False,
        "created_at": created,
        "first_response_at": None,
        "resolved_at": None,
        "subject": f"subject {i}",
    }
    row.update(kw)
    return row


def _append(app, table: str, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(rows)
    for col in ("first_response_at", "resolved_at"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col])
    app.state.warehouse.append(table, frame)


def test_quantile_intervals_match_the_published_order_statistic_ranks() -> None:
    # Conover (1999), table A3 / the usual textbook ranks for a 95 % median interval
    assert estimates.quantile_ranks(10, 0.5) == (2, 9)
    assert estimates.quantile_ranks(20, 0.5) == (6, 15)
    assert estimates.quantile_ranks(100, 0.5) == (40, 61)
    # each tail holds at most 2.5 %, and moving either bound one rank inwards would break that
    for n in (7, 15, 40, 200):
        for p in (0.5, 0.9):
            low, high = estimates.quantile_ranks(n, p)
            if low >= 1 and high <= n:
                assert stats.binom.cdf(low - 1, n, p) <= 0.025 < stats.binom.cdf(low, n, p)
                assert stats.binom.sf(high - 1, n, p) <= 0.025 < stats.binom.sf(high - 2, n, p)
                assert stats.binom.cdf(high - 1, n, p) - stats.binom.cdf(low - 1, n, p) >= 0.95
    e = estimates.quantile(np.arange(1.0, 11.0), 0.9)
    assert (e.value, e.low, e.high) == (pytest.approx(9.1), 7.0, None)
    assert estimates.quantile([], 0.5) == estimates.EMPTY


def test_service_kpis_golden(app, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "golden", timezone="UTC")
    rows = [
        _ticket(
            ws.id,
            i,
            T0,
            first_response_at=T0 + timedelta(minutes=i),
            resolved_at=T0 + timedelta(hours=10 * i),
        )
        for i in range(1, 11)
    ]
    # answered never: one older than the response target (a miss), one a minute old (not known yet)
    rows.append(_ticket(ws.id, 11, NOW.replace(tzinfo=None) - timedelta(hours=2)))
    rows.append(_ticket(ws.id, 12, NOW.replace(tzinfo=None) - timedelta(minutes=1)))
    _append(app, "tickets", rows)
    tickets.set_targets(db, ws, {"first_response_minutes": 5, "resolution_hours": 48}, actor=Actor())
    out = tickets.service_kpis(app.state.warehouse, ws, tickets.TicketQuery(), now=NOW)
    (row,) = out["rows"]
    assert row["n"] == 12 and row["open"] == 2
    # first response 1..10 minutes: median 5.5, interval x_(2), x_(9); p90 9.1, lower bound x_(7), no upper
    assert (row["first_response_median"], row["first_response_median_ci_low"]) == (5.5, 2.0)
    assert row["first_response_median_ci_high"] == 9.0
    assert row["first_response_p90"] == pytest.approx(9.1)
    assert (row["first_response_p90_ci_low"], row["first_response_p90_ci_high"]) == (7.0, None)
    # within 5 minutes: 5 of the 11 decided (ticket 11 missed, ticket 12 undecided); Wilson by hand
    assert row["first_response_decided"] == 11
    p, z, n = 5 / 11, 1.959963984540054, 11
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert row["first_response_within_target"] == pytest.approx(p, abs=1e-4)
    assert row["first_response_within_target_ci_low"] == pytest.approx(centre - half, abs=1e-4)
    assert row["first_response_within_target_ci_high"] == pytest.approx(centre + half, abs=1e-4)
    # resolution 10..100 hours: median 55, 4 of 10 within 48 h (the open ones are younger than 48 h)
    assert row["resolution_median"] == 55.0
    assert row["resolution_decided"] == 10 and row["resolution_within_target"] == 0.4
    assert out["targets"] == {"first_response_minutes": 5.0, "resolution_hours": 48.0}
    # too few tickets in a slice: counts stay, figures do not
    small = tickets.service_kpis(app.state.warehouse, ws, tickets.TicketQuery(min_n=20), now=NOW)
    assert small["rows"][0]["suppressed"] == "fewer than 20 tickets"
    assert "first_response_median" not in small["rows"][0]


def test_service_kpis_by_channel_and_week_match_pandas(app, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "random")
    rng = np.random.default_rng(5)
    n = 900
    created = [T0 + timedelta(minutes=int(m)) for m in rng.integers(0, 60 * 24 * 14, n)]
    frt = rng.lognormal(3.5, 1.0, n)  # minutes
    res = frt / 60 + rng.lognormal(3, 1.0, n)  # hours
    answered = rng.random(n) < 0.9
    resolved = answered & (rng.random(n) < 0.8)
    channel = rng.choice(["email", "chat", "phone"], n)
    rows = [
        _ticket(
            ws.id,
            i,
            created[i],
            channel=str(channel[i]),
            first_response_at=created[i] + timedelta(minutes=float(frt[i])) if answered[i] else None,
            resolved_at=created[i] + timedelta(hours=float(res[i])) if resolved[i] else None,
        )
        for i in range(n)
    ]
    _append(app, "tickets", rows)
    q = tickets.TicketQuery(by="channel", period="week", week_start="saturday")
    got = tickets.service_kpis(app.state.warehouse, ws, q, now=NOW)
    ref = pd.DataFrame({"channel": channel, "frt": np.where(answered, frt, np.nan), "created": created})
    ref["res"] = np.where(resolved, res, np.nan)
    local = pd.to_datetime(ref["created"]).dt.tz_localize("UTC").dt.tz_convert("Asia/Riyadh")
    day = local.dt.tz_localize(None).dt.normalize()
    ref["week"] = (day - pd.to_timedelta((day.dt.weekday - 5) % 7, unit="D")).dt.strftime("%Y-%m-%d")
    age_min = (NOW.replace(tzinfo=None) - pd.to_datetime(ref["created"])).dt.total_seconds() / 60
    checked = 0
    for row in got["rows"]:
        part = ref[(ref["channel"] == row["group"]) & (ref["week"] == row["period"])]
        assert row["n"] == len(part)
        if row["n"] < 10:
            continue
        f = part["frt"].dropna().to_numpy()
        assert row["first_response_median"] == pytest.approx(np.median(f), abs=1e-3)
        assert row["first_response_p90"] == pytest.approx(np.quantile(f, 0.9), abs=1e-3)
        s = np.sort(f)
        low, high = estimates.quantile_ranks(s.size, 0.5)
        assert row["first_response_median_ci_low"] == pytest.approx(s[low - 1], abs=1e-3)
        assert row["first_response_median_ci_high"] == pytest.approx(s[high - 1], abs=1e-3)
        known = part["frt"].notna() | (age_min[part.index] > 60)
        within = (part["frt"][known] <= 60).sum()
        ci = stats.binomtest(int(within), int(known.sum())).proportion_ci(method="wilson")
        assert row["first_response_within_target_ci_low"] == pytest.approx(ci.low, abs=1e-4)
        assert row["first_response_within_target_ci_high"] == pytest.approx(ci.high, abs=1e-4)
        assert row["resolution_median"] == pytest.approx(np.median(part["res"].dropna()), abs=1e-3)
        assert row["open"] == int(part["res"].isna().sum())
        checked += 1
    assert checked >= 6


def test_pending_complaints_by_age_and_backlog(app, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "backlog", timezone="UTC")
    now = NOW.replace(tzinfo=None)
    rows = [
        _ticket(ws.id, 1, now - timedelta(hours=12), is_complaint=True),
        _ticket(
            ws.id, 2, now - timedelta(days=2), is_complaint=True, first_response_at=now - timedelta(days=1)
        ),
        _ticket(ws.id, 3, now - timedelta(days=10), is_complaint=True),
        _ticket(ws.id, 4, now - timedelta(days=40), is_complaint=True),
        _ticket(ws.id, 5, now - timedelta(days=3), is_complaint=True, resolved_at=now - timedelta(days=1)),
        _ticket(ws.id, 6, now - timedelta(days=5)),  # not a complaint
    ]
    _append(app, "tickets", rows)
    out = tickets.pending_complaints(app.state.warehouse, ws, now=NOW)
    assert out["total"] == 4 and out["unanswered"] == 3
    assert [b["n"] for b in out["bands"]] == [1, 1, 0, 1, 0, 1]
    assert [t["ticket_id"] for t in out["oldest"]] == ["T4", "T3", "T2", "T1"]
    # ticket 5 was still pending 2 days ago
    assert tickets.pending_complaints(app.state.warehouse, ws, now=NOW - timedelta(days=2))["total"] == 4

    ws2 = make_workspace(db, "backlog2", timezone="UTC")
    d = datetime(2026, 3, 2, 10)  # a Monday
    rows = [
        _ticket(ws2.id, 1, d, resolved_at=d + timedelta(days=1)),
        _ticket(ws2.id, 2, d, resolved_at=d + timedelta(days=2)),
        _ticket(ws2.id, 3, d),
        _ticket(ws2.id, 4, d + timedelta(days=1), resolved_at=d + timedelta(days=9)),
    ]
    _append(app, "tickets", rows)
    daily = tickets.backlog(app.state.warehouse, ws2, period="day", now=datetime(2026, 3, 12, tzinfo=UTC))
    first = {r["period"]: (r["created"], r["resolved"], r["open_at_end"]) for r in daily["rows"]}
    assert first["2026-03-02"] == (3, 0, 3)
    assert first["2026-03-03"] == (1, 1, 3)
    assert first["2026-03-04"] == (0, 1, 2)
    assert first["2026-03-11"] == (0, 1, 1)
    assert daily["rows"][-1]["period"] == "2026-03-12" and not daily["rows"][-1]["complete"]
    weekly = tickets.backlog(app.state.warehouse, ws2, period="week", now=datetime(2026, 3, 12, tzinfo=UTC))
    assert [(r["period"], r["created"], r["resolved"], r["open_at_end"]) for r in weekly["rows"]] == [
        ("2026-03-02", 4, 2, 2),
        ("2026-03-09", 0, 1, 1),
    ]


def test_service_targets_are_checked() -> None:
    from tajriba.errors import Invalid

    assert tickets.check_targets({"resolution_hours": "24"}) == {"resolution_hours": 24.0}
    for bad in ({"resolution_hours": 0}, {"first_response_minutes": "soon"}, {"sla": 3}):
        with pytest.raises(Invalid):
            tickets.check_targets(bad)


def test_trend_line_against_a_weighted_least_squares_reference() -> None:
    # hand check: exact points on a line with equal errors -> that line, dispersion 0, band from (X'X)^-1 s^2
    line = trend.fit_line([1.0, 2.0, 3.0, 4.0], [0.5, 0.5, 0.5, 0.5])
    assert line is not None
    assert line["slope"] == pytest.approx(1.0) and line["intercept"] == pytest.approx(1.0)
    assert line["slope_std_error"] == pytest.approx(0.5 / np.sqrt(5.0))  # Var(b) = s^2 / sum (t - mean t)^2
    # random: numpy lstsq on sqrt-weighted rows gives the same coefficients and covariance
    rng = np.random.default_rng(3)
    y = 40 + 1.5 * np.arange(12) + rng.normal(0, 4, 12)
    s = rng.uniform(1, 5, 12)
    line = trend.fit_line(list(y), list(s))
    assert line is not None
    x = np.column_stack([np.ones(12), np.arange(12.0)])
    coef, *_ = np.linalg.lstsq(x / s[:, None], y / s, rcond=None)
    resid = (y - x @ coef) / s
    scale = max(1.0, float(resid @ resid) / 10)
    cov = np.linalg.inv((x / s[:, None]).T @ (x / s[:, None])) * scale
    assert line["slope"] == pytest.approx(coef[1]) and line["intercept"] == pytest.approx(coef[0])
    assert line["slope_std_error"] == pytest.approx(np.sqrt(cov[1, 1]))
    assert line["p_value"] == pytest.approx(2 * stats.norm.sf(abs(coef[1]) / np.sqrt(cov[1, 1])))
    rows = [
        {"period": f"2026-{m + 1:02d}", "value": v, "std_error": e}
        for m, (v, e) in enumerate(zip(y, s, strict=True))
    ]
    out = trend.trend(rows)
    assert out["direction"] == "rising"
    assert len(out["line"]["fit"]) == 12
    assert all(
        lo <= f <= hi
        for lo, f, hi in zip(out["line"]["fit_low"], out["line"]["fit"], out["line"]["fit_high"], strict=True)
    )
    assert trend.trend(rows[:2])["direction"] == "unknown"


def test_response_rate_counts_delivered_invitations_only(app, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "rates")
    survey = Survey(
        workspace_id=ws.id, key="s", name="Post purchase", definition={}, status="active", public_token="tok"
    )
    db.add(survey)
    db.flush()
    statuses = ["completed"] * 6 + ["sent"] * 8 + ["expired"] * 6 + ["skipped"] * 3 + ["failed"]
    for i, status in enumerate(statuses):
        db.add(
            SurveyInvitation(
                workspace_id=ws.id,
                survey_id=survey.id,
                customer_id=f"c{i}",
                channel="email" if i % 2 else "sms",
                status=status,
                expires_at=NOW + timedelta(days=7),
                scheduled_at=NOW - timedelta(days=1),
                sent_at=None if status in ("skipped", "failed") else NOW - timedelta(days=1),
            )
        )
    db.commit()
    out = rates.response_rate(db, ws)
    (row,) = out["rows"]
    assert (row["delivered"], row["completed"], row["skipped"], row["failed"]) == (20, 6, 3, 1)
    ci = stats.binomtest(6, 20).proportion_ci(method="wilson")
    assert row["rate"] == 0.3
    assert (row["ci_low"], row["ci_high"]) == (
        pytest.approx(ci.low, abs=1e-4),
        pytest.approx(ci.high, abs=1e-4),
    )
    by_survey = rates.response_rate(db, ws, by="survey", min_n=25)
    assert by_survey["rows"][0]["label"] == "Post purchase"
    assert by_survey["rows"][0]["rate"] is None and "fewer than 25" in by_survey["rows"][0]["suppressed"]
    assert {r["group"] for r in rates.response_rate(db, ws, by="channel")["rows"]} == {"email", "sms"}
    # weeks start where the workspace says, as on every metrics question: the week's label is its first day
    sent = (NOW - timedelta(days=1)).astimezone(ZoneInfo(ws.timezone)).date()
    for start, weekday in (("monday", 0), ("saturday", 5), ("sunday", 6)):
        (week,) = rates.response_rate(db, ws, period="week", week_start=start)["rows"]
        first = sent - timedelta(days=(sent.weekday() - weekday) % 7)
        assert week["period"] == first.isoformat(), start


def test_outcomes_by_nps_group_and_by_good_or_bad_experience(app, db) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "outcomes", timezone="UTC")
    answered = datetime(2026, 1, 1, 12)
    responses, orders = [], []
    # 30 promoters: 20 buy again within 90 days (spend 100 each); 30 detractors: 6 buy again (spend 50)
    for i in range(60):
        promoter = i < 30
        responses.append(
            {
                "workspace_id": ws.id,
                "response_id": f"r{i}",
                "customer_id": f"c{i}",
                "metric": "nps",
                "score": 10.0 if promoter else 3.0,
                "scale_min": 0,
                "scale_max": 10,
                "submitted_at": answered,
            }
        )
        if (promoter and i < 20) or (not promoter and i < 36):
            orders.append((f"c{i}", answered + timedelta(days=30), 100 if promoter else 50))
    # a later answer by the same customer is ignored (the first answer counts), and an order before the answer too
    responses.append(
        {**responses[0], "response_id": "late", "score": 0.0, "submitted_at": answered + timedelta(days=1)}
    )
    orders.append(("c40", answered - timedelta(days=3), 999))
    # the end of the data: an order a year later (customer c59 also counts as a repeat within 180 days? no: later)
    orders.append(("zz", answered + timedelta(days=400), 1))
    app.state.warehouse.append("survey_responses", pd.DataFrame(responses))
    app.state.warehouse.append(
        "orders",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "order_id": [f"o{i}" for i in range(len(orders))],
                "customer_id": [o[0] for o in orders],
                "ordered_at": [o[1] for o in orders],
                "currency": "SAR",
                "amount": [float(o[2]) for o in orders],
            }
        ),
    )
    out = outcomes.outcomes(app.state.warehouse, ws, metric="nps")
    assert out["answers"] == 60 and out["followed"] == 60
    got = {(r["outcome"], r["group"]): r for r in out["rows"]}
    assert got[("repeat", "promoter")]["value"] == pytest.approx(20 / 30, abs=1e-4)
    assert got[("repeat", "detractor")]["value"] == pytest.approx(6 / 30, abs=1e-4)
    assert got[("repeat", "passive")]["n"] == 0
    ci = stats.binomtest(20, 30).proportion_ci(method="wilson")
    assert got[("repeat", "promoter")]["ci_low"] == pytest.approx(ci.low, abs=1e-4)
    spend = np.array([100.0] * 20 + [0.0] * 10)
    lo, hi = stats.t.interval(0.95, 29, loc=spend.mean(), scale=stats.sem(spend))
    assert got[("spend", "promoter")]["value"] == pytest.approx(spend.mean(), abs=1e-4)
    assert got[("spend", "promoter")]["ci_low"] == pytest.approx(lo, abs=1e-3)
    assert got[("churned", "detractor")]["value"] == pytest.approx(24 / 30, abs=1e-4)
    diff = {d["outcome"]: d for d in out["differences"]}
    assert diff["repeat"]["first"] == "promoter" and diff["repeat"]["second"] == "detractor"
    assert diff["repeat"]["difference"] == pytest.approx(20 / 30 - 6 / 30, abs=1e-4)
    assert diff["repeat"]["p_value"] < 0.01
    # the window must be complete: with the data ending 60 days after the answers nobody is followed
    short = outcomes.outcomes(app.state.warehouse, ws, metric="nps", as_of=answered + timedelta(days=60))
    assert short["followed"] == 0


def test_a_trend_keeps_its_gaps_on_the_time_axis() -> None:
    # answers in January, February and June: March-May are empty periods, and the line's positions are
    # 0, 1 and 5 (months that passed), not 0, 1, 2. Equal errors: the slope is ordinary least squares.
    from tajriba import periods

    rows = [
        {"period": "2026-01", "value": 10.0, "std_error": 1.0, "n": 50},
        {"period": "2026-02", "value": 12.0, "std_error": 1.0, "n": 50},
        {"period": "2026-06", "value": 20.0, "std_error": 1.0, "n": 50},
    ]
    axis = periods.axis([r["period"] for r in rows], "month")
    assert axis == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    out = trend.trend(rows, axis=axis)
    assert [p["n"] for p in out["points"]] == [50, 50, 0, 0, 0, 50]
    assert out["points"][3]["value"] is None
    t, y = np.array([0.0, 1.0, 5.0]), np.array([10.0, 12.0, 20.0])
    slope = float(((t - t.mean()) * (y - y.mean())).sum() / ((t - t.mean()) ** 2).sum())
    assert out["line"]["slope"] == pytest.approx(slope, abs=1e-4)  # 1.9231, not 5 per "period"
    assert len(out["line"]["fit"]) == 6
    # Hijri months across a year boundary, and Jalali
    assert periods.axis(["1447-11", "1448-02"], "month", "hijri") == [
        "1447-11",
        "1447-12",
        "1448-01",
        "1448-02",
    ]
    assert periods.axis(["1404-12", "1405-01"], "month", "jalali") == ["1404-12", "1405-01"]


def test_metrics_api_serves_service_kpis_trend_rates_outcomes(app, db, client) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "apiws")
    viewer = accounts.create_key(db, workspace=ws, kind="api", name="v", role="viewer")[1]
    analyst = accounts.create_key(db, workspace=ws, kind="api", name="a", role="analyst")[1]
    db.commit()
    rows = [
        _ticket(ws.id, i, T0 + timedelta(days=i % 7), first_response_at=T0 + timedelta(days=i % 7, minutes=i))
        for i in range(30)
    ]
    _append(app, "tickets", rows)
    h = {"Authorization": f"Bearer {viewer}"}
    r = client.get("/api/v1/metrics/service?by=channel&period=week", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["rows"][0]["group"] == "email"
    assert client.get("/api/v1/metrics/service?by=colour", headers=h).status_code == 422
    assert client.get("/api/v1/metrics/backlog?period=day", headers=h).json()["rows"]
    assert client.get("/api/v1/metrics/pending-complaints", headers=h).json()["total"] == 0
    assert client.get("/api/v1/metrics/response-rate?by=survey", headers=h).json()["rows"] == []
    assert client.get("/api/v1/metrics/outcomes?metric=csat", headers=h).json()["groups"] == ["good", "bad"]
    r = client.get("/api/v1/metrics/trend?metric=nps", headers=h)
    assert r.status_code == 422 and "period" in r.text
    assert client.get("/api/v1/metrics/trend?metric=nps&period=month", headers=h).json()["trends"] == []
    # targets: readers read, analysts set; bad values name the field
    assert (
        client.put("/api/v1/metrics/service-targets", json={"resolution_hours": 8}, headers=h).status_code
        == 403
    )
    ha = {"Authorization": f"Bearer {analyst}"}
    r = client.put("/api/v1/metrics/service-targets", json={"resolution_hours": 8}, headers=ha)
    assert r.json() == {"first_response_minutes": 60.0, "resolution_hours": 8.0}
    r = client.put("/api/v1/metrics/service-targets", json={"resolution_hours": -1}, headers=ha)
    assert r.status_code == 422 and "resolution_hours" in r.text
    assert client.get("/api/v1/metrics/service-targets", headers=h).json()["resolution_hours"] == 8.0
