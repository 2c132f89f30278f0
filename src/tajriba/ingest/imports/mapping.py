"""Column mappings: which source column feeds which field, in which format; built-in ones for common exports."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tajriba.customers import service as customers
from tajriba.errors import Invalid
from tajriba.i18n import N_

BUILTIN_DIR = Path(__file__).parent / "mappings"
KINDS = ("customers", "events", "orders", "tickets", "feedback")

# field -> type; identity fields (customer_*) link rows to customer profiles
IDENTITY = {
    "customer_external_id": "text",
    "customer_email": "text",
    "customer_phone": "text",
    "customer_name": "text",
}
FIELDS: dict[str, dict[str, str]] = {
    "customers": {
        "external_id": "text",
        "email": "text",
        "phone": "text",
        "name": "text",
        "first_name": "text",
        "last_name": "text",
        "country": "text",
        "city": "text",
        "language": "text",
        "gender": "text",
        "birth_year": "int",
        "created_at": "time",
        "source": "text",
    },
    "orders": {
        "order_id": "text",
        "ordered_at": "time",
        "amount": "money",
        "currency": "text",
        "status": "text",
        "channel": "text",
        "items": "int",
        "discount": "money",
        "shipping": "money",
        "payment_method": "text",
        "city": "text",
        "promised_delivery_at": "time",
        "delivered_at": "time",
        "cancelled_at": "time",
        "returned_at": "time",
        "source": "text",
        **IDENTITY,
    },
    "tickets": {
        "ticket_id": "text",
        "created_at": "time",
        "first_response_at": "time",
        "first_response_minutes": "float",
        "resolved_at": "time",
        "closed_at": "time",
        "channel": "text",
        "subject": "text",
        "category": "text",
        "priority": "text",
        "status": "text",
        "agent": "text",
        "team": "text",
        "satisfaction": "float",
        "is_complaint": "bool",
        "order_id": "text",
        "source": "text",
        **IDENTITY,
    },
    "feedback": {
        "feedback_id": "text",
        "text": "text",
        "created_at": "time",
        "source": "text",
        "rating": "float",
        "language": "text",
        "channel": "text",
        "url": "text",
        "order_id": "text",
        "ticket_id": "text",
        **IDENTITY,
    },
    "events": {
        "message_id": "text",
        "event": "text",
        "timestamp": "time",
        "channel": "text",
        "page_path": "text",
        "customer_user_id": "text",
        "customer_anonymous_id": "text",
        "source": "text",
        **IDENTITY,
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": (),
    "orders": ("order_id", "ordered_at", "amount", "currency"),
    "tickets": ("ticket_id", "created_at"),
    "feedback": ("text", "created_at"),
    "events": ("event", "timestamp"),
}
# at least one of these must be present for a row to reach a customer
LINKS: dict[str, tuple[str, ...]] = {
    "customers": ("external_id", "email", "phone"),
    "orders": ("customer_external_id", "customer_email", "customer_phone"),
    "tickets": (),
    "feedback": (),
    "events": ("customer_user_id", "customer_anonymous_id", "customer_email", "customer_external_id"),
}


@dataclass
class Mapping:
    kind: str
    columns: dict[str, str]  # field -> source header
    formats: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    traits: dict[str, str] = field(default_factory=dict)  # extra profile traits / event properties
    consents: dict[str, str] = field(default_factory=dict)  # purpose -> yes/no column
    name: str = "custom"
    encoding: str = "auto"
    delimiter: str | None = None
    decimal: str = "."
    line_items: bool = False  # one row per line item: rows repeating a key fold into the first

    @property
    def key_field(self) -> str:
        return {
            "orders": "order_id",
            "tickets": "ticket_id",
            "feedback": "feedback_id",
            "events": "message_id",
            "customers": "external_id",
        }[self.kind]

    def check(self) -> None:
        if self.kind not in KINDS:
            raise Invalid(f"mapping kind must be one of {', '.join(KINDS)}", field="kind")
        for purpose in self.consents:
            if customers.consent_purpose(purpose) != purpose:
                raise Invalid(
                    f"mapping: consent purpose {purpose!r} must be lower-case letters, digits and _ "
                    f"(e.g. {customers.consent_purpose(purpose) or 'email_marketing'!r})",
                    field=purpose,
                )
        known = FIELDS[self.kind]
        for target in [*self.columns, *self.defaults]:
            if target not in known:
                raise Invalid(
                    f"mapping: unknown field {target!r} for {self.kind}; expected one of "
                    f"{', '.join(sorted(known))}",
                    field=target,
                )
        for target in REQUIRED[self.kind]:
            if target not in self.columns and target not in self.defaults:
                raise Invalid(f"mapping: {self.kind} need a column or default for {target!r}", field=target)

    def missing_columns(self, headers: list[str]) -> list[str]:
        present = set(headers)
        wanted = [*self.columns.values(), *self.traits.values(), *self.consents.values()]
        return [src for src in wanted if src not in present]


def load_mapping(spec: str | Path, *, kind: str | None = None) -> Mapping:
    """A mapping from a TOML file, or a built-in one by name (e.g. `shopify_orders`)."""
    path = Path(spec)
    if not path.is_file():
        path = BUILTIN_DIR / f"{spec}.toml"
        if not path.is_file():
            raise Invalid(
                f"no mapping file {spec!r} and no built-in mapping of that name; built-in: "
                f"{', '.join(builtin_names())}",
                field="mapping",
            )
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(f"{path.name}: not valid TOML: {exc}", field="mapping") from None
    mapping = Mapping(
        kind=str(doc.get("kind") or kind or ""),
        columns={str(k): str(v) for k, v in doc.get("columns", {}).items()},
        formats={str(k): str(v) for k, v in doc.get("formats", {}).items() if k != "decimal"},
        defaults={str(k): str(v) for k, v in doc.get("defaults", {}).items()},
        traits={str(k): str(v) for k, v in doc.get("traits", {}).items()},
        consents={str(k): str(v) for k, v in doc.get("consents", {}).items()},
        name=str(doc.get("name", path.stem)),
        encoding=str(doc.get("encoding", "auto")),
        delimiter=doc.get("delimiter"),
        line_items=bool(doc.get("line_items", False)),
        decimal=str(doc.get("formats", {}).get("decimal", ".")),
    )
    if kind and mapping.kind != kind:
        raise Invalid(f"mapping {mapping.name!r} is for {mapping.kind}, not {kind}", field="mapping")
    mapping.check()
    return mapping


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.toml"))


def detect_mapping(
    kind: str, headers: list[str], rows: list[dict[str, Any]] | None = None, *, currency: str | None = None
) -> Mapping:
    """A built-in mapping whose columns all appear, else one from the headers' names in Arabic, Persian or
    English with date formats read from `rows` (`guess`)."""
    from tajriba.ingest.imports.guess import guess

    for name in builtin_names():
        mapping = load_mapping(name)
        if mapping.kind == kind and not mapping.missing_columns(headers):
            if rows:
                _read_formats(mapping, rows)
            return mapping
    mapping = guess(kind, headers, rows, currency=currency)
    try:
        mapping.check()
    except Invalid as exc:
        raise Invalid(
            f"no mapping given and the columns do not match a known export: {exc.message}. Columns found: "
            f"{', '.join(headers[:20])}",
            field="mapping",
        ) from None
    return mapping


def _read_formats(mapping: Mapping, rows: list[dict[str, Any]]) -> None:
    """A built-in mapping's date columns in the calendar and order their values show (a Salla export in
    Hijri dates, say), where the mapping says ISO."""
    from tajriba.ingest.imports.guess import time_format

    for target, header in mapping.columns.items():
        if FIELDS[mapping.kind].get(target) == "time" and mapping.formats.get(target, "iso") == "iso":
            fmt = time_format([r.get(header) for r in rows[:200]])
            if fmt:
                mapping.formats[target] = fmt


TIME_FORMAT_LABELS = {
    "iso": N_("ISO (2026-03-01 14:30)"),
    "%d/%m/%Y": N_("day/month/year"),
    "%d/%m/%Y %H:%M": N_("day/month/year hour:minute"),
    "%m/%d/%Y": N_("month/day/year"),
    "%Y-%m-%d %H:%M:%S %z": N_("year-month-day time and offset"),
    "hijri": N_("Hijri (Umm al-Qura), year/month/day"),
    "jalali": N_("Persian (Jalali), year/month/day"),
}


def time_format_label(fmt: str) -> str:
    """A date format in words (the pattern itself for one nobody named)."""
    from tajriba.i18n import _

    return _(TIME_FORMAT_LABELS[fmt]) if fmt in TIME_FORMAT_LABELS else fmt


FIELD_LABELS = {
    "external_id": N_("Customer number"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "name": N_("Name"),
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "country": N_("Country"),
    "city": N_("City"),
    "language": N_("Language"),
    "gender": N_("Gender"),
    "birth_year": N_("Birth year"),
    "created_at": N_("Created"),
    "source": N_("Source"),
    "order_id": N_("Order number"),
    "ordered_at": N_("Order time"),
    "amount": N_("Amount"),
    "currency": N_("Currency"),
    "status": N_("Status"),
    "channel": N_("Channel"),
    "items": N_("Items"),
    "discount": N_("Discount"),
    "shipping": N_("Shipping cost"),
    "payment_method": N_("Payment method"),
    "promised_delivery_at": N_("Promised delivery"),
    "delivered_at": N_("Delivered"),
    "cancelled_at": N_("Cancelled"),
    "returned_at": N_("Returned"),
    "customer_external_id": N_("Customer number"),
    "customer_email": N_("Customer email"),
    "customer_phone": N_("Customer phone"),
    "customer_name": N_("Customer name"),
    "ticket_id": N_("Ticket number"),
    "first_response_at": N_("First response"),
    "first_response_minutes": N_("First response (minutes)"),
    "resolved_at": N_("Resolved"),
    "closed_at": N_("Closed"),
    "subject": N_("Subject"),
    "category": N_("Category"),
    "priority": N_("Priority"),
    "agent": N_("Agent"),
    "team": N_("Team"),
    "satisfaction": N_("Satisfaction"),
    "is_complaint": N_("Complaint"),
    "feedback_id": N_("Feedback number"),
    "text": N_("Text"),
    "rating": N_("Rating"),
    "url": N_("Link"),
    "message_id": N_("Message id"),
    "event": N_("Event name"),
    "timestamp": N_("Time"),
    "page_path": N_("Page path"),
    "customer_user_id": N_("Customer user id"),
    "customer_anonymous_id": N_("Anonymous id"),
}
