"""Linked data over HTTP: `/resource/{type}/{id}` with content negotiation, and `/rdf`, the whole export.

Both read Neo4j with a synchronous driver of their own (the export streams from a worker thread),
opened when the app starts, from the app's connection settings.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator
from contextlib import asynccontextmanager
from typing import Literal as Choice

import mimeparse
import neo4j
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from neo4j.exceptions import DriverError, Neo4jError
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.types import Receive, Scope, Send

from api import pictures
from api.access import check_whole_graph_export
from api.db import CONNECT_S, query_timeout
from api.errors import RETRY_AFTER_S
from api.gate import ACQUIRE_S, EXPORT_SLOTS, THREAD_SLOTS, Gate, time_left
from kg.rdf.export import FORMATS, Format, chunks, triple_batches
from kg.rdf.html import Page
from kg.rdf.identity import describe_identity
from kg.rdf.resource import Description, describe
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
RETRY_S = 0.5  # the driver's retries of a read that failed transiently (a pooled connection gone stale)
DEFAULT = FORMATS["turtle"]  # for */* and no Accept header
# In increasing order of preference on a tie (mimeparse's rule): aliases lose to their canonical types,
# JSON-LD wins `application/*`, Turtle wins `*/*` and `text/*`.
OFFERED = ["application/x-turtle", "application/json", "text/plain", "application/xhtml+xml", HTML,
           FORMATS["nt"].media_type, FORMATS["jsonld"].media_type, DEFAULT.media_type]
OFFERED_RDF = [t for t in OFFERED if MEDIA_TYPES[t] is not None]  # /rdf has no HTML page


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A synchronous driver for the export, closed on shutdown."""
    from kg.store.connection import settings as env_settings

    db = getattr(app.state, "db", None)
    conf = getattr(db, "settings", None) or env_settings()
    # Short connection and retry times: while the database is down a request gets its 503 at once.
    app.state.rdf = (neo4j.GraphDatabase.driver(conf.uri, auth=(conf.user, conf.password),
                                                connection_timeout=CONNECT_S, max_transaction_retry_time=RETRY_S,
                                                connection_acquisition_timeout=ACQUIRE_S),
                     conf.database)
    app.state.gate, app.state.exports = Gate(THREAD_SLOTS), Gate(EXPORT_SLOTS)  # its reads at once
    try:
        yield
    finally:
        app.state.rdf[0].close()


router = APIRouter(lifespan=lifespan, tags=["linked data"])


def negotiate(accept: str | None, offered: list[str] = OFFERED) -> Format | None:
    """The format for an Accept header (None: HTML), by python-mimeparse: q values (q=0 refuses a type),
    wildcards and specificity as RFC 9110 says; 406 when nothing `offered` is acceptable."""
    if not accept or not accept.strip():
        return DEFAULT
    try:
        best = mimeparse.best_match(offered, accept.lower())
    except (mimeparse.MimeTypeParseException, ValueError):
        raise HTTPException(400, "malformed Accept header") from None
    if not best:
        canonical = [t for t in (HTML, *(f.media_type for f in FORMATS.values())) if t in offered]
        raise HTTPException(406, "acceptable: " + ", ".join(canonical))
    return MEDIA_TYPES[best]


def read_timeout() -> float:
    """The timeout of a read the request waits for: the query timeout, or what is left of the request's."""
    return max(0.1, min(query_timeout(), time_left(query_timeout())))


def unavailable(exc: Exception) -> HTTPException:
    """A 503 with Retry-After for a graph database that does not answer."""
    return HTTPException(503, f"the graph database is unavailable ({type(exc).__name__}); try again shortly",
                         headers={"Retry-After": str(RETRY_AFTER_S)})


FormatChoice = Choice["turtle", "nt", "jsonld", "html"]
FORMAT_QUERY = Query(None, description="Overrides the Accept header.")
Describe = Callable[[neo4j.Driver, str | None, Iris, float], Description | None]  # the last: a timeout


@router.get("/resource/author/{author_id}/identity",
            summary="Why an author's spellings are one person, and which namesakes are kept apart")
async def identity(author_id: str, request: Request, format: FormatChoice | None = FORMAT_QUERY) -> Response:
    """Each spelling merged into the author with the signals that joined it, each namesake kept apart and
    why; 404 for an unknown author."""
    return await _serve(request, format, lambda db, name, iris, s: describe_identity(db, name, iris, author_id, s),
                        f"no author with id {author_id!r}", picture=False)


