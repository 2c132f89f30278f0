"""Personal data in free text: find it, name its type, redact it.

Types: EMAIL, PHONE (Saudi, Gulf, Egyptian, Iranian, Jordanian national formats; any number written with
a + or 00 country code), SA_NATIONAL_ID and SA_IQAMA (10 digits from 1 or 2, Luhn), IR_NATIONAL_ID
(10 digits, mod-11 check), EG_NATIONAL_ID (14 digits with a valid birth date and governorate),
AE_EMIRATES_ID (784-YYYY-NNNNNNN-C, Luhn), CREDIT_CARD (13-19 digits, Luhn, a card-network prefix),
IBAN (country length and mod-97 check), URL (a link carrying a token, key, signature or session).
Digits in any script are read (Arabic-Indic and Persian digits map one for one, so offsets hold).

Ten-digit numbers are ambiguous (a Saudi ID, an Iranian ID, a Saudi or Emirati mobile, an order number):
the nearest keyword before the number decides (ID words, phone words, or order/invoice/ticket words,
which rule it out), then the script (Persian text prefers the Iranian ID), then the check digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers

from tajriba.text.normalize import ascii_digits


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int

    def as_dict(self) -> dict[str, object]:
        return {"type": self.type, "start": self.start, "end": self.end}


IBAN_LENGTHS = {
    "SA": 24, "AE": 23, "IR": 26, "EG": 29, "KW": 30, "QA": 29, "BH": 22, "OM": 23, "JO": 30, "LB": 28,
    "TR": 26, "IQ": 23, "PS": 29, "TN": 24, "MA": 28, "DZ": 26, "GB": 22, "DE": 22, "FR": 27, "NL": 18,
    "ES": 24, "IT": 27, "CH": 21, "BE": 16, "AT": 20, "IE": 22, "PK": 24, "LU": 20, "SE": 24, "PL": 28,
}  # fmt: skip

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_URL = re.compile(r"https?://[^\s<>\"'،]+", re.IGNORECASE)
_URL_SECRET = re.compile(
    r"[?&#;](?:token|access_token|auth|key|api_key|apikey|sig|signature|session|sid|code|otp|password|pwd|secret|t)=[^&#\s]+"
    r"|/[A-Za-z0-9_\-]*(?=[A-Za-z0-9_\-]*\d)(?=[A-Za-z0-9_\-]*[A-Za-z])[A-Za-z0-9_\-]{20,}",
    re.IGNORECASE,
)
_IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})((?:[ \-]?[A-Za-z0-9]){10,32})")
_EMIRATES = re.compile(r"(?<!\d)784[ \-]?\d{4}[ \-]?\d{7}[ \-]?\d(?!\d)")
_DIGIT_RUN = re.compile(r"(?<![\d+\w])\d(?:[ \-]?\d){7,18}(?![\d])")
_INTERNATIONAL = re.compile(r"(?<![\w+])(?:\+|00)[1-9](?:[ \-.]?\(?\d\)?){6,14}(?!\d)")

ID_WORDS = (
    "هوية", "هويتي", "الهوية", "هويه", "اقامة", "إقامة", "الإقامة", "الاقامة", "اقامتي", "إقامتي", "سجل مدني",
    "السجل المدني", "الرقم القومي", "الرقم الوطني", "رقم قومي", "بطاقة", "iqama", "national id", "id number",
    "id no", "emirates id", "کد ملی", "کدملی", "شماره ملی", "کد ملي", "national", "identity",
)  # fmt: skip
PHONE_WORDS = (
    "جوال", "جوالي", "الجوال", "هاتف", "هاتفي", "الهاتف", "موبايل", "موبايلي", "رقمي", "اتصل", "اتصلوا", "تواصل",
    "واتس", "واتساب", "تلفون", "تليفون", "تلفن", "موبایل", "تماس", "همراه", "phone", "mobile", "call", "whatsapp",
    "tel", "contact", "number",
)  # fmt: skip
NOT_PII_WORDS = (
    "طلب", "الطلب", "طلبية", "order", "سفارش", "فاتورة", "الفاتورة", "invoice", "ticket", "تذكرة", "التذكرة",
    "شحنة", "الشحنة", "tracking", "تتبع", "التتبع", "serial", "سريال", "كود", "code", "كوبون", "coupon",
    "رهگیری", "پیگیری", "فاکتور", "sku", "ref", "مرجع", "#",
)  # fmt: skip
_PERSIAN = re.compile(r"[پچژگیک]")
_KEYWORDS = sorted(
    [(w, "id") for w in ID_WORDS] + [(w, "phone") for w in PHONE_WORDS] + [(w, "no") for w in NOT_PII_WORDS],
    key=lambda p: -len(p[0]),
)
_KEYWORD_RE = re.compile("|".join(re.escape(w) for w, _ in _KEYWORDS), re.IGNORECASE)
_KEYWORD_KIND = {w.lower(): k for w, k in _KEYWORDS}


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iran_id_ok(digits: str) -> bool:
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    s = sum(int(digits[i]) * (10 - i) for i in range(9)) % 11
    check = int(digits[9])
    return check == s if s < 2 else check == 11 - s


def saudi_id_ok(digits: str) -> bool:
    return len(digits) == 10 and digits[0] in "12" and luhn_ok(digits)


EG_GOVERNORATES = {
    1,
    2,
    3,
    4,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    21,
    22,
    23,
    24,
    25,
    26,
    27,
    28,
    29,
    31,
    32,
    33,
    34,
    35,
    88,
}


def egypt_id_ok(digits: str) -> bool:
    if len(digits) != 14 or digits[0] not in "23":
        return False
    year = (1900 if digits[0] == "2" else 2000) + int(digits[1:3])
    try:
        date(year, int(digits[3:5]), int(digits[5:7]))
    except ValueError:
        return False
    return int(digits[7:9]) in EG_GOVERNORATES


def iban_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def card_ok(digits: str) -> bool:
    if not 13 <= len(digits) <= 19 or not luhn_ok(digits):
        return False
    return digits[0] in "3456" or digits[:2] in {"22", "23", "24", "25", "26", "27"}


def national_phone(digits: str) -> bool:
    n = len(digits)
    if n == 10:
        return digits.startswith("05") or digits[:3] in {
            "011",
            "012",
            "013",
            "014",
            "016",
            "017",
            "077",
            "078",
            "079",
        }
    if n == 11:
        return (
            digits[:3] in {"010", "011", "012", "015"}
            or digits.startswith("09")
            or digits[:2] in {"02", "03", "04", "05", "06", "07", "08"}
        )
    return False


def _context(text: str, start: int, window: int = 40) -> str | None:
    """The kind of the nearest keyword in the `window` characters before `start` ("id", "phone", "no")."""
    before = text[max(0, start - window) : start]
    last = None
    for m in _KEYWORD_RE.finditer(before):
        last = m
    return None if last is None else _KEYWORD_KIND[last.group(0).lower()]


def _overlaps(spans: list[Span], start: int, end: int) -> bool:
    return any(s.start < end and start < s.end for s in spans)


def detect(text: str) -> list[Span]:
    """Every personal-data span in one text, in order; spans never overlap."""
    t = ascii_digits(text)
    spans: list[Span] = []

    def add(kind: str, start: int, end: int) -> None:
        if not _overlaps(spans, start, end):
            spans.append(Span(kind, start, end))

    if "@" in t:
        for m in _EMAIL.finditer(t):
            add("EMAIL", m.start(), m.end())
    if "://" in t:
        for m in _URL.finditer(t):
            if _URL_SECRET.search(m.group(0)):
                add("URL", m.start(), m.end())
    for m in _IBAN.finditer(t):
        cc = m.group(1).upper()
        length = IBAN_LENGTHS.get(cc)
        if length is None:
            continue
        body = m.group(3)
        compact, end = cc + m.group(2), m.start(3)
        for i, ch in enumerate(body):
            if ch.isalnum():
                compact += ch.upper()
                if len(compact) == length:
                    end = m.start(3) + i + 1
                    break
        if len(compact) == length and compact[2:].isalnum() and iban_ok(compact):
            add("IBAN", m.start(), end)
    for m in _EMIRATES.finditer(t):
        if luhn_ok(re.sub(r"\D", "", m.group(0))):
            add("AE_EMIRATES_ID", m.start(), m.end())
    for m in _INTERNATIONAL.finditer(t):
        raw = m.group(0)
        digits = re.sub(r"\D", "", raw)
        context = _context(t, m.start())
        if context == "no" or (raw.startswith("00") and (len(digits) < 11 or context == "id")):
            continue  # "00" starts many a number that is no international call
        number = "+" + (digits[2:] if raw.startswith("00") else digits)
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed):
            add("PHONE", m.start(), m.end())
    persian = bool(_PERSIAN.search(t))
    for m in _DIGIT_RUN.finditer(t):
        start, end = m.start(), m.end()
        if _overlaps(spans, start, end):
            continue
        digits = re.sub(r"\D", "", m.group(0))
        kind = _classify_number(digits, _context(t, start), persian)
        if kind:
            add(kind, start, end)
    spans.sort(key=lambda s: s.start)
    return spans


def _classify_number(digits: str, context: str | None, persian: bool) -> str | None:
    if context == "no":  # an order, invoice, ticket or tracking number (a "#" just before counts too)
        return None
    n = len(digits)
    if n == 14 and egypt_id_ok(digits) and context != "phone":
        return "EG_NATIONAL_ID"
    if n >= 13 and card_ok(digits):
        return "CREDIT_CARD"
    if n == 10:
        sa, ir, phone = saudi_id_ok(digits), iran_id_ok(digits), national_phone(digits)
        sa_kind = "SA_NATIONAL_ID" if digits[0] == "1" else "SA_IQAMA"
        if context == "id":
            if ir and (persian or not sa):
                return "IR_NATIONAL_ID"
            return sa_kind if sa else None
        if context == "phone" and phone:
            return "PHONE"
        if persian and ir:
            return "IR_NATIONAL_ID"
        if phone:
            return "PHONE"
        if sa:
            return sa_kind
        return None
    if national_phone(digits):
        return "PHONE"
    if n == 8 and context == "phone" and digits[0] in "3456679":
        return "PHONE"  # Gulf numbers have no trunk prefix: only with a phone word before them
    return None


def detect_batch(texts: list[str]) -> list[list[Span]]:
    return [detect(t) if _may_hold(t) else [] for t in texts]


_DIGITISH = re.compile(r"[0-9٠-٩۰-۹@]|://")


def _may_hold(text: str) -> bool:
    return _DIGITISH.search(text) is not None


def redact(text: str, spans: list[Span]) -> str:
    """The text with every span replaced by its type in brackets, e.g. "[PHONE]"."""
    out, last = [], 0
    for s in spans:
        out.append(text[last : s.start])
        out.append(f"[{s.type}]")
        last = s.end
    out.append(text[last:])
    return "".join(out)
