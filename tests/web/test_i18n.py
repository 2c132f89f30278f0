"""Every user-facing string is translated; pages carry lang/dir; dates and digits follow preferences."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from tajriba import calendars, i18n
from tests.conftest import csrf_from, login, make_user, make_workspace

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def _source_messages() -> set[str]:
    method_map = [("src/tajriba/**.py", "python"), ("src/tajriba/web/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT),
        method_map=method_map,
        keywords=KEYWORDS,
        options_map={"src/tajriba/web/templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("locale", ["ar", "fa"])
def test_every_message_in_code_and_templates_has_a_translation(locale: str) -> None:
    messages = _source_messages()
    assert len(messages) > 150
    catalog = i18n.catalog(locale)
    missing = sorted(m for m in messages if not catalog.get(m))
    assert missing == [], f"untranslated in {locale}.po (run `make i18n` and translate): {missing[:10]}"


@pytest.mark.parametrize("locale", ["ar", "fa"])
def test_translations_keep_their_placeholders(locale: str) -> None:
    import re

    for msgid, msgstr in i18n.catalog(locale).items():
        assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", msgstr)), msgid


@pytest.mark.parametrize(
    ("locale", "direction", "word"),
    [("ar", "rtl", "نظرة عامة"), ("fa", "rtl", "نمای کلی"), ("en", "ltr", "Overview")],
)
def test_pages_carry_lang_and_dir_of_the_chosen_language(client, db, locale, direction, word) -> None:
    ws = make_workspace(db)
    login(client, make_user(db, workspace=ws, role="owner"))
    token = csrf_from(client, "/account")
    client.post("/preferences", data={"locale": locale, "csrf_token": token, "next": "/account"})
    html = client.get(f"/w/{ws.slug}/").text
    assert f'<html lang="{locale}" dir="{direction}">' in html
    assert word in html


def test_anonymous_visitors_can_choose_the_login_page_language(client) -> None:
    assert 'dir="rtl"' in client.get("/login").text  # Arabic is the default
    token = csrf_from(client)
    client.post("/preferences", data={"locale": "en", "csrf_token": token, "next": "/login"})
    html = client.get("/login").text
    assert 'lang="en" dir="ltr"' in html and "Log in to Tajriba" in html


def test_hijri_dates_follow_umm_al_qura() -> None:
    assert calendars.to_hijri(date(2026, 2, 18)) == (1447, 9, 1)  # 1 Ramadan 1447
    assert calendars.from_hijri(1447, 10, 1) == date(2026, 3, 20)  # Eid al-Fitr 1447
    assert calendars.to_hijri(date(2025, 6, 26)) == (1447, 1, 1)  # 1 Muharram 1447


def test_jalali_dates_start_the_year_at_nowruz() -> None:
    assert calendars.to_jalali(date(2026, 3, 21)) == (1405, 1, 1)
    assert calendars.from_jalali(1403, 1, 15) == date(2024, 4, 3)


def test_dates_and_digits_render_per_preference() -> None:
    i18n.set_locale("ar")
    d = date(2026, 2, 18)
    assert calendars.format_date(d, locale="ar", calendar="hijri", digits="native") == "١ رمضان ١٤٤٧"
    assert calendars.format_date(d, locale="ar", calendar="gregorian", digits="latn") == "18 فبراير 2026"
    i18n.set_locale("fa")
    assert (
        calendars.format_date(date(2026, 3, 21), locale="fa", calendar="jalali", digits="native")
        == "۱ فروردین ۱۴۰۵"
    )
    i18n.set_locale("en")
    assert calendars.format_date(d, locale="en", calendar="hijri") == "1 Ramadan 1447"
    assert i18n.format_number(1234567.891, locale="ar", digits="native", decimals=2) == "١٬٢٣٤٬٥٦٧٫٨٩"
    assert i18n.format_number(1234567, locale="fa", digits="native") == "۱٬۲۳۴٬۵۶۷"
    assert i18n.format_number(1234567.5, locale="en", decimals=1) == "1,234,567.5"
    assert i18n.to_latin_digits("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹") == "0123456789 0123456789"


def test_user_calendar_and_digit_preferences_apply_to_pages(client, db) -> None:
    ws = make_workspace(db)
    login(client, make_user(db, workspace=ws, role="owner", locale="ar"))
    token = csrf_from(client, "/account")
    client.post(
        "/preferences",
        data={"calendar": "hijri", "digits": "native", "csrf_token": token, "next": "/account"},
    )
    html = client.get("/account").text
    hijri_month_names = [i18n.catalog("ar")[m] for m in calendars.HIJRI_MONTHS]
    assert any(name in html for name in hijri_month_names)
    assert "١٤٤" in html  # a Hijri year in Arabic-Indic digits
