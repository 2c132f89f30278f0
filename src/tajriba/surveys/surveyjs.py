"""Exchange surveys with SurveyJS (the JSON its Form Library and Creator read and write).

Mapping (ours -> SurveyJS element):
- nps: `rating` 0-10; csat: `rating` 1-5 or 1-10; ces: `rating` 1-7; rating: `rating` with `rateType: stars`.
  Metric questions carry `"tajribaType"` so a round trip keeps them; a plain 0-10 rating imports as NPS.
- single: `radiogroup` (or `dropdown` on import); multiple: `checkbox` (`maxSelectedChoices`);
  "other": `showOtherItem` (SurveyJS 2) / `hasOther` (1.x).
- text: `comment` (multi-line) or `text`; matrix: `matrix` with numeric columns 1..scale and rows;
  consent: `boolean` rendered as a checkbox, `tajribaType: consent`, `tajribaPurpose`.
- `visibleIf` expressions: `{q} = 'a'`, `!=`/`<>`, `<`, `<=`, `>`, `>=`, `anyof [...]`, `noneof [...]`,
  `notempty`, `empty`, joined with `and` / `or` and parentheses.
- Localisable strings are `{"default": ..., "ar": ..., "fa": ...}` (default = the survey's default
  language) or a plain string; `questionsOnPageMode: questionPerPage` is one question per screen.
- Hidden fields travel as the top-level `tajribaHiddenFields` (SurveyJS keeps unknown properties).
`html`, `expression` and `panel` elements are skipped or flattened on import (their questions kept); any
other element type is refused with its path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from tajriba.errors import Invalid
from tajriba.surveys.definition import LOCALES, Definition
from tajriba.surveys.expressions import expression, parse_expression, question_key

# -- export ------------------------------------------------------------------------------------------


def export(definition: Definition, *, name: str | None = None) -> dict[str, Any]:
    d = definition
    default = d.default_language

    def loc(texts: dict[str, str]) -> dict[str, str] | None:
        if not texts:
            return None
        out: dict[str, str] = {}
        if default in texts:
            out["default"] = texts[default]
        out.update({k: v for k, v in texts.items() if k != default})
        return out

    elements = [_element(q, loc) for q in d.questions]
    out: dict[str, Any] = {
        "title": loc(d.title),
        "locale": "" if default == "en" else default,
        "tajribaLanguages": d.languages,
        "tajribaDefaultLanguage": default,
        "tajribaHiddenFields": d.hidden_fields,
        "questionsOnPageMode": "questionPerPage" if d.one_per_screen else "singlePage",
        "showProgressBar": "top" if d.show_progress else "off",
        "pages": [{"name": "page1", "elements": elements}],
    }
    if name:
        out["tajribaName"] = name
    if d.intro:
        out["description"] = loc(d.intro)
    if d.thank_you:
        out["completedHtml"] = loc(d.thank_you)
    return {k: v for k, v in out.items() if v is not None}


def _element(q: Any, loc: Callable[[dict[str, str]], dict[str, str] | None]) -> dict[str, Any]:
    """One question as a SurveyJS element (`loc` writes texts as SurveyJS's {default, language: text})."""
    e: dict[str, Any] = {"name": q.key, "title": loc(q.title)}
    if q.description:
        e["description"] = loc(q.description)
    if q.required:
        e["isRequired"] = True
    if q.visible_if is not None:
        e["visibleIf"] = expression(q.visible_if)
    if q.type in ("nps", "csat", "ces", "rating"):
        lo, hi = q.bounds
        e.update(type="rating", rateMin=lo, rateMax=hi)
        if q.type == "rating":
            e.update(rateType="stars", rateCount=hi)
        else:
            e["tajribaType"] = q.type
        if q.low_label:
            e["minRateDescription"] = loc(q.low_label)
        if q.high_label:
            e["maxRateDescription"] = loc(q.high_label)
    elif q.type in ("single", "multiple"):
        e["type"] = "radiogroup" if q.type == "single" else "checkbox"
        e["choices"] = [{"value": c.value, "text": loc(c.label)} for c in q.choices]
        if q.other:
            e["showOtherItem"] = True
        if q.max_choices is not None:
            e["maxSelectedChoices"] = q.max_choices
    elif q.type == "text":
        e["type"] = "comment" if q.multiline else "text"
        e["maxLength"] = q.max_length
    elif q.type == "matrix":
        lo, hi = q.bounds
        cols = []
        for v in range(lo, hi + 1):
            text = loc(q.low_label) if v == lo and q.low_label else None
            text = text or (loc(q.high_label) if v == hi and q.high_label else None)
            cols.append({"value": v, "text": text or str(v)})
        e.update(type="matrix", columns=cols, rows=[{"value": r.value, "text": loc(r.label)} for r in q.rows])
        if q.required:
            e["isAllRowRequired"] = True
    else:  # consent
        e.update(type="boolean", renderAs="checkbox", tajribaType="consent")
        if q.purpose:
            e["tajribaPurpose"] = q.purpose
    return {k: v for k, v in e.items() if v is not None}


# -- import ------------------------------------------------------------------------------------------


def parse(data: Any) -> tuple[str | None, Definition]:
    """A SurveyJS survey as (name, Definition); errors name the element (`pages[0].elements[2]`)."""
    if not isinstance(data, dict):
        raise Invalid("A SurveyJS survey is a JSON object with 'pages' (or 'elements').")
    default = data.get("tajribaDefaultLanguage") or data.get("locale") or "en"
    if default not in LOCALES:
        default = "en"
    texts = _Texts(default)
    elements = _elements(data)
    questions = [_question(e, path, texts) for path, e in elements]
    hidden = data.get("tajribaHiddenFields")
    definition: dict[str, Any] = {
        "title": texts(data.get("title"), "title", fallback=str(data.get("tajribaName") or "Survey")),
        "intro": texts(data.get("description"), "description"),
        "thank_you": texts(data.get("completedHtml"), "completedHtml"),
        "questions": questions,
        "one_per_screen": data.get("questionsOnPageMode") == "questionPerPage",
        "show_progress": data.get("showProgressBar", "off") not in ("off", False, None),
    }
    if isinstance(hidden, list):
        definition["hidden_fields"] = hidden
    langs = data.get("tajribaLanguages")
    definition["languages"] = (
        langs if isinstance(langs, list) and langs else [x for x in LOCALES if x in texts.seen]
    )
    definition["default_language"] = default
    try:
        parsed = Definition.model_validate(definition)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first.get("loc", ())
        where = ".".join(str(p) for p in loc)
        if loc[:1] == ("questions",) and len(loc) > 1 and isinstance(loc[1], int):
            where = elements[loc[1]][0] + (("." + ".".join(str(p) for p in loc[2:])) if loc[2:] else "")
        raise Invalid(f"{where or 'survey'}: {first.get('msg', '').removeprefix('Value error, ')}") from None
    name = data.get("tajribaName")
    return (str(name) if name else None), parsed


class _Texts:
    """SurveyJS texts (a string, or {language: text} with "default") as {language: text}; remembers the
    languages seen. Languages we do not serve are dropped, not an error."""

    def __init__(self, default: str) -> None:
        self.default = default
        self.seen: set[str] = {default}

    def __call__(self, value: Any, where: str, fallback: str | None = None) -> dict[str, str]:
        if value is None or value == "":
            return {self.default: fallback} if fallback else {}
        if isinstance(value, str):
            return {self.default: value}
        if not isinstance(value, dict):
            raise Invalid(
                f"{where}: expected a text or a {{language: text}} object, got {type(value).__name__}."
            )
        out: dict[str, str] = {}
        for k, v in value.items():
            lang = self.default if k in ("default", "") else k
            if lang in LOCALES and isinstance(v, str) and v.strip():
                out[lang] = v
                self.seen.add(lang)
        if not out and fallback:
            out[self.default] = fallback
        return out


def _elements(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every question element with its path, through pages and panels (html, image and expression left out)."""
    elements: list[tuple[str, dict[str, Any]]] = []

    def collect(items: Any, where: str) -> None:
        if not isinstance(items, list):
            raise Invalid(f"{where}: expected a list of elements.")
        for i, e in enumerate(items):
            path = f"{where}[{i}]"
            if not isinstance(e, dict):
                raise Invalid(f"{path}: expected an object.")
            if e.get("type") == "panel":
                collect(e.get("elements") or [], f"{path}.elements")
            elif e.get("type") not in ("html", "image", "expression"):
                elements.append((path, e))

    if "pages" in data:
        if not isinstance(data["pages"], list):
            raise Invalid("pages: expected a list of pages.")
        for p, page in enumerate(data["pages"]):
            if not isinstance(page, dict):
                raise Invalid(f"pages[{p}]: expected an object.")
            collect(page.get("elements") or page.get("questions") or [], f"pages[{p}].elements")
    else:
        collect(data.get("elements") or data.get("questions") or [], "elements")
    if not elements:
        raise Invalid("The survey has no questions.")
    return elements


def _question(e: dict[str, Any], path: str, texts: Any) -> dict[str, Any]:
    kind = e.get("type")
    key = question_key(e.get("name"), path)
    q: dict[str, Any] = {
        "key": key,
        "title": texts(e.get("title"), f"{path}.title", fallback=str(e.get("name") or key)),
        "description": texts(e.get("description"), f"{path}.description"),
        "required": bool(e.get("isRequired", False)),
    }
    if e.get("visibleIf"):
        try:
            q["visible_if"] = parse_expression(str(e["visibleIf"]))
        except ValueError as exc:
            raise Invalid(f"{path}.visibleIf: {exc}") from None
    if kind == "rating":
        q.update(_rating(e, path, texts))
    elif kind in ("radiogroup", "dropdown", "checkbox", "tagbox"):
        q["type"] = "multiple" if kind in ("checkbox", "tagbox") else "single"
        q["choices"] = [
            _choice(c, f"{path}.choices[{i}]", texts) for i, c in enumerate(e.get("choices") or [])
        ]
        q["other"] = bool(e.get("showOtherItem") or e.get("hasOther"))
        if e.get("maxSelectedChoices"):
            q["max_choices"] = _int(e["maxSelectedChoices"], f"{path}.maxSelectedChoices")
    elif kind in ("comment", "text"):
        q.update(type="text", multiline=kind == "comment")
        if e.get("maxLength"):
            q["max_length"] = _int(e["maxLength"], f"{path}.maxLength")
    elif kind == "matrix":
        q.update(_matrix(e, path, texts))
    elif kind == "boolean":
        q["type"] = "consent"
        if e.get("tajribaPurpose"):
            q["purpose"] = str(e["tajribaPurpose"])
    else:
        raise Invalid(
            f"{path}: the element type {kind!r} is not supported; supported: rating, radiogroup, dropdown, "
            "checkbox, tagbox, comment, text, matrix, boolean (and panels, html)."
        )
    return q


def _rating(e: dict[str, Any], path: str, texts: Any) -> dict[str, Any]:
    """A rating element as NPS (0-10), CSAT (1-5, 1-10), CES (1-7 "effort"), or a plain rating (stars);
    `tajribaType` says which when the scale alone does not."""
    q: dict[str, Any] = {}
    tag = e.get("tajribaType")
    lo = _int(e.get("rateMin", 1), f"{path}.rateMin")
    hi = _int(e.get("rateMax", e.get("rateCount", 5)), f"{path}.rateMax")
    if e.get("rateType") == "stars" and tag is None:
        q.update(type="rating", scale=_int(e.get("rateCount", hi), f"{path}.rateCount"))
    elif tag in ("nps", "csat", "ces"):
        q["type"] = tag
        if tag == "csat":
            q["scale"] = hi
    elif (lo, hi) == (0, 10):
        q["type"] = "nps"
    elif (lo, hi) == (1, 7) and "effort" in str(e.get("name", "")).lower():
        q["type"] = "ces"
    elif lo == 1 and hi in (5, 10):
        q.update(type="csat", scale=hi)
    elif lo == 1:
        q.update(type="rating", scale=hi)
    else:
        raise Invalid(f"{path}: a rating from {lo} to {hi} has no equivalent here (0-10, 1-3 ... 1-10).")
    q["low_label"] = texts(e.get("minRateDescription"), f"{path}.minRateDescription")
    q["high_label"] = texts(e.get("maxRateDescription"), f"{path}.maxRateDescription")
    return q


def _matrix(e: dict[str, Any], path: str, texts: Any) -> dict[str, Any]:
    """A matrix element: rows rated on numbered columns 1..n, the first and last column's texts as ends."""
    q: dict[str, Any] = {}
    cols = e.get("columns") or []
    values = []
    for i, c in enumerate(cols):
        v = c.get("value") if isinstance(c, dict) else c
        values.append(_int(v, f"{path}.columns[{i}].value"))
    if not values or values != list(range(1, len(values) + 1)):
        raise Invalid(f"{path}.columns: expected numbered columns 1, 2, ... (a rating of each row).")
    q.update(type="matrix", scale=len(values))
    q["rows"] = [_choice(r, f"{path}.rows[{i}]", texts) for i, r in enumerate(e.get("rows") or [])]
    first, last = cols[0], cols[-1]
    if isinstance(first, dict) and str(first.get("text", "1")) not in ("1", ""):
        q["low_label"] = texts(first.get("text"), f"{path}.columns[0].text")
    if isinstance(last, dict) and str(last.get("text", str(len(values)))) not in (str(len(values)), ""):
        q["high_label"] = texts(last.get("text"), f"{path}.columns[{len(values) - 1}].text")
    return q


def _int(v: Any, where: str) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        raise Invalid(f"{where}: expected a whole number, got {v!r}.") from None


def _choice(c: Any, where: str, texts: Any) -> dict[str, Any]:
    if isinstance(c, dict):
        value = str(c.get("value", "")).strip()
        label = texts(c.get("text"), f"{where}.text", fallback=value)
    else:
        value = str(c).strip()
        label = texts(None, where, fallback=value)
    if not value:
        raise Invalid(f"{where}: a choice needs a value.")
    return {"value": value[:64], "label": label}
