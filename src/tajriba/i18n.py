"""Translations (Babel catalogs for ar, fa, en), the current locale, and locale-aware numbers and dates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from pathlib import Path

LOCALES: tuple[str, ...] = ("ar", "fa", "en")
DIRECTION = {"ar": "rtl", "fa": "rtl", "en": "ltr"}
LANGUAGE_NAMES = {"ar": "العربية", "fa": "فارسی", "en": "English"}
CALENDARS: tuple[str, ...] = ("gregorian", "hijri", "jalali")
CATALOG_DIR = Path(__file__).parent / "web" / "i18n"

_locale: ContextVar[str] = ContextVar("tajriba_locale", default="en")

_NATIVE_DIGITS = {"ar": "٠١٢٣٤٥٦٧٨٩", "fa": "۰۱۲۳۴۵۶۷۸۹"}
_TO_LATIN = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@cache
def catalog(locale: str) -> dict[str, str]:
    """Load one locale's .po catalog into a dict (English is the source language)."""
    if locale == "en":
        return {}
    from babel.messages.pofile import read_po

    with (CATALOG_DIR / f"{locale}.po").open("rb") as handle:
        cat = read_po(handle, locale=locale)
    out: dict[str, str] = {}
    for msg in cat:
        if not msg.id or not msg.string or msg.fuzzy:
            continue
        if isinstance(msg.id, (tuple, list)):
            for i, form in enumerate(msg.string):
                out[f"{msg.id[0]}\x00{i}"] = str(form)
        else:
            out[str(msg.id)] = str(msg.string)
    return out


def set_locale(locale: str) -> None:
    _locale.set(locale if locale in LOCALES else "en")


def get_locale() -> str:
    return _locale.get()


@contextmanager
def speaking(locale: str) -> Iterator[None]:
    """Translate in `locale` inside the block, then go back to the caller's language (a mail written for one
    person in the worker must not leave the worker speaking that person's language)."""
    token = _locale.set(locale if locale in LOCALES else "en")
    try:
        yield
    finally:
        _locale.reset(token)


def localized(name: str | None, names: dict[str, str] | None, locale: str | None = None) -> str:
    """A user-given name in `locale` (default: the language being spoken) when the data gives one, else its
    main name: journeys, stages, touchpoints and personas carry names per language."""
    return str((names or {}).get(locale or get_locale()) or name or "")


def gettext(message: str) -> str:
    return catalog(get_locale()).get(message, message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    locale = get_locale()
    if locale == "en":
        return singular if n == 1 else plural
    from babel.core import Locale
    from babel.plural import to_python

    index = to_python(Locale.parse(locale).plural_form)(n)
    forms = ["zero", "one", "two", "few", "many", "other"]
    cat = catalog(locale)
    # Catalog forms follow the .po Plural-Forms order; map CLDR category to its index there.
    idx = _plural_index(locale, forms.index(index) if index in forms else 5)
    return cat.get(f"{singular}\x00{idx}", singular if n == 1 else plural)


def _plural_index(locale: str, cldr: int) -> int:
    # ar: nplurals=6 (zero, one, two, few, many, other); fa: nplurals=2 (one, other)
    if locale == "ar":
        return cldr
    return 0 if cldr == 1 else 1


def to_native_digits(text: str, locale: str) -> str:
    table = _NATIVE_DIGITS.get(locale)
    if not table:
        return text
    return text.translate(str.maketrans("0123456789", table))


def to_latin_digits(text: str) -> str:
    return text.translate(_TO_LATIN)


def apply_digits(text: str, locale: str, digits: str) -> str:
    """Write digits in Latin or in the locale's native (Arabic-Indic / Persian) form."""
    return to_native_digits(text, locale) if digits == "native" else to_latin_digits(text)


def format_number(
    value: float | int | Decimal | None, *, locale: str, digits: str = "latn", decimals: int | None = None
) -> str:
    """Format a number with the locale's separators and the chosen digit form ("–" for no number: None, NaN,
    or anything that is not a number, so a missing figure never breaks a page)."""
    import numbers

    if value is None or not isinstance(value, numbers.Number) or value != value:
        return "–"
    from babel.numbers import format_decimal

    fmt = None
    if decimals is not None:
        fmt = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(value, format=fmt, locale=locale, numbering_system=_numbering(locale, digits))
    return apply_digits(text, locale, digits)


def _numbering(locale: str, digits: str) -> str:
    # Native digits come with the locale's own separators (Arabic ٫ ٬ and Persian).
    if digits == "native":
        return {"ar": "arab", "fa": "arabext"}.get(locale, "latn")
    return "latn"


def format_percent(value: float | None, *, locale: str, digits: str = "latn", decimals: int = 1) -> str:
    if value is None:
        return "–"
    from babel.numbers import format_percent as fp

    fmt = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    text = fp(value, format=fmt, locale=locale, numbering_system=_numbering(locale, digits))
    return apply_digits(text, locale, digits)
