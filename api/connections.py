"""Connections with keyset cursors, `where` filters and `orderBy`, at the root and nested under a node:
one Cypher text per shape (filters given, order, first page or not), values only as parameters."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

import strawberry

from api import refs
from api.context import Context
from api.errors import UserError
from api.keyset import Order
from api.limits import MAX_SEARCH_CHARS

# ---------------------------------------------------------------- orders


@strawberry.enum(description="How papers are ordered; every order ends with the id, so pages never overlap.")
class PaperOrder(Enum):
    NEWEST = "NEWEST"
    OLDEST = "OLDEST"
    TITLE = "TITLE"
    UPVOTES = "UPVOTES"


@strawberry.enum(description="How authors are ordered; every order ends with the id.")
class AuthorOrder(Enum):
    NAME = "NAME"
    H_INDEX = "H_INDEX"
    PAPERS = "PAPERS"


# Newest first: "--MM-DD" dates (no year) last; the sort keys are never null.
PAPER_ORDERS = {
    PaperOrder.NEWEST: Order((("coalesce(p.year, 0)", True), ("coalesce(p.date, '')", True), ("p.id", False))),
    PaperOrder.OLDEST: Order((("coalesce(p.year, 9999)", False), ("coalesce(p.date, '')", False), ("p.id", False))),
    PaperOrder.TITLE: Order((("p.title", False), ("p.id", False))),
    PaperOrder.UPVOTES: Order((("coalesce(p.upvotes, -1)", True), ("p.id", False))),
}
AUTHOR_ORDERS = {
    AuthorOrder.NAME: Order((("a.name", False), ("a.id", False))),
    AuthorOrder.H_INDEX: Order((("coalesce(a.h_index, -1)", True), ("a.name", False), ("a.id", False))),
    AuthorOrder.PAPERS: Order((("COUNT { (a)-[:AUTHORED]->(:Paper) }", True), ("a.name", False), ("a.id", False))),
}

# ---------------------------------------------------------------- filters


@strawberry.input(description="Conditions on papers, all of which must hold. Names: an id or a name "
                              "(a repository's owner/name); a name that matches nothing is an error.")
class PaperWhere:
    title_contains: str | None = strawberry.field(default=None, description="Case-insensitive.")
    title_starts_with: str | None = strawberry.field(default=None, description="Case-insensitive.")
    year_from: int | None = strawberry.field(default=None, description="Published in or after this year.")
    year_to: int | None = strawberry.field(default=None, description="Published in or before this year.")
    has_code: bool | None = strawberry.field(default=None, description="Marked as having code, or not.")
    author: str | None = None
    institution: str | None = None
    topic: str | None = None
    repo: str | None = None


@strawberry.input(description="Conditions on authors, all of which must hold.")
class AuthorWhere:
    name_contains: str | None = strawberry.field(default=None, description="Case-insensitive.")
    name_starts_with: str | None = strawberry.field(default=None, description="Case-insensitive.")
    institution: str | None = strawberry.field(default=None, description="Wrote a paper affiliated with it.")
    topic: str | None = strawberry.field(default=None, description="Wrote a paper on it.")


# Each filter: its Cypher (a line after the match, on `p` or `a`) and the label a name is resolved in.
PAPER_FILTERS: dict[str, tuple[str, str | None]] = {
    "title_contains": ("WITH * WHERE toLower(p.title) CONTAINS $title_contains", None),
    "title_starts_with": ("WITH * WHERE toLower(p.title) STARTS WITH $title_starts_with", None),
    "year_from": ("WITH * WHERE p.year >= $year_from", None),
    "year_to": ("WITH * WHERE p.year <= $year_to", None),
    "has_code": ("WITH * WHERE coalesce(p.has_code, false) = $has_code", None),
    "author": ("MATCH (p)<-[:AUTHORED]-(:Author {id: $author})", "Author"),
    "institution": ("MATCH (p)-[:AFFILIATED_WITH]->(:Institution {id: $institution})", "Institution"),
    "topic": ("MATCH (p)-[:HAS_TOPIC]->(:Topic {id: $topic})", "Topic"),
    "repo": ("MATCH (p)-[:HAS_CODE]->(:Repo {id: $repo})", "Repo"),
}
AUTHOR_FILTERS: dict[str, tuple[str, str | None]] = {
    "name_contains": ("WITH * WHERE toLower(a.name) CONTAINS $name_contains", None),
    "name_starts_with": ("WITH * WHERE toLower(a.name) STARTS WITH $name_starts_with", None),
    "institution": ("WITH * WHERE EXISTS { (a)-[:AUTHORED]->(:Paper)-[:AFFILIATED_WITH]->"
                    "(:Institution {id: $institution}) }", "Institution"),
    "topic": ("WITH * WHERE EXISTS { (a)-[:AUTHORED]->(:Paper)-[:HAS_TOPIC]->(:Topic {id: $topic}) }", "Topic"),
}


@dataclass(frozen=True)
class Filters:
    """The Cypher lines of the filters given, and their parameters (names resolved to ids)."""

    lines: tuple[str, ...] = ()
    params: tuple[tuple[str, Any], ...] = ()


async def filters(ctx: Context, where: Any, table: dict[str, tuple[str, str | None]]) -> Filters:
    """The Filters of a PaperWhere or AuthorWhere (None: no filter); text is lower-cased, names resolved."""
    if where is None:
        return Filters()
    lines, params = [], []
    for name, (line, label) in table.items():
        value = getattr(where, name)
        if value is None:
            continue
        if label is not None:
            value = (await refs.require(ctx, label, value))["id"]
        elif isinstance(value, str):
            if len(value) > MAX_SEARCH_CHARS:
                raise UserError(f"{name} is limited to {MAX_SEARCH_CHARS} characters")
            value = value.lower()
        lines.append(line)
        params.append((name, value))
    return Filters(tuple(lines), tuple(params))


# ---------------------------------------------------------------- query texts


@dataclass(frozen=True)
class Texts:
    """A connection's queries: its first page, a page after a cursor, and its count."""

    first: str
    next: str
    count: str
    counted: tuple[str, str]  # the first and the next page with the total, in one statement


