"""One request's trace, in a context variable: its id, GraphQL operation, Cypher round trips and refusals.

The middleware (api.ops.middleware) sets it; the database (api.db), the schema's Guard and the limits
report into it; every log line written while it is set carries its id (api.ops.logs).
"""
from __future__ import annotations

import logging
import os
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from api.ops.metrics import Metrics

ID_HEADER = b"x-request-id"
# A client's id goes into logs and a response header: letters, digits and . _ : - only, at most 128.
GIVEN_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
slow_log = logging.getLogger("kg.cypher")


@dataclass(eq=False)
class Trace:
    """What one request did, as far as logs and metrics need it."""

    id: str
    metrics: Metrics
    slow_s: float  # Cypher at least this slow is logged
    operation: str | None = None  # the GraphQL operation's name, once parsed
    graphql: bool = False  # the request ran a GraphQL operation
    errors: bool = False  # its answer had errors
    cypher: int = 0
    cypher_s: float = 0.0
    refused: set[str] = field(default_factory=set)  # limits that refused it
    started: float = field(default_factory=time.monotonic)


CURRENT: ContextVar[Trace | None] = ContextVar("kg_request", default=None)


def request_id(given: bytes | None) -> str:
    """The client's X-Request-ID when it is a plain token, else a new one."""
    if given is not None and GIVEN_ID.fullmatch(given):
        return given.decode()
    return os.urandom(16).hex()


def current() -> Trace | None:
    """The trace of the request being served, if any."""
    return CURRENT.get()


def cypher_done(text: str, seconds: float) -> None:
    """Count one Cypher round trip of the current request; log it when slow (its text only: values travel
    as parameters, which are never logged)."""
    trace = CURRENT.get()
    if trace is None:
        return
    trace.cypher += 1
    trace.cypher_s += seconds
    trace.metrics.cypher.observe(seconds)
    if seconds >= trace.slow_s:
        slow_log.warning("slow cypher", extra={"kg": {"ms": round(seconds * 1000, 1), "cypher": " ".join(text.split())}})


def refused(limit: str) -> None:
    """Count a refusal of the current request by `limit` (depth, cost, hops, rate...), once per request."""
    trace = CURRENT.get()
    if trace is not None and limit not in trace.refused:
        trace.refused.add(limit)
        trace.metrics.rejected.labels(limit=limit).inc()
