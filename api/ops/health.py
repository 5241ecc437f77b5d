"""/healthz (the process answers) and /readyz (every readiness check passes: Neo4j answers with kg's schema,
and whatever else registers a check, e.g. a SPARQL store), cheap enough to poll every second."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import neo4j
from neo4j.exceptions import DriverError, Neo4jError
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.db import Database
from api.ops.metrics import Metrics
from kg.store.schema import names

Check = Callable[[], Awaitable[str | None]]  # None when ready, else the reason it is not
CACHE_S = 0.5  # a check's answer serves the polls of the next half second
TIMEOUT_S = 2.0  # a check slower than this fails (the poller sees the cached answer meanwhile)
SCHEMA = """SHOW INDEXES YIELD name, state, owningConstraint WHERE state = 'ONLINE'
RETURN collect(name) AS indexes, collect(owningConstraint) AS constraints"""
SHOWN_MISSING = 3


class Readiness:
    """Named readiness checks, run together with a timeout each; their answer is cached for CACHE_S."""

    def __init__(self, metrics: Metrics) -> None:
        self.checks: dict[str, Check] = {}
        self.metrics = metrics
        self._answer: dict[str, str] = {}
        self._at = -CACHE_S
        self._lock: asyncio.Lock | None = None

    def register(self, name: str, check: Check) -> None:
        """Add (or replace) the check `name`: an async function giving None when ready, else a reason."""
        self.checks[name] = check

    async def state(self) -> dict[str, str]:
        """Each check's answer: "ok" or the reason it is not ready."""
        if time.monotonic() - self._at < CACHE_S:
            return self._answer
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:  # concurrent polls share one run
            if time.monotonic() - self._at >= CACHE_S:
                reasons = await asyncio.gather(*(_timed(check) for check in self.checks.values()))
                self._answer = {name: reason or "ok" for name, reason in zip(self.checks, reasons)}
                self._at = time.monotonic()
                self.metrics.ready.set(all(r == "ok" for r in self._answer.values()))
        return self._answer


async def _timed(check: Check) -> str | None:
    try:
        return await asyncio.wait_for(check(), TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {TIMEOUT_S:g} s"
    except (Neo4jError, DriverError, OSError) as exc:  # the reason, not the message: it may name hosts
        return f"unavailable ({type(exc).__name__})"


def neo4j_check(db: Callable[[], Database]) -> Check:
    """Neo4j answers a read, and every constraint and index of kg.store.schema is there and online."""
    expected = names()

    async def check() -> str | None:
        database = db()
        async with database.driver.session(database=database.settings.database,
                                           default_access_mode=neo4j.READ_ACCESS) as session:
            result = await session.run(neo4j.Query(SCHEMA, timeout=TIMEOUT_S))
            row = await result.single(strict=True)
        missing = [n for n in expected["constraints"] if n not in row["constraints"]]
        missing += [n for n in expected["indexes"] if n not in row["indexes"]]
        if missing:
            more = f" and {len(missing) - SHOWN_MISSING} more" if len(missing) > SHOWN_MISSING else ""
            return (f"schema incomplete: {', '.join(missing[:SHOWN_MISSING])}{more} missing or not online; "
                    "run `kg schema apply`")
        return None

    return check


async def healthz(request: Request) -> JSONResponse:
    """The process is up; no database call."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """200 when every check passes, else 503; the body names each check's answer."""
    readiness: Readiness = request.app.state.readiness
    checks = await readiness.state()
    ready = all(answer == "ok" for answer in checks.values())
    return JSONResponse({"status": "ready" if ready else "unready", "checks": checks},
                        status_code=200 if ready else 503, headers={"cache-control": "no-store"})
