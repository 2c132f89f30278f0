"""Normalise identifiers so the same person matches however they were written."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tajriba.i18n import to_latin_digits

KINDS = ("user_id", "anonymous_id", "email", "phone", "external_id")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# identifiers that many unrelated people share: never used to link profiles
DEFAULT_BLOCKLIST = frozenset(
    {
        "test@test.com",
        "test@example.com",
        "a@a.com",
        "no@email.com",
        "noemail@noemail.com",
        "none@none.com",
        "null",
        "none",
        "undefined",
        "nan",
        "0",
        "unknown",
        "anonymous",
        "guest",
        "00000000-0000-0000-0000-000000000000",
        "+966500000000",
        "+966555555555",
        "+201000000000",
    }
)


LOCAL_REGIONS = ("SA", "AE", "KW", "QA", "BH", "OM", "EG", "IR", "JO")


def normalize_email(value: str) -> str | None:
    text = value.strip().casefold()
    return text if _EMAIL.match(text) else None


def normalize_phone(value: str, *, region: str = "SA") -> str | None:
    """E.164 for a phone written in any digit script, with spaces, dashes, 00 or a local 0 prefix."""
    text = _SEPARATORS.sub("", to_latin_digits(value).strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text or not _DIGITS.fullmatch(text):
        return None
    return _parsed(text, region)


_SEPARATORS = re.compile(r"[\s\-().\u200e\u200f\u202a-\u202e]")
_DIGITS = re.compile(r"\+?\d{6,16}")


# keyed by the digits, so one number written several ways is parsed once; a customer's phone comes back on
# each of their events and orders (65,536 numbers: about 15 MB at most)
@lru_cache(maxsize=1 << 16)
def _parsed(text: str, region: str) -> str | None:
    import phonenumbers

    # A local number (no +) is read in the workspace's region first, then in the neighbouring ones.
    regions = [None] if text.startswith("+") else list(dict.fromkeys([region, *LOCAL_REGIONS]))
    for candidate in regions:
        try:
            number = phonenumbers.parse(text, candidate)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def normalize_emails(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`normalize_email` of each value of a column: printable ASCII in Arrow (lower-case is casefold there,
    space the only blank), anything else one distinct value at a time."""
    printable = pc.fill_null(pc.match_substring_regex(values, r"^[\x20-\x7e]*$"), False)
    text = pc.utf8_lower(pc.utf8_trim(values, " "))
    ok = pc.fill_null(pc.match_substring_regex(text, r"^[^@ ]+@[^@ ]+\.[^@ ]+$"), False)
    out = pc.if_else(pc.and_(printable, ok), text, pa.scalar(None, pa.string()))
    rest = pc.and_(pc.invert(printable), pc.is_valid(values))
    if pc.any(rest).as_py():
        odd = pc.unique(pc.filter(values, rest))
        answers = pa.array([normalize("email", v) for v in odd.to_pylist()], pa.string())
        out = pc.if_else(rest, pc.take(answers, pc.index_in(values, value_set=odd)), out)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def normalize_phones(values: pa.Array | pa.ChunkedArray, *, region: str = "SA") -> pa.Array:
    """`normalize_phone` of each value of a column, each distinct value cleaned once and in Arrow. A number
    written the usual ways for the workspace's own region (+966..., 0..., or the bare national number) is
    checked against the region's number patterns from phonenumbers' metadata, in RE2 over the column; only
    the rest (other countries, the neighbouring regions' local numbers, odd forms) goes through
    phonenumbers one distinct value at a time. tests/customers/test_phones.py holds both to the same answers."""
    uniq = pc.unique(values)
    text = pc.replace_substring_regex(uniq, _VECTOR_SEPARATORS, "")
    for native, latin in zip("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789", strict=True):
        text = pc.replace_substring(text, native, latin)
    text = pc.replace_substring_regex(text, "^00", "+")
    text = pc.if_else(pc.match_substring_regex(text, r"^\+?[0-9]{6,16}$"), text, pa.scalar(None, pa.string()))
    fast = _fast_phones(text, region)
    rest = pc.and_(pc.is_null(fast), pc.is_valid(uniq))
    slow = pc.filter(uniq, rest).to_pylist()
    if slow:
        answers = pa.array([normalize("phone", v, region=region) for v in slow], pa.string())
        fast = pc.if_else(rest, pc.take(answers, _positions(rest)), fast)
    return pc.take(fast, pc.index_in(values, value_set=uniq))


