"""Bounds on the reads the API has in flight against Neo4j: a read waits at most WAIT_S for one of its gate's
slots, then is refused as Busy (GraphQL: DATABASE_UNAVAILABLE; /resource, /rdf, /path: 503 with Retry-After).

Without them, once Neo4j restarts under load (cold caches, no query plans yet), slow reads pile up: exports
held every one of anyio's 40 worker threads and every later /resource and /rdf request queued behind them."""
from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.errors import RETRY_AFTER_S, Unavailable
from api.ops.context import current, refused

# Reads beyond a few per core only queue inside Neo4j (when it runs on this machine, as `kg neo4j start`'s
# does) and make every read slow; a request refused at once can come back, one left waiting times out.
QUERY_SLOTS = max(4, 2 * (os.cpu_count() or 1))  # GraphQL's Cypher queries at once
# /resource and /path reads, each on one of anyio's 40 worker threads, which GraphiQL's files need too.
THREAD_SLOTS = min(16, QUERY_SLOTS)
EXPORT_SLOTS = max(2, os.cpu_count() or 1)  # /rdf exports, each reading Neo4j all along its stream
WAIT_S = 2.0  # how long a read waits for a slot before its request is told to come back
# A connection's whole opening (pool, TCP, handshake, HELLO): a Neo4j that is still starting accepts
# connections and holds their HELLO; the driver's default would keep a request waiting 60 s.
ACQUIRE_S = 3.0
MARGIN_S = WAIT_S + ACQUIRE_S  # a request's reads all end within the query timeout and this
T = TypeVar("T")


class Busy(Unavailable):
    """Every slot stayed taken for WAIT_S."""

    def __init__(self) -> None:
        super().__init__("the graph database is busy; try again shortly")


def late() -> Busy:
    """Busy, for a request whose time ran out (counted apart from one that found no slot)."""
    refused("late")
    return Busy()


async def busy_response(request: Request, exc: Exception) -> JSONResponse:
    """The HTTP answer to Busy: 503 with Retry-After."""
    return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})


def time_left(query_s: float) -> float:
    """Seconds left to the current request's reads: `query_s` (a query timeout) and MARGIN_S from its start."""
    trace = current()
    started = trace.started if trace is not None else time.monotonic()
    return started + query_s + MARGIN_S - time.monotonic()


class Gate:
    """`slots` reads at once; `enter` waits at most `wait_s` for a slot (Busy otherwise), `leave` frees it."""

    def __init__(self, slots: int, wait_s: float = WAIT_S) -> None:
        self.slots = asyncio.Semaphore(slots)
        self.wait_s = wait_s

    async def enter(self, wait_s: float | None = None) -> None:
        """Take a slot, or raise Busy after `wait_s` (at most the gate's)."""
        try:
            async with asyncio.timeout(self.wait_s if wait_s is None else min(wait_s, self.wait_s)):
                await self.slots.acquire()
        except TimeoutError:
            refused("busy")
            raise Busy() from None

    def leave(self) -> None:
        """Free the slot `enter` took."""
        self.slots.release()

    async def run(self, fn: Callable[[], T], within: float, keep: bool = False,
                  undo: Callable[[T], None] | None = None) -> T:
        """`fn()` on a worker thread, in a slot (taken here, waiting at most WAIT_S); Busy when it has not
        ended `within` seconds. The slot is freed once `fn` has ended (at once, or later when its request
        gave up on it: no more reads run than there are slots), except after a success in time with `keep`
        (the caller leaves then). `undo(result)` runs on the worker thread for a success too late to use."""
        await self.enter(within)
        loop = asyncio.get_running_loop()
        lock = threading.Lock()
        state = {"abandoned": False, "ended": False}

        def work() -> T:
            try:
                result = fn()
            except BaseException:
                with lock:
                    state["ended"] = True
                    abandoned = state["abandoned"]
                if abandoned:
                    loop.call_soon_threadsafe(self.leave)
                raise
            with lock:
                state["ended"] = True
                abandoned = state["abandoned"]
            if abandoned:
                try:
                    if undo is not None:
                        undo(result)
                finally:
                    loop.call_soon_threadsafe(self.leave)
            return result

        task = asyncio.ensure_future(run_in_threadpool(work))
        task.add_done_callback(_retrieved)
        try:
            result = await asyncio.wait_for(asyncio.shield(task), max(within, 0.0))
        except BaseException as exc:  # fn failed, or its time is up, or the request was cancelled
            with lock:
                ended = state["ended"]
                state["abandoned"] = not ended
            if ended:  # its outcome is ours: free the slot now (and undo a result that comes too late)
                self.leave()
                if isinstance(exc, TimeoutError | asyncio.CancelledError) and undo is not None:
                    task.add_done_callback(lambda t: t.cancelled() or t.exception() or loop.run_in_executor(
                        None, undo, t.result()))
            if isinstance(exc, TimeoutError):
                raise late() from None
            raise
        if not keep:
            self.leave()
        return result


def _retrieved(task: asyncio.Future[Any]) -> None:
    """Retrieve a worker's outcome, so a late failure is not logged as an exception nobody saw."""
    if not task.cancelled():
        task.exception()
