"""A survey's content: questions of nine types in Arabic, Persian and English, with skip logic.

A definition is plain JSON (stored on `Survey.definition`, exchanged with SurveyJS by
`tajriba.surveys.surveyjs`). Everything a respondent page needs is computed here without a database:
which questions are visible given the answers so far (skip logic and branching are conditions on
earlier answers and hidden fields), how a submitted form becomes typed answers (with a message per
question when it does not), and which warehouse metric rows a complete response produces.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tajriba.i18n import _  # digits typed in Arabic-Indic or Persian form
from tajriba.surveys.answers import parse_one

if TYPE_CHECKING:
    from tajriba.models import Survey

LOCALES = ("ar", "fa", "en")
QUESTION_TYPES = ("nps", "csat", "ces", "rating", "single", "multiple", "text", "matrix", "consent")
# questions whose answer is a warehouse metric row (tajriba.metrics.scores.METRICS)
METRIC_TYPES = ("nps", "csat", "ces")
# the fields a link may fill in; a survey can add its own (lower-case identifiers)
STANDARD_HIDDEN = ("touchpoint", "order_id", "ticket_id", "channel", "agent", "customer_id")
OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "in", "not_in", "answered", "not_answered")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

Texts = dict[str, str]


def pick(texts: Texts | None, locale: str, fallback: str) -> str:
    """The text in `locale`, else in the survey's default language, else any language given."""
    if not texts:
        return ""
    return texts.get(locale) or texts.get(fallback) or next((v for v in texts.values() if v), "")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_texts(value: Texts, *, required: bool = True) -> Texts:
    clean = {k: v.strip() for k, v in (value or {}).items() if isinstance(v, str) and v.strip()}
    unknown = sorted(set(clean) - set(LOCALES))
    if unknown:
        raise ValueError(f"unknown language {unknown[0]!r}; expected one of {', '.join(LOCALES)}")
    if required and not clean:
        raise ValueError("give the text in at least one of ar, fa, en")
    return clean


class Choice(_Model):
    value: str = Field(min_length=1, max_length=64)
    label: Texts

    @field_validator("label")
    @classmethod
    def _label(cls, v: Texts) -> Texts:
        return _check_texts(v)


class Condition(_Model):
    """`question` (or a hidden field) compared with `value`; or `all` / `any` of conditions."""

    question: str | None = None
    op: Literal["=", "!=", "<", "<=", ">", ">=", "in", "not_in", "answered", "not_answered"] = "="
    value: Any = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None

    @model_validator(mode="before")
    @classmethod
    def _collapse(cls, data: Any) -> Any:
        """`all` / `any` of a single condition is that condition (so the same logic has one form)."""
        while isinstance(data, dict) and set(data) in ({"all"}, {"any"}):
            parts = data.get("all", data.get("any"))
            if not (isinstance(parts, list) and len(parts) == 1):
                break
            data = parts[0]
        return data

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        parts = sum(x is not None for x in (self.question, self.all, self.any))
        if parts != 1:
            raise ValueError("a condition has exactly one of 'question', 'all' or 'any'")
        if self.question is not None:
            if self.op in ("in", "not_in") and not isinstance(self.value, list):
                raise ValueError(f"operator {self.op!r} needs a list of values")
            if self.op not in ("answered", "not_answered") and self.value is None:
                raise ValueError(f"operator {self.op!r} needs a value")
        return self

    def names(self) -> set[str]:
        if self.question is not None:
            return {self.question}
        out: set[str] = set()
        for c in self.all or self.any or []:
            out |= c.names()
        return out

    def holds(self, values: dict[str, Any]) -> bool:
        if self.all is not None:
            return all(c.holds(values) for c in self.all)
        if self.any is not None:
            return any(c.holds(values) for c in self.any)
        assert self.question is not None
        got = values.get(self.question)
        answered = got not in (None, "", [], {})
        if self.op == "answered":
            return answered
        if self.op == "not_answered":
            return not answered
        if not answered:
            return False
        want = self.value
        if self.op in ("in", "not_in"):
            wanted = {_norm(w) for w in want}
            have = {_norm(g) for g in got} if isinstance(got, list) else {_norm(got)}
            hit = bool(wanted & have)
            return hit if self.op == "in" else not hit
        if isinstance(got, list):  # a multiple choice "= x" means "x was chosen"
            hit = _norm(want) in {_norm(g) for g in got}
            return hit if self.op == "=" else (not hit if self.op == "!=" else False)
        a, b = _norm(got), _norm(want)
        if self.op == "=":
            return a == b
        if self.op == "!=":
            return a != b
        if not (isinstance(a, float) and isinstance(b, float)):
            return False
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[self.op]


