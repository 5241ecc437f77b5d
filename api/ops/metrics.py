"""The API's Prometheus metrics, one registry per app, and who may read them at /metrics."""
from __future__ import annotations

import ipaddress
import os
import re
import secrets
from pathlib import Path
from typing import Any

import psutil
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, PlatformCollector, ProcessCollector
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

# Limits that refuse requests: api/limits.py's, the body's, the query timeout's, and "rate" for a rate limiter.
LIMITS = ("depth", "cost", "hops", "rate", "tokens", "aliases", "page", "search", "filter", "body", "timeout")
MAX_OPERATIONS = 100  # distinct operation names given their own series; later ones count as "other"
MAX_NAME = 64
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # others count as "other"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CYPHER_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Every series of /metrics (docs/operations.md lists them). With `shared` (PROMETHEUS_MULTIPROC_DIR, set
    by `kg serve --workers N` before prometheus_client is imported), each process writes its series to files
    there and `registry`, the one /metrics reads, sums them over the processes."""

    def __init__(self, shared: Path | None = None) -> None:
        self.shared = shared
        self.registry = CollectorRegistry(auto_describe=True)
        PlatformCollector(registry=self.registry)
        if shared is None:
            registry = self.registry
            ProcessCollector(registry=registry)  # not with workers: it would describe whichever one answered
        else:
            registry = CollectorRegistry()  # this process's own series, read back through the files
            MultiProcessCollector(self.registry, path=str(shared))  # type: ignore[no-untyped-call]
            forget_dead(shared)
        self.requests = Counter("kg_http_requests", "HTTP requests by route, method, status and GraphQL operation",
                                ["route", "method", "status", "operation"], registry=registry)
        self.latency = Histogram("kg_http_request_duration_seconds", "Time to answer a request, by route and "
                                 "GraphQL operation", ["route", "operation"], buckets=LATENCY_BUCKETS, registry=registry)
        self.graphql_errors = Counter("kg_graphql_errors", "GraphQL operations answered with errors",
                                      ["operation"], registry=registry)
        self.cypher = Histogram("kg_cypher_query_duration_seconds", "Cypher round trips to Neo4j and their time",
                                buckets=CYPHER_BUCKETS, registry=registry)
        self.cypher_per_request = Histogram("kg_cypher_queries_per_request", "Cypher round trips per GraphQL request",
                                            buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55), registry=registry)
        self.rejected = Counter("kg_limit_rejections", "Requests refused by a limit", ["limit"], registry=registry)
        for limit in LIMITS:
            self.rejected.labels(limit=limit)
        self.sessions = Gauge("kg_neo4j_sessions_in_use", "Neo4j sessions the API holds now (each holds one "
                              "pooled connection)", registry=registry, multiprocess_mode="livesum")
        self.pool_size = Gauge("kg_neo4j_pool_max_size", "The Neo4j driver's connection pool size, per server",
                               registry=registry, multiprocess_mode="livesum")
        self.ready = Gauge("kg_ready", "1 when the last readiness check passed, else 0", registry=registry,
                           multiprocess_mode="livemostrecent")
        self.ready.set(0)  # a series from the start, as without workers (most recent: the last check wins)
        self.started = Gauge("kg_worker_start_time_seconds", "When the serving process started (Unix time); "
                             "with --workers, one series per live worker, by pid", registry=registry,
                             multiprocess_mode="liveall")
        self.started.set(psutil.Process().create_time())
        self._operations: set[str] = set()
        self._children: dict[tuple[str, str, int, str], tuple[Any, Any]] = {}  # labelled series, by labels

    def request(self, route: str, method: str, status: int, operation: str, seconds: float) -> None:
        """Count an answered request and its time (`method` and `operation` as `method` and `operation` give)."""
        key = (route, method, status, operation)
        children = self._children.get(key)
        if children is None:  # labels() takes a lock and sorts: once per distinct series
            children = self._children[key] = (
                self.requests.labels(route=route, method=method, status=str(status), operation=operation),
                self.latency.labels(route=route, operation=operation))
        children[0].inc()
        children[1].observe(seconds)

    def close(self) -> None:
        """As the process stops serving: its live gauges leave /metrics (its counts stay in the sums)."""
        if self.shared is not None:
            mark_process_dead(os.getpid(), str(self.shared))  # type: ignore[no-untyped-call]

    @staticmethod
    def method(method: str) -> str:
        """An HTTP method as a label: the standard ones, else "other" (a client may send any word)."""
        return method if method in METHODS else "other"

    def operation(self, name: str | None, graphql: bool) -> str:
        """The label of a GraphQL operation name: bounded in length and in distinct values."""
        if not graphql:
            return ""
        if not name:
            return "anonymous"
        if name in self._operations:
            return name
        if len(self._operations) < MAX_OPERATIONS and len(name) <= MAX_NAME:
            self._operations.add(name)
            return name
        return "other"


_LIVE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


def forget_dead(shared: Path) -> None:
    """Take the live gauges of processes that died without `Metrics.close` (a killed worker) off /metrics."""
    pids = {int(m.group(1)) for f in os.listdir(shared) if (m := _LIVE_FILE.fullmatch(f))}
    for pid in pids - {os.getpid()}:
        if not psutil.pid_exists(pid):
            mark_process_dead(pid, str(shared))  # type: ignore[no-untyped-call]


def is_loopback(host: str | None) -> bool:
    """Whether a bind address reaches only this machine."""
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def access(bind_host: str | None, key: str, authorization: str | None) -> int:
    """The status for a scrape: 200 when bound to loopback or the bearer token is KG_METRICS_KEY, 401 for
    a wrong or missing token, 404 when bound beyond loopback with no key set (metrics off)."""
    if is_loopback(bind_host):
        return 200
    if not key:
        return 404
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and secrets.compare_digest(token.strip().encode(), key.encode()):
        return 200
    return 401
