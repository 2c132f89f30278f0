"""Rules open cases from what customers say: matching, de-duplication, first rule wins, back-fill preview."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import func, select

from tajriba.cases import rules
from tajriba.models import Case, CaseLink, CaseRule
from tests.cases.conftest import responses


def run(db, shop):  # type: ignore[no-untyped-def]
    found = rules.evaluate(db, shop["wh"], workspace_id=shop["ws"].id, until=datetime(2027, 1, 1))
    db.commit()
    rules.store_signals(shop["wh"], found.signals)
    return found


def test_detractor_opens_one_case_and_later_signals_attach(db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    shop["wh"].append(
        "survey_responses",
        responses(
            ws.id,
            [
                ("r1", "c1", None, "nps", 3, "المندوب تأخر ثلاثة أيام"),
                ("r2", "c2", None, "nps", 9, "ممتاز"),
                ("r3", "c1", None, "nps", 5, "وما زال ما وصل"),
                ("r4", None, None, "nps", 0, None),
            ],
            datetime(2026, 12, 6, 7, 0),
        ),
    )
    found = run(db, shop)
    assert (found.matched, found.opened, found.attached) == (3, 2, 1)
    cases = db.scalars(select(Case).where(Case.workspace_id == ws.id).order_by(Case.id)).all()
    assert [c.customer_id for c in cases] == ["c1", None]
    first = cases[0]
    assert first.subject == "NPS 3: المندوب تأخر ثلاثة أيام"
    assert first.priority == "high" and first.source == "survey" and first.team_id == shop["team"].id
    assert first.owner_id is not None  # routed
    assert sorted(
        link.source_id for link in db.scalars(select(CaseLink).where(CaseLink.case_id == first.id))
    ) == ["r1", "r3"]
    # running again finds nothing new (the engine skips what is already a case)
    assert run(db, shop).matched == 0
    assert db.scalar(select(func.count()).select_from(Case)) == 2


def test_a_lost_signal_write_never_duplicates(db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    shop["wh"].append(
        "survey_responses", responses(ws.id, [("r1", "c1", None, "nps", 2, None)], datetime(2026, 12, 6))
    )
    found = rules.evaluate(db, shop["wh"], workspace_id=ws.id, until=datetime(2027, 1, 1))
    db.commit()
    assert found.opened == 1  # ... and the warehouse write of the signals is lost
    again = run(db, shop)
    assert again.matched == 0 and len(again.signals) == 1
    assert db.scalar(select(func.count()).select_from(Case)) == 1


def test_csat_threshold_scales_and_text_rule_uses_complaint_words(db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    shop["rule"].conditions = {"signal": "score", "metric": "csat", "dedupe_days": 0}
    ten = responses(
        ws.id, [("a", "c1", None, "csat", 4, None), ("b", "c2", None, "csat", 5, None)], datetime(2026, 12, 6)
    ).assign(scale_max=10)
    five = responses(
        ws.id, [("c", "c3", None, "csat", 2, None), ("d", "c4", None, "csat", 3, None)], datetime(2026, 12, 6)
    )
    shop["wh"].append("survey_responses", pd.concat([ten, five]))
    db.commit()
    found = run(db, shop)
    # 2 of 5 = 4 of 10: "a" (4/10) and "c" (2/5) match, "b" (5/10) and "d" (3/5) do not
    assert sorted(s["source_id"] for s in found.signals) == ["a", "c"]


def test_rules_run_in_order_and_the_first_match_wins(db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    urgent = CaseRule(
        workspace_id=ws.id,
        name="Zero",
        position=-1,
        priority="urgent",
        since=datetime(2026, 1, 1, tzinfo=UTC),
        conditions={"signal": "score", "metric": "nps", "max_score": 0},
    )
    db.add(urgent)
    db.commit()
    shop["wh"].append(
        "survey_responses",
        responses(
            ws.id,
            [("z", "c9", None, "nps", 0, None), ("y", "c8", None, "nps", 4, None)],
            datetime(2026, 12, 6),
        ),
    )
    found = run(db, shop)
    assert found.by_rule == {urgent.id: 1, shop["rule"].id: 1}
    priorities = dict(db.execute(select(Case.customer_id, Case.priority)).all())
    assert priorities == {"c9": "urgent", "c8": "high"}


def test_backfill_preview_counts_cases_before_opening_them(db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    shop["wh"].append(
        "survey_responses",
        responses(
            ws.id,
            [
                ("p1", "c1", 1, "nps", 1, None),
                ("p2", "c1", 1, "nps", 2, None),
                ("p3", "c2", 1, "nps", 3, None),
                ("p4", "c2", 2, "nps", 3, None),
                ("p5", None, 1, "nps", 3, None),
                ("p6", "c3", 1, "nps", 10, None),
            ],
            datetime(2025, 6, 1),
        ),
    )
    got = rules.preview(
        shop["wh"],
        workspace_id=ws.id,
        rule=shop["rule"],
        since=datetime(2025, 1, 1),
        until=datetime(2026, 1, 1),
    )
    assert got == {"matched": 5, "cases": 4}
    # data older than the rule is only reached by a back-fill
    assert run(db, shop).matched == 0


def test_conditions_on_persona_touchpoint_and_value_tier(db, shop) -> None:  # type: ignore[no-untyped-def]
    ws = shop["ws"]
    shop["wh"].upsert(
        "customers",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "customer_id": ["c1", "c2", "c3"],
                "persona_key": ["busy_professional", "deal_hunter", "busy_professional"],
            }
        ),
    )
    shop["wh"].append(
        "customer_values",
        pd.DataFrame(
            {
                "workspace_id": ws.id,
                "customer_id": ["c1", "c2", "c3", "c4", "c5"],
                "computed_at": datetime(2026, 12, 1),
                "observation_end": datetime(2026, 12, 1),
                "clv": [900.0, 800.0, 10.0, 20.0, 30.0],
            }
        ),
    )
    shop["rule"].conditions = {
        "signal": "score",
        "metric": "nps",
        "personas": ["busy_professional"],
        "tiers": ["high"],
        "touchpoint_ids": [],
        "dedupe_days": 0,
    }
    db.commit()
    shop["wh"].append(
        "survey_responses",
        responses(
            ws.id,
            [
                ("a", "c1", None, "nps", 2, None),  # busy professional, high value: matches
                ("b", "c2", None, "nps", 2, None),  # deal hunter
                ("c", "c3", None, "nps", 2, None),  # busy professional, low value
            ],
            datetime(2026, 12, 6),
        ),
    )
    found = run(db, shop)
    assert [s["source_id"] for s in found.signals] == ["a"]


def test_a_text_rule_on_topics_matches_any_of_them_on_every_engine(any_wh) -> None:  # type: ignore[no-untyped-def]
    """Topic conditions (ORs of LIKE on the enrichment's |topic| keys) pick the texts that carry one of the
    topics, and only whole topic keys ('price' is not 'price_match')."""
    from datetime import datetime

    import pandas as pd

    from tajriba.cases import candidates
    from tajriba.cases.schemas import RuleConditions

    at = datetime(2026, 5, 1, 10)
    keys = {"f1": "|price|delivery|", "f2": "|delivery|", "f3": "|price_match|", "f4": "|staff|courtesy|"}
    any_wh.append(
        "feedback_texts",
        pd.DataFrame(
            [
                {"workspace_id": 1, "feedback_id": f, "source": "review", "text": "نص", "created_at": at}
                for f in keys
            ]
        ),
    )
    any_wh.append(
        "text_enrichments",
        pd.DataFrame(
            [
                {"workspace_id": 1, "source": "feedback", "source_id": f, "sentiment": "negative", "topic_keys": k,
                 "processed_at": at}
                for f, k in keys.items()
            ]
        ),
    )  # fmt: skip
    for topics, expected in (
        (["price"], {"f1"}),
        (["price", "courtesy"], {"f1", "f4"}),
        (["nothing"], set()),
    ):
        params = {"ws": 1, "since": datetime(2026, 1, 1), "until": datetime(2027, 1, 1)}
        sql = candidates.candidates_sql(RuleConditions(signal="text", topics=topics), params)
        assert set(any_wh.frame(sql, params)["source_id"]) == expected, topics


def test_a_text_rule_on_intents_and_aspect_polarity_on_every_engine(any_wh) -> None:  # type: ignore[no-untyped-def]
    """ "Complaints about delivery" is a rule: the words model's intents and each aspect's polarity, matched in
    the engine (a flat-toned complaint is still one; praise of delivery is not a complaint about it)."""
    import pandas as pd

    from tajriba.cases import candidates
    from tajriba.cases.schemas import RuleConditions

    at = datetime(2026, 5, 1, 10)
    rows = {
        "late": ("neutral", "|complaint|", "|delivery:negative|"),
        "late_refund": ("negative", "|complaint|request_refund|", "|delivery:negative|returns:negative|"),
        "fast": ("positive", "|praise|", "|delivery:positive|"),
        "rude": ("negative", "|complaint|", "|staff:negative|"),
        "where": ("neutral", "|question|", "|delivery:neutral|"),
    }
    any_wh.append(
        "feedback_texts",
        pd.DataFrame(
            [
                {"workspace_id": 1, "feedback_id": f, "source": "review", "text": "نص", "created_at": at}
                for f in rows
            ]
        ),
    )
    any_wh.append(
        "text_enrichments",
        pd.DataFrame(
            [
                {"workspace_id": 1, "source": "feedback", "source_id": f, "sentiment": s, "intent_keys": i,
                 "aspect_keys": a, "processed_at": at}
                for f, (s, i, a) in rows.items()
            ]
        ),
    )  # fmt: skip
    for conditions, expected in (
        ({"intents": ["complaint"]}, {"late", "late_refund", "rude"}),
        ({"intents": ["request_refund", "question"]}, {"late_refund", "where"}),
        ({"aspects": ["delivery:negative"]}, {"late", "late_refund"}),
        (
            {"intents": ["complaint"], "aspects": ["delivery:negative", "staff:negative"]},
            {"late", "late_refund", "rude"},
        ),
        ({"intents": ["praise"], "aspects": ["delivery:negative"]}, set()),
    ):
        params = {"ws": 1, "since": datetime(2026, 1, 1), "until": datetime(2027, 1, 1)}
        sql = candidates.candidates_sql(RuleConditions(signal="text", **conditions), params)
        assert set(any_wh.frame(sql, params)["source_id"]) == expected, conditions
    with pytest.raises(ValueError, match="aspects"):
        RuleConditions(signal="text", aspects=["delivery:angry"])
