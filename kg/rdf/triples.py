"""Triples from Neo4j rows, as N-Triples lines: one node's properties, and the relationships it carries.

An export row (kg/rdf/source.py) is a list: the node's property values in `PROPERTIES` order (its id
first), then, for each relationship type in `OWNED`, its other ends' ids (`[id, position]` pairs for
a type with a position). A resource page's row is
`{"node": {property: value}, "edges": [[type, start id, end id, position], ...]}`. Both are described
by `Describer.lines`, so every relationship maps to the same triples whichever end's row carries it;
the export emits each one once (from its owner) and a resource page shows all of a node's edges.
Terms are written byte for byte as pyoxigraph writes them, and its parser reads them back for Turtle,
JSON-LD and resource pages.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse

from kg.graph.model import LABELS, shown
from kg.graph.model import RELATIONSHIPS as MODEL_RELATIONSHIPS
from kg.rdf.vocab import DCTERMS, KG, RDF, RDFS, SCHEMA, TYPES, XSD, Iris

Convert = Callable[[Any], str | None]  # a property value to an N-Triples term, or None to skip it

_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_MONTH_DAY = re.compile(r"--\d{2}-\d{2}\Z")
AUTHORS = "authors"  # fragment of a paper's ordered author list (an rdf:Seq)
LISTING = "papers"  # fragment of a page's ordered list of papers (an rdf:Seq)

# The characters pyoxigraph escapes in a quoted string, escaped as it does.
_ESCAPES = {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F, 0xFFFE, 0xFFFF]} | {
    0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
_NEEDS_ESCAPE = re.compile("[" + "".join(re.escape(chr(c)) for c in _ESCAPES) + "]")


def nt(term: NamedNode | Literal) -> str:
    """A pyoxigraph term in N-Triples syntax."""
    return str(term)


def _escape(match: re.Match[str]) -> str:
    return _ESCAPES[ord(match[0])]


def quoted(value: str) -> str:
    """A string as an N-Triples quoted string (an xsd:string literal)."""
    if _NEEDS_ESCAPE.search(value):
        value = _NEEDS_ESCAPE.sub(_escape, value)
    return f'"{value}"'


def typed(value: str, datatype: NamedNode) -> str:
    """A literal of `datatype` in N-Triples syntax."""
    return f"{quoted(value)}^^{nt(datatype)}"


def text(value: str) -> str | None:
    """A non-empty string as an xsd:string literal."""
    return quoted(value) if value else None


def integer(value: int) -> str:
    """An xsd:integer."""
    return f'"{int(value)}"^^<{XSD.integer.value}>'


def double(value: float) -> str:
    """An xsd:double (Neo4j may hand back an int for a whole number), in pyoxigraph's canonical form."""
    return nt(Literal(float(value)))


def boolean(value: bool) -> str:
    """An xsd:boolean."""
    return nt(Literal(bool(value)))


def date(value: str) -> str:
    """YYYY-MM-DD as xsd:date, --MM-DD (no year on the page) as xsd:gMonthDay; else a plain string."""
    if _FULL_DATE.match(value):
        return typed(value, XSD.date)
    if _MONTH_DAY.match(value):
        return typed(value, XSD.gMonthDay)
    return quoted(value)  # the SHACL shape reports it


def link(value: str) -> str:
    """A URL as an IRI, or as an xsd:anyURI literal when it is not a valid IRI."""
    try:
        return nt(NamedNode(value))
    except ValueError:
        return typed(value, XSD.anyURI)


def arxiv(value: str) -> str:
    """The arXiv abstract page of an arXiv id."""
    return nt(NamedNode("https://arxiv.org/abs/" + value))


def term(values: Mapping[str, NamedNode | None]) -> Convert:
    """A converter picking one vocabulary term per value (none for other values)."""
    return {key: None if value is None else nt(value) for key, value in values.items()}.get


Field = tuple[str, NamedNode, Convert]  # Neo4j property, predicate, converter