def _norm(v: Any) -> Any:
    """Numbers compare as numbers whether they came from a form (text) or JSON."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return v


class Question(_Model):
    key: str
    type: Literal["nps", "csat", "ces", "rating", "single", "multiple", "text", "matrix", "consent"]
    title: Texts
    description: Texts = Field(default_factory=dict)
    required: bool = False
    visible_if: Condition | None = None
    # nps / csat / ces / rating / matrix: the ends of the scale, labelled
    low_label: Texts = Field(default_factory=dict)
    high_label: Texts = Field(default_factory=dict)
    scale: int | None = None  # csat: 5 or 10; rating: stars (3-10); matrix: points (3-10)
    choices: list[Choice] = Field(default_factory=list)  # single / multiple
    rows: list[Choice] = Field(default_factory=list)  # matrix: the aspects rated
    other: bool = False  # single / multiple: an "other" choice with its own text
    max_choices: int | None = None  # multiple
    multiline: bool = True  # text
    max_length: int = Field(default=2000, ge=1, le=10000)  # text
    purpose: str | None = None  # consent: what the respondent agrees to (e.g. "contact", "marketing")

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not KEY.match(v):
            raise ValueError("a question key is 1-40 lower-case letters, digits or _, starting with a letter")
        return v

    @field_validator("title")
    @classmethod
    def _title(cls, v: Texts) -> Texts:
        return _check_texts(v)

    @field_validator("description", "low_label", "high_label")
    @classmethod
    def _optional_texts(cls, v: Texts) -> Texts:
        return _check_texts(v, required=False)

    @model_validator(mode="after")
    def _by_type(self) -> Question:
        t = self.type
        if t == "csat":
            self.scale = self.scale or 5
            if self.scale not in (5, 10):
                raise ValueError("a CSAT question's scale is 5 (1-5) or 10 (1-10)")
        elif t in ("rating", "matrix"):
            self.scale = self.scale or 5
            if not 3 <= self.scale <= 10:
                raise ValueError(f"a {t} question's scale is 3 to 10 points")
        elif self.scale is not None and t not in ("nps", "ces"):
            raise ValueError(f"a {t} question has no scale")
        if t == "nps" and self.scale not in (None, 10):
            raise ValueError("an NPS question is always 0-10")
        if t == "ces" and self.scale not in (None, 7):
            raise ValueError("a CES question is always 1-7")
        if t in ("single", "multiple"):
            if len(self.choices) < 2:
                raise ValueError(f"a {t} question needs at least two choices")
            values = [c.value for c in self.choices]
            if len(set(values)) != len(values):
                raise ValueError("choice values must be unique")
        elif self.choices:
            raise ValueError(f"a {t} question has no choices")
        if t == "matrix":
            if not self.rows:
                raise ValueError("a matrix question needs at least one row (an aspect to rate)")
            values = [r.value for r in self.rows]
            if len(set(values)) != len(values):
                raise ValueError("matrix row values must be unique")
        elif self.rows:
            raise ValueError(f"a {t} question has no rows")
        if self.max_choices is not None and (t != "multiple" or self.max_choices < 1):
            raise ValueError("max_choices is a positive number, for multiple-choice questions only")
        return self

    @property
    def bounds(self) -> tuple[int, int]:
        """The scale's lowest and highest point."""
        if self.type == "nps":
            return 0, 10
        if self.type == "ces":
            return 1, 7
        return 1, int(self.scale or 5)


