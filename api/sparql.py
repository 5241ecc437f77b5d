"""`/sparql`: a read-only SPARQL 1.1 Protocol endpoint over the SPARQL store (kg/rdf/sparql_store.py).

Queries come by GET (`?query=`) or POST (`application/sparql-query`, or a form with `query`). SELECT and
ASK answer in SPARQL JSON, XML, CSV or TSV, CONSTRUCT and DESCRIBE in Turtle, N-Triples or JSON-LD, by
`Accept` (or `?format=`). Each query runs in a worker process of its own, so one that overruns
KG_SPARQL_TIMEOUT is stopped (its worker killed and replaced), not left running.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api import yasgui
from api.accept import prefers_html, ranges
from kg.settings import env_name, settings

PATH = "/sparql"
TIMEOUT_ENV = env_name("sparql_timeout")
MAX_RESULT_BYTES = 64 * 1024 * 1024  # of one serialized answer; a larger one is refused, not sent in part
WORKERS = 2  # processes answering queries at once
START_S = 60.0  # for a worker process to start

RESULTS = {  # name: (pyoxigraph format attribute, media type)
    "json": ("JSON", "application/sparql-results+json"), "xml": ("XML", "application/sparql-results+xml"),
    "csv": ("CSV", "text/csv"), "tsv": ("TSV", "text/tab-separated-values"),
}
GRAPHS = {"turtle": ("TURTLE", "text/turtle"), "nt": ("N_TRIPLES", "application/n-triples"),
          "jsonld": ("JSON_LD", "application/ld+json")}
# Media types a client may ask for, per kind of answer, and the format each is served as.
ACCEPT = {
    "results": {**{media: name for name, (_, media) in RESULTS.items()}, "application/json": "json",
                "application/xml": "xml", "text/xml": "xml", "text/plain": "tsv"},
    "graph": {**{media: name for name, (_, media) in GRAPHS.items()}, "application/x-turtle": "turtle",
              "application/turtle": "turtle", "text/plain": "nt", "application/json": "jsonld",
              "json-ld": "jsonld", "ttl": "turtle", "ntriples": "nt", "n-triples": "nt"},
}
DEFAULT = {"results": "json", "graph": "turtle"}
ANSWER_TYPES = sorted({media for offered in ACCEPT.values() for media in offered if "/" in media})

# SERVICE outside strings, IRIs and comments: federation reaches other servers, which this endpoint never does.
_SKIP = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
                   r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*")
_SERVICE = re.compile(r"(?<![\w?$:.-])SERVICE(?![\w:.-])", re.IGNORECASE)


def uses_service(query: str) -> bool:
    """Does the query have a SERVICE clause (the word outside strings, IRIs and comments)?"""
    return bool(_SERVICE.search(_SKIP.sub(" ", query)))


def negotiate(accept: str | None, kind: str) -> str | None:
    """The format name for an Accept header and a kind of answer; None when nothing offered is acceptable."""
    offered = ACCEPT[kind]
    if not accept:
        return DEFAULT[kind]
    for neg_q, _, media in sorted((-q, order, media) for q, order, media in ranges(accept)):
        if neg_q >= 0:
            break
        if media in offered:
            return offered[media]
        if media in ("*/*", "text/*", "application/*"):
            return DEFAULT[kind]
    return None


@dataclass(frozen=True)
class Answer:
    """What a worker sends back: an HTTP status, a media type and the body."""

    status: int
    media_type: str
    body: bytes


class _Capped:
    """A binary sink that refuses to hold more than MAX_RESULT_BYTES."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > MAX_RESULT_BYTES:
            raise OverflowError
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def evaluate(store: Any, query: str, accept: str | None, formats: list[str], prefixes: dict[str, str]) -> Answer:
    """Run one query on the store and serialize its answer: in the first of `formats` (`?format=` values:
    names or media types) that fits the kind of answer, else as `accept` negotiates."""
    import pyoxigraph as ox

    try:
        results = store.query(query, prefixes=prefixes, use_default_graph_as_union=True, named_graphs=[])
    except SyntaxError as exc:
        message = " ".join(str(exc).split())
        if re.match(r"\s*(?:(?:PREFIX|BASE)\b[^{]*?)?\b(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b",
                    query, re.IGNORECASE):
            message = "this endpoint is read-only: SPARQL Update is not accepted"
        return Answer(400, "text/plain", f"bad query: {message}".encode())
    kind = "graph" if isinstance(results, ox.QueryTriples) else "results"
    names = GRAPHS if kind == "graph" else RESULTS
    asked = [ACCEPT[kind].get(value, value) for value in formats]  # a name or a media type
    name = next((value for value in asked if value in names), None) or negotiate(accept, kind)
    if name is None:
        offered = ", ".join(media for _, media in names.values())
        return Answer(406, "text/plain", f"a {kind} answer is offered as {offered}".encode())
    attribute, media = names[name]
    sink = _Capped()
    try:
        if kind == "graph":
            ox.serialize(results, sink, getattr(ox.RdfFormat, attribute), prefixes=prefixes)  # type: ignore[arg-type]
        else:
            results.serialize(sink, getattr(ox.QueryResultsFormat, attribute))
    except OverflowError:
        return Answer(413, "text/plain", f"the answer is larger than {MAX_RESULT_BYTES >> 20} MB: "
                                         "ask for less (LIMIT, fewer variables)".encode())
    return Answer(200, media, b"".join(sink.parts))


