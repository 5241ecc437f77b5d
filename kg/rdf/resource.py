"""One resource's description: its own triples and those of every relationship it takes part in."""
from __future__ import annotations

from dataclasses import dataclass

import neo4j
from pyoxigraph import NamedNode, Triple

from kg.rdf.source import resource_row
from kg.rdf.triples import Describer
from kg.rdf.vocab import KG, LABELS, TYPES, Iris

IDENTITY = "/identity"  # an author's IRI and this: the resource explaining who they are (kg/rdf/identity.py)


@dataclass
class Description:
    """The triples about one node, and display names of it and its neighbours by IRI."""

    subject: NamedNode
    triples: list[Triple]
    names: dict[str, str]
    neighbours: list[tuple[str, str]]  # (relationship type, the other end's IRI), as Neo4j gave them


def describe(driver: neo4j.Driver, database: str | None, iris: Iris, kind: str,
             node_id: str, timeout: float | None = None) -> Description | None:
    """The description of `{base}/resource/{kind}/{node_id}`, or None when there is no such node; its
    query runs at most `timeout` seconds."""
    label = LABELS.get(kind)
    row = resource_row(driver, database, label, node_id, timeout) if label else None
    if label is None or row is None:
        return None
    node = row["node"]
    subject = iris.resource(kind, node_id)
    names = {subject.value: node.get("title") or node.get("name") or node_id}
    neighbours = []
    for rel, start, end, _, other_label, other_name in row["edges"]:
        other = iris.resource(TYPES[other_label], end if start == node_id else start).value
        names[other] = other_name
        neighbours.append((rel, other))
    triples = Describer(iris).node(label, row)
    if label == "Author":
        identity = NamedNode(subject.value + IDENTITY)
        triples.append(Triple(subject, KG.identityEvidence, identity))
        names[identity.value] = "why these names are one person"
    return Description(subject, triples, names, neighbours)
