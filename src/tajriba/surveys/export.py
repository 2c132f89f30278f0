"""A survey's responses as a file: CSV and XLSX for spreadsheets, SPSS `.sav` for research teams.

One row per response, one column per answer: scales as numbers, a single choice as its code (SPSS) or its
label (CSV/XLSX), a multiple choice as one 0/1 column per option, a matrix as one column per row, open text
as text. The `.sav` file carries variable labels (the question in the reader's language) and value labels
(choices, scale ends, chosen/not chosen), UTF-8, so Arabic and Persian read intact in SPSS, PSPP and R.
Customer ids are included only for readers who may see personal data.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from fastapi.responses import Response

from tajriba import periods
from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.surveys.definition import Definition, Question, definition_of, pick
from tajriba.surveys.results import local
from tajriba.web.export import FORMATS as TABLE_FORMATS
from tajriba.web.export import table_file
from tajriba.web.render import attachment

FORMATS = (*TABLE_FORMATS, "sav")
SAV_TYPE = "application/x-spss-sav"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
OTHER_CODE = 99


@dataclass
class Column:
    name: str  # a valid SPSS variable name
    label: str
    measure: str = "nominal"  # nominal | ordinal | scale
    codes: dict[int, str] = field(default_factory=dict)  # value labels (numeric codes)
    texts: dict[str, str] = field(default_factory=dict)  # code -> label for CSV/XLSX (single choices)
    get: Any = None  # answers, hidden -> value


def _title(q: Question, locale: str, fallback: str) -> str:
    return pick(q.title, locale, fallback)


def _part(value: str, i: int) -> str:
    clean = re.sub(r"[^a-z0-9_]", "_", value.lower())
    return clean if clean and clean[0].isalpha() and len(clean) <= 20 else str(i + 1)


def columns(definition: Definition, locale: str, *, personal: bool) -> list[Column]:
    """The export's columns: the response's own, hidden fields, then every question's (one per choice of a
    multiple choice, one per matrix row), with SPSS measure levels and value labels."""
    cols = [
        Column("response_id", _("Response"), get=lambda r: r["response_id"]),
        Column("submitted", _("Submitted"), "scale", get=lambda r: r["submitted"]),
        Column("language", _("Language"), get=lambda r: r["language"]),
        Column("channel", _("Channel"), get=lambda r: r["channel"]),
        Column("touchpoint", _("Touchpoint"), get=lambda r: r["touchpoint"]),
    ]
    if personal:
        cols.append(Column("customer_id", _("Customer"), get=lambda r: r["customer_id"]))
    cols.append(Column("order_id", _("Order"), get=lambda r: _plain(r.get("order_id"))))
    cols.append(Column("ticket_id", _("Ticket"), get=lambda r: _plain(r.get("ticket_id"))))
    for name in definition.hidden_fields:
        if name in ("customer_id", "touchpoint", "channel", "order_id", "ticket_id"):
            continue  # columns of their own above
        label = _("Agent") if name == "agent" else name
        cols.append(Column(f"h_{name}"[:32], label, get=lambda r, n=name: _plain(r["hidden"].get(n))))
    for q in definition.questions:
        cols += _question_columns(q, locale, definition.default_language)
    return cols


def _question_columns(q: Any, locale: str, fb: str) -> list[Column]:
    title = _title(q, locale, fb)
    key = q.key[:32]
    if q.type in ("nps", "csat", "ces", "rating"):
        lo, hi = q.bounds
        ends = {lo: pick(q.low_label, locale, fb), hi: pick(q.high_label, locale, fb)}
        level = "ordinal" if q.type == "rating" else "scale"
        codes = {k: v for k, v in ends.items() if v}
        return [Column(key, title, level, codes=codes, get=lambda r, k=q.key: _number(r["answers"].get(k)))]
    if q.type == "single":
        codes = {i + 1: pick(c.label, locale, fb) for i, c in enumerate(q.choices)}
        index = {c.value: i + 1 for i, c in enumerate(q.choices)}
        if q.other:
            codes[OTHER_CODE] = _("Other")
        cols = [
            Column(key, title, codes=codes, get=lambda r, k=q.key, ix=index: _single(r["answers"].get(k), ix))
        ]
        if q.other:
            cols.append(_other_column(key, title, q.key, _other_text))
        return cols
    if q.type == "multiple":
        chosen = {0: _("Not chosen"), 1: _("Chosen")}
        cols = [
            Column(
                f"{key}_{_part(c.value, i)}"[:32],
                f"{title}: {pick(c.label, locale, fb)}",
                codes=chosen,
                get=lambda r, k=q.key, v=c.value: _picked(r["answers"].get(k), v),
            )
            for i, c in enumerate(q.choices)
        ]
        if q.other:
            cols.append(_other_column(key, title, q.key, _multiple_other))
        return cols
    if q.type == "matrix":
        ends = {1: pick(q.low_label, locale, fb), int(q.scale or 5): pick(q.high_label, locale, fb)}
        return [
            Column(
                f"{key}_{_part(row.value, i)}"[:32],
                f"{title}: {pick(row.label, locale, fb)}",
                "ordinal",
                codes={k: v for k, v in ends.items() if v},
                get=lambda r, k=q.key, v=row.value: _number((r["answers"].get(k) or {}).get(v)),
            )
            for i, row in enumerate(q.rows)
        ]
    if q.type == "text":
        return [Column(key, title, get=lambda r, k=q.key: _plain(r["answers"].get(k)))]
    consent = {0: _("No"), 1: _("Yes")}
    return [Column(key, title, codes=consent, get=lambda r, k=q.key: 1 if r["answers"].get(k) is True else 0)]


def _other_column(key: str, title: str, question: str, text: Callable[[Any], Any]) -> Column:
    """The text written beside "Other" of a choice question (`text` finds it in the answer)."""
    return Column(
        f"{key}_other"[:32], f"{title} ({_('Other')})", get=lambda r: text(r["answers"].get(question))
    )


def _plain(value: Any) -> Any:
    return None if value in (None, "") else str(value)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _single(value: Any, index: dict[str, int]) -> int | None:
    if isinstance(value, dict):
        return OTHER_CODE
    return index.get(str(value)) if value is not None else None


def _other_text(value: Any) -> str | None:
    return str(value.get("other")) if isinstance(value, dict) and value.get("other") else None


def _picked(value: Any, choice: str) -> int | None:
    if not isinstance(value, list):
        return None
    return int(choice in [str(v) for v in value])


def _multiple_other(value: Any) -> str | None:
    if not isinstance(value, list):
        return None
    found = [str(v)[6:] for v in value if str(v).startswith("other:")]
    return found[0] if found else None


def records(
    frame: pd.DataFrame, cols: list[Column], tz: ZoneInfo, touchpoints: dict[int, str]
) -> list[dict[str, Any]]:
    out = []
    for r in frame.to_dict("records"):
        tp = r.get("touchpoint_id")
        r["touchpoint"] = touchpoints.get(int(tp)) if tp is not None and tp == tp else None
        r["submitted"] = local(r["submitted_at"], tz)
        out.append({c.name: c.get(r) for c in cols})
    return out


def download(
    frame: pd.DataFrame,
    definition: Definition,
    fmt: str,
    *,
    stem: str,
    locale: str,
    tz: ZoneInfo,
    touchpoints: dict[int, str],
    personal: bool,
) -> Response:
    """The responses as `fmt` (csv, xlsx or sav)."""
    if fmt not in FORMATS:
        raise Invalid(
            _("The format must be one of {formats}.").format(formats=", ".join(FORMATS)), field="format"
        )
    cols = columns(definition, locale, personal=personal)
    rows = records(frame, cols, tz, touchpoints)
    if fmt == "sav":
        return attachment(sav_bytes(rows, cols), SAV_TYPE, f"{stem}.sav")
    # spreadsheets read labels, not codes
    labelled = [
        {
            c.name: (
                c.codes.get(row[c.name], row[c.name]) if c.codes and c.measure == "nominal" else row[c.name]
            )
            for c in cols
        }
        for row in rows
    ]
    return table_file([(c.name, c.label) for c in cols], labelled, fmt, stem, rtl=locale in ("ar", "fa"))


def responses_file(
    session: Any,
    wh: Any,
    workspace: Any,
    survey: Any,
    f: Any,
    fmt: str,
    *,
    locale: str,
    personal: bool,
    actor: Auditor,
) -> Response:
    """A survey's filtered responses as `fmt`, labelled in `locale` (what the page and the API hand out);
    every download is audited."""
    actor.audit(
        session, "survey.export", target_type="survey", target_id=str(survey.id), details={"format": fmt}
    )
    from tajriba.journeys.service import touchpoint_names
    from tajriba.surveys import results

    return download(
        results.responses(wh, workspace, survey, f),
        definition_of(survey),
        fmt,
        stem=f"{survey.key}-responses",
        locale=locale,
        tz=periods.zone_of(workspace),
        touchpoints=touchpoint_names(session, workspace_id=workspace.id, locale=locale),
        personal=personal,
    )


def sav_bytes(rows: list[dict[str, Any]], cols: list[Column]) -> bytes:
    """An SPSS system file with variable and value labels (pyreadstat writes UTF-8)."""
    import pyreadstat

    frame = pd.DataFrame(rows, columns=[c.name for c in cols])
    for c in cols:
        if c.measure != "nominal" or c.codes:
            frame[c.name] = (
                pd.to_numeric(frame[c.name], errors="coerce") if c.name != "submitted" else frame[c.name]
            )
        else:
            frame[c.name] = frame[c.name].astype(object).where(frame[c.name].notna(), None)
    if "submitted" in frame:
        frame["submitted"] = pd.to_datetime(frame["submitted"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "responses.sav"
        pyreadstat.write_sav(
            frame,
            str(path),
            column_labels=[c.label for c in cols],
            variable_value_labels={
                c.name: {float(k): v for k, v in c.codes.items()} for c in cols if c.codes
            },
            variable_measure={c.name: c.measure for c in cols},
        )
        return path.read_bytes()
