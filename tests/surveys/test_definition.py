"""Every question type, its parsing and errors, skip logic and branching; templates; SurveyJS round trip."""

from __future__ import annotations

import json

import pytest

from tajriba.errors import Invalid
from tajriba.i18n import set_locale
from tajriba.surveys import expressions, surveyjs, templates
from tajriba.surveys.definition import Definition, metric_scores, open_texts
from tajriba.surveys.respondent import screens


def _t(en: str) -> dict[str, str]:
    return {"en": en, "ar": f"ع {en}"}


ALL_TYPES = {
    "languages": ["ar", "en"],
    "default_language": "ar",
    "title": _t("All types"),
    "one_per_screen": False,
    "questions": [
        {"key": "nps", "type": "nps", "title": _t("Recommend?"), "required": True},
        {"key": "csat", "type": "csat", "scale": 10, "title": _t("Satisfied?")},
        {"key": "ces", "type": "ces", "title": _t("Easy?")},
        {"key": "stars", "type": "rating", "scale": 5, "title": _t("Stars")},
        {
            "key": "why",
            "type": "single",
            "title": _t("Why?"),
            "other": True,
            "choices": [{"value": "price", "label": _t("Price")}, {"value": "speed", "label": _t("Speed")}],
        },
        {
            "key": "fix",
            "type": "multiple",
            "title": _t("Fix?"),
            "max_choices": 2,
            "other": True,
            "choices": [
                {"value": "a", "label": _t("A")},
                {"value": "b", "label": _t("B")},
                {"value": "c", "label": _t("C")},
            ],
        },
        {"key": "comment", "type": "text", "title": _t("Tell us"), "max_length": 20},
        {
            "key": "aspects",
            "type": "matrix",
            "scale": 5,
            "required": True,
            "title": _t("Rate"),
            "rows": [{"value": "speed", "label": _t("Speed")}, {"value": "staff", "label": _t("Staff")}],
        },
        {"key": "ok", "type": "consent", "purpose": "contact", "title": _t("May we call?")},
    ],
}


def test_every_question_type_parses_a_form_and_names_what_is_wrong() -> None:
    set_locale("en")
    d = Definition.model_validate(ALL_TYPES)
    form = {
        "nps": "٩",  # Arabic-Indic digits typed on a phone
        "csat": "10",
        "ces": "6",
        "stars": "4",
        "why": "__other__",
        "why.other": "the colours",
        "fix": ["a", "__other__"],
        "fix.other": "packaging",
        "comment": "great",
        "aspects.speed": "5",
        "aspects.staff": "3",
        "ok": "yes",
    }
    answers, errors = d.parse(form, d.questions, "en")
    assert errors == {}
    assert answers == {
        "nps": 9,
        "csat": 10,
        "ces": 6,
        "stars": 4,
        "why": {"other": "the colours"},
        "fix": ["a", "other:packaging"],
        "comment": "great",
        "aspects": {"speed": 5, "staff": 3},
        "ok": True,
    }
    assert [(q.key, s) for q, s in metric_scores(d, answers)] == [("nps", 9.0), ("csat", 10.0), ("ces", 6.0)]
    assert [(q.key, t) for q, t in open_texts(d, answers)] == [("why", "the colours"), ("comment", "great")]

    bad = {
        "nps": "11",
        "csat": "0",
        "ces": "x",
        "stars": "6",
        "why": "nope",
        "fix": ["a", "b", "c"],
        "comment": "x" * 21,
        "aspects.speed": "5",
    }
    _answers, errors = d.parse(bad, d.questions, "en")
    assert errors == {
        "nps": "choose a number from 0 to 10",
        "csat": "choose a number from 1 to 10",
        "ces": "choose a point on the scale",
        "stars": "choose a number from 1 to 5",
        "why": "choose one of the options",
        "fix": "choose at most 2",
        "comment": "at most 20 characters",
        "aspects": "rate every row",
    }
    _answers, errors = d.parse({}, d.questions, "en")
    assert set(errors) == {"nps", "aspects"}  # the required ones