def fields(iris: Iris) -> dict[str, list[Field]]:
    """Per label: the node's properties and the triple each value makes, in export order."""
    topics = iris.nt("topic")
    return {
        "Paper": [
            ("title", SCHEMA.name, text), ("abstract", SCHEMA.abstract, text),
            ("date", SCHEMA.datePublished, date), ("year", KG.year, integer),
            ("arxiv_id", KG.arxivId, text), ("arxiv_id", SCHEMA.sameAs, arxiv),
            ("category", KG.primaryCategory, lambda c: topics["arxiv:" + c]),
            ("score", KG.score, double), ("upvotes", KG.upvotes, integer),
            ("author_count", KG.authorCount, integer), ("has_code", KG.hasCode, boolean),
            ("organization", KG.organizationName, text), ("links", RDFS.seeAlso, link),
        ],
        "Author": [
            ("name", SCHEMA.name, text), ("aliases", SCHEMA.alternateName, text), ("h_index", KG.hIndex, integer), ("citations", KG.citationCount, integer),
            ("paper_count", KG.paperCount, integer), ("novelty", KG.novelty, integer),
            ("ai_score", KG.aiScore, integer), ("main_category", KG.mainCategory, text),
        ],
        "Institution": [("name", SCHEMA.name, text), ("aliases", SCHEMA.alternateName, text)],
        "Repo": [
            ("name", SCHEMA.name, text), ("url", SCHEMA.url, link), ("url", SCHEMA.codeRepository, link),
            ("kind", KG.repositoryKind, text), ("kind", RDF.type, term(REPO_KIND_CLASSES)),
            ("host", KG.host, text), ("owner", KG.owner, text),
        ],
        "Topic": [
            ("name", SCHEMA.name, text), ("aliases", SCHEMA.alternateName, text),
            ("scheme", SCHEMA.inDefinedTermSet, term(TERM_SETS)),
            ("id", SCHEMA.termCode, lambda i: quoted(i[6:]) if i.startswith("arxiv:") else None),
        ],
        "Page": [("title", DCTERMS.title, text), ("format", KG.pageFormat, text)],
        "Snapshot": [
            ("saved_at", SCHEMA.dateCreated, date), ("listed", KG.listingSize, integer),
            ("h_index", KG.hIndex, integer), ("citations", KG.citationCount, integer),
            ("paper_count", KG.paperCount, integer), ("novelty", KG.novelty, integer),
            ("ai_score", KG.aiScore, integer), ("main_category", KG.mainCategory, text),
        ],
    }


TERM_SETS = {"arxiv": KG.ArxivCategories, "keyphrase": KG.Keyphrases}
REPO_KIND_CLASSES = {"dataset": SCHEMA.Dataset, "space": SCHEMA.SoftwareApplication}
CLASSES = {
    "Paper": SCHEMA.ScholarlyArticle, "Author": SCHEMA.Person, "Institution": SCHEMA.Organization,
    "Repo": SCHEMA.SoftwareSourceCode, "Topic": SCHEMA.DefinedTerm, "Page": SCHEMA.WebPage,
    "Snapshot": SCHEMA.CreativeWork,
}
# Each label's served properties (kg/graph/model.py) in the order an export row carries them, the id first.
PROPERTIES = {label.name: tuple(p.name for p in shown(label.props)) for label in LABELS.values()}


@dataclass(frozen=True)
class Relationship:
    """How one relationship type maps to triples; its ends are the model's."""

    type: str
    predicate: NamedNode  # of the link between the two
    inverse: bool = False  # the link runs from the end to the start
    listing: str = ""  # fragment of the end's ordered list (an rdf:Seq) of starts, by position

    @property
    def start(self) -> str:
        """Label of its start node."""
        return MODEL_RELATIONSHIPS[self.type].start

    @property
    def end(self) -> str:
        """Label of its end node."""
        return MODEL_RELATIONSHIPS[self.type].end


RELATIONSHIPS = {rel.type: rel for rel in (
    Relationship("AUTHORED", SCHEMA.author, inverse=True, listing=AUTHORS),
    Relationship("HAS_CODE", KG.hasRepository),
    Relationship("HAS_TOPIC", SCHEMA.about),
    Relationship("AFFILIATED_WITH", SCHEMA.sourceOrganization),
    Relationship("LISTED_ON", KG.listedOn, listing=LISTING),
    Relationship("SEEN_IN", KG.seenIn, listing=LISTING),
    Relationship("SNAPSHOT_OF", SCHEMA.exampleOfWork),
    Relationship("PROFILE_OF", SCHEMA.mainEntity),
)}


def carrier(rel: Relationship) -> str:
    """The label whose export row carries `rel`: a paper carries all of its own, other nodes those they start."""
    return "Paper" if "Paper" in (rel.start, rel.end) else rel.start


# The relationships an export row carries after its properties. Each relationship has one carrier,
# so the export has it once.
OWNED: dict[str, tuple[str, ...]] = {
    label: tuple(rel.type for rel in RELATIONSHIPS.values() if carrier(rel) == label)
    for label in dict.fromkeys(carrier(rel) for rel in RELATIONSHIPS.values())}
