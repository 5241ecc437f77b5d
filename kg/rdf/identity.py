"""The resource that explains an author's identity, `{author IRI}/identity`: each spelling merged into the
person with the signals that joined it, and each namesake kept apart with why (issue 16)."""
from __future__ import annotations

from collections.abc import Sequence

import neo4j
from pyoxigraph import Literal, NamedNode, Triple

from kg.graph.identity import Evidence, read_evidence
from kg.rdf.resource import IDENTITY, Description
from kg.rdf.vocab import KG, RDF, SCHEMA, Iris

QUERY = "MATCH (a:Author {id: $id}) RETURN a.name AS name, coalesce(a.evidence, []) AS evidence"


def identity_iri(iris: Iris, author_id: str) -> NamedNode:
    """The IRI of the resource explaining `author_id`'s identity."""
    return NamedNode(iris.resource("author", author_id).value + IDENTITY)


def items(iris: Iris, author_id: str, evidence: Sequence[Evidence]) -> list[tuple[NamedNode, Evidence]]:
    """Each evidence line's node: `#name-N` for a spelling, `#namesake-N` for a namesake kept apart."""
    decision = identity_iri(iris, author_id).value
    merged = [e for e in evidence if not e.namesake]
    apart = [e for e in evidence if e.namesake]
    return ([(NamedNode(f"{decision}#name-{n}"), e) for n, e in enumerate(merged, 1)]
            + [(NamedNode(f"{decision}#namesake-{n}"), e) for n, e in enumerate(apart, 1)])


def identity_triples(iris: Iris, author_id: str, name: str, evidence: Sequence[Evidence]) -> list[Triple]:
    """The decision's triples: kg:mergedFrom a node per spelling (schema:name, kg:evidence), kg:keptApartFrom
    a node per namesake (schema:about the other person, kg:evidence)."""
    person, decision = iris.resource("author", author_id), identity_iri(iris, author_id)
    out = [Triple(decision, RDF.type, KG.IdentityDecision), Triple(decision, SCHEMA.about, person),
           Triple(decision, SCHEMA.name, Literal(f"Who is {name}"))]
    for item, e in items(iris, author_id, evidence):
        if e.namesake:
            out += [Triple(decision, KG.keptApartFrom, item),
                    Triple(item, SCHEMA.about, iris.resource("author", e.namesake))]
        else:
            out += [Triple(decision, KG.mergedFrom, item), Triple(item, SCHEMA.name, Literal(e.name))]
        out.append(Triple(item, KG.evidence, Literal(e.why)))
    return out


def describe_identity(driver: neo4j.Driver, database: str | None, iris: Iris,
                      author_id: str, timeout: float | None = None) -> Description | None:
    """The description of an author's identity resource, or None when there is no such author; its
    query runs at most `timeout` seconds."""
    records, _, _ = driver.execute_query(neo4j.Query(QUERY, timeout=timeout), id=author_id, database_=database,
                                         routing_=neo4j.RoutingControl.READ)
    if not records:
        return None
    name, evidence = records[0]["name"] or author_id, read_evidence(records[0]["evidence"])
    subject = identity_iri(iris, author_id)
    names = {subject.value: f"Who is {name}", iris.resource("author", author_id).value: name}
    for item, e in items(iris, author_id, evidence):  # the page's section titles
        names[item.value] = f"namesake {e.namesake}" if e.namesake else e.name
        if e.namesake:
            names[iris.resource("author", e.namesake).value] = e.namesake
    return Description(subject, identity_triples(iris, author_id, name, evidence), names, [])
