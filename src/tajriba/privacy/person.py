"""Who a person is to the stores: their profile ids and every value that identifies them, and the scrubbing of
those values from text that is not theirs alone (an audit entry, a job's payload, an uploaded file).

`identify` reads the profile, the profiles merged into it, their identifiers, the traits and the personal data
written in their own words (a phone in a survey comment, a national id in a ticket: found by the PII detector),
before any of it is erased. A phone matches in any digit script (ASCII, Arabic-Indic, Persian) and any format
(+966 55 123 4567, 0551234567, 055-123-4567): numbers are compared by their last nine digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from tajriba.text import service as text
from tajriba.warehouse import Warehouse

ERASED = "[erased]"
PHONE_DIGITS = 9  # a phone is its last nine digits: the national number without trunk or country code
MIN_VALUE = 5  # shorter values (a first name alone, "Ali") would erase other people's words too
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_NUMBER = re.compile(r"[+\d٠-٩۰-۹](?:[\s\-.()\u200e\u200f]{0,2}[\d٠-٩۰-۹]){6,18}")
_PHONE_KINDS = {"phone", "PHONE"}
# text columns of the person's own rows whose personal data identifies them elsewhere too
OWN_TEXTS = (
    ("survey_responses", "comment"),
    ("feedback_texts", "text"),
    ("tickets", "subject"),
)
_SCRIPTS = (str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"), str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def digits(value: str) -> str:
    return re.sub(r"\D", "", value.translate(_DIGITS))


@dataclass(frozen=True)
class Person:
    workspace_id: int
    customer_id: str
    customer_ids: tuple[str, ...]  # the profile and every profile merged into it
    values: tuple[str, ...]  # e-mails, names, ids, anonymous ids, national ids, ... as stored
    phones: tuple[str, ...]  # the last nine digits of each phone

    def _values_re(self) -> re.Pattern[str] | None:
        usable = sorted({v for v in self.values if len(v) >= MIN_VALUE}, key=len, reverse=True)
        if not usable:
            return None
        return re.compile("|".join(re.escape(v) for v in usable), re.IGNORECASE)

    def scrub(self, value: str, replacement: str = ERASED) -> str:
        """The text with each identifying value, and each way of writing their phones, replaced by [erased] (or,
        for a correction, by the corrected value)."""
        pattern = self._values_re()
        out = pattern.sub(lambda _m: replacement, value) if pattern is not None else value
        if self.phones:
            out = _NUMBER.sub(lambda m: replacement if self._is_phone(m.group(0)) else m.group(0), out)
        return out

    def _is_phone(self, written: str) -> bool:
        number = digits(written)
        return len(number) >= PHONE_DIGITS and number[-PHONE_DIGITS:] in self.phones

    def mentioned(self, value: str) -> bool:
        return self.scrub(value) != value

    def scrub_json(self, value: Any, replacement: str = ERASED) -> Any:
        """A JSON value with every string in it scrubbed (keys too)."""
        if isinstance(value, str):
            return self.scrub(value, replacement)
        if isinstance(value, list):
            return [self.scrub_json(v, replacement) for v in value]
        if isinstance(value, dict):
            return {
                self.scrub(str(k), replacement): self.scrub_json(v, replacement) for k, v in value.items()
            }
        return value

    def needles(self) -> list[str]:
        """Every stored form to look for in a scan: the values, and the phones in three digit scripts."""
        out = set(self.values) | set(self.customer_ids)
        for phone in self.phones:
            out |= {phone, *(phone.translate(t) for t in _SCRIPTS)}
        return sorted(v for v in out if v)


def identify(wh: Warehouse, *, workspace_id: int, customer_id: str) -> Person:
    """The person as the warehouse knows them (read before anything is erased)."""
    ids = _merged_closure(wh, workspace_id, customer_id)
    values: set[str] = set(ids)
    phones: set[str] = set()
    rows = wh.sql(
        "SELECT external_id, name, email, phone, traits FROM customers WHERE workspace_id = ? "
        "AND list_contains(?, customer_id)",
        [workspace_id, ids],
    )
    for external_id, name, email, phone, traits in rows:
        values.update(v for v in (external_id, name, email) if v)
        if phone:
            phones.add(digits(phone)[-PHONE_DIGITS:])
        for key, value in _traits(traits).items():
            _add(values, phones, str(key), value)
    for kind, value in wh.sql(
        "SELECT kind, value FROM customer_identities WHERE workspace_id = ? AND list_contains(?, customer_id)",
        [workspace_id, ids],
    ):
        _add(values, phones, kind, value)
    for table, column in OWN_TEXTS:
        for (written,) in wh.sql(
            f"SELECT {column} FROM {table} WHERE workspace_id = ? AND list_contains(?, customer_id) "
            f"AND {column} IS NOT NULL",
            [workspace_id, ids],
        ):
            _add_found(values, phones, text.personal_data(written))
    for value in list(values):  # a number (a national id) in every digit script it may be written in
        if value.translate(_DIGITS).isdigit():
            plain = value.translate(_DIGITS)
            values.update({plain, *(plain.translate(t) for t in _SCRIPTS)})
    return Person(workspace_id, customer_id, tuple(ids), tuple(sorted(values)), tuple(sorted(phones)))


def _merged_closure(wh: Warehouse, workspace_id: int, customer_id: str) -> list[str]:
    """The profile and those merged into it (and into those), as far as the chain goes."""
    ids, frontier = [customer_id], [customer_id]
    while frontier and len(ids) < 1000:
        found = [
            r[0]
            for r in wh.sql(
                "SELECT customer_id FROM customers WHERE workspace_id = ? AND list_contains(?, merged_into)",
                [workspace_id, frontier],
            )
            if r[0] not in ids
        ]
        ids += found
        frontier = found
    return ids


def _traits(traits: Any) -> dict[str, Any]:
    if isinstance(traits, str):
        try:
            traits = orjson.loads(traits)
        except orjson.JSONDecodeError:
            return {}
    return traits if isinstance(traits, dict) else {}


def _add(values: set[str], phones: set[str], kind: str, value: Any) -> None:
    """One identifier or trait: phones by their digits; identifying kinds as they are; other text searched."""
    if value is None or isinstance(value, bool | int | float | dict | list):
        return
    value = str(value)
    if kind.lower() in _PHONE_KINDS or "phone" in kind.lower() or "mobile" in kind.lower():
        if len(digits(value)) >= PHONE_DIGITS:
            phones.add(digits(value)[-PHONE_DIGITS:])
        return
    if kind in ("email", "user_id", "anonymous_id", "external_id") or "id" in kind.lower().split("_"):
        values.add(value)
        return
    if "name" in kind.lower():
        values.add(value)
        return
    _add_found(values, phones, text.personal_data(value))


def _add_found(values: set[str], phones: set[str], found: Iterable[tuple[str, str]]) -> None:
    for kind, written in found:
        if kind in _PHONE_KINDS:
            if len(digits(written)) >= PHONE_DIGITS:
                phones.add(digits(written)[-PHONE_DIGITS:])
        else:
            values.add(written)
