"""The outermost middleware: a request id (X-Request-ID, echoed), the trace every layer reports into,
and at the end one access-log line and the request's metrics."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.ops.context import CURRENT, ID_HEADER, Trace, request_id
from api.ops.metrics import MAX_NAME, Metrics

access_log = logging.getLogger("kg.access")
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})  # polled often: their lines are DEBUG, not INFO
UNMATCHED = "unmatched"  # the route label of a path no route serves (its path is the user's, not logged)


class Observe:
    """Traces each HTTP request; logs and measures it when it is answered."""

    def __init__(self, app: ASGIApp, metrics: Metrics, slow_s: float,
                 routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self.app = app
        self.metrics = metrics
        self.slow_s = slow_s
        self.routes = routes
        self._fixed: set[str] | None = None  # paths of the routes without parameters
        self._mounts: list[str] = []

    def route(self, scope: Scope) -> str:
        """The route that served a request, as its path template (never the path itself: it is the user's)."""
        served = scope.get("route")  # FastAPI sets it for its own routes (the linked-data pages)
        if served is not None:
            return str(served.path)
        if self._fixed is None:
            routes = self.routes()
            self._fixed = {r.path for r in routes if isinstance(r, Route) and "{" not in r.path}
            self._mounts = [r.path for r in routes if isinstance(r, Mount)]
        path = scope["path"]
        if path in self._fixed:
            return str(path)
        return next((mount for mount in self._mounts if path.startswith(mount + "/")), UNMATCHED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = next((value for name, value in scope["headers"] if name == ID_HEADER), None)
        trace = Trace(request_id(given), self.metrics, self.slow_s)
        header = (ID_HEADER, trace.id.encode())
        status = 500  # what the server answers when the app fails before it starts a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = CURRENT.set(trace)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.done(scope, trace, status, time.perf_counter() - started)
            CURRENT.reset(token)

    def done(self, scope: Scope, trace: Trace, status: int, seconds: float) -> None:
        """The request's metrics and its access-log line."""
        route = self.route(scope)
        metrics = self.metrics
        operation = metrics.operation(trace.operation, trace.graphql)
        method = metrics.method(scope["method"])
        metrics.request(route, method, status, operation, seconds)
        if trace.graphql:
            metrics.cypher_per_request.observe(trace.cypher)
            if trace.errors:
                metrics.graphql_errors.labels(operation=operation).inc()
        level = logging.DEBUG if route in PROBES else logging.INFO
        if access_log.isEnabledFor(level):
            fields: dict[str, object] = {"method": method, "route": route, "status": status,
                                         "ms": round(seconds * 1000, 2), "cypher": trace.cypher,
                                         "cypher_ms": round(trace.cypher_s * 1000, 2)}
            if trace.graphql:
                fields["operation"] = (trace.operation or "anonymous")[:MAX_NAME]
            # Straight to the handlers: Logger.log would look up the caller's frame, the dearest part of a line.
            access_log.handle(access_log.makeRecord(access_log.name, level, "", 0, "request", (), None,
                                                    extra={"kg": fields}))