def _positions(mask: pa.Array) -> pa.Array:
    """For each True of `mask`, its rank among the Trues (0-based); elsewhere anything in range."""
    ranks = pc.subtract(pc.cumulative_sum(pc.cast(mask, pa.int64())), 1)
    return pc.max_element_wise(ranks, 0)


_VECTOR_SEPARATORS = r"[ \t\n\r\f\v\-().\x{200e}\x{200f}\x{202a}-\x{202e}]"  # within _SEPARATORS
_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


def _fast_phones(text: pa.Array, region: str) -> pa.Array:
    """E.164 where the text is a valid number of `region` written +CC..., with its national prefix, or bare;
    null where phonenumbers must decide."""
    import phonenumbers

    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    none = pa.nulls(len(text), pa.string())
    if (
        meta is None
        or meta.country_code is None
        or len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(meta.country_code, ())) != 1
        or meta.international_prefix != "00"
        or meta.national_prefix_transform_rule
    ):
        return none
    plus = f"+{meta.country_code}"
    prefix = meta.national_prefix if meta.national_prefix_for_parsing == meta.national_prefix else None
    with_plus = pc.starts_with(text, "+")
    nsn = pc.if_else(
        pc.starts_with(text, plus), pc.utf8_slice_codeunits(text, len(plus)), pa.scalar(None, pa.string())
    )
    local = pc.if_else(with_plus, pa.scalar(None, pa.string()), text)
    if prefix and prefix.isdigit():
        local = pc.if_else(pc.starts_with(local, prefix), pc.utf8_slice_codeunits(local, len(prefix)), local)
    nsn = pc.coalesce(nsn, local)
    try:
        valid = pc.and_(_matches(nsn, meta.general_desc), _any_type(nsn, meta))
    except pa.ArrowInvalid:  # a pattern RE2 does not take: phonenumbers decides every number
        return none
    valid = pc.and_kleene(valid, pc.invert(pc.starts_with(nsn, "0")))
    return pc.if_else(
        pc.fill_null(valid, False), pc.binary_join_element_wise(plus, nsn, ""), pa.scalar(None, pa.string())
    )


def _any_type(nsn: pa.Array, meta: Any) -> pa.Array:
    found = pa.array([False] * len(nsn))
    for name in _TYPES:
        if name == "mobile" and meta.same_mobile_and_fixed_line_pattern:
            continue
        found = pc.or_(found, _matches(nsn, getattr(meta, name)))
    return found


def _matches(nsn: pa.Array, desc: Any) -> pa.Array:
    """phonenumbers' _is_number_matching_desc over a column (possible lengths, then the whole pattern)."""
    if desc is None or not desc.national_number_pattern:
        return pa.array([False] * len(nsn))
    ok = pc.fill_null(pc.match_substring_regex(nsn, f"^(?:{desc.national_number_pattern})$"), False)
    if desc.possible_length:
        lengths = pa.array(list(desc.possible_length), pa.int32())
        ok = pc.and_(ok, pc.fill_null(pc.is_in(pc.utf8_length(nsn), value_set=lengths), False))
    return ok


def normalize(kind: str, value: object, *, region: str = "SA") -> str | None:
    """The canonical form of an identifier of `kind`, or None when it is not usable."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text:
        return None
    if kind == "email":
        return normalize_email(text)
    if kind == "phone":
        return normalize_phone(text, region=region)
    return text
