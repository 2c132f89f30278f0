"""The floor for the tracking API: a minimal server that only parses Segment batches with orjson and appends
their rows to a DuckDB table with group commit (acknowledged after the commit), nothing else.

    python benchmarks/ingest_floor.py --port 8123 --db /tmp/floor.duckdb

benchmarks/ingest_wrk.py drives it and the product with the same wrk load and reports product/floor.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time

import duckdb
import orjson
import pyarrow as pa

COLUMNS = ("message_id", "type", "user_id", "anonymous_id", "event", "timestamp", "properties", "context")


class Flusher:
    """Pending rows of many requests stored in one transaction every couple of milliseconds."""

    def __init__(self, path: str) -> None:
        self.con = duckdb.connect(path)
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS events (message_id VARCHAR PRIMARY KEY, type VARCHAR, user_id VARCHAR, "
            "anonymous_id VARCHAR, event VARCHAR, timestamp VARCHAR, properties VARCHAR, context VARCHAR)"
        )
        self.pending: list[tuple[list[dict], asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self.lock = threading.Lock()
        self.wake = threading.Event()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self) -> None:
        while True:
            self.wake.wait()
            time.sleep(0.002)
            with self.lock:
                taken, self.pending = self.pending, []
                self.wake.clear()
            rows = [m for batch, _, _ in taken for m in batch]
            table = pa.table(
                {
                    "message_id": [m.get("messageId") for m in rows],
                    "type": [m.get("type") for m in rows],
                    "user_id": [m.get("userId") for m in rows],
                    "anonymous_id": [m.get("anonymousId") for m in rows],
                    "event": [m.get("event") for m in rows],
                    "timestamp": [m.get("timestamp") for m in rows],
                    "properties": [orjson.dumps(m.get("properties") or {}).decode() for m in rows],
                    "context": [orjson.dumps(m.get("context") or {}).decode() for m in rows],
                }
            )
            self.con.register("batch", table)
            self.con.execute("INSERT INTO events SELECT * FROM batch ON CONFLICT DO NOTHING")
            self.con.unregister("batch")
            for _, loop, future in taken:
                loop.call_soon_threadsafe(future.set_result, None)

    async def submit(self, batch: list[dict]) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self.lock:
            self.pending.append((batch, loop, future))
        self.wake.set()
        await future


def app(flusher: Flusher):  # type: ignore[no-untyped-def]
    async def asgi(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        await flusher.submit(orjson.loads(body)["batch"])
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"success":true}'})

    return asgi


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    uvicorn.run(
        app(Flusher(args.db)), host="127.0.0.1", port=args.port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
