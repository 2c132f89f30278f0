"""The journey map from known warehouse rows: KPIs, effectiveness, emotion, filters, redesign, exports."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy import stats

from tajriba.i18n import speaking
from tajriba.journeys import journey_map, redesign, schemas, service
from tajriba.journeys.render import export_map, render_svg
from tests.conftest import make_workspace

T0 = datetime(2026, 3, 1, 10)
CSAT = [5, 5, 4, 4, 5, 5, 4, 5, 5, 4]  # checkout, web, March
CSAT_APP = [1, 2]  # checkout, app
FRT_MIN = [2, 3, 4, 5, 6, 7, 8, 9, 30, 40]


class Actor:
    def audit(self, db, action, **kw):  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def shop(app, db):  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "mapshop")
    a = Actor()
    service.create_persona(
        db,
        workspace_id=ws.id,
        persona_in=schemas.PersonaIn(
            key="riyadh", name="Riyadh", segment_rule={"field": "city", "op": "eq", "value": "Riyadh"}
        ),
        actor=a,
    )
    journey = service.create_journey(
        db,
        workspace_id=ws.id,
        journey_in=schemas.JourneyIn(
            name="Shopping",
            names={"ar": "التسوق"},
            persona_keys=["riyadh"],
            stages=[
                schemas.StageIn(key="buy", name="Buy", names={"ar": "الشراء"}),
                schemas.StageIn(key="get", name="Get"),
            ],
        ),
        actor=a,
    )
    checkout = service.create_touchpoint(
        db,
        journey=journey,
        touchpoint_in=schemas.TouchpointIn(
            key="checkout",
            name="Checkout",
            names={"ar": "إتمام الطلب"},
            stage_key="buy",
            desired_emotion="confident",
            targets={"csat": 4.0, "first_response_min": 10},
        ),
        actor=a,
    )
    courier = service.create_touchpoint(
        db,
        journey=journey,
        touchpoint_in=schemas.TouchpointIn(
            key="courier",
            name="Courier",
            stage_key="get",
            business_purpose="deliver",
            targets={"on_time_share": 0.9},
            manual_assessment="meets",
        ),
        actor=a,
    )
    quiet = service.create_touchpoint(
        db,
        journey=journey,
        touchpoint_in=schemas.TouchpointIn(
            key="leaflet", name="Leaflet", stage_key="get", manual_assessment="below"
        ),
        actor=a,
    )
    db.commit()
    wh = app.state.warehouse
    n = len(CSAT) + len(CSAT_APP)
    wh.append(
        "survey_responses",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "response_id": [f"r{i}" for i in range(n)],
                "customer_id": [f"c{i % 4}" for i in range(n)],
                "touchpoint_id": checkout.id,
                "channel": ["web"] * len(CSAT) + ["app"] * len(CSAT_APP),
                "metric": "csat",
                "score": [float(s) for s in CSAT + CSAT_APP],
                "scale_min": 1,
                "scale_max": 5,
                "submitted_at": [T0 + timedelta(days=i) for i in range(n)],
            }
        ),
    )
    wh.append(
        "feedback_texts",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "feedback_id": ["f1", "f2"],
                "customer_id": ["c1", "c2"],
                "source": ["review", "survey"],
                "text": ["slow", "great"],
                "rating": [2.0, 5.0],
                "touchpoint_id": checkout.id,
                "channel": "web",
                "response_id": [None, "r0"],  # a survey comment: its score is already a response
                "created_at": [T0, T0],
            }
        ),
    )
    wh.append(
        "tickets",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "ticket_id": [f"t{i}" for i in range(len(FRT_MIN))],
                "customer_id": "c1",
                "channel": "web",
                "touchpoint_id": checkout.id,
                "created_at": T0,
                "first_response_at": [T0 + timedelta(minutes=m) for m in FRT_MIN],
            }
        ),
    )
    wh.append(
        "orders",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "order_id": [f"o{i}" for i in range(10)],
                "customer_id": "c1",
                "ordered_at": T0,
                "currency": "SAR",
                "amount": __import__("decimal").Decimal("100"),
                "channel": "web",
                "promised_delivery_at": T0 + timedelta(days=2),
                "delivered_at": [T0 + timedelta(days=1)] * 9 + [T0 + timedelta(days=3)],
            }
        ),
    )
    wh.append(
        "customers",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "customer_id": ["c0", "c1", "c2", "c3"],
                "city": ["Riyadh", "Riyadh", "Jeddah", "Jeddah"],
                "language": ["ar", "ar", "en", "en"],
            }
        ),
    )
    # c1: checkout -> courier; c2: checkout only (journey ends there); c3: courier only
    events = [("c1", checkout.id, 0), ("c1", courier.id, 60), ("c2", checkout.id, 0), ("c3", courier.id, 5)]
    wh.append(
        "events",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "message_id": [f"m{i}" for i in range(len(events))],
                "customer_id": [c for c, _t, _m in events],
                "type": "track",
                "timestamp": [T0 + timedelta(minutes=m) for _c, _t, m in events],
                "touchpoint_id": [t for _c, t, _m in events],
                "channel": "web",
            }
        ),
    )
    return {"ws": ws, "journey": journey, "checkout": checkout, "courier": courier, "quiet": quiet}


def _build(app, db, shop, **filters):  # type: ignore[no-untyped-def]
    locale = filters.pop("locale", "en")
    with speaking(locale):
        return journey_map.build(
            db,
            app.state.warehouse,
            journey=shop["journey"],
            filters=journey_map.Filters(**filters),
            locale=locale,
        )


def _tp(data, key):  # type: ignore[no-untyped-def]
    return next(t for t in data.touchpoints if t["key"] == key)


def test_kpis_effectiveness_and_emotion_match_hand_computation(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    data = _build(app, db, shop)
    checkout = _tp(data, "checkout")
    kpis = {k["kpi"]: k for k in checkout["kpis"]}
    scores = np.array(CSAT + CSAT_APP, dtype=float)
    assert kpis["csat"]["value"] == pytest.approx(scores.mean()) and kpis["csat"]["n"] == 12
    half = stats.t.ppf(0.975, 11) * scores.std(ddof=1) / np.sqrt(12)
    assert kpis["csat"]["low"] == pytest.approx(scores.mean() - half)
    assert kpis["csat"]["status"] == "meets"  # 4.08 >= 4.0 but the interval reaches below 4
    # first response: median of 10 values = 6.5 min, target 10 (lower is better): interval [x(2), x(9)] = [3, 30]
    assert (
        kpis["first_response_min"]["value"],
        kpis["first_response_min"]["low"],
        kpis["first_response_min"]["high"],
    ) == (
        pytest.approx(6.5),
        pytest.approx(3.0),
        pytest.approx(30.0),
    )
    assert kpis["first_response_min"]["status"] == "meets"
    # the review's rating counts, the survey comment does not (its score is already a response)
    assert kpis["rating"]["n"] == 1 and kpis["rating"]["value"] == 2.0
    # drop-off: of the 2 customers who reached checkout, c2's journey ended there
    assert kpis["drop_off"]["value"] == 0.5 and kpis["drop_off"]["n"] == 2
    assert checkout["effectiveness"] == {"status": "meets", "source": "data", "label": "Meets standard"}
    # emotion: CSAT (s - 3) / 2 and the rating (2 - 3) / 2, all on -1..+1
    e = np.concatenate([(scores - 3) / 2, [(2 - 3) / 2]])
    assert checkout["emotion"]["value"] == pytest.approx(e.mean()) and checkout["emotion"]["n"] == 13
    assert checkout["desired_emotion"]["level"] == schemas.EMOTIONS["confident"][1]


def test_on_time_delivery_and_the_manual_assessment_where_no_data_exists(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    data = _build(app, db, shop)
    courier, leaflet = _tp(data, "courier"), _tp(data, "leaflet")
    on_time = next(k for k in courier["kpis"] if k["kpi"] == "on_time_share")
    assert (on_time["value"], on_time["n"], on_time["status"]) == (0.9, 10, "meets")
    assert courier["effectiveness"]["source"] == "data"
    assert leaflet["effectiveness"] == {"status": "below", "source": "manual", "label": "Below standard"}
    assert leaflet["emotion"]["value"] is None


def test_filters_by_channel_period_and_persona_segment(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    web = {k["kpi"]: k for k in _tp(_build(app, db, shop, channel="web"), "checkout")["kpis"]}
    assert web["csat"]["n"] == 10 and web["csat"]["value"] == pytest.approx(np.mean(CSAT))
    assert web["csat"]["status"] == "excels"
    march = {
        k["kpi"]: k
        for k in _tp(_build(app, db, shop, start=date(2026, 3, 1), end=date(2026, 3, 4)), "checkout")["kpis"]
    }
    assert march["csat"]["n"] == 3
    # persona "riyadh" is the segment city == Riyadh: customers c0 and c1 (responses r0, r1, r4, r5, r8, r9)
    riyadh = {k["kpi"]: k for k in _tp(_build(app, db, shop, persona="riyadh"), "checkout")["kpis"]}
    expected = [s for i, s in enumerate(CSAT + CSAT_APP) if i % 4 in (0, 1)]
    assert riyadh["csat"]["n"] == len(expected) and riyadh["csat"]["value"] == pytest.approx(
        np.mean(expected)
    )


def test_tickets_and_orders_follow_the_language_of_their_customer(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    # tickets and orders carry no language: c1 (Arabic) raised every ticket and placed every order
    ar = _build(app, db, shop, language="ar")
    en = _build(app, db, shop, language="en")
    assert {k["kpi"]: k["n"] for k in _tp(ar, "checkout")["kpis"]}["first_response_min"] == 10
    assert {k["kpi"]: k["n"] for k in _tp(ar, "courier")["kpis"]}["on_time_share"] == 10
    assert "first_response_min" not in {k["kpi"] for k in _tp(en, "checkout")["kpis"] if k["n"]}
    assert "on_time_share" not in {k["kpi"] for k in _tp(en, "courier")["kpis"] if k["n"]}


def test_before_and_after_a_change_with_the_uncertainty_of_the_difference(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    result = redesign.before_after(
        db, app.state.warehouse, journey=shop["journey"], change_date=date(2026, 3, 6), days=30
    )
    checkout = next(t for t in result["touchpoints"] if t["key"] == "checkout")["kpis"]["csat"]
    before, after = np.array(CSAT[:5], float), np.array(CSAT[5:] + CSAT_APP, float)
    ref = stats.ttest_ind(after, before, equal_var=False)
    assert (checkout["before"]["n"], checkout["after"]["n"]) == (5, 7)
    assert checkout["difference"] == pytest.approx(after.mean() - before.mean())
    assert checkout["p_value"] == pytest.approx(ref.pvalue)
    assert checkout["low"] == pytest.approx(ref.confidence_interval().low)


def test_future_state_copy_and_side_by_side_comparison(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    a = Actor()
    future = redesign.copy_as_future(db, journey=shop["journey"], actor=a)
    tps = {t.based_on_id: t for t in service.list_touchpoints(db, journey_id=future.id)}
    assert future.status == "future" and future.based_on_id == shop["journey"].id
    assert tps[shop["checkout"].id].key == "checkout-future"
    service.update_touchpoint(
        db,
        touchpoint=tps[shop["checkout"].id],
        touchpoint_in=schemas.TouchpointUpdate(owner_team="Payments"),
        actor=a,
    )
    service.delete_touchpoint(db, touchpoint=tps[shop["quiet"].id], actor=a)
    service.create_touchpoint(
        db,
        journey=future,
        touchpoint_in=schemas.TouchpointIn(key="locker", name="Parcel locker", stage_key="get"),
        actor=a,
    )
    diff = redesign.compare(db, future=future)
    assert [t["key"] for t in diff["added"]] == ["locker"]
    assert [t["key"] for t in diff["removed"]] == ["leaflet"]
    assert [(c["key"], c["changes"]) for c in diff["changed"]] == [
        ("checkout-future", {"owner_team": [None, "Payments"]})
    ]
    assert diff["owners_changed"] == ["checkout-future"] and diff["unchanged"] == 1
    # the future state's checkout is measured on the current checkout's data
    effect = redesign.before_after(
        db, app.state.warehouse, journey=future, change_date=date(2026, 3, 6), days=30
    )
    assert (
        next(t for t in effect["touchpoints"] if t["key"] == "checkout-future")["kpis"]["csat"]["after"]["n"]
        == 7
    )


def test_the_arabic_map_flows_right_to_left_and_exports_shaped_outlines(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    import re

    data = _build(app, db, shop, locale="ar")
    assert data.direction == "rtl"
    page_svg = render_svg(data)
    assert 'direction="rtl"' in page_svg  # the page keeps real, selectable text, laid out right to left
    x = {n: float(re.search(rf'<text x="([0-9.]+)"[^>]*>{n}<', page_svg).group(1)) for n in ("الشراء", "Get")}  # type: ignore[union-attr]
    assert x["الشراء"] > x["Get"]  # the first stage is on the right
    content, media = export_map(data, fmt="svg")
    svg = content.decode()
    assert media == "image/svg+xml" and "<text" not in svg and "<use " in svg and "<defs>" in svg
    assert 'aria-label="إتمام الطلب"' in svg
    png, media = export_map(data, fmt="png")
    assert media == "image/png" and png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png))
    assert image.size[0] > 800 and image.getextrema() != ((255, 255), (255, 255), (255, 255), (255, 255))
    pdf, media = export_map(data, fmt="pdf")
    assert (
        media == "application/pdf" and pdf.startswith(b"%PDF-") and b"/Font" not in pdf
    )  # outlines, no fonts


def test_map_x_positions_put_the_first_touchpoint_on_the_reading_side(app, db, shop) -> None:  # type: ignore[no-untyped-def]
    import re

    def xs(direction: str) -> list[float]:
        data = _build(app, db, shop)
        data.direction = direction
        svg = render_svg(data)
        return [
            float(re.search(rf'<text x="([0-9.]+)"[^>]*>{name}<', svg).group(1))
            for name in ("Checkout", "Courier")
        ]  # type: ignore[union-attr]

    ltr, rtl = xs("ltr"), xs("rtl")
    assert ltr[0] < ltr[1] and rtl[0] > rtl[1]