def test_definition_errors_name_the_question() -> None:
    bad = json.loads(json.dumps(ALL_TYPES))
    bad["questions"][4]["choices"] = [{"value": "only", "label": _t("One")}]
    with pytest.raises(ValueError, match="at least two choices"):
        Definition.model_validate(bad)
    bad = json.loads(json.dumps(ALL_TYPES))
    bad["questions"][1]["scale"] = 7
    with pytest.raises(ValueError, match="CSAT question's scale is 5"):
        Definition.model_validate(bad)
    bad = json.loads(json.dumps(ALL_TYPES))
    bad["questions"][0]["visible_if"] = {"question": "later", "op": "=", "value": 1}
    with pytest.raises(ValueError, match=r"questions\[0\] \(nps\).*'later'"):
        Definition.model_validate(bad)
    bad = json.loads(json.dumps(ALL_TYPES))
    bad["questions"][2]["key"] = "nps"
    with pytest.raises(ValueError, match="used twice"):
        Definition.model_validate(bad)
    bad = json.loads(json.dumps(ALL_TYPES))
    bad["title"] = {"de": "Umfrage"}
    with pytest.raises(ValueError, match="unknown language 'de'"):
        Definition.model_validate(bad)


BRANCHING = {
    "languages": ["en"],
    "default_language": "en",
    "title": {"en": "Branching"},
    "hidden_fields": ["channel"],
    "questions": [
        {"key": "nps", "type": "nps", "title": {"en": "Recommend?"}, "required": True},
        {
            "key": "detractor_why",
            "type": "text",
            "required": True,
            "title": {"en": "What went wrong?"},
            "visible_if": {"question": "nps", "op": "<=", "value": 6},
        },
        {
            "key": "promoter_review",
            "type": "consent",
            "title": {"en": "Review us?"},
            "visible_if": {"question": "nps", "op": ">=", "value": 9},
        },
        {
            "key": "sms_only",
            "type": "single",
            "title": {"en": "Was the SMS clear?"},
            "choices": [{"value": "yes", "label": {"en": "Yes"}}, {"value": "no", "label": {"en": "No"}}],
            "visible_if": {"any": [{"question": "channel", "op": "in", "value": ["sms", "whatsapp"]}]},
        },
        {
            "key": "both",
            "type": "text",
            "title": {"en": "Passive on SMS"},
            "visible_if": {
                "all": [
                    {"question": "nps", "op": "in", "value": [7, 8]},
                    {"question": "sms_only", "op": "answered"},
                ]
            },
        },
    ],
}


def test_skip_logic_follows_answers_and_hidden_fields() -> None:
    set_locale("en")
    d = Definition.model_validate(BRANCHING)
    keys = lambda answers, hidden=None: [q.key for q in d.visible(answers, hidden or {})]  # noqa: E731
    assert keys({}) == ["nps"]
    assert keys({"nps": 3}) == ["nps", "detractor_why"]
    assert keys({"nps": 10}) == ["nps", "promoter_review"]
    assert keys({"nps": 7}, {"channel": "sms"}) == ["nps", "sms_only"]
    assert keys({"nps": 7, "sms_only": "no"}, {"channel": "sms"}) == ["nps", "sms_only", "both"]
    assert keys({"nps": 7, "sms_only": "no"}, {"channel": "web"}) == ["nps"]
    # the required follow-up only counts when shown; a changed answer drops the skipped one
    assert d.complete({"nps": 3}) == {"detractor_why": "This question needs an answer."}
    assert d.complete({"nps": 9}) == {}
    assert d.kept({"nps": 9, "detractor_why": "late"}) == {"nps": 9}


def test_screens_break_before_a_question_that_depends_on_the_same_screen() -> None:
    d = Definition.model_validate({**BRANCHING, "one_per_screen": False})
    parts = screens(d, {"nps": 3}, {})
    assert [[q.key for q in s] for s in parts] == [["nps"], ["detractor_why"]]
    d1 = Definition.model_validate({**BRANCHING, "one_per_screen": True})
    assert [[q.key for q in s] for s in screens(d1, {"nps": 7, "sms_only": "no"}, {"channel": "sms"})] == [
        ["nps"],
        ["sms_only"],
        ["both"],
    ]
    assert len(screens(Definition.model_validate(ALL_TYPES), {}, {})) == 1  # no conditions: one screen


def test_fallback_language() -> None:
    d = Definition.model_validate(ALL_TYPES)
    from tajriba.surveys.definition import pick

    assert pick(d.questions[0].title, "fa", d.default_language) == "ع Recommend?"  # no Persian: the default
    assert pick({"en": "only English"}, "ar", "fa") == "only English"


