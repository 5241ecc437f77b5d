"""Rows for the export, read from Neo4j in id-ordered pages per label so memory stays flat.

Each relationship is carried by one owner's row: a paper carries its authorships, repos, topics,
institutions and listings; a page carries its profile owner. With filters the export is the
subgraph of the matching papers and everything they link to.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import neo4j

EXPORT_BATCH = 2000  # nodes per query; see BENCHMARKS.md
RESOURCE_EDGES = 1000  # most relationships shown on one resource page

# Label, and the relationship that joins it to the papers it is exported with.
LABEL_LINKS = {"Paper": None, "Author": "AUTHORED", "Institution": "AFFILIATED_WITH",
               "Repo": "HAS_CODE", "Topic": "HAS_TOPIC", "Page": "LISTED_ON"}
EDGE = "[type(r), startNode(r).id, endNode(r).id, r.position]"
# One list per type, so a paper's links come grouped by predicate (and its authors in order).
OWNED_EDGES = {
    "Paper": " + ".join([f"COLLECT {{ MATCH (x:Author)-[r:AUTHORED]->(n) RETURN {EDGE} ORDER BY r.position }}"]
                        + [
        f"[(n)-[r:{rel}]->(x) | {EDGE}]" for rel in ("HAS_CODE", "HAS_TOPIC", "AFFILIATED_WITH", "LISTED_ON")]),
    "Page": "[(n)-[r:PROFILE_OF]->(x:Author) WHERE {owner_scope} | " + EDGE + "]",
}
PAGE_QUERY = """
MATCH (n:{label}) WHERE n.id > $after AND {scope}
WITH n ORDER BY n.id LIMIT $limit
RETURN n {{.*}} AS node, {edges} AS edges
"""
COUNT_QUERY = "MATCH (n:{label}) WHERE {scope} RETURN count(n) AS n"
RESOURCE_QUERY = """
MATCH (n:{label} {{id: $id}})
RETURN n {{.*}} AS node, COLLECT {{
  MATCH (n)-[r]-(x)
  RETURN {edge} + [labels(x)[0], coalesce(x.title, x.name, x.id)]
  ORDER BY type(r), r.position, x.id LIMIT $limit
}} AS edges
"""


# Each filter as a Cypher predicate on the paper {p}, its value in the parameter $f_<filter>.
FILTER_TERMS = {
    "author": "EXISTS { MATCH (f:Author)-[:AUTHORED]->({p}) WHERE f.id = $f_author OR f.name = $f_author }",
    "topic": "EXISTS { MATCH ({p})-[:HAS_TOPIC]->(f:Topic) WHERE f.id = $f_topic OR f.name = $f_topic }",
    "institution": "EXISTS { MATCH ({p})-[:AFFILIATED_WITH]->(f:Institution) WHERE f.id = $f_institution "
                   "OR f.name = $f_institution OR $f_institution IN f.aliases }",
    "year": "{p}.year = $f_year",
}


@dataclass(frozen=True)
class Filters:
    """Which papers to export (all when empty); every other node comes with the papers it links to."""

    author: str | None = None  # id or name
    topic: str | None = None  # id or name
    institution: str | None = None  # id, name or alias
    year: int | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.author, self.topic, self.institution, self.year))

    def papers(self, var: str) -> str:
        """A Cypher predicate on the paper `var` (true when there are no filters)."""
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


def page_query(label: str, filters: Filters) -> str:
    """The query of one page of `label` rows after `$after`, in id order."""
    edges = OWNED_EDGES.get(label, "[]").replace("{owner_scope}", filters.scope("Author", "x"))
    return PAGE_QUERY.format(label=label, scope=filters.scope(label, "n"), edges=edges)


def rows(driver: neo4j.Driver, database: str | None, filters: Filters = Filters(),
         batch: int = EXPORT_BATCH) -> Iterator[tuple[str, list[neo4j.Record]]]:
    """(label, rows) pages over every label, each page one query of at most `batch` nodes."""
    # Fetching the next page on a thread while this one is described measured slower: the GIL.
    params = filters.params()
    for label in LABEL_LINKS:
        query = page_query(label, filters)
        after = ""
        while True:
            records, _, _ = driver.execute_query(query, params, after=after, limit=batch,
                                                 database_=database, routing_=neo4j.RoutingControl.READ)
            if records:
                yield label, records
            if len(records) < batch:
                break
            after = records[-1]["node"]["id"]


def counts(driver: neo4j.Driver, database: str | None, filters: Filters = Filters()) -> dict[str, int]:
    """Nodes per label that the export holds."""
    out = {}
    for label in LABEL_LINKS:
        records, _, _ = driver.execute_query(COUNT_QUERY.format(label=label, scope=filters.scope(label, "n")),
                                             filters.params(), database_=database,
                                             routing_=neo4j.RoutingControl.READ)
        out[label] = records[0]["n"]
    return out


def resource_row(driver: neo4j.Driver, database: str | None, label: str, node_id: str) -> neo4j.Record | None:
    """One node with all its relationships (up to RESOURCE_EDGES), each with the other end's label
    and name; None when there is no such node."""
    records, _, _ = driver.execute_query(RESOURCE_QUERY.format(label=label, edge=EDGE), id=node_id,
                                         limit=RESOURCE_EDGES, database_=database,
                                         routing_=neo4j.RoutingControl.READ)
    return records[0] if records else None
