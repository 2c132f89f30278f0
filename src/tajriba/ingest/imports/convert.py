"""Vectorised conversions of text columns, each returning the values and a mask of rows that failed."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from tajriba import calendars

ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"


def clean(arr: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """Trim, turn empty strings into nulls, and write Arabic-Indic and Persian digits as Latin."""
    arr = pc.utf8_trim_whitespace(arr)
    if pc.any(pc.match_substring_regex(arr, f"[{ARABIC_DIGITS}{PERSIAN_DIGITS}]")).as_py():
        for i in range(10):
            arr = pc.replace_substring(arr, ARABIC_DIGITS[i], str(i))
            arr = pc.replace_substring(arr, PERSIAN_DIGITS[i], str(i))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def failed(source: pa.ChunkedArray, result: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """Rows that had a value but did not convert."""
    return pc.and_(pc.is_valid(source), pc.is_null(result))


def to_decimal(arr: pa.ChunkedArray, *, decimal: str = ".") -> pa.ChunkedArray:
    """Amounts like 1,234.50, 1.234,50, ١٬٢٣٤٫٥٠ or 'SAR 99' (currency symbols and spaces ignored)."""
    text = clean(arr)
    text = pc.replace_substring(text, "٫", decimal)  # Arabic decimal separator
    text = pc.replace_substring(text, "٬", "")  # Arabic thousands separator
    text = pc.replace_substring_regex(text, r"[^0-9,.\-]", "")
    if decimal == ",":
        text = pc.replace_substring(text, ".", "")
        text = pc.replace_substring(text, ",", ".")
    else:
        text = pc.replace_substring(text, ",", "")
    ok = pc.match_substring_regex(text, r"^-?[0-9]+(\.[0-9]+)?$")
    text = pc.if_else(ok, text, pa.scalar(None, pa.string()))
    return pc.cast(text, pa.decimal128(18, 4))


def to_int(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    text = clean(arr)
    ok = pc.match_substring_regex(text, r"^-?[0-9]+(\.0+)?$")
    text = pc.if_else(ok, pc.replace_substring_regex(text, r"\.0+$", ""), pa.scalar(None, pa.string()))
    return pc.cast(text, pa.int32())


def to_float(arr: pa.ChunkedArray, *, decimal: str = ".") -> pa.ChunkedArray:
    return pc.cast(to_decimal(arr, decimal=decimal), pa.float64())


def to_bool(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    text = pc.utf8_lower(clean(arr))
    true = pc.is_in(text, pa.array(["1", "true", "yes", "y", "نعم", "بله", "t"]))
    false = pc.is_in(text, pa.array(["0", "false", "no", "n", "لا", "خیر", "f"]))
    return pc.if_else(true, True, pc.if_else(false, False, pa.scalar(None, pa.bool_())))


def to_timestamp(arr: pa.ChunkedArray, *, fmt: str = "iso", tz: str = "Asia/Riyadh") -> pa.ChunkedArray:
    """Times as UTC without a zone. `fmt`: iso, a strptime pattern (e.g. %d/%m/%Y %H:%M), hijri or jalali.

    Times without an offset are read in `tz` (the workspace's zone); ISO times with an offset keep theirs.
    """
    text = clean(arr)
    if fmt in ("hijri", "jalali"):
        return _calendar_dates(text, fmt, tz)
    fast = _vectorised_times(text, fmt, tz)
    if fast is not None:
        return fast
    uniq = pc.unique(text).to_pylist()
    zone = ZoneInfo(tz)
    table: dict[str, datetime | None] = {}
    for value in uniq:
        if value is None:
            continue
        table[value] = _parse_one(value, fmt, zone)
    keys = pa.array(list(table), pa.string())
    values = pa.array(list(table.values()), pa.timestamp("us"))
    idx = pc.index_in(text, keys)
    return pc.take(values, idx)


_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$"
_ISO_OFFSET = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)$"
_OFFSET_SUFFIX = r"(Z|[+-]\d{2}(:?\d{2})?)$"


def _vectorised_times(text: pa.ChunkedArray, fmt: str, tz: str) -> pa.ChunkedArray | None:
    """Arrow's own parsers for the common shapes; None when some values need the per-value path."""
    if fmt == "iso":
        with_offset = pc.fill_null(pc.match_substring_regex(text, _ISO_OFFSET), False)
        naive = pc.fill_null(pc.match_substring_regex(text, _ISO_NAIVE), True)
        if not pc.all(pc.or_(naive, with_offset)).as_py():
            return None
        body = pc.if_else(with_offset, pc.replace_substring_regex(text, _OFFSET_SUFFIX, ""), text)
        local = _iso_local(body)
        if local is None:
            return None
        if not pc.any(with_offset).as_py():
            return _in_zone(local, tz)
        seconds = _offset_seconds(pc.if_else(with_offset, text, pa.scalar(None, pa.string())))
        utc = pc.subtract(pc.cast(local, pa.int64()), pc.multiply(seconds, 1_000_000))
        zoned = _in_zone(pc.if_else(with_offset, pa.scalar(None, pa.timestamp("us")), local), tz)
        if zoned is None:
            return None
        return pc.if_else(with_offset, pc.cast(utc, pa.timestamp("us")), zoned)
    if "%z" not in fmt and "%Z" not in fmt:
        try:
            local = pc.strptime(text, format=fmt, unit="us", error_is_null=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        return _in_zone(local, tz)
    return None


def _iso_local(text: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """ISO dates and times without an offset as naive timestamps (None when one is not a real time)."""
    filled = pc.if_else(
        pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$"),
        pc.binary_join_element_wise(text, "T00:00:00", ""),
        text,
    )
    filled = pc.replace_substring_regex(filled, r"^(\d{4}-\d{2}-\d{2}) ", r"\1T")
    filled = pc.if_else(
        pc.match_substring_regex(filled, r"T\d{2}:\d{2}$"),
        pc.binary_join_element_wise(filled, ":00", ""),
        filled,
    )
    try:
        return pc.cast(filled, pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _offset_seconds(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """The UTC offset at the end of ISO times (Z, +03, +0330, -03:30) in seconds."""
    parts = pc.extract_regex(pc.fill_null(text, "Z"), r"(?:Z|(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{0,2}))$")

    def number(field: str) -> pa.ChunkedArray:
        digits = pc.struct_field(parts, field)
        return pc.cast(pc.if_else(pc.equal(digits, ""), "0", digits), pa.int64())

    seconds = pc.add(pc.multiply(number("hh"), 3600), pc.multiply(number("mm"), 60))
    sign = pc.struct_field(parts, "sign")
    return pc.if_else(pc.equal(sign, "-"), pc.negate(seconds), seconds)


def _in_zone(local: pa.ChunkedArray, tz: str) -> pa.ChunkedArray | None:
    """Naive local times of `tz` as naive UTC (a time a clock change skipped reads as Python reads it:
    with the offset before the change)."""
    if tz == "UTC":
        return local
    try:
        aware = pc.assume_timezone(local, timezone=tz, ambiguous="earliest", nonexistent="latest")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pc.cast(aware, pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))


def _parse_one(value: str, fmt: str, zone: ZoneInfo) -> datetime | None:
    from datetime import UTC

    try:
        if fmt == "iso":
            text = value.replace(" ", "T", 1) if len(value) > 10 and value[10] == " " else value
            parsed = datetime.fromisoformat(text)
        else:
            parsed = datetime.strptime(value, fmt)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _calendar_dates(text: pa.ChunkedArray, calendar: str, tz: str) -> pa.ChunkedArray:
    """Hijri (1446-09-01, 1446/9/1) or Jalali (1403/01/15) dates, optionally with a time, to UTC."""
    from datetime import UTC, time

    zone = ZoneInfo(tz)
    table: dict[str, datetime | None] = {}
    import re

    pattern = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
    for value in pc.unique(text).to_pylist():
        if value is None:
            continue
        m = pattern.match(value)
        result = None
        if m:
            y, mo, d = int(m[1]), int(m[2]), int(m[3])
            try:
                day: date = (
                    calendars.from_hijri(y, mo, d) if calendar == "hijri" else calendars.from_jalali(y, mo, d)
                )
                clock = time(int(m[4] or 0), int(m[5] or 0), int(m[6] or 0))
                result = datetime.combine(day, clock, zone).astimezone(UTC).replace(tzinfo=None)
            except (ValueError, OverflowError):
                result = None
        table[value] = result
    keys = pa.array(list(table), pa.string())
    values = pa.array(list(table.values()), pa.timestamp("us"))
    return pc.take(values, pc.index_in(text, keys))
