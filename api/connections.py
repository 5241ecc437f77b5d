"""Connections with keyset cursors, `where` filters (api/filters.py) and `orderBy`, at the root and nested
under a node: one Cypher text per shape (filters given, order, first page or not), values only as parameters."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import strawberry

from api import filters
from api.keyset import Order
from kg.graph.model import LABELS

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

# ---------------------------------------------------------------- query texts


@dataclass(frozen=True)
class Texts:
    """A connection's queries: its first page, a page after a cursor, and its count."""

    first: str
    next: str
    count: str
    counted: tuple[str, str]  # the first and the next page with the total, in one statement


def gathered(body: str, carried: tuple[str, ...], page: str, returns: str) -> str:
    """`body`'s rows read once: collected (their `carried` variables) as `matched`, then `page` (a subquery
    body returning its page) over them again; `returns` after it may use size(matched), their count."""
    kept = ", ".join(f"{v}: {v}" for v in carried)
    back = ", ".join(f"row.{v} AS {v}" for v in carried)
    return (f"{body}\nWITH collect({{{kept}}}) AS matched\n"
            f"CALL (matched) {{\nUNWIND matched AS row\nWITH {back}\n{page}\n}}\nRETURN {returns}")


def indexed(order: Order, label: str) -> bool:
    """Whether a range index of `label` holds `order`'s first key: a page can then be read in the index's
    order, stopping at its size, rather than sorted from every match."""
    return order.keys[0][0] in {f"{filters.var(label)}.{p.name}" for p in LABELS[label].props if p.index}


def root_texts(match: str, var: str, order: Order, extra: tuple[str, ...] = (), project: str = "",
               carried: tuple[str, ...] = (), one_pass: bool = False, seek: bool = False) -> Texts:
    """A root connection over `match` (binding `var`, projected as `project` or its properties): rows
    {node, key}, one row {total}, and one row {total, rows} for a page with its count. With `one_pass`, that
    page and count read the matches once (keeping `var` and `carried`), not once for each: for a filtered or
    searched list, whose count cannot come from the count store nor its page from an index's order. With
    `seek` (an index holds the order's first key), the first page says that key is present, as a page after
    a cursor does (a range on it), so the planner may read the page from the index."""
    body = "\n".join([match, *extra])
    prelude, order = order.projected()
    start = f"WITH * WHERE {order.keys[0][0]} IS NOT NULL\n" if seek else ""  # keys are never null anyway

    def tail(after: str, returns: str) -> str:
        return (f"{prelude}{after or start}WITH * ORDER BY {order.order_by()} LIMIT $limit\n"
                f"RETURN {returns.format(node=project or var + ' {.*}', key=order.key())}")

    count = f"{body}\nRETURN count(*) AS total"

    def counted(after: str) -> str:  # one statement, one transaction: the count beside the page (a row even if empty)
        rows = tail(after, "collect({{node: {node}, key: {key}}}) AS rows")
        if one_pass:
            return gathered(body, (var, *carried), rows, "size(matched) AS total, rows")
        return f"CALL () {{\n{count}\n}}\nCALL () {{\n{body}\n{rows}\n}}\nRETURN total, rows"

    def page(after: str) -> str:
        return f"{body}\n{tail(after, '{node} AS node, {key} AS key')}"

    after = f"WITH * WHERE {order.after()}\n"
    return Texts(page(""), page(after), count, (counted(""), counted(after)))


def nested_texts(match: str, var: str, order: Order, extra: tuple[str, ...] = (),
                 carried: tuple[str, ...] = ()) -> Texts:
    """A connection under each parent (`match` binds `var` from the parent's id, `key`): rows
    {key, items: [{node, key}]}, {key, items: [total]} and {key, items, total}, for a DataLoader; the page
    with its count reads each parent's matches once (keeping `var` and `carried`, what the order needs)."""
    body = "\n".join([match, *extra])
    prelude, order = order.projected()

    def tail(after: str) -> str:
        return (f"{prelude}{after}WITH * ORDER BY {order.order_by()} LIMIT $limit\n"
                f"RETURN collect({{node: {var} {{.*}}, key: {order.key()}}}) AS items")

    def items(after: str) -> str:
        return f"CALL (key) {{\n{body}\n{tail(after)}\n}}\n"

    def counted(after: str) -> str:
        once = gathered(body, (var, *carried), tail(after), "size(matched) AS total, items")
        return f"{each}CALL (key) {{\n{once}\n}}\nRETURN key, items, total"

    total = f"CALL (key) {{\n{body}\nRETURN count(*) AS total\n}}\n"
    after = f"WITH * WHERE {order.after()}\n"
    each = "UNWIND $keys AS key\n"
    return Texts(f"{each}{items('')}RETURN key, items", f"{each}{items(after)}RETURN key, items",
                 f"{each}{total}RETURN key, [total] AS items", (counted(""), counted(after)))


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
AUTHORS_CARRIED = {"Paper": ("r",), "Institution": ("n",)}  # what their orders read beside `a`
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
    Institution; `lines` from api.filters.filters."""
    if parent is None:
        by = paper_order(order, search)
        seek = not search and indexed(by, "Paper")
        return root_texts(PAPERS_SEARCH if search else PAPERS_ALL, "p", by, lines, carried=("score",) if search
                          else (), one_pass=(bool(lines) or search) and not seek, seek=seek)
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
        by = author_order(None, order, search)
        seek = not search and indexed(by, "Author")
        return root_texts(AUTHORS_SEARCH if search else AUTHORS_ALL, "a", by, lines, carried=("score",) if search
                          else (), one_pass=(bool(lines) or search) and not seek, seek=seek)
    return nested_texts(AUTHORS_UNDER[parent], "a", author_order(parent, order), lines, AUTHORS_CARRIED[parent])


SHARED_REPOS_ORDER = Order((("n", True), ("r.id", False)))
SHARED_REPOS = root_texts("""MATCH (r:Repo) WHERE ($repo IS NULL OR r.id = $repo)
WITH r, COUNT { (r)<-[:HAS_CODE]-(:Paper) } AS n WHERE n >= 2""", "r", SHARED_REPOS_ORDER,
                          project="{repo: r {.*}, count: n}")