@router.get("/resource/{kind}/{node_id:path}", summary="One resource, as Turtle, N-Triples, JSON-LD or HTML")
async def resource(kind: str, node_id: str, request: Request, format: FormatChoice | None = FORMAT_QUERY) -> Response:
    """The triples about one node and every relationship it takes part in; 404 for an unknown id."""
    return await _serve(request, format, lambda db, name, iris, s: describe(db, name, iris, kind, node_id, s),
                        f"no {kind} with id {node_id!r}")


async def _serve(request: Request, format: str | None, find: Describe, missing: str,
                 picture: bool = True) -> Response:
    """A description in the format asked for (`format`, else the Accept header); 404 `missing` for none."""
    if format:
        fmt = None if format == "html" else FORMATS[format]
    else:
        fmt = negotiate(request.headers.get("accept"))
    iris = Iris(base_iri())
    driver, database = request.app.state.rdf

    def answer() -> Response:  # on a worker thread: the read, then the page or the serialization
        from pyoxigraph import serialize

        try:
            found = find(driver, database, iris, read_timeout())
        except (DriverError, Neo4jError) as exc:
            raise unavailable(exc) from None
        if found is None:
            raise HTTPException(404, missing)
        headers = {"Vary": "Accept"}
        if fmt is None:
            path = request.url.path
            alternates = {f.name: f"{path}?format={f.name}" for f in FORMATS.values()}
            page = Page(iris, found.subject, found.names).render(
                found.triples, alternates, pictures.neighbourhood(iris, found) if picture else "")
            return HTMLResponse(page, headers=headers)
        body = serialize(found.triples, None, fmt.rdf, prefixes=iris.prefixes)
        return Response(body, media_type=fmt.media_type, headers=headers)

    response: Response = await request.app.state.gate.run(answer, time_left(query_timeout()))
    return response


class Export(StreamingResponse):
    """The streamed export; however it ends (done, failed, the client gone before or during the body),
    its reading threads stop and its slot of the gate is freed."""

    def __init__(self, first: bytes, stream: Generator[bytes, None, None], gate: Gate, media_type: str) -> None:
        super().__init__(_body(first, stream), media_type=media_type, headers={"Vary": "Accept"})
        self.stream, self.gate = stream, gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await run_in_threadpool(self.stream.close)
            self.gate.leave()


async def _body(first: bytes, stream: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in iterate_in_threadpool(stream):
        yield chunk


@router.get("/rdf", summary="The whole graph (or a filtered subgraph) as RDF, streamed")
async def rdf(request: Request,
              format: Choice["turtle", "nt", "jsonld"] | None = Query(
                  None, description="Overrides the Accept header (default Turtle)."),
              author: str | None = Query(None, description="Only papers by this author (id or name)."),
              topic: str | None = Query(None, description="Only papers on this topic (id or name)."),
              institution: str | None = Query(None, description="Only papers of this institution (id, name "
                                                                "or alias)."),
              repo: str | None = Query(None, description="Only papers with this repository (id or owner/name)."),
              year: int | None = Query(None, description="Only papers of this year.")) -> Export:
    """The export of `kg export`, streamed as it is read from Neo4j; 404 for a filter that names nothing."""
    if not any((author, topic, institution, repo, year)):
        check_whole_graph_export(request)
    fmt = FORMATS[format] if format else negotiate(request.headers.get("accept"), OFFERED_RDF)
    assert fmt is not None  # OFFERED_RDF holds no HTML
    iris = Iris(base_iri())
    driver, database = request.app.state.rdf
    gate: Gate = request.app.state.exports
    timeout = read_timeout()  # each of the export's queries, the stream's later ones too

    def opening() -> tuple[Generator[bytes, None, None], bytes]:
        scope = Filters(author, topic, institution, repo, year).resolve(driver, database, timeout)
        stream = chunks(triple_batches(driver, database, iris, scope, timeout=timeout, fmt=fmt), fmt, iris)
        try:  # the first chunk before the headers, so an unreachable database is a 503, not a cut stream
            return stream, next(stream, b"")
        except BaseException:
            stream.close()
            raise

    try:  # its slot is held until the response ends (Export): an export reads Neo4j all along
        stream, first = await gate.run(opening, time_left(query_timeout()), keep=True,
                                       undo=lambda opened: opened[0].close())
    except UnknownRef as exc:
        raise HTTPException(404, str(exc)) from None
    except (DriverError, Neo4jError) as exc:
        raise unavailable(exc) from None
    return Export(first, stream, gate, fmt.media_type)
