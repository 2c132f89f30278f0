"""Text drawn as outlines: shaped with HarfBuzz, ordered by a bidi pass, in the shipped Vazirmatn font.

Exported images (SVG, PNG, PDF) must show Arabic and Persian joined and right to left whatever program
opens them, so their text is turned into glyph paths here instead of being left to the viewer's fonts.
The bidi pass follows the Unicode algorithm (UAX #9) for what labels contain: strong right-to-left and
left-to-right runs, numbers kept left to right inside right-to-left text, neutrals taking the direction
of the text around them (or the paragraph's direction between runs of different directions).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import uharfbuzz as hb
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.ttLib import TTFont

FONT_DIR = Path(__file__).parent / "web" / "static" / "fonts"
FONTS = {False: FONT_DIR / "Vazirmatn-Regular.ttf", True: FONT_DIR / "Vazirmatn-Bold.ttf"}

RTL_CLASSES = {"R", "AL"}
LTR_CLASSES = {"L"}
NUMBER_CLASSES = {"EN", "AN"}


@dataclass(frozen=True)
class Glyph:
    gid: int
    x: float  # in font units, from the start (left) of the line
    y: float
    cluster: int  # index of the first character of the glyph's cluster in the logical text


@dataclass(frozen=True)
class Line:
    glyphs: tuple[Glyph, ...]
    width: float  # font units
    bold: bool
    upem: int


class _Font:
    def __init__(self, path: Path) -> None:
        blob = hb.Blob.from_file_path(str(path))
        self.face = hb.Face(blob)
        self.font = hb.Font(self.face)
        self.upem = self.face.upem
        self.tt = TTFont(str(path), lazy=True)
        self.glyph_set = self.tt.getGlyphSet()
        self.order = self.tt.getGlyphOrder()
        self._paths: dict[int, str] = {}

    def path(self, gid: int) -> str:
        """SVG path data of a glyph in font units (y up)."""
        if gid not in self._paths:
            pen = SVGPathPen(self.glyph_set)
            self.glyph_set[self.order[gid]].draw(pen)
            self._paths[gid] = pen.getCommands()
        return self._paths[gid]


@cache
def font(bold: bool = False) -> _Font:
    return _Font(FONTS[bold])


def _direction(ch: str) -> str:
    cls = unicodedata.bidirectional(ch)
    if cls in RTL_CLASSES:
        return "R"
    if cls in LTR_CLASSES:
        return "L"
    if cls in NUMBER_CLASSES:
        return "N"  # numbers: left to right, but they do not turn neutrals around them left to right
    return ""


def runs(text: str, base: str) -> list[tuple[int, int, str]]:
    """Split `text` into (start, end, "ltr"|"rtl") runs in logical order for paragraph direction `base`."""
    if not text:
        return []
    kinds = [_direction(c) for c in text]
    classes = [unicodedata.bidirectional(c) for c in text]
    n = len(text)
    # W4: a single separator between two digits belongs to the number (4.3, 1,250, 12:30)
    for k in range(1, n - 1):
        if classes[k] in ("CS", "ES") and kinds[k - 1] == "N" and kinds[k + 1] == "N":
            kinds[k] = "N"
    # W5: terminators next to a number belong to it (50%, $20, 20 ر.س keeps its own letters)
    for k in range(n):
        if classes[k] == "ET" and not kinds[k]:
            j = k
            while j < n and classes[j] == "ET":
                j += 1
            if (k > 0 and kinds[k - 1] == "N") or (j < n and kinds[j] == "N"):
                for m in range(k, j):
                    kinds[m] = "N"
    # numbers after right-to-left letters stay numbers (left to right); neutrals resolve below
    resolved = list(kinds)
    i = 0
    while i < n:
        if resolved[i]:
            i += 1
            continue
        j = i
        while j < n and not resolved[j]:
            j += 1
        before = _strong(resolved[i - 1]) if i > 0 else ("R" if base == "rtl" else "L")
        after = _strong(resolved[j]) if j < n else ("R" if base == "rtl" else "L")
        fill = before if before == after else ("R" if base == "rtl" else "L")
        for k in range(i, j):
            resolved[k] = fill
        i = j
    out: list[tuple[int, int, str]] = []
    start = 0
    for k in range(1, n + 1):
        if k == n or _level(resolved[k]) != _level(resolved[start]):
            out.append((start, k, "rtl" if _level(resolved[start]) == "R" else "ltr"))
            start = k
    return out


def _strong(kind: str) -> str:
    # rule N1: numbers count as right to left for the neutrals around them
    return "L" if kind == "L" else "R"


def _level(kind: str) -> str:
    return "R" if kind == "R" else "L"


@lru_cache(maxsize=8192)
def shape(text: str, *, base: str = "ltr", bold: bool = False) -> Line:
    """Shape one line: glyphs in visual order, left to right, with positions in font units."""
    f = font(bold)
    pieces = runs(text, base)
    if base == "rtl":
        # runs are laid out from the right; a left-to-right run keeps its own order (HarfBuzz gives it)
        pieces = list(reversed(pieces))
    glyphs: list[Glyph] = []
    x = 0.0
    for start, end, direction in pieces:
        buf = hb.Buffer()
        buf.add_str(text[start:end])
        buf.direction = direction
        buf.guess_segment_properties()
        buf.direction = direction
        hb.shape(f.font, buf, {"kern": True, "liga": True})
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
            glyphs.append(Glyph(info.codepoint, x + pos.x_offset, pos.y_offset, start + info.cluster))
            x += pos.x_advance
    return Line(tuple(glyphs), x, bold, f.upem)


def width(text: str, *, size: float, bold: bool = False, base: str = "ltr") -> float:
    line = shape(text, base=base, bold=bold)
    return line.width * size / line.upem


def wrap(
    text: str, *, size: float, max_width: float, max_lines: int, bold: bool = False, base: str = "ltr"
) -> list[str]:
    """Break text into lines no wider than `max_width` (words kept whole when they fit; last line ellipsed)."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if width(candidate, size=size, bold=bold, base=base) <= max_width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1] + "…"
    out = []
    for line in lines:
        while width(line, size=size, bold=bold, base=base) > max_width and len(line) > 2:
            line = line[:-2] + "…"
        out.append(line)
    return out


