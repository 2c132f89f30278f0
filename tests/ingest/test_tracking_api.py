"""The tracking API against the captured client requests, hostile input, auth, CORS and clock skew."""

from __future__ import annotations

import base64
import gzip
import json
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tajriba.accounts import service
from tajriba.ingest.messages import PARSED, IngestError, corrected_timestamp
from tajriba.ingest.segment import parse_request
from tests.conftest import make_workspace

# the official clients' captured requests (copied from ../shared/contracts/segment: tests/data/segment/SOURCE.md)
CAPTURES = sorted((Path(__file__).parents[1] / "data" / "segment").glob("*.jsonl"))


@pytest.fixture
def write_key(db) -> str:  # type: ignore[no-untyped-def]
    ws = make_workspace(db, "shop")
    _key, secret = service.create_key(db, workspace=ws, kind="write", name="segment")
    db.commit()
    return secret


def basic(key: str, colon: bool = True) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}{':' if colon else ''}".encode()).decode()}


def events_stored(app) -> int:  # type: ignore[no-untyped-def]
    return int(app.state.warehouse.sql("SELECT count(*) FROM events")[0][0])


def track(i: int = 0, **extra: object) -> dict:
    return {"type": "track", "event": "Order Completed", "userId": f"u{i}", "messageId": f"msg-{i}", **extra}


# -- the captured requests of the real clients -----------------------------------------------------


def test_the_client_captures_are_in_the_repository() -> None:
    assert len(CAPTURES) == 5, "tests/data/segment/*.jsonl are missing"


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.stem)
def test_every_captured_request_is_accepted_and_stored_exactly(client, app, write_key, capture: Path) -> None:
    sent: dict[str, dict] = {}
    for line in capture.read_text(encoding="utf-8").splitlines():
        cap = json.loads(line)
        body = dict(cap["body"])
        if "writeKey" in body:
            body["writeKey"] = write_key
        raw = json.dumps(body).encode()  # ASCII escapes, as the Python clients send
        headers = {"Content-Type": cap["headers"].get("Content-Type", "application/json")}
        if cap["headers"].get("Content-Encoding") == "gzip":
            raw, headers["Content-Encoding"] = gzip.compress(raw), "gzip"
        if cap.get("basicAuthUser"):
            headers.update(basic(write_key))
        response = client.post(cap["path"], content=raw, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json() == {"success": True}
        sent.update({m["messageId"]: m for m in body["batch"]})
    rows = app.state.warehouse.sql("SELECT message_id, type, properties FROM events")
    assert {r[0] for r in rows} == set(sent)
    for message_id, kind, props in rows:
        original = sent[message_id]
        assert kind == original["type"]
        if kind == "track":
            assert orjson.loads(props) == original.get(
                "properties", {}
            )  # Arabic, Persian, ZWNJ, emoji intact


def test_a_resent_batch_is_stored_once(client, app, write_key) -> None:
    body = {"batch": [track(i) for i in range(50)]}
    for _ in range(3):
        assert client.post("/v1/batch", json=body, headers=basic(write_key)).status_code == 200
    assert events_stored(app) == 50


def test_the_write_key_may_come_from_basic_auth_the_body_or_the_first_event(client, app, write_key) -> None:
    assert (
        client.post(
            "/v1/batch", json={"batch": [track(1)]}, headers=basic(write_key, colon=False)
        ).status_code
        == 200
    )
    assert client.post("/v1/batch", json={"batch": [track(2)], "writeKey": write_key}).status_code == 200
    assert (
        client.post(
            "/v1/t",
            content=orjson.dumps({**track(3), "writeKey": write_key}),
            headers={"Content-Type": "text/plain"},
        ).status_code
        == 200
    )
    assert client.post("/v1/batch", json={"batch": [{**track(4), "writeKey": write_key}]}).status_code == 200
    assert events_stored(app) == 4


def test_single_event_paths_take_the_type_from_the_path(client, app, write_key) -> None:
    for path, body in [
        ("/v1/identify", {"userId": "u1", "traits": {"name": "سارا"}}),
        ("/v1/track", {"userId": "u1", "event": "Signed Up"}),
        ("/v1/page", {"anonymousId": "a1", "name": "Home", "properties": {"path": "/"}}),
        ("/v1/screen", {"userId": "u1", "name": "Cart"}),
        ("/v1/group", {"userId": "u1", "groupId": "g1"}),
        ("/v1/alias", {"userId": "u1", "previousId": "a1"}),
        ("/v1/s", {"userId": "u1", "name": "Checkout", "type": "track"}),
    ]:
        response = client.post(path, json=body, headers=basic(write_key))
        assert response.status_code == 200, (path, response.text)
    types = [
        r[0] for r in app.state.warehouse.sql("SELECT type FROM events ORDER BY received_at, message_id")
    ]
    assert sorted(types) == sorted(["identify", "track", "page", "screen", "group", "alias", "screen"])


def test_cors_preflight_and_telemetry(client, write_key) -> None:
    pre = client.options(
        "/v1/t",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-retry-count",
        },
    )
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == "https://shop.example"
    assert "x-retry-count" in pre.headers["access-control-allow-headers"]
    assert client.post("/v1/m", content=b'{"series": []}').status_code == 200
    settings_doc = client.get(f"/v1/projects/{write_key}/settings").json()
    assert settings_doc["integrations"]["Segment.io"]["apiKey"] == write_key


