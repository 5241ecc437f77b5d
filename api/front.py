"""The front page at `/`: the graph's counts and links to everything `kg serve` offers, as HTML for a browser
and as a JSON index for other clients; `/search`, its search box; `/suggest/authors`, names for its forms."""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode, urlparse

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api import cypher, graphiql, guide, sparql
from api.accept import prefers_html
from api.errors import UserError
from kg.graph.model import LABELS
from kg.rdf.html import BASE_STYLE
from kg.server.home import browser_connect_url, neo4j_home, read_ports

PATH = "/"
SEARCH_PATH = "/search"
SUGGEST_PATH = "/suggest/authors"
PICTURE_PATH = "/path"  # api/pictures.py's co-author path
DOCS_URL = "/static/docs"  # the docs shipped in the package (api/static/docs), mounted by api/app.py
METRICS_PATH = "/metrics"
SUGGESTIONS = 12
SUGGEST_MIN_CHARS = 2
STYLE = BASE_STYLE + ("ul.links li{margin:.2rem 0}form{margin:.5rem 0}input{font:inherit;padding:.2rem .4rem}"
                      ".counts td:first-child{width:auto}.counts td{text-align:right}")
SEARCH_QUERY = """# the papers matching {text}, best first. Run with Ctrl-Enter.
{{
  papers(search: {text}, first: 10) {{
    totalCount
    edges {{ node {{ id title year authors(first: 3) {{ name }} }} }}
  }}
}}
"""
SUGGEST = f"""MATCH (a:Author) WHERE a.name STARTS WITH $prefix OR a.name STARTS WITH $titled
RETURN DISTINCT a.name AS name ORDER BY name LIMIT {SUGGESTIONS}"""
# The page's one inline script: the forms' author names, asked for as one types.
SCRIPT = ("""
  const names = document.getElementById("author-names");
  let asked = "";
  for (const input of document.querySelectorAll("input[list=author-names]")) {
    input.addEventListener("input", async () => {
      const prefix = input.value.trim();
      if (prefix.length < """ + str(SUGGEST_MIN_CHARS) + """ || prefix === asked) return;
      asked = prefix;
      const answer = await fetch(""" + json.dumps(SUGGEST_PATH) + """ + "?" + new URLSearchParams({ prefix }),
                                 { headers: { accept: "application/json" } });
      if (!answer.ok) return;
      const found = (await answer.json()).names;
      names.replaceChildren(...found.map(name => Object.assign(document.createElement("option"), { value: name })));
    });
  }
""")

router = APIRouter(tags=["front page"])


