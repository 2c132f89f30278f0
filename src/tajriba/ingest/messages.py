"""One tracking message checked and flattened into a row of `PARSED` columns (segment.py reads the request
around it). Refusals name the event's index and field; nothing here touches a store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pyarrow as pa

MAX_EVENT_BYTES = 32 * 1024
SKEW_DEAD_BAND = timedelta(seconds=5)
TYPES = ("identify", "track", "page", "screen", "group", "alias")


class IngestError(Exception):
    """A request the tracking API refuses: status, a machine code, and where the problem is."""

    def __init__(
        self, status: int, code: str, message: str, *, index: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.index, self.field = status, code, message, index, field

    def __reduce__(self) -> tuple[Any, ...]:  # raised in a parser process, re-raised in the server
        return (_ingest_error, (self.status, self.code, self.message, self.index, self.field))

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"success": False, "code": self.code, "message": self.message}
        if self.index is not None:
            out["index"] = self.index
        if self.field is not None:
            out["field"] = self.field
        return out


# One row per message: what the events table stores (times naive UTC), and what a flush needs besides:
# the alias's previousId, an identify call's traits (JSON) with its raw email and phone, the SDK's library
# name (the default `source`), and whether the context carries consent.
_TIME = pa.timestamp("us")
PARSED = pa.schema(
    [
        ("message_id", pa.string()),
        ("type", pa.string()),
        ("user_id", pa.string()),
        ("anonymous_id", pa.string()),
        ("previous_id", pa.string()),
        ("event", pa.string()),
        ("timestamp", _TIME),
        ("original_timestamp", _TIME),
        ("sent_at", _TIME),
        ("received_at", _TIME),
        ("tz", pa.string()),
        ("properties", pa.string()),
        ("context", pa.string()),
        ("traits", pa.string()),
        ("email", pa.string()),
        ("phone", pa.string()),
        ("page_path", pa.string()),
        ("language", pa.string()),
        ("session_id", pa.string()),
        ("channel", pa.string()),
        ("library", pa.string()),
        ("consent", pa.bool_()),
    ]
)
_TIMES = frozenset(i for i, f in enumerate(PARSED) if f.type == _TIME)
_JSON = frozenset(PARSED.get_field_index(n) for n in ("properties", "context", "traits"))  # orjson's bytes


def rows_table(rows: list[tuple[Any, ...]]) -> pa.Table:
    """The `PARSED` table of message rows."""
    if not rows:
        return PARSED.empty_table()
    utc = pa.timestamp("us", tz="UTC")
    arrays = [
        pa.array(column, utc).cast(_TIME)
        if i in _TIMES
        else pa.array(column, pa.binary()).cast(pa.string())
        if i in _JSON
        else pa.array(column, PARSED.field(i).type)
        for i, column in enumerate(zip(*rows, strict=True))
    ]
    return pa.Table.from_arrays(arrays, schema=PARSED)


def _ingest_error(status: int, code: str, message: str, index: int | None, field: str | None) -> IngestError:
    return IngestError(status, code, message, index=index, field=field)


def message_row(
    raw: Any,
    index: int,
    *,
    path_type: str | None,
    shared_context: dict[str, Any] | None,
    batch_sent_at: datetime | None,
    received_at: datetime,
) -> tuple[Any, ...]:
    """One message checked and flattened into a `PARSED` row."""
    if not isinstance(raw, dict):
        raise IngestError(400, "invalid_event", f"event {index} is not a JSON object", index=index)
    kind = _kind(path_type or raw.get("type"), index)
    user_id = _id(raw.get("userId"), index, "userId")
    anonymous_id = _id(raw.get("anonymousId"), index, "anonymousId")
    previous_id = _id(raw.get("previousId"), index, "previousId")
    _check_identity(kind, user_id, anonymous_id, previous_id, index)
    event = _event_name(kind, raw, index)
    group_id = _group_id(kind, raw, index)
    properties = _object(raw.get("properties"), index, "properties")
    context = _object(raw.get("context"), index, "context")
    if shared_context:
        context = {**shared_context, **context}
    traits = _object(raw.get("traits"), index, "traits")
    if kind == "identify" and not traits and isinstance(context.get("traits"), dict):
        traits = context["traits"]  # rudder-python sends identify traits only in context.traits
    name = str_or_none(raw.get("name"))
    if kind in ("page", "screen") and name is not None:
        properties.setdefault("name", name)
    original_raw = raw.get("originalTimestamp") or raw.get("timestamp")
    original = parse_time(original_raw, index=index, field="timestamp")
    sent_at = parse_time(raw.get("sentAt"), index=index, field="sentAt") or batch_sent_at
    stored: dict[str, Any] = traits if kind in ("identify", "group") and traits else properties
    if kind == "alias":
        stored = {"previousId": previous_id, **stored}
    elif kind == "group":
        stored = {"groupId": group_id, **stored}
    stored_json, context_json = _encoded(raw, index, stored, context)
    identified = kind == "identify" and bool(traits)
    return (
        _message_id(raw, index),
        kind,
        user_id,
        anonymous_id,
        previous_id,
        event if kind == "track" else name,
        corrected_timestamp(original, sent_at, received_at),
        original,
        sent_at,
        received_at,
        _offset(original_raw) if isinstance(original_raw, str) else None,
        stored_json,
        context_json,
        stored_json if identified else None,  # an identify call's traits are what it stores
        _raw_text(traits.get("email")) if identified else None,
        _raw_text(traits.get("phone")) if identified else None,
        *_context_fields(context, properties),
    )


def _context_fields(context: dict[str, Any], properties: dict[str, Any]) -> tuple[Any, ...]:
    """page_path, language, session_id, channel, library and whether consent is given, from the context (and
    the page's properties)."""
    page = context.get("page")
    path = properties.get("path") or (page.get("path") if isinstance(page, dict) else None)
    locale = context.get("locale")
    library = context.get("library")
    lib_name = library.get("name") if isinstance(library, dict) else None
    channel = context.get("channel")
    sid = context.get("sessionId") or properties.get("session_id")
    return (
        path if isinstance(path, str) else None,
        locale.split("-")[0].lower()[:8] if isinstance(locale, str) and locale else None,
        None if sid is None or isinstance(sid, (dict, list)) else str(sid),
        channel if isinstance(channel, str) else None,
        lib_name if isinstance(lib_name, str) else None,
        "consent" in context or "consentManagement" in context,
    )


def _raw_text(value: Any) -> str | None:
    """A trait as text for identifier normalisation (which reads None and booleans as absent)."""
    return None if value is None or isinstance(value, bool) else str(value)


def _kind(kind: Any, index: int) -> str:
    """The call's type (from the path, e.g. /v1/track, or the event's `type`)."""
    if kind not in TYPES:
        raise IngestError(
            400,
            "invalid_type",
            f"event {index}: 'type' must be one of {', '.join(TYPES)}",
            index=index,
            field="type",
        )
    return str(kind)


def _missing(index: int, field: str, what: str) -> IngestError:
    return IngestError(400, "missing_field", f"event {index}: {what}", index=index, field=field)


def _check_identity(
    kind: str, user_id: str | None, anonymous_id: str | None, previous_id: str | None, index: int
) -> None:
    """An alias names both ids; every other call names the user or the anonymous visitor."""
    if kind == "alias":
        if user_id is None or previous_id is None:
            field = "userId" if user_id is None else "previousId"
            raise _missing(index, field, "alias needs 'userId' and 'previousId'")
    elif user_id is None and anonymous_id is None:
        raise _missing(index, "userId", "needs 'userId' or 'anonymousId'")


def _event_name(kind: str, raw: dict[str, Any], index: int) -> str | None:
    """A track call's event name (trimmed); none for the other calls."""
    if kind != "track":
        return None
    event = raw.get("event")
    if not isinstance(event, str) or not event.strip():
        raise _missing(index, "event", "track needs an 'event' name (string)")
    return event.strip()


def _group_id(kind: str, raw: dict[str, Any], index: int) -> str | None:
    """A group call's groupId (required); none for the other calls."""
    if kind != "group":
        return None
    group_id = _id(raw.get("groupId"), index, "groupId")
    if group_id is None:
        raise _missing(index, "groupId", "group needs 'groupId'")
    return group_id


def _encoded(
    raw: dict[str, Any], index: int, stored: dict[str, Any], context: dict[str, Any]
) -> tuple[bytes, bytes]:
    """The stored payload and context as JSON; an event over MAX_EVENT_BYTES is refused (measured exactly
    only near the limit)."""
    stored_json, context_json = orjson.dumps(stored), orjson.dumps(context)
    if len(stored_json) + len(context_json) <= MAX_EVENT_BYTES - 512:
        return stored_json, context_json
    size = len(orjson.dumps(raw))
    if size > MAX_EVENT_BYTES:
        raise IngestError(
            400,
            "event_too_large",
            f"event {index} is {size} bytes; the limit is {MAX_EVENT_BYTES}",
            index=index,
        )
    return stored_json, context_json


def _message_id(raw: dict[str, Any], index: int) -> str:
    """The sender's messageId (what makes a retried call count once), or a new one."""
    message_id = _id(raw.get("messageId"), index, "messageId") or str(uuid.uuid4())
    if len(message_id) > 200:
        raise IngestError(
            400,
            "invalid_field",
            f"event {index}: messageId is longer than 200 characters",
            index=index,
            field="messageId",
        )
    return message_id


def corrected_timestamp(
    original: datetime | None, sent_at: datetime | None, received_at: datetime
) -> datetime:
    """Segment's clock-skew correction, with a dead band so network latency is not taken for skew.

    timestamp = originalTimestamp + (receivedAt - sentAt) when |receivedAt - sentAt| >= 5 s
    (Segment spec "Timestamps"; contract §5); without a client time, receivedAt.
    """
    if original is None:
        return received_at
    if sent_at is None:
        return original
    skew = received_at - sent_at
    if abs(skew) < SKEW_DEAD_BAND:
        return original
    return original + skew


def parse_time(value: Any, *, index: int | None, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    where = f"event {index}: " if index is not None else ""
    if not isinstance(value, str):
        raise IngestError(
            400, "invalid_timestamp", f"{where}'{field}' must be an ISO-8601 string", index=index, field=field
        )
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise IngestError(
            400,
            "invalid_timestamp",
            f"{where}'{field}' is not an ISO-8601 time: {value[:40]!r}",
            index=index,
            field=field,
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _offset(text: str) -> str | None:
    text = text.strip()
    if text.endswith(("Z", "z")):
        return "+00:00"
    tail = text[-6:]
    if len(tail) == 6 and tail[0] in "+-" and tail[3] == ":":
        return tail
    return None


def _id(value: Any, index: int, name: str) -> str | None:
    """IDs may arrive as numbers; null and empty mean absent."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, dict, list)):
        raise IngestError(
            400,
            "invalid_field",
            f"event {index}: '{name}' must be a string or a number",
            index=index,
            field=name,
        )
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _object(value: Any, index: int, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise IngestError(
            400, "invalid_field", f"event {index}: '{name}' must be an object", index=index, field=name
        )
    return value


def str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
