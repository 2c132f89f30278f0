"""The executive summary as rows (one list of sections), drawn as a PDF with shaped Arabic and Persian text, as
an XLSX workbook, or as HTML (the read-only shared page uses the same rows).

The PDF keeps its text as text: HarfBuzz shapes it (fpdf2's shaping engine, the Vazirmatn font the journey
map ships), fpdf2's bidi pass orders mixed runs, and each ligature's Unicode mapping is written in visual
order so that text extraction (pdftotext, screen readers, search) gives back the logical Arabic words, not
"ال" for a lam-alef. Numbers and intervals are isolated left to right as on the pages.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tajriba import calendars, i18n
from tajriba.goals.schemas import STATUS_LABELS as STATUS_NAMES
from tajriba.i18n import N_, _
from tajriba.textdraw import FONTS

if TYPE_CHECKING:
    from collections.abc import Callable

METRIC_NAMES = {"nps": N_("NPS"), "csat": N_("CSAT (mean, 1-5)"), "ces": N_("Customer effort (mean, 1-7)")}


@dataclass
class Section:
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    empty: str = ""


def _t(message: str) -> str:
    return _(message).replace("%%", "%")


@dataclass(frozen=True)
class _Fmt:
    """Numbers, shares and intervals written in the reader's language."""

    locale: str

    def num(self, v: Any, d: int | None = None) -> str:
        return i18n.format_number(v, locale=self.locale, decimals=d)

    def pct(self, v: Any) -> str:
        return i18n.format_percent(v, locale=self.locale, decimals=0)

    @staticmethod
    def ci(lo: Any, hi: Any, fmt: Callable[[Any], str]) -> str:
        return f"[{fmt(lo)} – {fmt(hi)}]" if lo is not None and hi is not None else ""


def sections(
    summary: dict[str, Any], *, locale: str, calendar: str = "gregorian"
) -> tuple[str, str, list[Section]]:
    """(title, subtitle, sections) in the language being spoken."""
    f = _Fmt(locale)
    p = summary["period"]
    last = p.end.fromordinal(p.end.toordinal() - 1)
    title = (
        _("{workspace}: weekly customer experience summary")
        if summary["frequency"] == "weekly"
        else _("{workspace}: monthly customer experience summary")
    ).format(workspace=summary["workspace"])
    subtitle = _("From {start} to {end}, compared with the period before.").format(
        start=calendars.format_date(p.start, locale=locale, calendar=calendar),
        end=calendars.format_date(last, locale=locale, calendar=calendar),
    )
    parts = (_headlines, _goals, _pain_points, _service, _closed_loop, _stories)
    return title, subtitle, [part(summary, f) for part in parts]


def _verdict(change: dict[str, Any], f: _Fmt, d: int) -> str:
    """The change in plain words: better or worse beyond chance (p < 0.05), or no clear change."""
    if change.get("difference") is None:
        return ""
    sign = "+" if change["difference"] > 0 else ""
    if change.get("p_value") is not None and change["p_value"] < 0.05:
        words = _("Better, and not by chance") if change["difference"] > 0 else _("Worse, and not by chance")
    else:
        words = _("No clear change: it could be chance")
    return f"{sign}{f.num(change['difference'], d)} · {words}"


def _headlines(summary: dict[str, Any], f: _Fmt) -> Section:
    head = Section(
        _("Headline measures"),
        [_("Measure"), _("Value"), _("95% interval"), _("Answers"), _("Change")],
    )
    for h in summary["headlines"]:
        now, change = h["now"] or {}, h["change"] or {}
        d = 1 if h["metric"] == "nps" else 2
        name = _t(METRIC_NAMES[h["metric"]])
        if now.get("value") is None:
            head.rows.append([name, "–", "", f.num(now.get("n", 0)), ""])
            continue
        interval = f.ci(now.get("ci_low"), now.get("ci_high"), functools.partial(f.num, d=d))
        head.rows.append([name, f.num(now["value"], d), interval, f.num(now["n"]), _verdict(change, f, d)])
    return head


def _goals(summary: dict[str, Any], f: _Fmt) -> Section:
    goals = Section(_("Goals"), [_("Goal"), _("Status"), _("Current"), _("Target")], empty=_("No goals yet."))
    for g in summary["goals"]:
        current = (g.get("current") or {}).get("value")
        status = _t(STATUS_NAMES.get(g["status"], g["status"]))
        goals.rows.append([g["name"], status, f.num(current, 1), f.num(g["target"], 1)])
    return goals


def _pain_points(summary: dict[str, Any], f: _Fmt) -> Section:
    pains = Section(
        _("Top pain points by touchpoint"),
        [_("Touchpoint"), _("Topic"), _("Negative mentions"), _("Mentions")],
        empty=_("No pain point stood out in this period."),
    )
    for r in summary["pain_points"]:
        pains.rows.append([r["touchpoint"], r["topic_name"], f.num(r["negative"]), f.num(r["mentions"])])
    return pains


def _service(summary: dict[str, Any], f: _Fmt) -> Section:
    s, targets = summary["service"], summary["service_targets"]
    service = Section(
        _("Service"), [_("Measure"), _("Value"), _("95% interval")], empty=_("No tickets in this period.")
    )
    if not (s and s.get("n")):
        return service

    def row(label: str, key: str, fmt: Callable[[Any], str]) -> list[str]:
        return [label, fmt(s.get(key)), f.ci(s.get(f"{key}_ci_low"), s.get(f"{key}_ci_high"), fmt)]

    within = _("First responses within {n} minutes").format(n=f.num(targets["first_response_minutes"], 0))
    service.rows += [
        [_("Tickets"), f.num(s["n"]), ""],
        row(_("Median first response (minutes)"), "first_response_median", lambda v: f.num(v, 0)),
        row(within, "first_response_within_target", f.pct),
        row(_("Median resolution time (hours)"), "resolution_median", lambda v: f.num(v, 1)),
    ]
    return service


