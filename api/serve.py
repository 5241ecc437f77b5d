"""The app of one `kg serve` process: `create` readies api.app's app for serving. With `--workers N` uvicorn
calls it in each worker (`api.serve:create`, a factory), which learns the bound address from KG_SERVE_BIND."""
from __future__ import annotations

from fastapi import FastAPI

from kg.settings import settings

FACTORY = "api.serve:create"  # what uvicorn imports in each worker process


def create(host: str | None = None) -> FastAPI:
    """api.app's app with the SPARQL store's readiness check, told the address it is bound to (`host`, else
    KG_SERVE_BIND) and logging as kg does; the one-time checks of `kg serve` ran before, in its parent."""
    from api.app import app
    from api.ops.setup import serving
    from api.sparql import readiness

    app.state.readiness.register("sparql", readiness(app))  # the store `kg serve` ensured
    serving(app, host or settings().serve_bind)  # /metrics open on loopback only (unknown: not); kg's logs
    return app
