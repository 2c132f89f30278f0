"""Guess a mapping from a file's headers and first rows: Arabic, Persian and English column names as Salla,
Zid, Shopify (Arabic interface) and spreadsheets write them, and date columns' calendar and order by their
values.

Headers are compared folded (alef forms, ya/yeh, ta marbuta, kaf/keheh, tatweel and diacritics, case,
spaces and punctuation ignored), so "تاريخ  الطلب", "تاريخ_الطلب" and "تأريخ الطلب" all read the same.
A date column whose years are 1300-1419 is Jalali, 1420-1500 Hijri (Umm al-Qura); day/month/year is told
from month/day/year by a first part above 12.
"""

from __future__ import annotations

import re
from typing import Any

from tajriba.ingest.imports.mapping import FIELDS, REQUIRED, Mapping

# field -> names a column of it goes by (any kind that has the field)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "order_id": ("رقم الطلب", "رقم الطلبية", "معرف الطلب", "الطلب", "شماره سفارش", "کد سفارش", "order", "order id",
                 "order number", "name", "order_no", "order_number"),
    "ordered_at": ("تاريخ الطلب", "تاريخ الإنشاء", "وقت الطلب", "تاریخ سفارش", "زمان سفارش", "created at", "order date",
                   "date", "processed at"),
    "amount": ("الإجمالي", "إجمالي الطلب", "المجموع", "المبلغ", "قيمة الطلب", "الاجمالي", "مبلغ کل", "مبلغ سفارش", "جمع کل",
               "total", "order total", "total price", "grand total", "amount"),
    "currency": ("العملة", "ارز", "واحد پول", "currency", "currency code"),
    "status": ("حالة الطلب", "الحالة", "وضعیت", "وضعیت سفارش", "status", "order status", "financial status"),
    "payment_method": ("طريقة الدفع", "وسيلة الدفع", "روش پرداخت", "payment method", "payment gateway"),
    "shipping": ("تكلفة الشحن", "رسوم الشحن", "الشحن", "هزینه ارسال", "shipping", "shipping cost"),
    "discount": ("الخصم", "قيمة الخصم", "تخفیف", "discount", "discount amount"),
    "city": ("المدينة", "مدينة الشحن", "شهر", "city", "shipping city"),
    "items": ("عدد المنتجات", "الكمية", "تعداد", "items", "quantity", "lineitem quantity"),
    "channel": ("القناة", "قناة البيع", "کانال", "channel", "source name"),
    "customer_name": ("اسم العميل", "العميل", "الاسم", "نام مشتری", "مشتری", "customer name", "billing name", "customer"),
    "customer_phone": ("الجوال", "رقم الجوال", "جوال العميل", "رقم الهاتف", "الهاتف", "موبايل", "موبایل", "شماره تماس",
                       "تلفن همراه", "phone", "mobile", "customer phone", "billing phone", "customer mobile"),
    "customer_email": ("البريد الإلكتروني", "البريد", "الايميل", "ایمیل", "پست الکترونیک", "email", "customer email"),
    "customer_external_id": ("رقم العميل", "معرف العميل", "شناسه مشتری", "کد مشتری", "customer id", "customer number"),
    "external_id": ("رقم العميل", "معرف العميل", "شناسه مشتری", "کد مشتری", "customer id", "id"),
    "name": ("اسم العميل", "الاسم", "الاسم الكامل", "نام", "نام و نام خانوادگی", "name", "full name"),
    "first_name": ("الاسم الأول", "نام کوچک", "first name"),
    "last_name": ("اسم العائلة", "نام خانوادگی", "last name"),
    "email": ("البريد الإلكتروني", "البريد", "الايميل", "ایمیل", "email"),
    "phone": ("الجوال", "رقم الجوال", "رقم الهاتف", "الهاتف", "موبایل", "شماره تماس", "phone", "mobile"),
    "country": ("الدولة", "البلد", "کشور", "country"),
    "gender": ("الجنس", "جنسیت", "gender"),
    "created_at": ("تاريخ التسجيل", "تاريخ الإنشاء", "تاريخ الانشاء", "التاريخ", "تاریخ", "تاریخ ایجاد", "created at", "date"),
    "ticket_id": ("رقم التذكرة", "التذكرة", "شماره تیکت", "ticket id", "ticket"),
    "subject": ("الموضوع", "العنوان", "موضوع", "subject"),
    "category": ("التصنيف", "الفئة", "دسته", "category", "type"),
    "priority": ("الأولوية", "اولویت", "priority"),
    "agent": ("الموظف", "الوكيل", "کارشناس", "agent", "assignee"),
    "text": ("النص", "التعليق", "المراجعة", "الملاحظة", "متن", "نظر", "text", "comment", "review", "body"),
    "rating": ("التقييم", "امتیاز", "rating", "stars"),
}  # fmt: skip
_TATWEEL_AND_MARKS = re.compile(r"[\u0640\u064B-\u065F\u0670\u06D6-\u06ED]")
_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",
        "ة": "ه",
        "ک": "ك",
        "ۀ": "ه",
        "ؤ": "و",
        "ئ": "ي",
    }
)
_DATE = re.compile(r"^\s*(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def fold(header: str) -> str:
    """A header as compared: folded letters, no marks, lower case, letters and digits only."""
    text = _TATWEEL_AND_MARKS.sub("", header.translate(_FOLD)).lower()
    text = text.replace("تأريخ", "تاريخ")
    return re.sub(r"[\W_]+", "", text)


_OWN: dict[str, list[str]] = {}
for _kind_fields in FIELDS.values():
    for _f in _kind_fields:
        _OWN.setdefault(fold(_f), []).append(_f)
_INDEX: dict[str, list[str]] = {}
for _field, _names in SYNONYMS.items():
    for _name in _names:
        _INDEX.setdefault(fold(_name), []).append(_field)


def time_format(values: list[Any]) -> str | None:
    """The format of a date column from its values: hijri, jalali, %d/%m/%Y (…), or None for ISO/unknown."""
    years: list[int] = []
    day_first = month_first = year_first = False
    with_time = False
    for value in values:
        if value is None:
            continue
        text = str(value).translate(_DIGITS)
        m = _DATE.match(text)
        if not m:
            continue
        a, b, c = int(m[1]), int(m[2]), int(m[3])
        with_time = with_time or ":" in text
        if len(m[1]) == 4:
            year_first = True
            years.append(a)
        elif len(m[3]) == 4:
            years.append(c)
            day_first = day_first or a > 12
            month_first = month_first or b > 12
    if not years:
        return None
    lo, hi = min(years), max(years)
    if lo >= 1300 and hi < 1420:
        return "jalali"
    if lo >= 1420 and hi <= 1500:
        return "hijri"
    if year_first:
        return None  # ISO-like Gregorian
    if month_first and not day_first:
        return "%m/%d/%Y"
    return "%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y"


def guess(
    kind: str, headers: list[str], rows: list[dict[str, Any]] | None = None, *, currency: str | None = None
) -> Mapping:
    """The mapping whose columns the headers name (in Arabic, Persian or English), with date formats read from
    the rows; unknown columns become traits. The currency defaults to the workspace's when no column has it."""
    fields = FIELDS[kind]
    columns: dict[str, str] = {}
    for header in headers:
        if header == "__row":
            continue
        key = fold(header)
        plain = header.strip().lower()
        # a column named like the field itself first (order_id), then the names it goes by
        candidates = ([plain] if plain in fields else []) + [f for f in _OWN.get(key, []) if f in fields]
        candidates += [f for f in _INDEX.get(key, []) if f in fields]
        for f in candidates:
            if f not in columns:
                columns[f] = header
                break
    formats = {}
    for f, header in columns.items():
        if fields[f] == "time" and rows:
            fmt = time_format([r.get(header) for r in rows[:200]])
            if fmt:
                formats[f] = fmt
    defaults = {}
    if "currency" in REQUIRED[kind] and "currency" not in columns and currency:
        defaults["currency"] = currency
    used = set(columns.values())
    return Mapping(
        kind=kind,
        columns=columns,
        formats=formats,
        defaults=defaults,
        name="columns recognised by name",
        traits={h: h for h in headers if h not in used and h != "__row"},
    )
