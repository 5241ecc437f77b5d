"""The API's access to Neo4j: the async driver, every call a parameterized read with a timeout."""
from __future__ import annotations

import logging
import os
from typing import Any

import neo4j
from neo4j import AsyncGraphDatabase, AsyncManagedTransaction
from neo4j.exceptions import ClientError, ServiceUnavailable, SessionExpired

from api.errors import UserError
from kg.connection import Settings

DEFAULT_TIMEOUT_S = 10.0
TIMEOUT_ENV = "KG_API_QUERY_TIMEOUT"
RETRY_S = 2.0
log = logging.getLogger("kg.api")


def query_timeout() -> float:
    """Seconds a Cypher query may run: KG_API_QUERY_TIMEOUT, default 10."""
    return float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT_S)


async def _fetch(tx: AsyncManagedTransaction, text: str, params: dict[str, Any]) -> list[dict]:
    result = await tx.run(text, params)
    return await result.data()


class Database:
    """An async driver and the database to read from; counts the queries it runs."""

    def __init__(self, settings: Settings, timeout: float | None = None) -> None:
        self.settings = settings
        self.timeout = timeout or query_timeout()
        # Retry transient failures only briefly: a request must not hang while the database is down.
        self.driver = AsyncGraphDatabase.driver(settings.uri, auth=(settings.user, settings.password),
                                                max_transaction_retry_time=RETRY_S, connection_timeout=RETRY_S)
        self.queries = 0
        self._fetch = neo4j.unit_of_work(timeout=self.timeout)(_fetch)

    async def close(self) -> None:
        """Close the driver's connections."""
        await self.driver.close()

    async def read(self, text: str, **params: Any) -> list[dict]:
        """Rows of one Cypher query, run in a read transaction with the timeout (a server-side limit)."""
        self.queries += 1
        try:
            async with self.driver.session(database=self.settings.database,
                                           default_access_mode=neo4j.READ_ACCESS) as session:
                return await session.execute_read(self._fetch, text, params)
        except ClientError as exc:
            if "TransactionTimedOut" in (exc.code or ""):
                raise UserError(f"the query took longer than its {self.timeout:g} s limit; "
                                "ask for fewer results or fewer nested fields") from None
            raise
        except (ServiceUnavailable, SessionExpired) as exc:
            log.warning("Neo4j unavailable: %s", exc)
            raise UserError("the graph database is unavailable; try again shortly") from None