@pytest.mark.parametrize("key", sorted(templates.TEMPLATES))
def test_templates_round_trip_through_surveyjs(key: str) -> None:
    _names, _metric, d = templates.build(key)
    exported = json.loads(json.dumps(surveyjs.export(d, name="x")))
    name, back = surveyjs.parse(exported)
    assert name == "x"
    assert back.model_dump() == d.model_dump()


def test_every_type_and_condition_round_trips_through_surveyjs() -> None:
    for data in (ALL_TYPES, BRANCHING):
        d = Definition.model_validate(data)
        _name, back = surveyjs.parse(json.loads(json.dumps(surveyjs.export(d))))
        assert back.model_dump() == d.model_dump()


def test_a_survey_made_in_surveyjs_imports() -> None:
    """JSON as SurveyJS Creator writes it: plain strings, panels, dropdown, hasOther, expressions."""
    data = {
        "title": "Store feedback",
        "pages": [
            {
                "name": "p1",
                "elements": [
                    {"type": "html", "name": "intro", "html": "<b>Hi</b>"},
                    {"type": "rating", "name": "Recommend", "rateMin": 0, "rateMax": 10, "isRequired": True},
                    {
                        "type": "panel",
                        "name": "more",
                        "elements": [
                            {
                                "type": "dropdown",
                                "name": "reason",
                                "choices": [
                                    "price",
                                    {"value": "staff", "text": {"default": "Staff", "ar": "الموظفون"}},
                                ],
                                "hasOther": True,
                                "visibleIf": "{recommend} <= 6 or {recommend} empty",
                            },
                            {
                                "type": "comment",
                                "name": "details",
                                "visibleIf": "{reason} anyof ['price', 'staff']",
                            },
                        ],
                    },
                ],
            },
            {"name": "p2", "elements": [{"type": "rating", "name": "sat", "rateMax": 5}]},
        ],
    }
    name, d = surveyjs.parse(data)
    assert name is None
    assert [(q.key, q.type) for q in d.questions] == [
        ("recommend", "nps"),
        ("reason", "single"),
        ("details", "text"),
        ("sat", "csat"),
    ]
    assert d.languages == ["ar", "en"] and d.default_language == "en"
    assert d.questions[1].other and d.questions[1].choices[1].label == {"en": "Staff", "ar": "الموظفون"}
    assert [q.key for q in d.visible({"recommend": 9})] == ["recommend", "sat"]
    assert [q.key for q in d.visible({"recommend": 2, "reason": "staff"})] == [
        "recommend",
        "reason",
        "details",
        "sat",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"pages": [{"elements": [{"type": "imagepicker", "name": "x"}]}]},
            r"pages\[0\]\.elements\[0\]: .*'imagepicker'",
        ),
        (
            {"pages": [{"elements": [{"type": "rating", "name": "x", "rateMin": 2, "rateMax": 9}]}]},
            "from 2 to 9",
        ),
        (
            {"pages": [{"elements": [{"type": "text", "name": "x", "visibleIf": "{a} ~~ 3"}]}]},
            r"elements\[0\]\.visibleIf",
        ),
        (
            {"pages": [{"elements": [{"type": "radiogroup", "name": "x", "choices": ["only"]}]}]},
            r"pages\[0\]\.elements\[0\]: .*two choices",
        ),
        ({"pages": []}, "no questions"),
        ([1, 2], "JSON object"),
    ],
)
def test_surveyjs_errors_name_the_element(data: object, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        surveyjs.parse(data)


def test_expression_parser() -> None:
    tree = expressions.parse_expression(
        "({nps} <= 6 or {channel} anyof ['sms', \"whatsapp\"]) and {q2} notempty"
    )
    assert tree == {
        "all": [
            {
                "any": [
                    {"question": "nps", "op": "<=", "value": 6},
                    {"question": "channel", "op": "in", "value": ["sms", "whatsapp"]},
                ]
            },
            {"question": "q2", "op": "answered"},
        ]
    }
    assert expressions.parse_expression("{a} <> 'x'") == {"question": "a", "op": "!=", "value": "x"}
    assert expressions.parse_expression("{a} noneof [1, 2]") == {
        "question": "a",
        "op": "not_in",
        "value": [1, 2],
    }
    for bad in ("{a} <=", "({a} = 1", "{a} = 1 {b}", "a = 1"):
        with pytest.raises(ValueError):
            expressions.parse_expression(bad)
