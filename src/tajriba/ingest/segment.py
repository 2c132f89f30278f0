"""Parse and validate Segment/RudderStack tracking requests (see shared/contracts/segment/CONTRACT.md).

The hot path: bytes -> (gunzip with a cap) -> orjson -> per-message checks (`messages.message_row`) -> rows
of the `PARSED` columns. Nothing here touches a store, so it runs in parser processes too (`ingest.parsers`);
`ingest.buffer` stores the rows and acknowledges them once durable.
"""

from __future__ import annotations

import base64
import zlib
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa

from tajriba.ingest.messages import IngestError, message_row, parse_time, rows_table, str_or_none

MAX_REQUEST_BYTES = 500 * 1024
MAX_EVENTS = 2500
SHORT_PATHS = {"i": "identify", "t": "track", "p": "page", "s": "screen", "g": "group", "a": "alias"}


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


class Parsed:
    """A request's messages: the rows as parsed (cheap to gather: a flush makes one table of many requests'
    rows) or the `PARSED` table they make (cheap to hand from a parser process to the server, as pickling
    a `Parsed` sends its table)."""

    __slots__ = ("_rows", "_table")

    def __init__(self, rows: list[tuple[Any, ...]] | None = None, table: pa.Table | None = None) -> None:
        self._rows, self._table = rows, table

    @property
    def num_rows(self) -> int:
        return self._table.num_rows if self._table is not None else len(self._rows or ())

    def table(self) -> pa.Table:
        if self._table is None:
            self._table = rows_table(self._rows or [])
        return self._table

    def __reduce__(self) -> tuple[Any, ...]:
        return (Parsed, (None, self.table()))

    @staticmethod
    def combine(parts: list[Parsed]) -> pa.Table:
        """One table of several requests' messages, in order (rows parsed in place converted at once)."""
        if all(p._table is None for p in parts):
            return rows_table([row for p in parts for row in p._rows or ()])
        return pa.concat_tables([p.table() for p in parts])


def parse_body(
    raw: bytes, content_encoding: str | None, *, path_type: str | None, received_at: datetime
) -> tuple[Parsed, str | None]:
    """`decode_body` then `parse_request`: the whole of a request's parsing, in one call a parser process runs."""
    return parse_request(decode_body(raw, content_encoding), path_type=path_type, received_at=received_at)


def parse_request(body: bytes, *, path_type: str | None, received_at: datetime) -> tuple[Parsed, str | None]:
    """Parse a request body into its messages (`PARSED` rows); return them with the body's write key."""
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
    write_key = str_or_none(doc.get("writeKey"))
    if write_key is None and batch and isinstance(batch[0], dict):
        write_key = str_or_none(batch[0].get("writeKey"))
    shared_context = envelope.get("context") if isinstance(envelope.get("context"), dict) else None
    batch_sent_at = parse_time(envelope.get("sentAt"), index=None, field="sentAt") if envelope else None
    rows = [
        message_row(
            raw,
            i,
            path_type=path_type,
            shared_context=shared_context,
            batch_sent_at=batch_sent_at,
            received_at=received_at,
        )
        for i, raw in enumerate(batch)
    ]
    return Parsed(rows), write_key
