"""Schemathesis over the whole /api/v1 of a live server: whatever the schema lets a client send, never a 500,
and every answer has the shape the OpenAPI document gives it (tests/web/test_openapi.py).

Every operation of the OpenAPI document gets generated examples (ids up to and past 2**63, dates, odd
strings, missing and extra fields) with an admin API key, so every route is reached past its role check.
TAJRIBA_FUZZ_EXAMPLES sets the examples per operation (default 20).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tajriba.accounts import service as accounts
from tests.live import serving, stores

EXAMPLES = int(os.environ.get("TAJRIBA_FUZZ_EXAMPLES", "20"))


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    data = tmp_path_factory.mktemp("fuzz") / "data"
    with stores(data) as s:
        ws = accounts.create_workspace(s, slug="shop", name="Shop")
        key = accounts.create_key(s, workspace=ws, kind="api", name="fuzz", role="admin")[1]
    with serving(data) as live:
        yield live.url, key
    text = live.log.read_text(errors="replace")
    assert "Traceback" not in text, text[-4000:]


def test_no_input_the_schema_allows_causes_a_server_error(live_api) -> None:  # type: ignore[no-untyped-def]
    url, key = live_api
    schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json").include(path_regex="^/api/v1/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60, "the OpenAPI document lost operations"
    failures: list[str] = []
    sent: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            sent.append(1)
            case.call_and_validate(
                base_url=url,
                headers={"Authorization": f"Bearer {key}"},
                checks=[not_a_server_error, response_schema_conformance],
                timeout=60,
            )

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    assert failures == [], "\n\n".join(failures)
    assert len(sent) >= 4 * len(operations), f"only {len(sent)} requests were generated"


def test_ids_past_64_bits_and_dates_out_of_range_are_client_errors(live_api) -> None:  # type: ignore[no-untyped-def]
    import httpx

    url, key = live_api
    auth = {"Authorization": f"Bearer {key}"}
    huge = 2**64 + 5
    for path in (
        f"/api/v1/journeys/{huge}",
        f"/api/v1/goals/{huge}",
        f"/api/v1/surveys/{huge}",
        f"/api/v1/touchpoints/{huge}",
        f"/api/v1/customers/{huge}",
        f"/api/v1/metrics?metric=nps&touchpoint_id={huge}",
    ):
        r = httpx.get(url + path, headers=auth, timeout=30)
        assert r.status_code in (404, 422), (path, r.status_code, r.text)
    for query in ("start=0", "end=0001-01-01", "start=99999-01-01", "start=2026-02-30", "end=tomorrow"):
        r = httpx.get(f"{url}/api/v1/stories?{query}", headers=auth, timeout=30)
        assert r.status_code == 422, (query, r.status_code, r.text)
        assert r.json()["error"]["field"] in ("start", "end")
    r = httpx.post(
        f"{url}/api/v1/touchpoint-rules",
        headers=auth,
        json={"touchpoint_id": huge, "event_name": "x"},
        timeout=30,
    )
    assert r.status_code in (404, 422), r.text
    ok = httpx.get(f"{url}/api/v1/stories?start=2026-01-01&end=2026-12-31", headers=auth, timeout=30)
    assert ok.status_code == 200, ok.text
