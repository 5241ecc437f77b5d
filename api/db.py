"""The API's access to Neo4j: the async driver, every call a parameterized read with a timeout."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import neo4j
from neo4j import AsyncGraphDatabase
from neo4j.exceptions import ClientError, DriverError, Neo4jError, ServiceUnavailable, SessionExpired
from prometheus_client import Gauge

from api.errors import Unavailable
from api.gate import ACQUIRE_S, QUERY_SLOTS, Gate, late, time_left
from api.limits import LimitError
from api.ops.context import current, cypher_done
from kg.settings import env_name, settings
from kg.store.connection import Settings

TIMEOUT_ENV = env_name("query_timeout")
CONNECT_S = 2.0
# For this long after Neo4j was unreachable, a query past its timeout is the restarted server's cold caches
# and unplanned queries, not the query's size: it is answered as Busy (try again), not as a limit.
RECOVERY_S = 60.0
POOL_TIMEOUT = "failed to obtain a connection from the pool"  # the driver's ClientError for ACQUIRE_S spent
POOL_SIZE = 100  # the driver's default connections per server, stated for /metrics
ATTEMPTS = 2  # a read that fails transiently (a pooled connection the server closed) is tried once more
log = logging.getLogger("kg.api")
Row = dict[str, Any]  # one record of a query by column, or a node's property map


def query_timeout() -> float:
    """Seconds a Cypher query may run: KG_API_QUERY_TIMEOUT, default 10."""
    return settings().query_timeout


class Database:
    """An async driver and the database to read from; counts the queries it runs."""

    def __init__(self, settings: Settings, timeout: float | None = None, sessions: Gauge | None = None) -> None:
        self.settings = settings
        self.timeout = timeout or query_timeout()
        # Connect with a short timeout: a request must not hang while the database is down.
        self.driver = AsyncGraphDatabase.driver(settings.uri, auth=(settings.user, settings.password),
                                                connection_timeout=CONNECT_S, connection_acquisition_timeout=ACQUIRE_S,
                                                max_connection_pool_size=POOL_SIZE)
        self.pool_size = POOL_SIZE
        self.queries = 0
        self.sessions = sessions  # /metrics' sessions in use (a gauge of every process with --workers)
        self.gate = Gate(QUERY_SLOTS)
        self.lost_at = -RECOVERY_S  # when a read last found Neo4j unreachable (time.monotonic)

    async def close(self) -> None:
        """Close the driver's connections."""
        await self.driver.close()

    async def read(self, text: str, **params: Any) -> list[Row]:
        """Rows of one Cypher query, a read with the timeout (a server-side limit; LimitError past it); all
        the reads of one request end within the timeout and MARGIN_S (Busy past it)."""
        self.queries += 1
        trace = current()
        started = time.perf_counter()
        await self.gate.enter(time_left(self.timeout))
        left = time_left(self.timeout)  # what the wait for a slot left
        # The request id goes with the transaction: SHOW TRANSACTIONS and Neo4j's query log show it.
        query = neo4j.Query(text, timeout=max(0.001, min(self.timeout, left)),
                            metadata={"request_id": trace.id} if trace else None)
        try:
            if left <= 0:
                raise TimeoutError
            async with asyncio.timeout(left):  # the connection's opening and a retry included
                return await self._retried(query, params)
        except TimeoutError:  # what the request had left ran out: Neo4j is slow to answer, not the query heavy
            raise late() from None
        except ClientError as exc:
            recovering = time.monotonic() - self.lost_at < RECOVERY_S
            if "TransactionTimedOut" in (exc.code or "") and (left < self.timeout or recovering):
                raise late() from None
            if "TransactionTimedOut" in (exc.code or ""):
                raise LimitError("timeout", f"the query took longer than its {self.timeout:g} s limit; "
                                "ask for fewer results or fewer nested fields") from None
            if POOL_TIMEOUT in str(exc):
                log.warning("Neo4j unavailable: no connection within %g s", ACQUIRE_S)
                self.lost_at = time.monotonic()
                raise Unavailable() from None
            raise
        except (ServiceUnavailable, SessionExpired) as exc:
            log.warning("Neo4j unavailable: %s", exc)
            self.lost_at = time.monotonic()
            raise Unavailable() from None
        finally:
            self.gate.leave()
            cypher_done(text, time.perf_counter() - started)

    async def _retried(self, query: neo4j.Query, params: dict[str, Any]) -> list[Row]:
        """`_run`, tried again once after a transient failure."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await self._run(query, params)
            except (Neo4jError, DriverError) as exc:
                if attempt == ATTEMPTS or not exc.is_retryable():
                    raise
        raise AssertionError("unreachable")

    async def _run(self, query: neo4j.Query, params: dict[str, Any]) -> list[Row]:
        """`query` as an auto-commit transaction in READ mode (the server refuses writes in it)."""
        # Auto-commit sends RUN and PULL in one write; a managed transaction (execute_read) adds BEGIN and
        # COMMIT, which doubles the messages and socket writes on both sides for these one-query reads.
        if self.sessions is not None:
            self.sessions.inc()
        try:
            async with self.driver.session(database=self.settings.database,
                                           default_access_mode=neo4j.READ_ACCESS) as session:
                result = await session.run(query, params)
                keys = result.keys()
                # Rows hold maps and lists (queries project nodes with `n {.*}`), so the values need none of
                # the per-value conversion that result.data() does.
                return [dict(zip(keys, values)) for values in await result.values()]
        finally:
            if self.sessions is not None:
                self.sessions.dec()
