"""Wires api.ops into an app: the middleware, /healthz, /readyz and /metrics; `serving` for `kg serve`."""
from __future__ import annotations

from fastapi import FastAPI
from prometheus_client.exposition import choose_encoder
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.ops import logs
from api.ops.health import Readiness, healthz, neo4j_check, readyz
from api.ops.metrics import Metrics, access
from api.ops.middleware import Observe
from kg.settings import settings


def install(app: FastAPI) -> None:
    """Add the ops routes and the tracing middleware (call it after every other middleware: it must be
    the outermost, to see every answer)."""
    conf = settings()
    metrics = app.state.metrics = Metrics(conf.metrics_dir)
    app.state.readiness = readiness = Readiness(metrics)
    app.state.metrics_key = conf.metrics_key
    app.state.bind_host = None  # unknown until `serving` says: /metrics then needs the key
    readiness.register("neo4j", neo4j_check(lambda: app.state.db))
    app.add_route("/healthz", healthz, include_in_schema=False)
    app.add_route("/readyz", readyz, include_in_schema=False)
    app.add_route("/metrics", scrape, include_in_schema=False)
    app.add_middleware(Observe, metrics=metrics, slow_s=conf.slow_query_ms / 1000, routes=lambda: app.routes)


def serving(app: FastAPI, host: str | None) -> None:
    """Tell the app the address it is bound to (/metrics is open on loopback only), and log as kg does."""
    conf = settings()
    app.state.bind_host = host
    logs.configure(conf.log_format, conf.log_level)


async def scrape(request: Request) -> Response:
    """The metrics in Prometheus' text format, for whom `access` lets read them."""
    state = request.app.state
    status = access(state.bind_host, state.metrics_key, request.headers.get("authorization"))
    if status == 404:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    if status == 401:
        return JSONResponse({"detail": "a bearer token (KG_METRICS_KEY) is required"}, status_code=401,
                            headers={"www-authenticate": "Bearer"})
    encode, media_type = choose_encoder(request.headers.get("accept", ""))  # OpenMetrics when asked for
    return Response(encode(state.metrics.registry), headers={"content-type": media_type})
