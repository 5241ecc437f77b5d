"""The FastAPI app of `kg serve`: GraphQL (and GraphiQL in a browser) at /graphql, SPARQL (and YASGUI) at
/sparql, linked data, pictures, and a front page at / linking them.

Configured from the environment: Neo4j as in kg.store.connection.settings(), KG_API_QUERY_TIMEOUT (seconds per
Cypher query), KG_CORS_ORIGINS (comma-separated origins allowed to call the API from a browser; none by default).
"""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL as StrawberryASGI

from api import front, graphiql, guide, linked_data, persisted, pictures, sparql, yasgui
from api.access import AccessGuard, Limiter, Policy
from api.context import Context
from api.db import Database
from api.gate import Busy, busy_response
from api.limits import MAX_BODY_BYTES
from api.media import GraphQLOverHTTP
from api.ops.context import refused
from api.ops.setup import install as install_ops
from api.schema import schema
from kg.settings import env_name
from kg.settings import settings as kg_settings
from kg.store.connection import Settings

CORS_ENV = env_name("cors_origins")
log = logging.getLogger("kg.api")


class GraphQL(GraphQLOverHTTP, StrawberryASGI):
    """Strawberry's ASGI app (FastAPI's router would solve its dependencies on every request), with a
    GraphiQL page whose assets are served locally, our Context and orjson."""

    @property
    def graphql_ide_html(self) -> str:
        return graphiql.page()

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        return Context(request.app.state.db, request.app.state.compile_queries)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)  # its JSONDecodeError is json's, which the view answers with a 400

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


class BodyLimit:
    """Refuses request bodies declared larger than MAX_BODY_BYTES before they are read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length", b"0")
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                refused("body")
                response = JSONResponse({"errors": [{"message": f"request body above {MAX_BODY_BYTES} bytes"}]},
                                        status_code=413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def cors_origins() -> list[str]:
    """The origins of KG_CORS_ORIGINS."""
    return kg_settings().cors()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app; it connects to Neo4j (`settings`, else kg.store.connection.settings()) when it starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from kg.store.connection import settings as env_settings

        app.state.persisted = persisted.store()  # read once; a bad allowlist file stops the server as it starts
        metrics = app.state.metrics
        app.state.db = Database(settings or env_settings(), sessions=metrics.sessions)
        metrics.pool_size.set(app.state.db.pool_size)
        try:
            yield
        finally:
            await app.state.db.close()
            metrics.close()

    app = FastAPI(title="kg", summary="Research literature as a knowledge graph", lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # their pages load scripts from a CDN, which the CSP refuses
    # Starlette types add_route's endpoint as a request handler; a Route serves an ASGI app like GraphQL too.
    app.add_route(graphiql.PATH, GraphQL(schema, subscription_protocols=()),  # type: ignore[arg-type]
                  methods=["GET", "POST"])
    app.include_router(linked_data.router)
    app.include_router(sparql.router)
    app.include_router(guide.router)
    app.include_router(pictures.router)
    app.include_router(front.router)
    app.add_exception_handler(Busy, busy_response)  # a read that found no slot free: 503 with Retry-After
    app.mount(graphiql.ASSET_URL, StaticFiles(directory=graphiql.ASSET_DIR, check_dir=False), name="graphiql")
    app.mount(yasgui.ASSET_URL, StaticFiles(directory=yasgui.ASSET_DIR, check_dir=False), name="yasgui")
    # in a checkout the docs are links into docs/, which StaticFiles follows only when told to
    app.mount(front.DOCS_URL, StaticFiles(directory=guide.DOCS, check_dir=False, follow_symlink=True), name="docs")
    app.state.access_policy, app.state.access_limiter = Policy.from_settings(kg_settings()), Limiter()
    app.state.compile_queries = kg_settings().compile_queries  # see api/compile.py
    app.add_middleware(AccessGuard, policy=app.state.access_policy, limiter=app.state.access_limiter)
    if origins := cors_origins():
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["content-type"])
    app.add_middleware(BodyLimit)
    install_ops(app)  # last: its middleware is the outermost (health, readiness, metrics, request logs)
    return app


app = create_app()