def _closed_loop(summary: dict[str, Any], f: _Fmt) -> Section:
    c = summary["cases"]
    cases = Section(_("Closed loop"), [_("Measure"), _("Value"), _("95% interval")])
    cases.rows += [
        [_("Cases opened"), f.num(c.get("cases", 0)), ""],
        [_("Still open"), f.num(c.get("open", 0)), ""],
    ]
    for label, key in ((_("Within SLA"), "sla_compliance"), (_("Customers recovered"), "recovery")):
        share = c.get(key) or {}
        if share.get("value") is not None:
            cases.rows.append(
                [label, f.pct(share["value"]), f.ci(share.get("low"), share.get("high"), f.pct)]
            )
    return cases


def _stories(summary: dict[str, Any], f: _Fmt) -> Section:
    stories = Section(_("Success stories"), [_("What a customer said")], empty=_("No story in this period."))
    for st in summary["stories"]:
        stories.rows.append([str(st["text"])[:400]])
    return stories


def pdf(summary: dict[str, Any], *, locale: str, calendar: str = "gregorian") -> bytes:
    """The summary as an A4 PDF, right to left in Arabic and Persian, its text extractable."""
    from fpdf import FPDF

    title, subtitle, parts = sections(summary, locale=locale, calendar=calendar)
    rtl = locale in ("ar", "fa")
    doc = FPDF(format="A4")
    doc.set_auto_page_break(auto=True, margin=15)
    doc.set_title(title)
    doc.set_lang(locale)
    doc.add_font("Vazirmatn", "", str(FONTS[False]))
    doc.add_font("Vazirmatn", "B", str(FONTS[True]))
    doc.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
    doc.add_page()
    align = "R" if rtl else "L"
    doc.set_font("Vazirmatn", "B", 16)
    doc.multi_cell(0, 9, title, align=align, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Vazirmatn", "", 10)
    doc.set_text_color(90, 90, 90)
    doc.multi_cell(0, 6, subtitle, align=align, new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0, 0, 0)
    for part in parts:
        doc.ln(4)
        doc.set_font("Vazirmatn", "B", 12)
        doc.multi_cell(0, 8, part.title, align=align, new_x="LMARGIN", new_y="NEXT")
        if not part.rows:
            doc.set_font("Vazirmatn", "", 10)
            doc.multi_cell(0, 6, part.empty or "–", align=align, new_x="LMARGIN", new_y="NEXT")
            continue
        _table(doc, part, rtl)
    _logical_ligatures(doc)
    return bytes(doc.output())


def _table(doc: Any, part: Section, rtl: bool) -> None:
    width = doc.w - doc.l_margin - doc.r_margin
    n = len(part.header)
    first = 0.34 if n > 2 else 1.0 / n
    widths = [width * first] + [width * (1 - first) / (n - 1)] * (n - 1) if n > 1 else [width]
    align = "R" if rtl else "L"
    for bold, cells in [(True, part.header), *((False, r) for r in part.rows)]:
        doc.set_font("Vazirmatn", "B" if bold else "", 9)
        height = 6
        lines = max(
            len(doc.multi_cell(w, height, str(c), dry_run=True, output="LINES"))
            for w, c in zip(widths, cells, strict=True)
        )
        if doc.will_page_break(lines * height):
            doc.add_page()
        y = doc.get_y()
        x = doc.w - doc.r_margin if rtl else doc.l_margin
        for w, c in zip(widths, cells, strict=True):
            x = x - w if rtl else x
            doc.set_xy(x, y)
            doc.multi_cell(
                w, height, str(c), border="B", align=align, new_x="RIGHT", new_y="TOP", max_line_height=height
            )
            x = x if rtl else x + w
        doc.set_xy(doc.l_margin, y + lines * height)


def _logical_ligatures(doc: Any) -> None:
    """Write each right-to-left ligature's characters in visual order in the font's Unicode map: extractors
    reverse right-to-left runs character by character, which would turn "لا" into "ال"."""
    for font in doc.fonts.values():
        subset = getattr(font, "subset", None)
        if subset is None:
            continue
        for glyph, _code in subset.items():
            chars = getattr(glyph, "unicode", None)
            if (
                isinstance(chars, tuple)
                and len(chars) > 1
                and all(unicodedata.bidirectional(chr(c)) in ("AL", "R", "NSM") for c in chars)
            ):
                glyph.unicode = tuple(reversed(chars))


def xlsx(summary: dict[str, Any], *, locale: str, calendar: str = "gregorian") -> bytes:
    """The summary as a workbook: one sheet, a block per section, right to left in Arabic and Persian."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from tajriba.sheets import append_row

    title, subtitle, parts = sections(summary, locale=locale, calendar=calendar)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Summary")[:31]
    ws.sheet_view.rightToLeft = locale in ("ar", "fa")
    append_row(ws, [title])
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    append_row(ws, [subtitle])
    for part in parts:
        append_row(ws, [])
        append_row(ws, [part.title])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
        append_row(ws, part.header)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in part.rows or [[part.empty]]:
            append_row(ws, row)
    for col, w in zip("ABCDE", (34, 16, 18, 12, 34), strict=True):
        ws.column_dimensions[col].width = w
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
