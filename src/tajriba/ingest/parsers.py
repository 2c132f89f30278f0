"""Tracking requests parsed in other processes (decision 005, step 2).

Parsing and checking a request is the largest share of the tracking API's Python work; in the serving
process it holds the same GIL as the flush that stores the events, so one core did both while the other
idled. A large request's bytes go to a parser process, which returns its messages as one Arrow table
(`segment.PARSED`, cheap to pass back); a small one (a browser's single event) is parsed in place, where
the round trip would cost more than the parse. Both run the same `segment.parse_body`.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from functools import partial

from tajriba.ingest.segment import Parsed, parse_body

log = logging.getLogger("tajriba.ingest")

# bodies shorter than this are parsed in the serving process (50 of the benchmark's events are about 16 kB)
INLINE_BELOW = 16 * 1024


def _serve(server: int) -> None:
    """A parser process leaves Ctrl-C to the server, which stops it, and ends when the server is gone (killed:
    nobody stops it then)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="tajriba-parser-watch", daemon=True).start()


class Parsers:
    def __init__(self, processes: int, *, inline_below: int = INLINE_BELOW) -> None:
        self.processes = processes
        self.inline_below = inline_below
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    async def parse(
        self, raw: bytes, content_encoding: str | None, *, path_type: str | None, received_at: datetime
    ) -> tuple[Parsed, str | None]:
        """`segment.parse_body` of one request, in a parser process when it is large enough."""
        pool = self._pool_for(len(raw))
        if pool is None:
            return parse_body(raw, content_encoding, path_type=path_type, received_at=received_at)
        loop = asyncio.get_running_loop()
        job = partial(parse_body, raw, content_encoding, path_type=path_type, received_at=received_at)
        try:
            return await loop.run_in_executor(pool, job)
        except BrokenProcessPool:  # a parser died (killed, out of memory): a fresh pool; this one here
            log.warning("a tracking parser process died; starting new ones")
            self._replace(pool)
            return parse_body(raw, content_encoding, path_type=path_type, received_at=received_at)

    def _pool_for(self, size: int) -> ProcessPoolExecutor | None:
        if self.processes == 0 or size < self.inline_below or self._closed:
            return None
        if self._pool is None:
            with self._lock:
                if self._pool is None and not self._closed:
                    self._pool = ProcessPoolExecutor(
                        self.processes,
                        # spawn, not fork: the server holds threads and database connections
                        mp_context=multiprocessing.get_context("spawn"),
                        initializer=_serve,
                        initargs=(os.getpid(),),
                    )
        return self._pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
