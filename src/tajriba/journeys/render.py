"""Draw a journey map as SVG on the server; export it as SVG, PNG or PDF.

On the page the SVG keeps real text (selectable, read by screen readers, shaped by the browser). Exports
turn every label into glyph outlines shaped by HarfBuzz in the shipped Vazirmatn font (`textdraw`), so
Arabic and Persian stay joined and right to left in any viewer, and PNG (resvg) and PDF (fpdf2) are drawn
from the same outlines. In Arabic and Persian the map flows right to left: the first stage is on the right.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from tajriba import textdraw
from tajriba.errors import Invalid
from tajriba.journeys import journey_map, service
from tajriba.journeys.journey_map import MapData
from tajriba.journeys.kpis import Filters

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from tajriba.warehouse import Warehouse

FORMATS = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
COLORS = {"excels": "#1a7f37", "meets": "#2563eb", "below": "#c62828", None: "#6b7280"}
STAGE_FILLS = ("#e8f1fb", "#eef7ee", "#fdf3e6", "#f3eefb", "#e9f7f7", "#fbeef1", "#f1f1e8")
INK, MUTED, LINE = "#1f2933", "#5f6b7a", "#d5dbe3"

MARGIN = 24
LABEL_W = 140
COL_W = 176
TITLE_H = 92
LANES = (
    ("stage", 34),
    ("touchpoint", 50),
    ("customer_action", 58),
    ("channel", 26),
    ("owner", 26),
    ("kpis", 70),
    ("effectiveness", 30),
    ("emotion", 170),
    ("items", 96),
)


class _Canvas:
    def __init__(self, direction: str, outlines: bool) -> None:
        self.rtl = direction == "rtl"
        self.outlines = outlines
        self.parts: list[str] = []
        self.defs: dict[str, str] = {}

    def add(self, svg: str) -> None:
        self.parts.append(svg)

    def text(
        self,
        text: str,
        x: float,
        y: float,
        *,
        size: float = 12,
        anchor: str = "middle",
        bold: bool = False,
        fill: str = INK,
    ) -> None:
        """A label with its baseline at y; anchor is physical: left, middle or right."""
        if not text:
            return
        base = "rtl" if self.rtl else "ltr"
        if self.outlines:
            a = {"left": "start", "middle": "middle", "right": "end"}[anchor]
            self.add(
                textdraw.svg_text(
                    text, x=x, y=y, size=size, anchor=a, bold=bold, fill=fill, base=base, defs=self.defs
                )
            )
            return
        logical = {
            "left": "end" if self.rtl else "start",
            "middle": "middle",
            "right": "start" if self.rtl else "end",
        }
        weight = ' font-weight="700"' if bold else ""
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{logical[anchor]}" direction="{base}"'
            f' fill="{fill}"{weight}>{escape(text)}</text>'
        )

    def lines(
        self, text: str, x: float, y: float, *, width: float, max_lines: int, size: float = 11, **kw: Any
    ) -> None:
        base = "rtl" if self.rtl else "ltr"
        for i, line in enumerate(
            textdraw.wrap(text, size=size, max_width=width, max_lines=max_lines, base=base)
        ):
            self.text(line, x, y + i * size * 1.35, size=size, **kw)


def _rect(x: float, y: float, w: float, h: float, fill: str, rx: float = 0) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx}" fill="{fill}"/>'


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, dash: str = "") -> str:
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"{extra}/>'


def _circle(x: float, y: float, r: float, fill: str) -> str:
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}"/>'


def _fmt(kpi: str, value: float | None) -> str:
    if value is None:
        return "–"
    if kpi.endswith("_share") or kpi == "drop_off":
        return f"{100 * value:.0f}%"
    if kpi == "nps":
        return f"{value:+.0f}"
    return f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"


def lane_titles(data: MapData) -> list[dict[str, Any]]:
    """Each lane's title and vertical place (SVG units): the page keeps them in view while the map scrolls."""
    out, y = [], TITLE_H
    for lane, h in LANES:
        if lane != "stage":
            out.append({"label": data.labels.get(lane, ""), "top": y, "height": h})
        y += h
    return out


def render_svg(data: MapData, *, outlines: bool = False) -> str:
    """The map as one SVG document: title, lanes, stage bands, a column per touchpoint, the emotion curve."""
    tps = data.touchpoints
    c = _Canvas(data.direction, outlines)
    width = MARGIN * 2 + LABEL_W + max(len(tps), 1) * COL_W
    height = TITLE_H + sum(h for _, h in LANES) + MARGIN

    def col_x(i: int) -> float:
        """Centre of the i-th touchpoint column (customer order)."""
        offset = MARGIN + LABEL_W + i * COL_W + COL_W / 2
        return width - offset if c.rtl else offset

    _title(c, data, width)
    tops = _lanes(c, data, width)
    _stage_bands(c, data, col_x, tops["stage"], height)
    for i, t in enumerate(tps):
        _column(c, data, t, col_x(i), tops)
    _emotion(c, data, col_x, tops["emotion"], dict(LANES)["emotion"])
    body = (textdraw.svg_defs(c.defs) if c.defs else "") + "".join(c.parts)
    font = "" if outlines else ' font-family="Vazirmatn, Tahoma, sans-serif"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' role="img" aria-label="{escape(data.journey["name"], {chr(34): "&quot;"})}" direction="{data.direction}"{font}>'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>{body}</svg>'
    )


