"""The demo workspace: deterministic by seed, with sane seasonal peaks and experience-driven scores."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tajriba.db import migrate
from tajriba.db.session import make_engine, make_session_factory
from tajriba.demo import DEMO_EMAIL, build_demo
from tajriba.demo.generate import peaks
from tajriba.warehouse import DuckDBWarehouse, Warehouse
from tajriba.warehouse.schema import TABLES


def _build(path: Path, *, scale: float, seed: int) -> tuple[Warehouse, dict]:
    path.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{path / 'app.db'}")
    migrate.upgrade(engine)
    wh = DuckDBWarehouse(str(path / "wh.duckdb"))
    wh.create_schema()
    report = build_demo(make_session_factory(engine), wh, scale=scale, seed=seed)
    engine.dispose()
    return wh, report


def _checksums(wh: Warehouse) -> dict[str, tuple]:
    out = {}
    for table, spec in TABLES.items():
        cols = ", ".join(c for c in spec.column_names if c != "workspace_id")
        out[table] = wh.sql(f"SELECT count(*), sum(hash({cols})) FROM {table}")[0]
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # type: ignore[no-untyped-def]
    wh, report = _build(tmp_path_factory.mktemp("demo") / "a", scale=0.1, seed=7)
    yield wh, report
    wh.close()


def test_same_seed_gives_the_same_data(tmp_path: Path) -> None:
    a, ra = _build(tmp_path / "a", scale=0.02, seed=11)
    b, rb = _build(tmp_path / "b", scale=0.02, seed=11)
    c, _rc = _build(tmp_path / "c", scale=0.02, seed=12)
    assert ra["counts"] == rb["counts"]
    assert _checksums(a) == _checksums(b)
    assert _checksums(a) != _checksums(c)
    for w in (a, b, c):
        w.close()


def test_counts_scale_with_the_demo_size(demo) -> None:
    _wh, report = demo
    counts = report["counts"]
    assert counts["customers"] == 2_000
    assert 80_000 <= counts["events"] <= 125_000
    assert counts["orders"] > 1_500 and counts["tickets"] > 200
    assert counts["survey_responses"] > 800 and counts["feedback_texts"] > 1_000


def _weekly(wh: Warehouse) -> dict[date, int]:
    rows = wh.sql("SELECT date_trunc('week', timestamp)::DATE, count(*) FROM events GROUP BY 1")
    return dict(rows)


def test_white_friday_and_ramadan_weeks_are_peaks(demo) -> None:
    wh, _ = demo
    weekly = _weekly(wh)

    def week_of(d: date) -> date:
        return d - timedelta(days=d.weekday())

    def around(d: date) -> float:
        neighbours = [weekly[week_of(d) + timedelta(weeks=k)] for k in (-3, -2, 2, 3)]
        return sum(neighbours) / len(neighbours)

    white_friday = date(2025, 11, 28)
    assert weekly[week_of(white_friday)] > 1.6 * around(white_friday)
    last_ten_start, _last, _f = peaks()["ramadan_last_ten"]
    before_ramadan = peaks()["ramadan"][0] - timedelta(days=14)
    assert weekly[week_of(last_ten_start + timedelta(days=3))] > 1.3 * weekly[week_of(before_ramadan)]


def test_late_deliveries_lower_csat_and_nps(demo) -> None:
    wh, _ = demo
    (corr,) = wh.sql("""
        SELECT corr((o.properties->>'late_days')::INT, r.score) FROM survey_responses r
        JOIN orders o USING (workspace_id, order_id) WHERE r.metric = 'csat'""")[0]
    assert corr < -0.25
    on_time, late = wh.sql("""
        WITH late AS (SELECT customer_id, max((properties->>'late_days')::INT) > 0 AS was_late FROM orders GROUP BY 1)
        SELECT avg(score) FILTER (WHERE NOT was_late), avg(score) FILTER (WHERE was_late)
        FROM survey_responses JOIN late USING (customer_id) WHERE metric = 'nps'""")[0]
    assert on_time - late > 0.5


def test_support_is_slower_in_peak_weeks(demo) -> None:
    wh, _ = demo
    busy, calm = wh.sql("""
        SELECT median(epoch(first_response_at - created_at)) FILTER (WHERE created_at BETWEEN '2025-11-24' AND '2025-12-01'),
               median(epoch(first_response_at - created_at)) FILTER (WHERE created_at BETWEEN '2026-01-05' AND '2026-02-01')
        FROM tickets WHERE channel = 'whatsapp'""")[0]
    assert busy > calm


def test_feedback_is_varied_and_multilingual(demo) -> None:
    wh, _ = demo
    rows = dict(wh.sql("SELECT language, count(*) FROM feedback_texts GROUP BY 1"))
    assert set(rows) == {"ar", "fa", "en"} and rows["ar"] > rows["fa"]
    total, distinct = wh.sql("SELECT count(*), count(DISTINCT text) FROM feedback_texts")[0]
    assert distinct / total > 0.8
    sources = {r[0] for r in wh.sql("SELECT DISTINCT source FROM feedback_texts")}
    assert sources == {"review", "survey", "ticket", "chat", "social"}
    dialect_markers = {"egyptian": "أوي", "gulf": "مرة", "persian": "است"}
    for word in dialect_markers.values():
        assert wh.sql("SELECT count(*) FROM feedback_texts WHERE text LIKE ?", [f"%{word}%"])[0][0] > 0


def test_rebuilding_replaces_and_a_second_build_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "r"
    path.mkdir()
    engine = make_engine(f"sqlite:///{path / 'app.db'}")
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    wh = DuckDBWarehouse(str(path / "wh.duckdb"))
    wh.create_schema()
    first = build_demo(factory, wh, scale=0.01, seed=3)
    assert build_demo(factory, wh, scale=0.01, seed=3)["skipped"] is True
    again = build_demo(factory, wh, scale=0.01, seed=3, rebuild=True)
    assert again["counts"] == first["counts"]
    assert wh.counts()["events"] == first["counts"]["events"]
    from tajriba.accounts import service

    with factory() as s:
        assert service.get_user_by_email(s, email=DEMO_EMAIL)
    wh.close()
    engine.dispose()


def test_every_demo_response_belongs_to_a_survey_with_its_whole_answer_set(demo) -> None:  # type: ignore[no-untyped-def]
    import orjson

    wh, report = demo
    rows = wh.sql("SELECT survey_id, metric, score, answers, comment FROM survey_responses")
    assert rows and all(r[0] is not None for r in rows)
    assert len({r[0] for r in rows}) == 5  # four surveys and the one-question step survey
    for _survey, metric, score, answers, comment in rows:
        given = orjson.loads(answers)["answers"]
        assert given[metric] == score  # the metric question's key is its type in every demo survey
        if comment:
            assert comment in given.values()
    # invitations: every answer had one, and most invitations went unanswered
    assert report["counts"]["survey_invitations"] > 2 * report["counts"]["survey_responses"]


def test_the_demo_map_shows_an_emotion_at_every_touchpoint_and_noted_pain_points(tmp_path: Path) -> None:
    from sqlalchemy import select

    from tajriba.i18n import speaking
    from tajriba.journeys import journey_map
    from tajriba.models import Journey

    wh, _report = _build(tmp_path / "m", scale=0.05, seed=3)
    engine = make_engine(f"sqlite:///{tmp_path / 'm' / 'app.db'}")
    factory = make_session_factory(engine)
    with factory() as session, speaking("ar"):
        journey = session.scalar(select(Journey))
        data = journey_map.build(session, wh, journey=journey, filters=journey_map.Filters(), locale="ar")
    engine.dispose()
    wh.close()
    with_emotion = [t for t in data.touchpoints if (t.get("emotion") or {}).get("value") is not None]
    assert len(with_emotion) >= 18, [t["key"] for t in data.touchpoints if t not in with_emotion]
    pains = [i for t in data.touchpoints for i in t["items"] if i["kind"] == "pain_point"]
    assert len(pains) >= 6 and all(i["text"] for i in pains)


def test_the_contact_centre_has_two_teams_with_hijri_peaks_and_a_short_schedule(demo) -> None:  # type: ignore[no-untyped-def]
    wh, report = demo
    assert report["counts"]["contact_intervals"] == 2 * 365 * 48
    assert report["counts"]["staffing_shifts"] == 2 * 14 * 48
    daily = dict(wh.sql("""SELECT CAST(starts_at + INTERVAL 3 HOUR AS DATE), sum(offered) FROM contact_intervals
                           WHERE team = 'call_centre' GROUP BY 1"""))  # fmt: skip
    ordinary = sorted(daily.values())[len(daily) // 2]
    fridays = [daily[date(2025, 11, 28) + timedelta(days=7 * k)] for k in (-3, -2, -1, 1, 2, 3) if k != 0 and
               date(2025, 11, 28) + timedelta(days=7 * k) in daily]  # fmt: skip
    assert daily[date(2025, 11, 28)] > 1.8 * max(fridays)  # White Friday against the Fridays around it
    eid = date(2026, 3, 20)  # Eid al-Fitr 1447 (Umm al-Qura): quiet
    assert daily[eid] < 0.7 * ordinary
    nights = wh.sql("""SELECT avg(offered) FILTER (WHERE hour(starts_at + INTERVAL 3 HOUR) = 22 AND starts_at >= '2026-02-20'
                              AND starts_at < '2026-03-15'),
                              avg(offered) FILTER (WHERE hour(starts_at + INTERVAL 3 HOUR) = 22 AND starts_at >= '2026-01-10'
                              AND starts_at < '2026-02-10')
                       FROM contact_intervals WHERE team = 'call_centre'""")[0]  # fmt: skip
    assert nights[0] > 1.3 * nights[1]  # Ramadan nights are busy
