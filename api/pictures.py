"""Pictures in the HTML pages: a resource's neighbourhood (drawn on its /resource page), and `/path`, the
co-author path between two authors with the paper joining each hop (the query of GraphQL's coauthorPath)."""
from __future__ import annotations

from html import escape

import neo4j
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from neo4j.exceptions import DriverError, Neo4jError

from api.accept import HTML, prefers
from api.cypher import SHORTEST_PATH
from api.db import query_timeout
from api.gate import time_left
from api.limits import MAX_HOPS, MIN_HOPS
from kg.rdf import picture
from kg.rdf.html import STYLE
from kg.rdf.resource import Description
from kg.rdf.vocab import Iris, base_iri
from kg.store import refs

# No script, no outside resource: the pictures are inline SVG; a hostile title stays text.
router = APIRouter(tags=["pictures"])
SVG = "image/svg+xml"


def wants_svg(accept: str | None) -> bool:
    """Does Accept rank the picture alone above its page? A tie, `*/*` or no Accept gets the page."""
    return prefers(accept, SVG, [HTML])


def local(iris: Iris, iri: str) -> str:
    """The path of one of our resource IRIs on this server (links stay on the server that drew them)."""
    return iri[len(iris.base):] if iri.startswith(iris.base) else iri


def neighbourhood(iris: Iris, found: Description) -> str:
    """The SVG of a described node and its neighbours, by relationship type then name."""
    def node(iri: str) -> picture.Node:
        kind = (iris.parse(iri) or ("", ""))[0]
        return picture.Node(local(iris, iri), found.names.get(iri, iri), kind)

    pairs = sorted({(rel, iri) for rel, iri in found.neighbours}, key=lambda p: (p[0], found.names.get(p[1], ""), p[1]))
    return picture.neighbourhood(node(found.subject.value), [(rel, node(iri)) for rel, iri in pairs])


def _path_rows(driver: neo4j.Driver, database: str | None, start: str, end: str, max_hops: int) -> neo4j.Record:
    records, _, _ = driver.execute_query(neo4j.Query(SHORTEST_PATH[max_hops], timeout=query_timeout()), {"first": 1, "from": refs.ref("Author", start),
                                                                   "to": refs.ref("Author", end), "avoid": []},
                                         database_=database, routing_=neo4j.RoutingControl.READ)
    return records[0]


@router.get("/path", summary="The shortest co-author path between two authors, drawn", response_class=HTMLResponse)
async def path_page(request: Request,
                    start: str = Query(..., alias="from", description="An author's id or name."),
                    end: str = Query(..., alias="to", description="An author's id or name."),
                    max_hops: int = Query(6, alias="maxHops", ge=MIN_HOPS, le=MAX_HOPS)) -> Response:
    """An HTML page with the path as a picture: authors in a row, the joining paper below each hop; the
    picture alone, as an SVG file, to a client that asks for image/svg+xml."""
    iris = Iris(base_iri())
    driver, database = request.app.state.rdf
    try:
        row = await request.app.state.gate.run(lambda: _path_rows(driver, database, start, end, max_hops),
                                               time_left(query_timeout()))
    except (DriverError, Neo4jError) as exc:
        raise HTTPException(503, f"the graph database is unavailable ({type(exc).__name__}); try again shortly") from None
    for value, found in ((start, row["start"]), (end, row["end"])):
        if found is None:
            raise HTTPException(404, refs.message("Author", value))
    nodes = [row["start"]] if row["start"]["id"] == row["end"]["id"] else (row["paths"] or [[]])[0]

    def node(kind: str, item: dict[str, object]) -> picture.Node:
        return picture.Node(local(iris, iris.resource(kind, str(item["id"])).value),
                            str(item.get("name") or item.get("title") or item["id"]), kind)

    a, b = (str(row[k]["name"]) for k in ("start", "end"))
    title = f"Co-author path: {a} to {b}"
    authors, papers = [node("author", n) for n in nodes[0::2]], [node("paper", n) for n in nodes[1::2]]
    if wants_svg(request.headers.get("accept")):
        if not nodes:
            raise HTTPException(404, f"no co-author path of at most {max_hops} hops joins {a} and {b}")
        return Response(picture.standalone(picture.path(authors, papers)), media_type=SVG,
                        headers={"Vary": "Accept"})
    if nodes:
        hops = "".join(f"<li>{_link(authors[i])} and {_link(authors[i + 1])} wrote {_link(p)}</li>"
                       for i, p in enumerate(papers))
        body = (f"<p>{len(papers)} hop{'s' if len(papers) != 1 else ''}.</p>{picture.path(authors, papers)}"
                f"<ol>{hops}</ol>")
    else:
        body = f"<p>No co-author path of at most {max_hops} hops joins them.</p>"
    html = (f"<!doctype html><html><head><meta charset=utf-8><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>")
    return HTMLResponse(html, headers={"Vary": "Accept"})  # its CSP is api/access.py's, as every HTML page's


def _link(node: picture.Node) -> str:
    return f'<a href="{escape(node.href)}">{escape(node.name)}</a>'
