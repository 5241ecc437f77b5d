"""Rows for the export, read from Neo4j in id-ordered pages per label so memory stays flat.

Each relationship is carried by one owner's row: a paper carries its authorships, repos, topics,
institutions and listings; a page carries its profile owner. With filters the export is the
subgraph of the matching papers and everything they link to.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import neo4j

from kg.graph.model import LABELS
from kg.graph.model import RELATIONSHIPS as MODEL_RELATIONSHIPS
from kg.rdf.handoff import Handoff
from kg.rdf.triples import OWNED, PROPERTIES, RELATIONSHIPS
from kg.store import refs

T = TypeVar("T")

EXPORT_BATCH = 2000  # nodes per query; see BENCHMARKS.md
RESOURCE_EDGES = 1000  # most relationships shown on one resource page

# Label, and the relationship that joins it to the papers it is exported with.
LABEL_LINKS: dict[str, str | None] = {label: next(
    (rel.type for rel in MODEL_RELATIONSHIPS.values() if {rel.start, rel.end} == {"Paper", label}), None)
    for label in LABELS}
EDGE = "[type(r), startNode(r).id, endNode(r).id, r.position]"
# One query per page: a single row holding every node's list (see kg/rdf/triples.py), which the
# driver decodes far faster than one record per node.
PAGE_QUERY = """
MATCH (n:{label}) WHERE n.id > $after AND {scope}
WITH n ORDER BY n.id LIMIT $limit
RETURN collect([{columns}]) AS rows
"""
# The links of one owned relationship type: the other ends' ids, or [id, position] pairs in position
# order (authors and listings keep their order).
IDS_QUERY = """
UNWIND $ids AS id
MATCH (n:{label} {{id: id}})
RETURN collect([{columns}]) AS rows
"""
OWNED_EDGES = "[(n){arrow}(x:{other}) WHERE {scope} | x.id]"
OWNED_POSITIONED_EDGES = ("COLLECT {{ MATCH (n){arrow}(x:{other}) WHERE {scope} RETURN [x.id, r.position] "
                          "ORDER BY r.position }}")
COUNT_QUERY = "MATCH (n:{label}) WHERE {scope} RETURN count(n) AS n"
RESOURCE_QUERY = """
MATCH (n:{label} {{id: $id}})
RETURN n {{.*}} AS node, COLLECT {{
  MATCH (n)-[r]-(x)
  RETURN {edge} + [labels(x)[0], coalesce(x.title, x.name, x.id)]
  ORDER BY type(r), r.position, x.id LIMIT $limit
}} AS edges
"""


# The filters that name a node, and its label.
FILTER_LABELS = {"author": "Author", "topic": "Topic", "institution": "Institution", "repo": "Repo"}
# Each filter as a Cypher predicate on the paper {p}: the node's id, or the year, in $f_<filter>.
FILTER_TERMS = {
    "author": "EXISTS { ({p})<-[:AUTHORED]-(:Author {id: $f_author}) }",
    "topic": "EXISTS { ({p})-[:HAS_TOPIC]->(:Topic {id: $f_topic}) }",
    "institution": "EXISTS { ({p})-[:AFFILIATED_WITH]->(:Institution {id: $f_institution}) }",
    "repo": "EXISTS { ({p})-[:HAS_CODE]->(:Repo {id: $f_repo}) }",
    "year": "{p}.year = $f_year",
}


@dataclass(frozen=True)
class Filters:
    """Which papers to export, as a user names them (all when empty): each node by its id or name,
    found as GraphQL finds it (see kg.store.refs)."""

    author: str | None = None
    topic: str | None = None
    institution: str | None = None  # id, name or alias
    repo: str | None = None  # id or owner/name
    year: int | None = None

    def resolve(self, driver: neo4j.Driver, database: str | None, timeout: float | None = None) -> Scope:
        """The scope these filters name; refs.UnknownRef for a value that names no node. `timeout`: the
        seconds each query may run (None: no limit but the server's)."""
        ids: dict[str, str] = {}
        for key, label in FILTER_LABELS.items():
            value = getattr(self, key)
            if value is None:
                continue
            records, _, _ = driver.execute_query(neo4j.Query(refs.by_ref(label), timeout=timeout),
                                                 refs.refs_params(label, [value]),
                                                 database_=database, routing_=neo4j.RoutingControl.READ)
            if records[0]["item"] is None:
                raise refs.UnknownRef(label, value)
            ids[key] = records[0]["item"]["id"]
        return Scope(**ids, year=self.year)


@dataclass(frozen=True)
class Scope:
    """The exported subgraph: the papers linked to every node given (by id) and of the year given,
    and everything those link to; the whole graph when nothing is given."""

    author: str | None = None
    topic: str | None = None
    institution: str | None = None
    repo: str | None = None
    year: int | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in vars(self).values())

    def papers(self, var: str) -> str:
        """A Cypher predicate on the paper `var` (true when nothing is given)."""
        terms = [FILTER_TERMS[key].replace("{p}", var) for key, value in vars(self).items() if value is not None]
        return " AND ".join(terms) or "true"

    def scope(self, label: str, var: str) -> str:
        """A Cypher predicate: is node `var` of `label` in the exported subgraph?"""
        rel = LABEL_LINKS[label]
        if not self or rel is None:
            return self.papers(var)
        return f"EXISTS {{ MATCH ({var})-[:{rel}]-(sp:Paper) WHERE {self.papers('sp')} }}"

    def params(self) -> dict[str, object]:
        """The query parameters the predicates use."""
        return {f"f_{k}": v for k, v in vars(self).items() if v is not None}


