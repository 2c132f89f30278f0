"""Normalise identifiers so the same person matches however they were written."""

from __future__ import annotations

import re
from functools import lru_cache

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
