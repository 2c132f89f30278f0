"""Many clients at once against a live server: overlapping payloads store each mention once, nothing is lost, the
dashboard answers while mentions pour in; on SQLite and on a PostgreSQL application database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tajriba.accounts import service as accounts
from tajriba.social import service
from tajriba.social.schemas import QueryIn
from tests.live import serving, stores

TEXTS = [
    "سوقنا التوصيل تأخر {i} أيام والمندوب ما يرد",
    "souqna app keeps crashing at checkout, order {i}",
    "فروشگاه سوقنا سفارش {i} دیر رسید",
    "تجربة رائعة مع سوقنا، الطلب رقم {i} وصل بسرعة",
]


def _payload(start: int, n: int) -> dict[str, object]:
    return {
        "mentions": [
            {
                "platform": "x",
                "url": f"https://x.com/u{i}/status/{5000 + i}",
                "text": TEXTS[i % 4].format(i=i) + f" #{'ab'[i % 2]}{i}",
                "created_at": f"2026-11-{1 + i % 27:02d}T{i % 24:02d}:15:00+03:00",
                "author": {"handle": f"u{i}", "followers": 200_000 if i % 97 == 0 else 40},
            }
            for i in range(start, start + n)
        ]
    }


def _many_clients(data, database_url) -> None:  # type: ignore[no-untyped-def]
    with stores(data, database_url) as s:
        ws = accounts.create_workspace(s, slug="shop", name="Shop")
        service.create_query(
            s, workspace=ws, data=QueryIn(name="Souqna", keywords=["سوقنا", "souqna"]), actor=_Actor()
        )
        key = accounts.create_key(s, workspace=ws, kind="api", name="feed", role="analyst")[1]
    headers = {"Authorization": f"Bearer {key}"}
    env = {"TAJRIBA_DATABASE_URL": database_url} if database_url else None
    with serving(data, env=env) as live:

        def post(i: int) -> dict[str, object]:
            # eight overlapping windows of 150 over 600 mentions: every mention sent twice
            with httpx.Client(base_url=live.url, headers=headers, timeout=120) as c:
                r = c.post("/api/v1/social/mentions", json=_payload((i % 8) * 75, 150))
                assert r.status_code == 200, r.text
                return r.json()

        def read(_i: int) -> int:
            with httpx.Client(base_url=live.url, headers=headers, timeout=120) as c:
                return c.get("/api/v1/social/overview").status_code

        with ThreadPoolExecutor(8) as pool:
            writes = [pool.submit(post, i) for i in range(16)]
            reads = [pool.submit(read, i) for i in range(6)]
            answers = [w.result() for w in writes]
            assert {r.result() for r in reads} == {200}
        stored = sum(int(a["stored"]) for a in answers)
        with httpx.Client(base_url=live.url, headers=headers, timeout=60) as c:
            listed = c.get("/api/v1/social/mentions", params={"limit": 1}).json()
            cases = c.get("/api/v1/cases", params={"source": "social"})
        assert listed["total"] == stored == 675  # windows 0..600+75: each mention once, none lost
        assert sum(int(a["duplicates"]) for a in answers) == 16 * 150 - 675
        opened = sum(int(a["cases_opened"]) for a in answers)
        # the loud complaints (200,000 followers) opened one case each, however often they were sent
        assert cases.status_code == 200 and cases.json()["total"] == opened >= 1


class _Actor:
    actor = "test"
    user = None

    def audit(self, *_a: object, **_k: object) -> None:
        pass


def test_many_clients_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _many_clients(tmp_path / "data", None)


@pytest.mark.postgres
def test_many_clients_on_postgres(tmp_path, pg_url) -> None:  # type: ignore[no-untyped-def]
    _many_clients(tmp_path / "data", pg_url)