def _start(c: _Canvas, width: float) -> tuple[float, str]:
    """Where lines of text start on this canvas: x and anchor (the right edge in RTL)."""
    return (width - MARGIN, "right") if c.rtl else (MARGIN, "left")


def _title(c: _Canvas, data: MapData, width: float) -> None:
    """The journey's name, status and personas, and the personas' desired experience."""
    x, anchor = _start(c, width)
    c.text(data.journey["name"], x, MARGIN + 14, size=18, anchor=anchor, bold=True)
    sub = " · ".join(filter(None, [data.journey["status_label"], *[p["name"] for p in data.personas]]))
    c.text(sub, x, MARGIN + 34, size=11, anchor=anchor, fill=MUTED)
    desired = " | ".join(p["desired_experience"] for p in data.personas if p["desired_experience"])
    if desired:
        text = f"{data.labels['desired_experience']}: {desired}"
        c.lines(
            text, x, MARGIN + 52, width=width - 2 * MARGIN, max_lines=1, size=10, anchor=anchor, fill=MUTED
        )


def _lanes(c: _Canvas, data: MapData, width: float) -> dict[str, float]:
    """The lanes' rules and labels; the top of each lane."""
    x, anchor = _start(c, width)
    y = TITLE_H
    tops: dict[str, float] = {}
    for lane, h in LANES:
        tops[lane] = y
        if lane != "stage":
            c.add(_line(MARGIN, y, width - MARGIN, y, LINE))
            label = data.labels.get(lane, "")
            c.lines(
                label,
                x,
                y + 16,
                width=LABEL_W - 12,
                max_lines=2,
                size=10,
                anchor=anchor,
                fill=MUTED,
                bold=True,
            )
        y += h
    return tops


def _stage_bands(c: _Canvas, data: MapData, col_x: Callable[[int], float], top: float, height: float) -> None:
    """A coloured band per stage over its touchpoints' columns, named at its top."""
    index = {t["id"]: i for i, t in enumerate(data.touchpoints)}
    for si, stage in enumerate(data.stages):
        xs = [col_x(index[t["id"]]) for t in data.touchpoints if t["stage_id"] == stage["id"]]
        if not xs:
            continue
        left, right = min(xs) - COL_W / 2 + 2, max(xs) + COL_W / 2 - 2
        c.add(_rect(left, top, right - left, height - top - MARGIN, STAGE_FILLS[si % len(STAGE_FILLS)], rx=6))
        c.lines(
            stage["name"],
            (left + right) / 2,
            top + 21,
            width=right - left - 8,
            max_lines=1,
            size=12,
            bold=True,
        )


ITEM_MARKS = {"pain_point": ("−", "below"), "opportunity": ("+", "meets"), "solution": ("✓", "excels")}


def _column(c: _Canvas, data: MapData, t: dict[str, Any], x: float, tops: dict[str, float]) -> None:
    """One touchpoint's column: name, customer action, channel, owner, KPIs, effectiveness, items."""
    w = COL_W - 14
    fill = MUTED if t["unnecessary"] else INK
    c.lines(t["name"], x, tops["touchpoint"] + 18, width=w, max_lines=2, size=12, bold=True, fill=fill)
    if t["unnecessary"]:
        c.text(f"({data.labels['unnecessary']})", x, tops["touchpoint"] + 46, size=9, fill=COLORS["below"])
    c.lines(t["customer_action"], x, tops["customer_action"] + 16, width=w, max_lines=3, size=10)
    c.text(t["channel_label"] + ("" if t["direct"] else " *"), x, tops["channel"] + 17, size=10)
    c.lines(t["owner"], x, tops["owner"] + 17, width=w, max_lines=1, size=10)
    for j, k in enumerate(t["kpis"][:4]):
        target = ""
        if k["target"] is not None:
            target = (" ≥ " if k["better"] == "higher" else " ≤ ") + _fmt(k["kpi"], k["target"])
        label = f"{k['label'].split(' (')[0]}: {_fmt(k['kpi'], k['value'])}{target}"
        ky = tops["kpis"] + 15 + j * 15
        c.add(_circle(x - w / 2 + 4 if not c.rtl else x + w / 2 - 4, ky - 4, 3.5, COLORS[k["status"]]))
        c.lines(label, x, ky, width=w - 14, max_lines=1, size=9)
    eff = t["effectiveness"]
    bw = min(w, textdraw.width(eff["label"], size=10, bold=True) + 18)
    c.add(_rect(x - bw / 2, tops["effectiveness"] + 5, bw, 20, COLORS[eff["status"]], rx=10))
    c.text(eff["label"], x, tops["effectiveness"] + 19, size=10, bold=True, fill="#ffffff")
    for j, item in enumerate(t["items"][:4]):
        mark, status = ITEM_MARKS.get(item["kind"], ("•", None))
        color = COLORS[status] if status else INK
        y = tops["items"] + 16 + j * 19
        c.lines(f"{mark} {item['text']}", x, y, width=w, max_lines=1, size=9, fill=color)