@dataclass(frozen=True)
class Link:
    """One place the front page points to."""

    key: str
    href: str
    title: str


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def csp() -> str:
    """The front page's Content-Security-Policy: its stylesheet and script by hash, fetches and forms to this
    server only."""
    return (f"default-src 'none'; style-src {_sha256(STYLE)}; script-src {_sha256(SCRIPT)}; connect-src 'self'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def browser_link(request: Request) -> str:
    """Neo4j Browser of the local server, its form filled in for the app's Bolt port, opening kg's guide."""
    bolt, http = read_ports(neo4j_home())
    db = getattr(request.app.state, "db", None)
    uri = getattr(getattr(db, "settings", None), "uri", "")
    try:
        bolt = urlparse(uri).port or bolt
    except ValueError:
        pass
    return browser_connect_url(http, bolt, str(request.base_url).rstrip("/") + guide.GUIDE_PATH)


def links(request: Request) -> list[Link]:
    """Everything the page links to, in its order."""
    docs = sorted(p.name for p in guide.DOCS.iterdir() if p.suffix == ".md")
    return [
        Link("graphql", graphiql.PATH, "GraphQL: GraphiQL in a browser, queries by POST or GET"),
        Link("sparql", sparql.PATH, "SPARQL 1.1 endpoint: YASGUI in a browser, queries by the protocol"),
        Link("neo4jBrowser", browser_link(request), "Neo4j Browser, connected to the graph, with kg's guide"),
        Link("guide", guide.GUIDE_PATH, "kg's Neo4j Browser guide (`:play` it in Browser)"),
        *(Link(f"docs/{name}", f"{DOCS_URL}/{name}", f"docs/{name}") for name in docs),
        Link("openapi", request.app.openapi_url or "/openapi.json", "OpenAPI description of the HTTP routes"),
        Link("metrics", METRICS_PATH, "Prometheus metrics (on loopback, or with KG_METRICS_KEY)"),
    ]


async def counts(request: Request) -> dict[str, int] | None:
    """How many nodes of each label and relationships the graph holds (Neo4j's count store); None when the
    database does not answer."""
    try:
        rows = await request.app.state.db.read(cypher.STATS)
    except UserError:
        return None
    return {key: int(value) for key, value in rows[0].items()}


def forms() -> dict[str, str]:
    """The forms' targets, for the JSON index."""
    return {"path": f"{PICTURE_PATH}?from={{author}}&to={{author}}", "search": f"{SEARCH_PATH}?q={{text}}",
            "suggestAuthors": f"{SUGGEST_PATH}?prefix={{text}}"}


@router.get(PATH, summary="The front page: counts and links (HTML for a browser, else a JSON index)")
async def front(request: Request) -> Response:
    """HTML when Accept prefers it, else JSON: the counts, the links and the forms."""
    found, targets = await counts(request), links(request)
    headers = {"Vary": "Accept"}
    if not prefers_html(request.headers.get("accept")):
        return JSONResponse({"name": "kg", "counts": found, "links": {link.key: {"href": link.href, "title": link.title}
                                                                      for link in targets},
                             "forms": forms()}, headers=headers)
    return HTMLResponse(page(found, targets), headers=headers)


def page(found: dict[str, int] | None, targets: list[Link]) -> str:
    """The HTML of the front page."""
    if found is None:
        table = "<p>The graph database does not answer: no counts for now.</p>"
    else:
        plurals = {label.plural for label in LABELS.values()}
        rows = "".join(f"<tr><td>{escape(key)}</td><td>{value:,}</td></tr>" for key, value in found.items()
                       if key in plurals or key == "relationships")
        table = f"<table class=counts>{rows}</table>"
    items = "".join(f'<li><a href="{escape(link.href)}">{escape(link.title)}</a></li>' for link in targets)
    return (f"<!doctype html><html><head><meta charset=utf-8><title>kg</title><style>{STYLE}</style></head><body>"
            "<h1>kg: research literature as a graph</h1>"
            f"<h2>The graph</h2>{table}<h2>Where to go</h2><ul class=links>{items}</ul>"
            f'<h2>Search papers</h2><form action="{escape(SEARCH_PATH)}" method=get>'
            '<input name=q type=search required placeholder="self-supervised" aria-label="search papers"> '
            "<button>Search in GraphiQL</button></form>"
            f'<h2>Co-author path</h2><form action="{escape(PICTURE_PATH)}" method=get>'
            '<input name=from list=author-names required placeholder="an author" aria-label="from author"> to '
            '<input name=to list=author-names required placeholder="another author" aria-label="to author"> '
            "<button>Draw the path</button></form><datalist id=author-names></datalist>"
            f"<script>{SCRIPT}</script></body></html>")


@router.get(SEARCH_PATH, summary="The front page's search: GraphiQL with a papers search filled in")
def search(q: str = Query(..., min_length=1, description="Words to find in papers' titles and abstracts.")) -> RedirectResponse:
    """A 303 to GraphiQL holding the search query (run it there)."""
    text = json.dumps(q, ensure_ascii=False)  # a GraphQL string literal
    return RedirectResponse(f"{graphiql.PATH}?{urlencode({'q': SEARCH_QUERY.format(text=text)})}", status_code=303)


@router.get(SUGGEST_PATH, summary="Author names starting with a prefix, for the front page's forms")
async def suggest_authors(request: Request, prefix: str = Query(..., min_length=1, max_length=100)) -> dict[str, Any]:
    """Up to SUGGESTIONS names starting with `prefix` as typed or with its words capitalized."""
    try:
        rows = await request.app.state.db.read(SUGGEST, prefix=prefix, titled=prefix.title())
    except UserError as exc:
        raise HTTPException(503, str(exc)) from None
    return {"names": [row["name"] for row in rows]}
