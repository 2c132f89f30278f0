"""Group commit: requests wait while a flusher thread stores everything pending in one transaction.

A request is answered 200 only after the flush that holds its events has committed, so an acknowledged
event is durable. When too many events wait, new requests get 503 with Retry-After (back-pressure):
a client resends later; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tajriba.ingest.segment import Parsed
from tajriba.ingest.writer import WorkspaceRules, store
from tajriba.warehouse import Warehouse

log = logging.getLogger("tajriba.ingest")


class Saturated(Exception):
    """More events are waiting than the buffer holds: the client should retry after a moment."""


@dataclass
class _Pending:
    workspace_id: int
    parsed: Parsed
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


class Ingestor:
    def __init__(
        self,
        warehouse: Warehouse,
        rules_for: Callable[[int], WorkspaceRules],
        *,
        max_pending_events: int = 250_000,
        max_flush_events: int = 50_000,
        linger_s: float = 0.002,
    ) -> None:
        self.warehouse = warehouse
        self.rules_for = rules_for
        self.max_pending = max_pending_events
        self.max_flush = max_flush_events
        self.linger = linger_s
        self._queue: deque[_Pending] = deque()
        self._pending_events = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tajriba-ingest", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Store what is pending, then stop."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    async def submit(self, workspace_id: int, parsed: Parsed) -> None:
        """Queue parsed messages and wait until they are durably stored (raises Saturated when full)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._stop.is_set():
                raise Saturated("the server is shutting down")
            if self._pending_events + parsed.num_rows > self.max_pending:
                raise Saturated(f"{self._pending_events} events are waiting to be stored")
            self._queue.append(_Pending(workspace_id, parsed, loop, future))
            self._pending_events += parsed.num_rows
        self._wake.set()
        await future

    def _take(self) -> list[_Pending]:
        with self._lock:
            taken: list[_Pending] = []
            count = 0
            while self._queue and (not taken or count + self._queue[0].parsed.num_rows <= self.max_flush):
                item = self._queue.popleft()
                taken.append(item)
                count += item.parsed.num_rows
            self._pending_events -= count
            if not self._queue:
                self._wake.clear()
            return taken

    def _run(self) -> None:
        while True:
            self._wake.wait(0.5)
            if self.linger:
                time.sleep(self.linger)  # let concurrent requests join this flush
            batch = self._take()
            if batch:
                self._flush(batch)
            elif self._stop.is_set():
                return

    def _flush(self, batch: list[_Pending]) -> None:
        by_workspace: dict[int, list[_Pending]] = {}
        for item in batch:
            by_workspace.setdefault(item.workspace_id, []).append(item)
        for workspace_id, items in by_workspace.items():
            table = Parsed.combine([item.parsed for item in items])
            error: BaseException | None = None
            try:
                store(
                    self.warehouse,
                    workspace_id=workspace_id,
                    batch=table,
                    rules=self.rules_for(workspace_id),
                )
            except Exception as exc:  # noqa: BLE001 - every waiting request learns of it and retries
                log.exception("storing %d events of workspace %d failed", table.num_rows, workspace_id)
                error = exc
            for item in items:
                item.loop.call_soon_threadsafe(_settle, item.future, error)


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
