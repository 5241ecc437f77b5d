"""Triples from Neo4j rows: one node's properties, and the relationships it carries.

A row is `{"node": {property: value}, "edges": [[type, start id, end id, position], ...]}`.
Every relationship maps to the same triples whichever end's row carries it, so the export emits each
one once (from its owner, see kg/rdf/source.py) and a resource page shows all of a node's edges.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pyoxigraph import Literal, NamedNode, Triple

from kg.rdf.vocab import DCTERMS, KG, RDF, RDFS, SCHEMA, TYPES, XSD, Iris

Term = NamedNode | Literal
Convert = Callable[[Any], Term | None]

_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_MONTH_DAY = re.compile(r"--\d{2}-\d{2}\Z")
AUTHORS = "authors"  # fragment of a paper's ordered author list (an rdf:Seq)
LISTING = "papers"  # fragment of a page's ordered list of papers (an rdf:Seq)


def text(value: str) -> Literal | None:
    """A non-empty string as an xsd:string literal."""
    return Literal(value) if value else None


def integer(value: int) -> Literal:
    """An xsd:integer."""
    return Literal(int(value))


def double(value: float) -> Literal:
    """An xsd:double (Neo4j may hand back an int for a whole number)."""
    return Literal(float(value))


def boolean(value: bool) -> Literal:
    """An xsd:boolean."""
    return Literal(bool(value))


def date(value: str) -> Literal:
    """YYYY-MM-DD as xsd:date, --MM-DD (no year on the page) as xsd:gMonthDay; else a plain string."""
    if _FULL_DATE.match(value):
        return Literal(value, datatype=XSD.date)
    if _MONTH_DAY.match(value):
        return Literal(value, datatype=XSD.gMonthDay)
    return Literal(value)  # the SHACL shape reports it


def link(value: str) -> Term:
    """A URL as an IRI, or as an xsd:anyURI literal when it is not a valid IRI."""
    try:
        return NamedNode(value)
    except ValueError:
        return Literal(value, datatype=XSD.anyURI)


def arxiv(value: str) -> NamedNode:
    """The arXiv abstract page of an arXiv id."""
    return NamedNode("https://arxiv.org/abs/" + value)


TERM_SETS = {"arxiv": KG.ArxivCategories, "keyphrase": KG.Keyphrases}
REPO_KIND_CLASSES = {"dataset": SCHEMA.Dataset, "space": SCHEMA.SoftwareApplication}
CLASSES = {
    "Paper": SCHEMA.ScholarlyArticle, "Author": SCHEMA.Person, "Institution": SCHEMA.Organization,
    "Repo": SCHEMA.SoftwareSourceCode, "Topic": SCHEMA.DefinedTerm, "Page": SCHEMA.WebPage,
}


class Describer:
    """Turns rows of one base's graph into triples."""

    def __init__(self, iris: Iris) -> None:
        self.iris = iris
        # Per label: (Neo4j property, predicate, converter to an RDF term or None to skip).
        self.fields: dict[str, list[tuple[str, NamedNode, Convert]]] = {
            "Paper": [
                ("title", SCHEMA.name, text), ("abstract", SCHEMA.abstract, text),
                ("date", SCHEMA.datePublished, date), ("year", KG.year, integer),
                ("arxiv_id", KG.arxivId, text), ("arxiv_id", SCHEMA.sameAs, arxiv),
                ("category", KG.primaryCategory, lambda c: iris.resource("topic", "arxiv:" + c)),
                ("score", KG.score, double), ("upvotes", KG.upvotes, integer),
                ("author_count", KG.authorCount, integer), ("has_code", KG.hasCode, boolean),
                ("organization", KG.organizationName, text), ("links", RDFS.seeAlso, link),
            ],
            "Author": [("name", SCHEMA.name, text)],
            "Institution": [("name", SCHEMA.name, text), ("aliases", SCHEMA.alternateName, text)],
            "Repo": [
                ("name", SCHEMA.name, text), ("url", SCHEMA.url, link), ("url", SCHEMA.codeRepository, link),
                ("kind", KG.repositoryKind, text), ("kind", RDF.type, REPO_KIND_CLASSES.get),
                ("host", KG.host, text), ("owner", KG.owner, text),
            ],
            "Topic": [
                ("name", SCHEMA.name, text), ("scheme", SCHEMA.inDefinedTermSet, TERM_SETS.get),
                ("id", SCHEMA.termCode, lambda i: Literal(i[6:]) if i.startswith("arxiv:") else None),
            ],
            "Page": [
                ("name", SCHEMA.name, text), ("title", DCTERMS.title, text),
                ("format", KG.pageFormat, text), ("file", KG.sourceFile, text),
            ],
        }

    def node(self, label: str, row: Mapping[str, Any]) -> list[Triple]:
        """Every triple of one row: the node's own (type, properties, links), then its lists' triples."""
        props = row["node"]
        kind = TYPES[label]
        subject = self.iris.resource(kind, props["id"])
        out = [Triple(subject, RDF.type, CLASSES[label])]
        for key, predicate, convert in self.fields[label]:
            value = props.get(key)
            if value is None:
                continue
            for item in value if isinstance(value, list) else (value,):
                term = convert(item)
                if term is not None:
                    out.append(Triple(subject, predicate, term))
        # Other subjects' triples (list members) go last: serializers group runs of one subject.
        tail: list[Triple] = []
        edges: Sequence[Sequence[Any]] = row.get("edges") or ()
        if label == "Page" or (label == "Paper" and any(e[0] == "AUTHORED" for e in edges)):
            seq = self.iris.resource(kind, props["id"], LISTING if label == "Page" else AUTHORS)
            out.append(Triple(subject, KG.listing if label == "Page" else KG.authorList, seq))
            tail.append(Triple(seq, RDF.type, RDF.Seq))
        for rel, start, end, position, *_ in edges:
            link, member = self.edge(rel, start, end, position)
            out.append(link)
            if member is not None:
                tail.append(member)
        out += tail
        return out

    def edge(self, rel: str, start: str, end: str, position: int | None) -> tuple[Triple, Triple | None]:
        """The triples of one relationship: the link, and its membership in an ordered list if it has a
        position."""
        resource = self.iris.resource
        member = None
        if rel == "AUTHORED":
            author = resource("author", start)
            link = Triple(resource("paper", end), SCHEMA.author, author)
            if position is not None:
                member = Triple(resource("paper", end, AUTHORS), RDF[f"_{position + 1}"], author)
        elif rel == "LISTED_ON":
            paper = resource("paper", start)
            link = Triple(paper, KG.listedOn, resource("page", end))
            if position is not None:
                member = Triple(resource("page", end, LISTING), RDF[f"_{position + 1}"], paper)
        elif rel == "PROFILE_OF":
            link = Triple(resource("page", start), SCHEMA.mainEntity, resource("author", end))
        else:
            predicate, kind = PAPER_LINKS[rel]
            link = Triple(resource("paper", start), predicate, resource(kind, end))
        return link, member


# Paper -> node relationships that map to one triple: (predicate, type of the end).
PAPER_LINKS = {
    "HAS_CODE": (KG.hasRepository, "repo"),
    "HAS_TOPIC": (SCHEMA.about, "topic"),
    "AFFILIATED_WITH": (SCHEMA.sourceOrganization, "institution"),
}