class Definition(_Model):
    languages: list[str] = Field(default_factory=lambda: ["ar", "en"], min_length=1)
    default_language: str = "ar"
    title: Texts
    intro: Texts = Field(default_factory=dict)
    thank_you: Texts = Field(default_factory=dict)
    questions: list[Question] = Field(min_length=1)
    hidden_fields: list[str] = Field(default_factory=lambda: list(STANDARD_HIDDEN))
    one_per_screen: bool = True
    show_progress: bool = True

    @field_validator("languages")
    @classmethod
    def _languages(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if x not in LOCALES]
        if bad:
            raise ValueError(f"unknown language {bad[0]!r}; expected some of {', '.join(LOCALES)}")
        return list(dict.fromkeys(v))

    @field_validator("title")
    @classmethod
    def _title(cls, v: Texts) -> Texts:
        return _check_texts(v)

    @field_validator("intro", "thank_you")
    @classmethod
    def _texts(cls, v: Texts) -> Texts:
        return _check_texts(v, required=False)

    @field_validator("hidden_fields")
    @classmethod
    def _hidden(cls, v: list[str]) -> list[str]:
        for name in v:
            if not KEY.match(name):
                raise ValueError(
                    f"hidden field {name!r}: lower-case letters, digits or _, starting with a letter"
                )
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _whole(self) -> Definition:
        if self.default_language not in self.languages:
            raise ValueError(
                f"the default language {self.default_language!r} is not among the survey's languages"
            )
        seen: set[str] = set()
        for i, q in enumerate(self.questions):
            if q.key in seen:
                raise ValueError(f"questions[{i}]: the key {q.key!r} is used twice")
            if q.key in self.hidden_fields:
                raise ValueError(f"questions[{i}]: the key {q.key!r} is also a hidden field")
            if q.visible_if is not None:
                for name in q.visible_if.names():
                    if name not in seen and name not in self.hidden_fields:
                        raise ValueError(
                            f"questions[{i}] ({q.key}): its condition refers to {name!r}, which is neither an "
                            "earlier question nor a hidden field"
                        )
            for loc in self.languages:
                if not pick(q.title, loc, self.default_language):
                    raise ValueError(f"questions[{i}] ({q.key}): no title")
            seen.add(q.key)
        return self

    # -- what a respondent sees -----------------------------------------------------------------

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)

    def visible(self, answers: dict[str, Any], hidden: dict[str, Any] | None = None) -> list[Question]:
        """The questions shown given the answers so far (a condition sees earlier answers and hidden fields)."""
        values: dict[str, Any] = dict(hidden or {})
        shown: list[Question] = []
        for q in self.questions:
            if q.visible_if is None or q.visible_if.holds(values):
                shown.append(q)
                if q.key in answers:
                    values[q.key] = answers[q.key]
        return shown

    def language(self, wanted: str | None) -> str:
        return wanted if wanted in self.languages else self.default_language

    # -- reading answers --------------------------------------------------------------------------

    def parse(
        self, form: dict[str, Any], questions: list[Question], locale: str
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Typed answers for `questions` from a submitted form, and a message per question that is wrong.

        Form values are strings or lists of strings (multiple choice, `<key>` repeated); a matrix row is
        `<key>.<row>`, the "other" text `<key>.other`.
        """
        answers: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for q in questions:
            try:
                value = parse_one(q, form)
            except ValueError as exc:
                errors[q.key] = str(exc)
                continue
            if value in (None, "", [], {}):
                if q.required:
                    errors[q.key] = _("This question needs an answer.")
                continue
            answers[q.key] = value
        return answers, errors

    def complete(self, answers: dict[str, Any], hidden: dict[str, Any] | None = None) -> dict[str, str]:
        """Messages for required visible questions left unanswered (empty when the response can be stored)."""
        return {
            q.key: _("This question needs an answer.")
            for q in self.visible(answers, hidden)
            if q.required and answers.get(q.key) in (None, "", [], {})
        }

    def kept(self, answers: dict[str, Any], hidden: dict[str, Any] | None = None) -> dict[str, Any]:
        """Only the answers to questions still visible: a changed earlier answer drops skipped ones."""
        keys = {q.key for q in self.visible(answers, hidden)}
        return {k: v for k, v in answers.items() if k in keys}


def metric_scores(definition: Definition, answers: dict[str, Any]) -> list[tuple[Question, float]]:
    """The answered metric questions (NPS, CSAT, CES) in order: one warehouse row each."""
    return [
        (q, float(answers[q.key]))
        for q in definition.questions
        if q.type in METRIC_TYPES and isinstance(answers.get(q.key), int)
    ]


def open_texts(definition: Definition, answers: dict[str, Any]) -> list[tuple[Question, str]]:
    """Open-text answers (and "other" texts), which also become feedback texts for text analytics."""
    out: list[tuple[Question, str]] = []
    for q in definition.questions:
        a = answers.get(q.key)
        if q.type == "text" and isinstance(a, str) and a:
            out.append((q, a))
        elif q.type == "single" and isinstance(a, dict) and a.get("other"):
            out.append((q, str(a["other"])))
    return out


def definition_of(survey: Survey) -> Definition:
    return Definition.model_validate(survey.definition)


def invitation_text(definition: Definition, locale: str) -> str:
    """The invitation message in `locale`: the survey's title and a request to answer."""
    from tajriba.i18n import speaking

    with speaking(locale):
        title = pick(definition.title, locale, definition.default_language)
        return _("{title}: we would value your answer (under a minute).").format(title=title)