def root_texts(match: str, var: str, order: Order, extra: tuple[str, ...] = (), project: str = "") -> Texts:
    """A root connection over `match` (binding `var`, projected as `project` or its properties): rows
    {node, key}, one row {total}, and one row {total, rows} for a page with its count."""
    body = "\n".join([match, *extra])
    prelude, order = order.projected()

    def page(after: str, returns: str = "{node} AS node, {key} AS key") -> str:
        return (f"{body}\n{prelude}{after}WITH * ORDER BY {order.order_by()} LIMIT $limit\n"
                f"RETURN {returns.format(node=project or var + ' {.*}', key=order.key())}")

    count = f"{body}\nRETURN count(*) AS total"

    def counted(after: str) -> str:  # one statement, one transaction: the count beside the page (a row even if empty)
        rows = page(after, "collect({{node: {node}, key: {key}}}) AS rows")
        return f"CALL () {{\n{count}\n}}\nCALL () {{\n{rows}\n}}\nRETURN total, rows"

    after = f"WITH * WHERE {order.after()}\n"
    return Texts(page(""), page(after), count, (counted(""), counted(after)))


def nested_texts(match: str, var: str, order: Order, extra: tuple[str, ...] = ()) -> Texts:
    """A connection under each parent (`match` binds `var` from the parent's id, `key`): rows
    {key, items: [{node, key}]}, {key, items: [total]} and {key, items, total}, for a DataLoader."""
    body = "\n".join([match, *extra])
    prelude, order = order.projected()

    def items(after: str) -> str:
        return (f"CALL (key) {{\n{body}\n{prelude}{after}WITH * ORDER BY {order.order_by()} LIMIT $limit\n"
                f"RETURN collect({{node: {var} {{.*}}, key: {order.key()}}}) AS items\n}}\n")

    total = f"CALL (key) {{\n{body}\nRETURN count(*) AS total\n}}\n"
    after = f"WITH * WHERE {order.after()}\n"
    each = "UNWIND $keys AS key\n"
    return Texts(f"{each}{items('')}RETURN key, items", f"{each}{items(after)}RETURN key, items",
                 f"{each}{total}RETURN key, [total] AS items",
                 (f"{each}{total}{items('')}RETURN key, items, total", f"{each}{total}{items(after)}RETURN key, items, total"))