def serve_queries(conn: Connection, root: str, prefixes: dict[str, str]) -> None:
    """A worker process: answer (query, accept, format) requests on the current generation of the store."""
    from kg.errors import KgError
    from kg.rdf.sparql_store import Reader

    reader = Reader(Path(root))
    conn.send("ready")
    while True:
        try:
            query, accept, formats = conn.recv()
        except EOFError:
            return
        try:
            store = reader.current()
            if store is None:
                answer = Answer(503, "text/plain", b"the SPARQL store is not built: `kg sparql sync` builds it")
            else:
                answer = evaluate(store, query, accept, formats, prefixes)
        except (OSError, KgError) as exc:
            answer = Answer(500, "text/plain", f"the SPARQL store could not answer: {exc}".encode())
        conn.send(answer)


class Worker:
    """One query process and the parent's end of its pipe."""

    def __init__(self, root: Path, prefixes: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")  # no copy of the server's threads and sockets
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=serve_queries, args=(child, str(root), prefixes),
                                                    daemon=True, name="kg-sparql")
        self.process.start()
        child.close()
        if not self.conn.poll(START_S) or self.conn.recv() != "ready":  # imports off the query's clock
            self.stop()
            raise OSError("the SPARQL worker did not start")

    def ask(self, request: tuple[str, str | None, list[str]], timeout: float) -> Answer | None:
        """The worker's answer, or None when it took longer than `timeout` (the worker is then killed)."""
        self.conn.send(request)
        if self.conn.poll(timeout):
            answer: Answer = self.conn.recv()
            return answer
        self.stop()
        return None

    def stop(self) -> None:
        """Kill the worker process."""
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class Pool:
    """Up to WORKERS query processes, started on first use; a killed or dead one is replaced."""

    def __init__(self, root: Path, prefixes: dict[str, str], size: int = WORKERS) -> None:
        self.root = root
        self.prefixes = prefixes
        self.idle: asyncio.Queue[Worker | None] = asyncio.Queue()
        for _ in range(size):
            self.idle.put_nowait(None)  # a slot; its process starts when first needed

    async def ask(self, query: str, accept: str | None, formats: list[str], timeout: float) -> Answer | None:
        """The answer to one query, or None when it overran `timeout`."""
        worker = await self.idle.get()
        try:
            if worker is None or not worker.process.is_alive():
                worker = await run_in_threadpool(Worker, self.root, self.prefixes)
            answer = await run_in_threadpool(worker.ask, (query, accept, formats), timeout)
            if answer is None:
                worker = None
            return answer
        except (EOFError, OSError, BrokenPipeError):
            if worker is not None:
                worker.stop()
            worker = None
            raise HTTPException(500, "the SPARQL worker failed; try again") from None
        finally:
            self.idle.put_nowait(worker)

    def close(self) -> None:
        """Stop every started worker."""
        while not self.idle.empty():
            worker = self.idle.get_nowait()
            if worker is not None:
                worker.stop()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Stop the query workers on shutdown."""
    yield
    pool: Pool | None = getattr(app.state, "sparql", None)
    if pool is not None:
        pool.close()


router = APIRouter(lifespan=lifespan, tags=["sparql"])


def _pool(request: Request) -> Pool:
    pool: Pool | None = getattr(request.app.state, "sparql", None)
    if pool is None:
        from kg.rdf.sparql_store import store_root
        from kg.rdf.vocab import Iris, base_iri

        pool = request.app.state.sparql = Pool(store_root(), Iris(base_iri()).prefixes)
    return pool


async def _query_of(request: Request) -> str:
    """The query of a protocol request; 400, 405 or 415 for anything else."""
    params = request.query_params
    if "default-graph-uri" in params or "named-graph-uri" in params:
        raise HTTPException(400, "this endpoint has one dataset, the whole graph: drop default-graph-uri "
                                 "and named-graph-uri")
    if request.method == "GET":
        if "update" in params:
            raise HTTPException(405, "this endpoint is read-only: SPARQL Update is not accepted")
        query = params.get("query")
    else:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            raise HTTPException(405, "this endpoint is read-only: SPARQL Update is not accepted")
        if media == "application/sparql-query":
            query = (await request.body()).decode("utf-8", errors="replace")
        elif media == "application/x-www-form-urlencoded":
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", errors="replace")).items()}
            if "update" in form:
                raise HTTPException(405, "this endpoint is read-only: SPARQL Update is not accepted")
            if "default-graph-uri" in form or "named-graph-uri" in form:
                raise HTTPException(400, "this endpoint has one dataset, the whole graph: drop "
                                         "default-graph-uri and named-graph-uri")
            query = form.get("query")
        else:
            raise HTTPException(415, "POST a query as application/sparql-query, or a form "
                                     "(application/x-www-form-urlencoded) with `query`")
    if not query or not query.strip():
        raise HTTPException(400, "no query: give `query`")
    if uses_service(query):
        raise HTTPException(400, "SERVICE is not supported: this endpoint queries its own graph only")
    return query


def wants_editor(request: Request) -> bool:
    """A browser opening the endpoint: a GET with no query whose Accept prefers HTML to every answer type."""
    return (request.method == "GET" and "query" not in request.query_params and "update" not in request.query_params
            and prefers_html(request.headers.get("accept"), ANSWER_TYPES))


async def sparql(request: Request) -> Response:
    """One SPARQL query by the protocol, its answer in the negotiated format; or, for a browser, the editor."""
    if wants_editor(request):
        from kg.rdf.vocab import base_iri

        return HTMLResponse(yasgui.page(base_iri()), headers={"Vary": "Accept"})
    query = await _query_of(request)
    formats = request.query_params.getlist("format")  # SPARQLWrapper sends its own names and media types
    timeout = settings().sparql_timeout
    answer = await _pool(request).ask(query, request.headers.get("accept"), formats, timeout)
    if answer is None:
        raise HTTPException(503, f"the query took longer than its {timeout:g} s limit "
                                 f"({TIMEOUT_ENV}); ask for less or add a LIMIT")
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type,
                    headers={"Vary": "Accept"})


for _method in ("GET", "POST"):  # one route each, so each has an OpenAPI operation id of its own
    router.add_api_route(PATH, sparql, methods=[_method], summary="SPARQL 1.1 Protocol (read-only)",
                         operation_id=f"sparql_{_method.lower()}")


def readiness(app: FastAPI) -> Callable[[], Awaitable[str | None]]:
    """/readyz's check of the store `kg serve` queries: current with the graph, else the reason."""
    from kg.rdf.sparql_store import is_current

    async def check() -> str | None:
        driver, database = app.state.rdf
        if await run_in_threadpool(is_current, driver, database):
            return None
        return "the SPARQL store is behind the graph: `kg sparql sync` rebuilds it"

    return check