def _emotion(c: _Canvas, data: MapData, col_x: Any, top: float, height: float) -> None:
    """Observed emotion (mean on -1..+1, 95 % band, n) and the desired emotion per touchpoint."""
    pad = 16
    y0, y1 = top + pad, top + height - pad - 12

    def y_of(v: float) -> float:
        return y1 - (max(-1.0, min(1.0, v)) + 1) / 2 * (y1 - y0)

    left, right = col_x(0), col_x(len(data.touchpoints) - 1)
    c.add(_line(min(left, right) - 60, y_of(0), max(left, right) + 60, y_of(0), LINE, "2 3"))
    observed, band_top, band_bottom, desired = [], [], [], []
    for i, t in enumerate(data.touchpoints):
        x = col_x(i)
        e = t["emotion"]
        if e["value"] is not None:
            observed.append((x, y_of(e["value"]), e["n"]))
            if e["low"] is not None:
                band_top.append((x, y_of(e["high"])))
                band_bottom.append((x, y_of(e["low"])))
        if t["desired_emotion"]["level"] is not None:
            desired.append((x, y_of(t["desired_emotion"]["level"]), t["desired_emotion"]["label"]))
    if len(band_top) >= 2:
        pts = band_top + list(reversed(band_bottom))
        c.add(
            '<polygon points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            + '" fill="#2563eb" fill-opacity="0.15"/>'
        )
    if len(desired) >= 2:
        c.add(
            '<polyline points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in desired)
            + f'" fill="none" stroke="{COLORS["excels"]}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
    for x, y, label in desired:
        c.text(label, x, y - 6, size=8, fill=COLORS["excels"])
    if len(observed) >= 2:
        c.add(
            '<polyline points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in observed)
            + '" fill="none" stroke="#2563eb" stroke-width="2.5"/>'
        )
    for x, y, n in observed:
        c.add(_circle(x, y, 4, "#2563eb"))
        c.text(f"{data.labels['observations']}={n:,}", x, y + 15, size=8, fill=MUTED)
    for i, t in enumerate(data.touchpoints):
        if t["emotion"]["value"] is None:
            c.text(data.labels["no_data"], col_x(i), y_of(0) + 15, size=8, fill=MUTED)
    legend_y = top + height - 6
    lx = col_x(0)
    anchor = "right" if c.rtl else "left"
    c.text(
        f"— {data.labels['emotion']} (95%)   - - {data.labels['desired']}",
        lx + (COL_W / 2 if c.rtl else -COL_W / 2),
        legend_y,
        size=9,
        anchor=anchor,
        fill=MUTED,
    )


def map_file(
    session: Session,
    wh: Warehouse,
    *,
    workspace_id: int,
    journey_id: int,
    filters: Filters,
    locale: str,
    fmt: str,
) -> tuple[bytes, str, str]:
    """One journey's map, filtered, drawn as `fmt` (svg, png, pdf): bytes, media type, file name."""
    journey = service.get_journey(session, workspace_id=workspace_id, journey_id=journey_id)
    data = journey_map.build(session, wh, journey=journey, filters=filters, locale=locale)
    content, media_type = export_map(data, fmt=fmt)
    return content, media_type, f"journey-{journey.id}.{fmt}"


def export_map(data: MapData, *, fmt: str) -> tuple[bytes, str]:
    """The map as SVG, PNG or PDF bytes, with its media type."""
    if fmt not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}", field="format")
    svg = render_svg(data, outlines=True)
    if fmt == "svg":
        return svg.encode(), FORMATS[fmt]
    if fmt == "png":
        import resvg_py

        png = resvg_py.svg_to_bytes(svg_string=svg, zoom=2, skip_system_fonts=True, background="#ffffff")
        return bytes(png), FORMATS[fmt]
    return _pdf(svg), FORMATS[fmt]


def _pdf(svg: str) -> bytes:
    from fpdf import FPDF
    from fpdf.svg import SVGObject

    obj = SVGObject(svg)
    w, h = float(obj.width or 0), float(obj.height or 0)
    pdf = FPDF(unit="pt", format=(w, h))
    pdf.set_margin(0)
    pdf.set_creator("Tajriba")
    pdf.add_page()
    obj.draw_to_page(pdf, x=0, y=0)
    return bytes(pdf.output())