def page_query(label: str, scope: Scope) -> str:
    """The query of one page of `label` rows after `$after`, in id order."""
    return PAGE_QUERY.format(label=label, scope=scope.scope(label, "n"), columns=row_columns(label, scope))


def row_columns(label: str, scope: Scope) -> str:
    """The Cypher list of one export row of the node `n` of `label`."""
    columns = [f"n.{key}" for key in PROPERTIES[label]]
    for rel in OWNED.get(label, ()):
        outward = RELATIONSHIPS[rel].start == label
        other = RELATIONSHIPS[rel].end if outward else RELATIONSHIPS[rel].start
        arrow = f"-[r:{rel}]->" if outward else f"<-[r:{rel}]-"
        # A paper's links are all in the subgraph; another node's only when their end is.
        linked = "true" if label == "Paper" else scope.scope(other, "x")
        edges = OWNED_POSITIONED_EDGES if RELATIONSHIPS[rel].listing else OWNED_EDGES
        columns.append(edges.format(arrow=arrow, other=other, scope=linked))
    return ", ".join(columns)


def rows_of(driver: neo4j.Driver, database: str | None, label: str, ids: list[str]) -> list[list[Any]]:
    """The export rows of the nodes of `label` with these ids (those that exist), in the order given."""
    query = IDS_QUERY.format(label=label, columns=row_columns(label, Scope()))
    records, _, _ = driver.execute_query(query, ids=ids, database_=database, routing_=neo4j.RoutingControl.READ)
    found: list[list[Any]] = records[0]["rows"]
    return found


def rows(driver: neo4j.Driver, database: str | None, scope: Scope = Scope(),
         batch: int = EXPORT_BATCH, timeout: float | None = None) -> Iterator[tuple[str, list[list[Any]]]]:
    """(label, rows) pages over every label, each page one query of at most `batch` nodes, the next
    page read on a thread while the caller works on this one; `timeout` as in Filters.resolve."""
    return prefetched(_pages(driver, database, scope, batch, timeout))


def _pages(driver: neo4j.Driver, database: str | None, scope: Scope,
           batch: int, timeout: float | None) -> Iterator[tuple[str, list[list[Any]]]]:
    for label in LABEL_LINKS:
        after = ""
        while True:
            page = read_page(driver, database, label, scope, after, batch, timeout)
            if page:
                yield label, page
            if len(page) < batch:
                break
            after = page[-1][0]


def read_page(driver: neo4j.Driver, database: str | None, label: str, scope: Scope, after: str,
              batch: int, timeout: float | None = None) -> list[list[Any]]:
    """The rows of the first `batch` nodes of `label` whose id is after `after`, in id order."""
    records, _, _ = driver.execute_query(neo4j.Query(page_query(label, scope), timeout=timeout), scope.params(),
                                         after=after, limit=batch,
                                         database_=database, routing_=neo4j.RoutingControl.READ)
    page: list[list[Any]] = records[0]["rows"]
    return page


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """`items`, produced on a thread up to `depth` ahead of the reader (whose closing stops it)."""
    handoff: Handoff[T] = Handoff(depth)

    def produce() -> None:
        for item in items:
            if not handoff.put(item):
                return

    return handoff.run(produce, "rdf-read")


def counts(driver: neo4j.Driver, database: str | None, scope: Scope = Scope()) -> dict[str, int]:
    """Nodes per label that the export holds."""
    out = {}
    for label in LABEL_LINKS:
        records, _, _ = driver.execute_query(COUNT_QUERY.format(label=label, scope=scope.scope(label, "n")),
                                             scope.params(), database_=database,
                                             routing_=neo4j.RoutingControl.READ)
        out[label] = records[0]["n"]
    return out


def resource_row(driver: neo4j.Driver, database: str | None, label: str, node_id: str,
                 timeout: float | None = None) -> neo4j.Record | None:
    """One node with all its relationships (up to RESOURCE_EDGES), each with the other end's label
    and name; None when there is no such node."""
    records, _, _ = driver.execute_query(neo4j.Query(RESOURCE_QUERY.format(label=label, edge=EDGE), timeout=timeout),
                                         id=node_id,
                                         limit=RESOURCE_EDGES, database_=database,
                                         routing_=neo4j.RoutingControl.READ)
    return records[0] if records else None
