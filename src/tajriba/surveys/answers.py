"""A respondent's answers read from the posted form, question by question: a point on the scale (Arabic-Indic
and Persian digits too), a choice or several (with Other and its text), a text within its length, a
matrix's rows, a ticked consent; each problem in words for the respondent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tajriba.i18n import _, to_latin_digits  # digits typed in Arabic-Indic or Persian form

if TYPE_CHECKING:
    from tajriba.surveys.definition import Question


def _parse_multiple(q: Question, raw: Any, form: dict[str, Any]) -> list[str]:
    """The options ticked (each once, in order), at most max_choices; "Other" with its text as `other:...`."""
    picked = [str(v) for v in (raw if isinstance(raw, list) else [raw] if raw not in (None, "") else [])]
    valid = {c.value for c in q.choices} | ({"__other__"} if q.other else set())
    if any(v not in valid for v in picked):
        raise ValueError(_("choose among the options"))
    picked = list(dict.fromkeys(picked))
    if q.max_choices is not None and len(picked) > q.max_choices:
        raise ValueError(_("choose at most {n}").format(n=q.max_choices))
    if "__other__" in picked:
        other = _one(form.get(f"{q.key}.other"))[: q.max_length]
        if not other:
            raise ValueError(_("write your other answer"))
        picked = [v for v in picked if v != "__other__"] + [f"other:{other}"]
    return picked


def _parse_matrix(q: Question, form: dict[str, Any]) -> dict[str, int] | None:
    """Each row's point (1..scale); a required matrix, once started, needs every row."""
    out: dict[str, int] = {}
    for row in q.rows:
        text = _one(form.get(f"{q.key}.{row.value}"))
        if text == "":
            continue
        try:
            score = int(to_latin_digits(text))
        except ValueError:
            raise ValueError(_("{row}: choose a point on the scale").format(row=row.value)) from None
        if not 1 <= score <= int(q.scale or 5):
            raise ValueError(_("{row}: choose a number from 1 to {n}").format(row=row.value, n=q.scale))
        out[row.value] = score
    if q.required and out and len(out) < len(q.rows):
        raise ValueError(_("rate every row"))
    return out or None


def parse_one(q: Question, form: dict[str, Any]) -> Any:
    raw = form.get(q.key)
    if q.type in ("nps", "csat", "ces", "rating"):
        text = _one(raw)
        if text == "":
            return None
        try:
            score = int(to_latin_digits(text))
        except ValueError:
            raise ValueError(_("choose a point on the scale")) from None
        lo, hi = q.bounds
        if not lo <= score <= hi:
            raise ValueError(_("choose a number from {lo} to {hi}").format(lo=lo, hi=hi))
        return score
    if q.type == "single":
        text = _one(raw)
        if text == "":
            return None
        if q.other and text == "__other__":
            other = _one(form.get(f"{q.key}.other"))[: q.max_length]
            if not other:
                raise ValueError(_("write your other answer"))
            return {"other": other}
        if text not in {c.value for c in q.choices}:
            raise ValueError(_("choose one of the options"))
        return text
    if q.type == "multiple":
        return _parse_multiple(q, raw, form)
    if q.type == "text":
        text = _one(raw)
        if len(text) > q.max_length:
            raise ValueError(_("at most {n} characters").format(n=q.max_length))
        return text or None
    if q.type == "matrix":
        return _parse_matrix(q, form)
    # consent: a ticked box is "yes"; an unticked one is no answer (required consent must be ticked)
    text = _one(raw).lower()
    return True if text in ("1", "true", "yes", "on") else None


def _one(raw: Any) -> str:
    if isinstance(raw, list):
        raw = raw[0] if raw else ""
    return str(raw if raw is not None else "").strip()