# The nested paper connections: from the parent `x` (its id is `key`) to its papers `p`.
PAPERS_UNDER = {
    "Author": "MATCH (x:Author {id: key})-[:AUTHORED]->(p:Paper)",
    "Repo": "MATCH (x:Repo {id: key})<-[:HAS_CODE]-(p:Paper)",
    "Topic": "MATCH (x:Topic {id: key})<-[:HAS_TOPIC]-(p:Paper)",
    "Institution": "MATCH (x:Institution {id: key})<-[:AFFILIATED_WITH]-(p:Paper)",
}
# Authors under a paper (in the page's order by default) or an institution (most papers there first).
AUTHORS_UNDER = {
    "Paper": "MATCH (:Paper {id: key})<-[r:AUTHORED]-(a:Author)",
    "Institution": "MATCH (:Institution {id: key})<-[:AFFILIATED_WITH]-(q:Paper)<-[:AUTHORED]-(a:Author)\n"
                   "WITH key, a, count(DISTINCT q) AS n",
}
IN_PAPER = Order((("r.position", False), ("a.id", False)))
MOST_PAPERS_THERE = Order((("n", True), ("a.name", False), ("a.id", False)))

PAPERS_ALL = "MATCH (p:Paper)"
PAPERS_SEARCH = "CALL db.index.fulltext.queryNodes('paper_text', $search) YIELD node AS p, score"
AUTHORS_ALL = "MATCH (a:Author) WHERE a.name IS NOT NULL"  # lets the name index give the order
AUTHORS_SEARCH = "CALL db.index.fulltext.queryNodes('author_text', $search) YIELD node AS a, score"
PAPER_RELEVANCE = Order((("score", True), ("p.id", False)))
AUTHOR_RELEVANCE = Order((("score", True), ("a.id", False)))
CACHED_TEXTS = 512


def paper_order(order: PaperOrder | None, search: bool = False) -> Order:
    """The order of a paper connection: by relevance for a search unless another is asked, else newest."""
    if order is None:
        return PAPER_RELEVANCE if search else PAPER_ORDERS[PaperOrder.NEWEST]
    return PAPER_ORDERS[order]


@lru_cache(maxsize=CACHED_TEXTS)
def paper_texts(parent: str | None, lines: tuple[str, ...], order: PaperOrder | None, search: bool = False) -> Texts:
    """The queries of a paper connection: at the root (parent None), or under an Author, Repo, Topic or
    Institution; `lines` from `filters`."""
    if parent is None:
        return root_texts(PAPERS_SEARCH if search else PAPERS_ALL, "p", paper_order(order, search), lines)
    return nested_texts(PAPERS_UNDER[parent], "p", paper_order(order), lines)


def author_order(parent: str | None, order: AuthorOrder | None, search: bool = False) -> Order:
    """The order of an author connection: relevance for a search, the page's order under a paper, most papers
    there under an institution, else by name; unless another is asked."""
    if order is not None:
        return AUTHOR_ORDERS[order]
    if search:
        return AUTHOR_RELEVANCE
    return {"Paper": IN_PAPER, "Institution": MOST_PAPERS_THERE}.get(parent or "", AUTHOR_ORDERS[AuthorOrder.NAME])


@lru_cache(maxsize=CACHED_TEXTS)
def author_texts(parent: str | None, lines: tuple[str, ...], order: AuthorOrder | None,
                 search: bool = False) -> Texts:
    """The queries of an author connection: at the root (parent None), or under a Paper or Institution."""
    if parent is None:
        return root_texts(AUTHORS_SEARCH if search else AUTHORS_ALL, "a", author_order(None, order, search), lines)
    return nested_texts(AUTHORS_UNDER[parent], "a", author_order(parent, order), lines)


SHARED_REPOS_ORDER = Order((("n", True), ("r.id", False)))
SHARED_REPOS = root_texts("""MATCH (r:Repo) WHERE ($repo IS NULL OR r.id = $repo)
WITH r, COUNT { (r)<-[:HAS_CODE]-(:Paper) } AS n WHERE n >= 2""", "r", SHARED_REPOS_ORDER,
                          project="{repo: r {.*}, count: n}")