# -- refusals ------------------------------------------------------------------------------------


def test_bad_or_missing_write_keys_get_401_with_code_and_message(client, app, write_key, db) -> None:
    missing = client.post("/v1/batch", json={"batch": [track()]})
    wrong = client.post("/v1/batch", json={"batch": [track()]}, headers=basic("tjw_nope_nope"))
    ws = service.get_workspace(db, slug="shop")
    _k, api_key = service.create_key(db, workspace=ws, kind="api", name="not for tracking")
    db.commit()
    api = client.post("/v1/batch", json={"batch": [track()]}, headers=basic(api_key))
    for response in (missing, wrong, api):
        assert response.status_code == 401
        assert {"code", "message"} <= set(response.json())
    assert events_stored(app) == 0


HOSTILE = [
    (
        "truncated gzip",
        gzip.compress(orjson.dumps({"batch": [track()]}))[:-12],
        {"Content-Encoding": "gzip"},
        "invalid_gzip",
        None,
        None,
    ),
    (
        "invalid UTF-8",
        b'{"batch": [{"type": "track", "event": "\xff\xfe", "userId": "u"}]}',
        {},
        "invalid_json",
        None,
        None,
    ),
    ("not JSON", b"{batch: nope", {}, "invalid_json", None, None),
    (
        "10 MB body",
        b'{"batch": [' + b'{"type":"track","event":"x","userId":"u"},' * 250_000 + b"{}]}",
        {},
        "too_large",
        None,
        None,
    ),
    (
        "gzip bomb",
        gzip.compress(b'{"batch": [' + b" " * 20_000_000 + b"]}"),
        {"Content-Encoding": "gzip"},
        "too_large",
        None,
        None,
    ),
    (
        "deeply nested",
        b'{"batch": [{"type": "track", "event": "x", "userId": "u", "properties": '
        + b'{"a": ' * 2000
        + b"1"
        + b"}" * 2000
        + b"}]}",
        {},
        "invalid_json",
        None,
        None,
    ),
    ("batch not a list", orjson.dumps({"batch": {"type": "track"}}), {}, "invalid_batch", None, "batch"),
    ("empty batch", orjson.dumps({"batch": []}), {}, "invalid_batch", None, "batch"),
    (
        "too many events",
        orjson.dumps({"batch": [track(i) for i in range(2501)]}),
        {},
        "too_many_events",
        None,
        "batch",
    ),
    (
        "event over 32 KB",
        orjson.dumps({"batch": [track(0), track(1, properties={"blob": "x" * 33_000})]}),
        {},
        "event_too_large",
        1,
        None,
    ),
    (
        "missing ids",
        orjson.dumps({"batch": [track(0), {"type": "track", "event": "x", "messageId": "m"}]}),
        {},
        "missing_field",
        1,
        "userId",
    ),
    (
        "track without event",
        orjson.dumps({"batch": [{"type": "track", "userId": "u"}]}),
        {},
        "missing_field",
        0,
        "event",
    ),
    (
        "unknown type",
        orjson.dumps({"batch": [{"type": "purchase", "userId": "u"}]}),
        {},
        "invalid_type",
        0,
        "type",
    ),
    (
        "properties not an object",
        orjson.dumps({"batch": [track(0, properties=[1, 2])]}),
        {},
        "invalid_field",
        0,
        "properties",
    ),
    (
        "userId an object",
        orjson.dumps({"batch": [{"type": "track", "event": "x", "userId": {"id": 1}}]}),
        {},
        "invalid_field",
        0,
        "userId",
    ),
    (
        "timestamp not a time",
        orjson.dumps({"batch": [track(0, timestamp="yesterday")]}),
        {},
        "invalid_timestamp",
        0,
        "timestamp",
    ),
    ("event not an object", orjson.dumps({"batch": ["track"]}), {}, "invalid_event", 0, None),
    (
        "alias without previousId",
        orjson.dumps({"batch": [{"type": "alias", "userId": "u"}]}),
        {},
        "missing_field",
        0,
        "previousId",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "headers", "code", "index", "field"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
def test_hostile_input_gets_a_specific_400_and_stores_nothing(
    client, app, write_key, name, body, headers, code, index, field
) -> None:
    response = client.post("/v1/batch", content=body, headers={**basic(write_key), **headers})
    assert response.status_code == 400, response.text
    doc = response.json()
    assert doc["code"] == code and isinstance(doc["message"], str) and doc["success"] is False
    assert doc.get("index") == index and doc.get("field") == field
    assert events_stored(app) == 0


# -- the parser alone ----------------------------------------------------------------------------

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def test_clock_skew_is_corrected_beyond_a_five_second_dead_band() -> None:
    device = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # the phone's clock runs an hour fast
    assert corrected_timestamp(device - timedelta(minutes=3), device, NOW) == NOW - timedelta(minutes=3)
    assert corrected_timestamp(
        NOW - timedelta(seconds=30), NOW - timedelta(seconds=2), NOW
    ) == NOW - timedelta(seconds=30)
    assert corrected_timestamp(None, None, NOW) == NOW
    assert corrected_timestamp(NOW - timedelta(hours=1), None, NOW) == NOW - timedelta(hours=1)


def test_timestamps_keep_the_source_offset_and_batch_sent_at_applies() -> None:
    body = orjson.dumps(
        {
            "sentAt": "2026-11-22T12:30:00.000+03:30",
            "batch": [
                {
                    "type": "track",
                    "event": "x",
                    "userId": 7,
                    "timestamp": "2026-11-22T12:29:00.123456789+03:30",
                    "anonymousId": None,
                    "messageId": None,
                },
            ],
        }
    )
    parsed, _ = parse_request(body, path_type=None, received_at=NOW + timedelta(minutes=1))
    (m,) = parsed.table().to_pylist()
    assert m["user_id"] == "7" and m["anonymous_id"] is None and len(m["message_id"]) == 36
    assert m["tz"] == "+03:30"
    assert m["original_timestamp"] == datetime(2026, 11, 22, 8, 59, 0, 123456)  # UTC
    # sent 09:00 UTC by the device, received 08:01: the device was 59 minutes fast
    assert m["timestamp"] == m["original_timestamp"] - timedelta(minutes=59)


def test_envelope_context_merges_into_every_event_with_the_event_winning() -> None:
    body = orjson.dumps(
        {
            "context": {"locale": "ar-SA", "app": "shop"},
            "batch": [
                {"type": "track", "event": "x", "userId": "u", "context": {"locale": "fa-IR"}},
                {"type": "identify", "userId": "u", "context": {"traits": {"plan": "pro"}}},
            ],
        }
    )
    parsed, _ = parse_request(body, path_type=None, received_at=NOW)
    a, b = parsed.table().to_pylist()
    assert orjson.loads(a["context"]) == {"locale": "fa-IR", "app": "shop"}
    assert a["language"] == "fa"
    assert orjson.loads(b["traits"]) == {
        "plan": "pro"
    }  # rudder-python puts identify traits only in context.traits


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
message = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["track", "identify", "page", "screen", "group", "alias", "other", 3]),
        "event": json_values,
        "userId": json_values,
        "anonymousId": json_values,
        "previousId": json_values,
        "groupId": json_values,
        "messageId": json_values,
        "timestamp": json_values | st.datetimes().map(str),
        "properties": json_values,
        "traits": json_values,
        "context": json_values,
        "sentAt": json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["batch", "sentAt", "writeKey", "context"]),
        st.lists(message, max_size=5) | json_values,
        max_size=4,
    )
)
def test_the_parser_accepts_or_refuses_cleanly_never_crashes(doc: dict) -> None:
    try:
        parsed, _ = parse_request(orjson.dumps(doc), path_type=None, received_at=NOW)
    except IngestError as err:
        assert 400 <= err.status < 500 and err.message
        assert pickle.loads(pickle.dumps(err)).body() == err.body()  # noqa: S301 - as a parser process hands it back
        return
    assert parsed.table().schema == PARSED
    assert pickle.loads(pickle.dumps(parsed)).table().equals(parsed.table())  # noqa: S301 - from a parser process
    for m in parsed.table().to_pylist():
        assert m["type"] in ("track", "identify", "page", "screen", "group", "alias")
        assert m["user_id"] or m["anonymous_id"]
        assert m["timestamp"] is not None
        assert isinstance(orjson.loads(m["properties"]), dict)
        assert isinstance(orjson.loads(m["context"]), dict)


def test_a_full_buffer_answers_503_with_retry_after_and_stores_nothing_extra(client, app, write_key) -> None:
    ingestor = app.state.ingestor
    ingestor.max_pending = 10  # a tiny buffer: a 50-event batch cannot be queued
    response = client.post(
        "/v1/batch", json={"batch": [track(i) for i in range(50)]}, headers=basic(write_key)
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1" and response.headers["x-ratelimit-reset"] == "1"
    assert response.json()["code"] == "saturated"
    ingestor.max_pending = 250_000
    assert (
        client.post(
            "/v1/batch", json={"batch": [track(i) for i in range(50)]}, headers=basic(write_key)
        ).status_code
        == 200
    )
    assert events_stored(app) == 50
