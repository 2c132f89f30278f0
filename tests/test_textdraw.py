"""Server-side text: Arabic and Persian shaped (joined forms) and ordered right to left; numbers stay left to right."""

from __future__ import annotations

from tajriba import textdraw


def _names(text: str, base: str) -> list[str]:
    f = textdraw.font(False)
    return [f.order[g.gid] for g in textdraw.shape(text, base=base).glyphs]


def test_arabic_letters_take_their_joined_forms_in_right_to_left_order() -> None:
    # بيت: beh initial, yeh medial, teh final; drawn left to right as teh, yeh, beh
    assert _names("بيت", "rtl") == ["uniFE96", "uniFEF4", "uniFE91"]
    glyphs = textdraw.shape("بيت", base="rtl").glyphs
    assert [g.cluster for g in glyphs] == [2, 1, 0]  # the first letter is on the right


def test_persian_letters_join_and_the_zero_width_non_joiner_breaks_the_join() -> None:
    joined = _names("میشود", "rtl")
    broken = _names("می\u200cشود", "rtl")
    assert joined != broken
    assert len([n for n in broken if n not in ("uni200C", "space")]) >= 5


def test_numbers_and_latin_words_stay_left_to_right_inside_arabic() -> None:
    text = "النسبة 45.5% من CSAT"
    runs = textdraw.runs(text, "rtl")
    pieces = [(text[a:b], d) for a, b, d in runs]
    assert ("45.5%", "ltr") in pieces and ("CSAT", "ltr") in pieces
    # the number's digits are in reading order left to right
    glyphs = textdraw.shape("45.5", base="rtl").glyphs
    assert [g.cluster for g in glyphs] == sorted(g.cluster for g in glyphs)


def test_wrap_keeps_lines_within_the_width_and_marks_what_was_cut() -> None:
    text = "اختيار المنتج ومقارنة الأسعار في التطبيق قبل الشراء"
    lines = textdraw.wrap(text, size=12, max_width=80, max_lines=2, base="rtl")
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(textdraw.width(line, size=12, base="rtl") <= 80 for line in lines)


def test_svg_text_is_outlines_with_no_text_element() -> None:
    defs: dict[str, str] = {}
    svg = textdraw.svg_text("رحلة", x=10, y=20, size=14, base="rtl", defs=defs)
    assert "<text" not in svg and svg.count("<use ") == 4 and len(defs) == 4
    assert 'aria-label="رحلة"' in svg
    inline = textdraw.svg_text("رحلة", x=10, y=20, size=14, base="rtl")
    assert inline.count("<path ") == 4
