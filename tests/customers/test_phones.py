"""A column of phones made E.164 in Arrow gives exactly what phonenumbers gives one value at a time."""

from __future__ import annotations

import random

import phonenumbers
import pyarrow as pa
import pytest

from tajriba.customers.identifiers import (
    _SEPARATORS,
    LOCAL_REGIONS,
    _fast_phones,
    normalize_phone,
    normalize_phones,
)
from tajriba.i18n import to_latin_digits

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.UAN,
)


def _written(rng: random.Random, region: str, n: int) -> list[str]:
    """Numbers of the region (real shapes with random digits, some one digit short or long) written as
    people write them, beside the neighbours' numbers and noise."""
    cc = phonenumbers.country_code_for_region(region)
    shapes = [
        str(ex.national_number)
        for t in TYPES
        if (ex := phonenumbers.example_number_for_type(region, t)) is not None
    ]
    out = []
    for _ in range(n):
        nsn = rng.choice(shapes)
        keep = rng.randint(1, 3)
        nsn = nsn[:keep] + "".join(rng.choice("0123456789") for _ in nsn[keep:])
        if rng.random() < 0.15:
            nsn = nsn[:-1] if rng.random() < 0.5 else nsn + rng.choice("0123456789")
        form = rng.randrange(7)
        text = [f"+{cc}{nsn}", f"0{nsn}", nsn, f"00{cc}{nsn}", f"+{cc} {nsn[:2]} {nsn[2:5]} {nsn[5:]}",
                f"0{nsn[:2]}-{nsn[2:5]}-{nsn[5:]}", f"{cc}{nsn}"][form]  # fmt: skip
        roll = rng.random()
        if roll < 0.15:
            text = text.translate(ARABIC)
        elif roll < 0.25:
            text = text.translate(PERSIAN)
        elif roll < 0.3:
            text = f"\u200e{text} "
        out.append(text)
    other = rng.choice([r for r in LOCAL_REGIONS if r != region])
    out += [
        f"0{rng.randrange(10**8, 10**9)}",
        f"+{phonenumbers.country_code_for_region(other)}5{rng.randrange(10**7, 10**8)}",
    ]
    out += ["", "abc", "+", "٠٠", "12345", "0" * 12, "+1 (650) 253-0000", "+44 20 7946 0958"]
    return out


@pytest.mark.parametrize("region", LOCAL_REGIONS)
def test_the_column_equals_one_value_at_a_time(region: str) -> None:
    rng = random.Random(region)
    values = _written(rng, region, 700)
    column = pa.array([*values, None], pa.string())
    assert normalize_phones(column, region=region).to_pylist() == [
        *(normalize_phone(v, region=region) for v in values),
        None,
    ]
    # the Arrow path itself answered most valid numbers (phonenumbers alone would be right, and slow)
    valid = [v for v in values if normalize_phone(v, region=region)]
    cleaned = [_SEPARATORS.sub("", to_latin_digits(v)) for v in valid]
    fast = _fast_phones(pa.array(["+" + v[2:] if v.startswith("00") else v for v in cleaned]), region)
    assert len(valid) > 200 and fast.null_count < 0.6 * len(valid), (region, len(valid), fast.null_count)


def test_a_column_repeating_values_keeps_each_row() -> None:
    column = pa.chunked_array([["0501234567", "+966 50 123 4567", None], ["0501234567", "٠٥٠١٢٣٤٥٦٧"]])
    assert normalize_phones(column, region="SA").to_pylist() == [
        "+966501234567",
        "+966501234567",
        None,
        "+966501234567",
        "+966501234567",
    ]
