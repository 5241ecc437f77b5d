"""The fair baseline of incremental ingest: a hand-written load of the nodes and relationships kg writes, from
the same parsed rows in batches of the same size, as `UNWIND $rows MERGE ... SET += row` per label and per
relationship type. It has none of kg's merge rules, listing recomputation, author resolution or SPARQL sync:
what those cost is what kg's figure pays beside it."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import neo4j

from kg.errors import PageError
from kg.graph.merge import listings
from kg.graph.model import LABELS, RELATIONSHIPS, Label, Rel
from kg.ingest.pages import Page
from kg.store.rows import Rows, authored_rows


def node_statement(label: Label) -> str:
    """A plain MERGE of `label`'s rows: the last value of each property wins."""
    return f"UNWIND $rows AS row\nMERGE (n:{label.name} {{id: row.id}})\nSET n += row"


def rel_statement(rel: Rel) -> str:
    """A plain MERGE of `rel`'s rows between nodes given by id, its properties in `row.props`."""
    return (f"UNWIND $rows AS row\nMATCH (s:{rel.start} {{id: row.from}}) MATCH (e:{rel.end} {{id: row.to}})\n"
            f"MERGE (s)-[r:{rel.type}]->(e)\nSET r += row.props")


NODES = {label.plural: node_statement(label) for label in LABELS.values()}
LINKS = {rel.key: rel_statement(rel) for rel in RELATIONSHIPS.values()}


def link_rows(rows: Rows, key: str) -> list[dict[str, Any]]:
    """One relationship type's rows of a batch, taken from the batch alone (kg reads AUTHORED's and
    LISTED_ON's from the graph too)."""
    if key == "authored":
        plain = [r for p in rows.resolver.papers()
                 for r in authored_rows(p.id, [s.authors for s in listings(p.sources).values()])]
    elif key == "listed_on":
        plain = [{"from": record.paper.id, "to": page.id, "position": i}
                 for page in rows.pages for i, record in enumerate(page.records)]
    else:
        plain = rows.link_rows(key)
    return [{"from": r["from"], "to": r["to"], "props": {k: v for k, v in r.items() if k not in ("from", "to")}}
            for r in plain]


def write(tx: neo4j.ManagedTransaction, rows: Rows) -> None:
    """Every node and relationship of one batch, in one transaction."""
    for plural, query in NODES.items():
        if params := rows.node_rows(plural):
            tx.run(query, rows=params).consume()
    for key, query in LINKS.items():
        if params := link_rows(rows, key):
            tx.run(query, rows=params).consume()


def plain_load(db: neo4j.Driver, database: str | None, items: Iterable[Page | PageError], batch: int) -> int:
    """Load the pages in batches of `batch` papers; how many paper listings it wrote."""
    papers = 0
    rows = Rows()
    with db.session(database=database) as session:
        for item in items:
            if isinstance(item, PageError):
                continue
            rows.add_page(item)
            if rows.papers >= batch:
                session.execute_write(write, rows)
                papers += rows.papers
                rows = Rows()
        if rows.pages:
            session.execute_write(write, rows)
            papers += rows.papers
    return papers
