"""Parse and validate Segment/RudderStack tracking requests (see shared/contracts/segment/CONTRACT.md).

The hot path: bytes -> (gunzip with a cap) -> orjson -> per-message checks -> flat rows. Nothing here
touches a store; `ingest.buffer` stores the rows and acknowledges them once durable.
"""

from __future__ import annotations

import base64
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

MAX_REQUEST_BYTES = 500 * 1024
MAX_EVENT_BYTES = 32 * 1024
MAX_EVENTS = 2500
SKEW_DEAD_BAND = timedelta(seconds=5)
TYPES = ("identify", "track", "page", "screen", "group", "alias")
SHORT_PATHS = {"i": "identify", "t": "track", "p": "page", "s": "screen", "g": "group", "a": "alias"}


class IngestError(Exception):
    """A request the tracking API refuses: status, a machine code, and where the problem is."""

    def __init__(
        self, status: int, code: str, message: str, *, index: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.index, self.field = status, code, message, index, field

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"success": False, "code": self.code, "message": self.message}
        if self.index is not None:
            out["index"] = self.index
        if self.field is not None:
            out["field"] = self.field
        return out


@dataclass(slots=True)
class Message:
    """One normalised tracking message, ready to store."""

    message_id: str
    type: str
    user_id: str | None
    anonymous_id: str | None
    event: str | None
    timestamp: datetime
    original_timestamp: datetime | None
    sent_at: datetime | None
    received_at: datetime
    tz: str | None
    properties: dict[str, Any]
    context: dict[str, Any]
    traits: dict[str, Any] = field(default_factory=dict)
    previous_id: str | None = None
    group_id: str | None = None
    name: str | None = None
    stored_json: bytes = b"{}"  # what the events table keeps as `properties` (serialised once, here)
    context_json: bytes = b"{}"


def decode_body(raw: bytes, content_encoding: str | None, *, limit: int = MAX_REQUEST_BYTES) -> bytes:
    """Undo gzip (the only encoding clients send) with the size cap applied while inflating."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("", "identity"):
        if len(raw) > limit:
            raise IngestError(
                400, "too_large", f"request body is {len(raw)} bytes; the limit is {limit} bytes"
            )
        return raw
    if encoding != "gzip":
        raise IngestError(
            400,
            "unsupported_encoding",
            f"Content-Encoding {content_encoding!r} is not supported; send gzip or no encoding",
        )
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise IngestError(400, "too_large", f"request body is over {limit} bytes after decompression")
        out += inflater.flush()
    except zlib.error as exc:
        raise IngestError(400, "invalid_gzip", f"the gzip body cannot be decompressed: {exc}") from None
    if not inflater.eof:
        raise IngestError(400, "invalid_gzip", "the gzip body is truncated")
    if len(out) > limit:
        raise IngestError(400, "too_large", f"request body is over {limit} bytes after decompression")
    return out


def basic_auth_user(header: str | None) -> str | None:
    """The write key from `Authorization: Basic base64(key:)`, tolerating a missing colon."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=False).decode("utf-8", "replace")
    except (ValueError, TypeError):
        return None
    return decoded.split(":", 1)[0] or None


def parse_request(
    body: bytes, *, path_type: str | None, received_at: datetime
) -> tuple[list[Message], str | None]:
    """Parse a request body into messages; return them with the body's write key (if any)."""
    if not body.strip():
        raise IngestError(400, "invalid_json", "the request body is empty; send a JSON object")
    try:
        doc = orjson.loads(body)  # refuses invalid UTF-8 and nesting deeper than 1024 levels
    except orjson.JSONDecodeError as exc:
        raise IngestError(400, "invalid_json", f"the body is not valid JSON (UTF-8): {exc}") from None
    if not isinstance(doc, dict):
        raise IngestError(400, "invalid_json", "the body must be a JSON object")
    if path_type is None:
        batch = doc.get("batch")
        if not isinstance(batch, list):
            raise IngestError(
                400, "invalid_batch", "a batch request needs a 'batch' array of messages", field="batch"
            )
        envelope = doc
    else:
        batch = [doc]
        envelope = {}
    if not batch:
        raise IngestError(400, "invalid_batch", "the batch is empty", field="batch")
    if len(batch) > MAX_EVENTS:
        raise IngestError(
            400,
            "too_many_events",
            f"a request may carry at most {MAX_EVENTS} events; this one has {len(batch)}",
            field="batch",
        )
    write_key = _str_or_none(doc.get("writeKey"))
    if write_key is None and batch and isinstance(batch[0], dict):
        write_key = _str_or_none(batch[0].get("writeKey"))
    shared_context = envelope.get("context") if isinstance(envelope.get("context"), dict) else None
    batch_sent_at = _time(envelope.get("sentAt"), index=None, field="sentAt") if envelope else None
    messages = [
        _message(
            raw,
            i,
            path_type=path_type,
            shared_context=shared_context,
            batch_sent_at=batch_sent_at,
            received_at=received_at,
        )
        for i, raw in enumerate(batch)
    ]
    return messages, write_key


def _message(
    raw: Any,
    index: int,
    *,
    path_type: str | None,
    shared_context: dict[str, Any] | None,
    batch_sent_at: datetime | None,
    received_at: datetime,
) -> Message:
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
    name = _str_or_none(raw.get("name"))
    if kind in ("page", "screen") and name is not None:
        properties.setdefault("name", name)
    original_raw = raw.get("originalTimestamp") or raw.get("timestamp")
    original = _time(original_raw, index=index, field="timestamp")
    sent_at = _time(raw.get("sentAt"), index=index, field="sentAt") or batch_sent_at
    stored: dict[str, Any] = traits if kind in ("identify", "group") and traits else properties
    if kind == "alias":
        stored = {"previousId": previous_id, **stored}
    elif kind == "group":
        stored = {"groupId": group_id, **stored}
    stored_json, context_json = _encoded(raw, index, stored, context)
    return Message(
        message_id=_message_id(raw, index),
        type=kind,
        user_id=user_id,
        anonymous_id=anonymous_id,
        event=event,
        timestamp=corrected_timestamp(original, sent_at, received_at),
        original_timestamp=original,
        sent_at=sent_at,
        received_at=received_at,
        tz=_offset(original_raw) if isinstance(original_raw, str) else None,
        properties=properties,
        context=context,
        traits=traits,
        previous_id=previous_id,
        group_id=group_id,
        name=name,
        stored_json=stored_json,
        context_json=context_json,
    )


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


def _time(value: Any, *, index: int | None, field: str) -> datetime | None:
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


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
