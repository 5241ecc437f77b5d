"""A Neo4j Browser guide to the graph, served at /guide: `:play http://localhost:8000/guide` in Browser.

Its slides come from the model (kg/graph/model.py: labels and relationships) and from the example Cypher of
docs/cypher.md and docs/neo4j.md's APOC section (shipped in the package as api/static/docs), each query
with the sentence before it; Browser shows a query as a block that one click puts in its editor.
"""
from __future__ import annotations

import re
from html import escape
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from kg.graph.model import LABELS, RELATIONSHIPS

DOCS = Path(__file__).resolve().parent / "static" / "docs"
GUIDE_PATH = "/guide"
# Browser (another origin: Neo4j's HTTP port) fetches the guide with pragma and cache-control headers, and
# its Sentry's tracing headers, so it asks first (a CORS preflight); the guide is public, read-only HTML.
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET",
        "Access-Control-Allow-Headers": "pragma, cache-control, sentry-trace, baggage"}
_FENCE = re.compile(r"^```(\S*)\s*$")

router = APIRouter(tags=["Neo4j Browser guide"])


def examples(markdown: str, after: str | None = None, language: str = "cypher") -> list[tuple[str, str]]:
    """The ```cypher (or other `language`) blocks of a markdown text (after the heading `after`, up to the next
    `## `), each with the paragraph just before it: [(caption, query)]."""
    lines = markdown.split("\n")
    if after is not None:
        start = lines.index(after) + 1
        end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines = lines[start:end]
    found: list[tuple[str, str]] = []
    paragraph: list[str] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].rstrip() == "```")
            if fence[1] == language:
                found.append((" ".join(paragraph), "\n".join(lines[i + 1:end])))
            paragraph = []
            i = end + 1
            continue
        if not lines[i].strip():
            if paragraph and not paragraph[-1].endswith(":"):
                paragraph = []
        elif not lines[i].startswith(("#", "<!--", "|")):
            paragraph = [*paragraph, lines[i].strip()] if paragraph and not paragraph[-1].endswith(":") \
                else [lines[i].strip()]
        i += 1
    return found


def _inline(text: str) -> str:
    """Markdown's `code` and [text](link) of a caption as HTML (links as their text), the rest escaped."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    return re.sub(r"`([^`]+)`", lambda m: f"<code>{m[1]}</code>", escape(text, quote=False))


def _slide(title: str, body: str) -> str:
    return f'<slide class="row-fluid"><div class="col-sm-12"><h3>{escape(title)}</h3>{body}</div></slide>'


def _query(caption: str, cypher: str) -> str:
    return f"<p>{_inline(caption)}</p><pre class=\"pre-scrollable code runnable\">{escape(cypher)}</pre>"


def guide() -> str:
    """The guide's HTML: the model, then each documented query on a slide of its own."""
    labels = "".join(f"<li><b>:{escape(label.name)}</b> — {_inline(label.doc)}</li>" for label in LABELS.values())
    rels = "".join(f"<li>(:{escape(r.start)})-[:<b>{escape(r.type)}</b>]->(:{escape(r.end)}) — {_inline(r.doc)}</li>"
                   for r in RELATIONSHIPS.values())
    slides = [
        _slide("kg: research literature as a graph",
               "<p>Papers, their authors, the repositories they link, their topics and institutions, and the "
               "pages they were read from. Click a query to put it in the editor, then run it.</p>"
               f"<ul>{labels}</ul>" + _query("The model, drawn by Neo4j:", "CALL db.schema.visualization()")),
        _slide("Relationships", f"<ul>{rels}</ul>"
               + _query("How many of each:", "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n ORDER BY n DESC")),
    ]
    for n, (caption, cypher) in enumerate(examples((DOCS / "cypher.md").read_text(encoding="utf-8")), 1):
        slides.append(_slide(f"Cypher {n}", _query(caption, cypher)))
    apoc = examples((DOCS / "neo4j.md").read_text(encoding="utf-8"), after="## APOC")
    for n, (caption, cypher) in enumerate(apoc, 1):
        slides.append(_slide(f"APOC {n}", _query(caption, cypher)))
    return ('<!doctype html><html><head><meta charset="utf-8"><title>kg: the graph</title></head><body>'
            '<article class="guide"><carousel class="deck container-fluid">'
            + "".join(slides) + "</carousel></article></body></html>")


@router.get(GUIDE_PATH, summary="A Neo4j Browser guide to the graph (`:play` its URL in Browser)")
def guide_page() -> HTMLResponse:
    return HTMLResponse(guide(), headers=CORS)  # its Content-Security-Policy is api/access.py's, as every page's


@router.options(GUIDE_PATH, include_in_schema=False)
def guide_preflight() -> Response:
    return Response(status_code=204, headers={**CORS, "Access-Control-Max-Age": "600"})
