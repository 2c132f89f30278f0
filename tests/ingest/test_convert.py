"""Times read in Arrow equal Python's own reading of the same text, value by value."""

from __future__ import annotations

import random
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from tajriba.ingest.imports.convert import _parse_one, to_timestamp


def _iso(rng: random.Random) -> str:
    day = f"{rng.randint(1990, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if rng.random() < 0.1:
        return day
    clock = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    if rng.random() < 0.8:
        clock += f":{rng.randint(0, 59):02d}"
        if rng.random() < 0.3:
            clock += "." + str(rng.randint(0, 999999)).zfill(rng.choice((3, 6)))
    text = day + rng.choice("T ") + clock
    roll = rng.random()
    if roll < 0.2:
        return text + "Z"
    if roll < 0.7:
        sign, hours, minutes = rng.choice("+-"), rng.randint(0, 14), rng.choice((0, 30, 45))
        return text + rng.choice(
            (f"{sign}{hours:02d}:{minutes:02d}", f"{sign}{hours:02d}{minutes:02d}", f"{sign}{hours:02d}")
        )
    return text


@pytest.mark.parametrize("tz", ["Asia/Riyadh", "Asia/Tehran", "Africa/Cairo", "UTC"])
def test_iso_times_with_and_without_offsets_read_as_python_reads_them(tz: str) -> None:
    rng = random.Random(tz)
    values = [_iso(rng) for _ in range(3000)] + [None]
    zone = ZoneInfo(tz)
    expected = [_parse_one(v, "iso", zone) if v else None for v in values]
    assert to_timestamp(pa.chunked_array([values]), tz=tz).to_pylist() == expected


def test_one_odd_value_sends_the_column_through_python_and_is_still_read() -> None:
    values = ["2025-01-01T10:00:00+03:00", "2025-01-01T10", "not a time"]
    got = to_timestamp(pa.chunked_array([values]), tz="Asia/Riyadh").to_pylist()
    assert [str(v) if v else None for v in got] == ["2025-01-01 07:00:00", "2025-01-01 07:00:00", None]
