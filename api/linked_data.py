"""Linked data over HTTP: `/resource/{type}/{id}` with content negotiation, and `/rdf`, the whole export.

Both read Neo4j with a synchronous driver of their own (the export streams from a worker thread),
opened when the app starts, from the app's connection settings.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager
from typing import Literal as Choice

import neo4j
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from neo4j.exceptions import DriverError, Neo4jError
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api import pictures
from kg.rdf.export import FORMATS, Format, chunks, triple_batches
from kg.rdf.html import Page
from kg.rdf.resource import describe
from kg.rdf.source import Filters
from kg.rdf.vocab import Iris, base_iri
from kg.store.refs import UnknownRef

HTML = "text/html"
# Media types a client may ask for, and what each is served as (None: the HTML page).
MEDIA_TYPES: dict[str, Format | None] = {
    **{f.media_type: f for f in FORMATS.values()},
    "application/json": FORMATS["jsonld"], "application/x-turtle": FORMATS["turtle"],
    "text/plain": FORMATS["nt"], HTML: None, "application/xhtml+xml": None,
}
DEFAULT = FORMATS["turtle"]  # for */* and no Accept header


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A synchronous driver for the export, closed on shutdown."""
    from kg.store.connection import settings as env_settings

    db = getattr(app.state, "db", None)
    conf = getattr(db, "settings", None) or env_settings()
    app.state.rdf = (neo4j.GraphDatabase.driver(conf.uri, auth=(conf.user, conf.password)), conf.database)
    try:
        yield
    finally:
        app.state.rdf[0].close()


router = APIRouter(lifespan=lifespan, tags=["linked data"])


def negotiate(accept: str | None) -> Format | None:
    """The format for an Accept header (None: HTML); 406 when nothing offered is acceptable."""
    if not accept:
        return DEFAULT
    ranges = []
    for order, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((-q, order, media.lower()))
    for neg_q, _, media in sorted(ranges):
        if neg_q >= 0:
            break
        if media in MEDIA_TYPES:
            return MEDIA_TYPES[media]
        if media in ("*/*", "text/*", "application/*"):
            return DEFAULT
    raise HTTPException(406, "acceptable: " + ", ".join([HTML, *(f.media_type for f in FORMATS.values())]))


def unavailable(exc: Exception) -> HTTPException:
    """A 503 for a graph database that does not answer."""
    return HTTPException(503, f"the graph database is unavailable ({type(exc).__name__}); try again shortly")


@router.get("/resource/{kind}/{node_id:path}", summary="One resource, as Turtle, N-Triples, JSON-LD or HTML")
def resource(kind: str, node_id: str, request: Request,
             format: Choice["turtle", "nt", "jsonld", "html"] | None = Query(
                 None, description="Overrides the Accept header.")) -> Response:
    """The triples about one node and every relationship it takes part in; 404 for an unknown id."""
    from pyoxigraph import serialize

    if format:
        fmt = None if format == "html" else FORMATS[format]
    else:
        fmt = negotiate(request.headers.get("accept"))
    iris = Iris(base_iri())
    driver, database = request.app.state.rdf
    try:
        found = describe(driver, database, iris, kind, node_id)
    except (DriverError, Neo4jError) as exc:
        raise unavailable(exc) from None
    if found is None:
        raise HTTPException(404, f"no {kind} with id {node_id!r}")
    headers = {"Vary": "Accept"}
    if fmt is None:
        path = request.url.path
        alternates = {f.name: f"{path}?format={f.name}" for f in FORMATS.values()}
        page = Page(iris, found.subject, found.names).render(found.triples, alternates,
                                                             pictures.neighbourhood(iris, found))
        return HTMLResponse(page, headers={**headers, "Content-Security-Policy": pictures.CSP})
    body = serialize(found.triples, None, fmt.rdf, prefixes=iris.prefixes)
    return Response(body, media_type=fmt.media_type, headers=headers)


@router.get("/rdf", summary="The whole graph (or a filtered subgraph) as RDF, streamed")
async def rdf(request: Request,
              format: Choice["turtle", "nt", "jsonld"] = Query("turtle"),
              author: str | None = Query(None, description="Only papers by this author (id or name)."),
              topic: str | None = Query(None, description="Only papers on this topic (id or name)."),
              institution: str | None = Query(None, description="Only papers of this institution (id, name "
                                                                "or alias)."),
              repo: str | None = Query(None, description="Only papers with this repository (id or owner/name)."),
              year: int | None = Query(None, description="Only papers of this year.")) -> StreamingResponse:
    """The export of `kg export`, streamed as it is read from Neo4j; 404 for a filter that names nothing."""
    fmt = FORMATS[format]
    iris = Iris(base_iri())
    driver, database = request.app.state.rdf
    try:
        scope = await run_in_threadpool(Filters(author, topic, institution, repo, year).resolve, driver, database)
    except UnknownRef as exc:
        raise HTTPException(404, str(exc)) from None
    except (DriverError, Neo4jError) as exc:
        raise unavailable(exc) from None
    stream = chunks(triple_batches(driver, database, iris, scope), fmt, iris)
    try:  # the first chunk before the headers, so an unreachable database is a 503, not a cut stream
        first = await run_in_threadpool(next, stream, b"")
    except (DriverError, Neo4jError) as exc:
        await run_in_threadpool(stream.close)
        raise unavailable(exc) from None
    return StreamingResponse(_body(first, stream), media_type=fmt.media_type)


async def _body(first: bytes, stream: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    try:
        yield first
        async for chunk in iterate_in_threadpool(stream):
            yield chunk
    finally:  # also when the client goes away: stops the export thread
        await run_in_threadpool(stream.close)