# The ordered list each label has: (its fragment, the predicate linking the node to it).
LISTS = {"Paper": (AUTHORS, KG.authorList), "Page": (LISTING, KG.listing), "Snapshot": (LISTING, KG.listing)}

Links = Sequence[Any]  # of one relationship type: the other ends' ids, or [id, position] if it is listed


class _Members(dict[int, str]):
    """rdf:_1, rdf:_2 … in N-Triples syntax, by 0-based position."""

    def __missing__(self, position: int) -> str:
        value = self[position] = nt(RDF[f"_{position + 1}"])
        return value


class Describer:
    """Turns rows of one base's graph into N-Triples lines (or pyoxigraph triples for a resource)."""

    def __init__(self, iris: Iris) -> None:
        # Per label: (index in the row, predicate, converter).
        self.fields = {label: [(PROPERTIES[label].index(key), nt(predicate), convert)
                               for key, predicate, convert in label_fields]
                       for label, label_fields in fields(iris).items()}
        # A paper's IRIs appear in its own row only: not worth keeping. Authors, topics and pages recur.
        size = {"Paper": 16}
        self.subjects = {label: iris.nt(kind, size=size.get(label, 1 << 16)) for label, kind in TYPES.items()}
        self.lists = {label: iris.nt(TYPES[label], fragment, size.get(label, 1 << 16))
                      for label, (fragment, _) in LISTS.items()}
        self.type = f" {nt(RDF.type)} "
        self.classes = {label: f"{self.type}{nt(cls)} .\n" for label, cls in CLASSES.items()}
        self.list_links = {label: f" {nt(predicate)} " for label, (_, predicate) in LISTS.items()}
        self.seq = f"{self.type}{nt(RDF.Seq)} .\n"
        self.members = _Members()
        self.predicates = {rel: f" {nt(rel.predicate)} " for rel in RELATIONSHIPS.values()}

    def row(self, label: str, row: Sequence[Any]) -> list[str]:
        """The lines of one export row."""
        return self.lines(label, row, dict(zip(OWNED.get(label, ()), row[len(PROPERTIES[label]):])))

    def node(self, label: str, row: Mapping[str, Any]) -> list[Triple]:
        """The triples of a resource page's row: the node's own, and those of all its edges."""
        props = row["node"]
        edges: dict[str, list[Any]] = {}
        for rel, start, end, position, *_ in row.get("edges") or ():
            other = end if RELATIONSHIPS[rel].start == label else start
            edges.setdefault(rel, []).append((other, position) if RELATIONSHIPS[rel].listing else other)
        lines = self.lines(label, [props.get(key) for key in PROPERTIES[label]], edges)
        return list(parse("".join(lines), RdfFormat.N_TRIPLES))

    def lines(self, label: str, values: Sequence[Any], edges: Mapping[str, Links]) -> list[str]:
        """Every triple of a node: its own (type, properties, links), then its list's triples."""
        node_id = values[0]
        subject = self.subjects[label][node_id]
        out = [subject + self.classes[label]]
        for index, predicate, convert in self.fields[label]:
            value = values[index]
            if value is None:
                continue
            for item in value if isinstance(value, list) else (value,):
                if (obj := convert(item)) is not None:
                    out.append(f"{subject} {predicate} {obj} .\n")
        # Other subjects' triples (list members) go last: serializers group runs of one subject.
        tail: list[str] = []
        if label in ("Page", "Snapshot") or (label == "Paper" and edges.get("AUTHORED")):
            seq = self.lists[label][node_id]
            out.append(subject + self.list_links[label] + seq + " .\n")
            tail.append(seq + self.seq)
        for rel, links in edges.items():
            self.links(label, node_id, subject, RELATIONSHIPS[rel], links, out, tail)
        out += tail
        return out

    def links(self, label: str, node_id: str, subject: str, rel: Relationship, links: Links,
              out: list[str], tail: list[str]) -> None:
        """Append to `out` the links of one relationship type, and to `tail` their list memberships."""
        outward = rel.start == label
        others = self.subjects[rel.end if outward else rel.start]
        predicate = self.predicates[rel]
        if not rel.listing:  # one triple per link
            if outward != rel.inverse:
                out += [subject + predicate + others[other_id] + " .\n" for other_id in links]
            else:
                out += [others[other_id] + predicate + subject + " .\n" for other_id in links]
            return
        lists = self.lists[rel.end]
        for other_id, position in links:
            other = others[other_id]
            start, end = (subject, other) if outward else (other, subject)
            out.append(end + predicate + start + " .\n" if rel.inverse else start + predicate + end + " .\n")
            if position is not None:
                tail.append(f"{lists[other_id if outward else node_id]} {self.members[position]} {start} .\n")