def svg_text(
    text: str,
    *,
    x: float,
    y: float,
    size: float,
    anchor: str = "start",
    bold: bool = False,
    fill: str = "#1f2933",
    base: str = "ltr",
    defs: dict[str, str] | None = None,
) -> str:
    """An SVG group of glyph outlines; (x, y) is the baseline at the anchor (start = left edge).

    With `defs`, each glyph's outline is put there once (id -> path data, for a `<defs>` block) and the
    group refers to it with `<use>`, which keeps a whole map small; without, outlines are inline.
    """
    line = shape(text, base=base, bold=bold)
    scale = size / line.upem
    w = line.width * scale
    left = x - (w / 2 if anchor == "middle" else w if anchor == "end" else 0)
    f = font(bold)
    parts = []
    for g in line.glyphs:
        d = f.path(g.gid)
        if not d:
            continue
        transform = (
            f"translate({left + g.x * scale:.2f} {y - g.y * scale:.2f}) scale({scale:.5f} {-scale:.5f})"
        )
        if defs is None:
            parts.append(f'<path transform="{transform}" d="{d}"/>')
        else:
            ref = f"{'b' if bold else 'r'}{g.gid}"
            defs.setdefault(ref, d)
            parts.append(f'<use href="#{ref}" transform="{transform}"/>')
    label = _esc(text).replace('"', "&quot;")
    return f'<g fill="{fill}" aria-label="{label}">{"".join(parts)}</g>'


def svg_defs(defs: dict[str, str]) -> str:
    """The `<defs>` block for glyphs collected by `svg_text`."""
    return "<defs>" + "".join(f'<path id="{ref}" d="{d}"/>' for ref, d in sorted(defs.items())) + "</defs>"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
