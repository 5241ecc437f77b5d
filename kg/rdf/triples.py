"""Triples from Neo4j rows, as statements of one syntax (kg/rdf/syntax.py): one node's properties, and
the relationships it carries.

An export row (kg/rdf/source.py) is a list: the node's property values in `PROPERTIES` order (its id
first), then, for each relationship type in `OWNED`, its other ends' ids (`[id, position]` pairs for
a type with a position). A resource page's row is
`{"node": {property: value}, "edges": [[type, start id, end id, position], ...]}`. Both are described
by `Describer.describe`, so every relationship maps to the same triples whichever end's row carries it;
the export emits each one once (from its owner) and a resource page shows all of a node's edges.
N-Triples terms are written byte for byte as pyoxigraph writes them, and its parser reads them back
for resource pages.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse

from kg.graph.model import LABELS, shown
from kg.graph.model import RELATIONSHIPS as MODEL_RELATIONSHIPS
from kg.rdf.syntax import Cache, NTriples, Statement, Term, quoted
from kg.rdf.vocab import DCTERMS, DEFAULT_BASE, KG, RDF, RDFS, SCHEMA, TYPES, Iris

Convert = Callable[[Any], Term | None]  # a property value to an object term, or None to skip it
AUTHORS = "authors"  # fragment of a paper's ordered author list (an rdf:Seq)
LISTING = "papers"  # fragment of a page's ordered list of papers (an rdf:Seq)
_NT = NTriples(Iris(DEFAULT_BASE))  # for the N-Triples term functions below


def nt(term: NamedNode | Literal) -> str:
    """A pyoxigraph term in N-Triples syntax."""
    return str(term)


def typed(value: str, datatype: NamedNode) -> str:
    """A literal of `datatype` in N-Triples syntax."""
    return f"{quoted(value)}^^{nt(datatype)}"


def text(value: str) -> str | None:
    """A non-empty string as an xsd:string literal."""
    return quoted(value) if value else None


integer, double, boolean, date, link = _NT.integer, _NT.double, _NT.boolean, _NT.date, _NT.link


def term(values: Mapping[str, NamedNode | None], syntax: NTriples = _NT) -> Convert:
    """A converter picking one vocabulary term per value (none for other values)."""
    return {key: None if value is None else syntax.iri(value) for key, value in values.items()}.get


Field = tuple[str, NamedNode, Convert]  # Neo4j property, predicate, converter


def fields(iris: Iris, syntax: NTriples | None = None) -> dict[str, list[Field]]:
    """Per label: the node's properties and the triple each value makes, in export order; the terms are
    N-Triples unless another syntax is given."""
    syn = NTriples(iris) if syntax is None else syntax
    topics = syn.resources("topic")
    text, integer, date, link = syn.text, syn.integer, syn.date, syn.link
    return {
        "Paper": [
            ("title", SCHEMA.name, text), ("abstract", SCHEMA.abstract, text),
            ("date", SCHEMA.datePublished, date), ("year", KG.year, integer),
            ("arxiv_id", KG.arxivId, text), ("arxiv_id", SCHEMA.sameAs, lambda a: syn.named(ARXIV + a)),
            ("category", KG.primaryCategory, lambda c: topics["arxiv:" + c]),
            ("score", KG.score, syn.double), ("upvotes", KG.upvotes, integer),
            ("author_count", KG.authorCount, integer), ("has_code", KG.hasCode, syn.boolean),
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
            ("kind", KG.repositoryKind, text), ("kind", RDF.type, term(REPO_KIND_CLASSES, syn)),
            ("host", KG.host, text), ("owner", KG.owner, text),
        ],
        "Topic": [
            ("name", SCHEMA.name, text), ("aliases", SCHEMA.alternateName, text),
            ("scheme", SCHEMA.inDefinedTermSet, term(TERM_SETS, syn)),
            ("id", SCHEMA.termCode, lambda i: syn.string(i[6:]) if i.startswith("arxiv:") else None),
        ],
        "Page": [("title", DCTERMS.title, text), ("format", KG.pageFormat, text)],
        "Snapshot": [
            ("saved_at", SCHEMA.dateCreated, date), ("listed", KG.listingSize, integer),
            ("h_index", KG.hIndex, integer), ("citations", KG.citationCount, integer),
            ("paper_count", KG.paperCount, integer), ("novelty", KG.novelty, integer),
            ("ai_score", KG.aiScore, integer), ("main_category", KG.mainCategory, text),
        ],
    }


ARXIV = "https://arxiv.org/abs/"  # an arXiv id's abstract page, after this
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


class Describer:
    """Turns rows of one base's graph into statements of one syntax (N-Triples unless another is given),
    or pyoxigraph triples for a resource page."""

    def __init__(self, iris: Iris, syntax: NTriples | None = None) -> None:
        self.syntax = syn = NTriples(iris) if syntax is None else syntax
        # Per label: (index in the row, predicate, converter).
        self.fields = {label: [(PROPERTIES[label].index(key), syn.predicate(predicate), convert)
                               for key, predicate, convert in label_fields]
                       for label, label_fields in fields(iris, syn).items()}
        # A paper's IRIs appear in its own row only: not worth keeping. Authors, topics and pages recur.
        size = {"Paper": 16}
        self.subjects = {label: syn.resources(kind, size=size.get(label, 1 << 16), subject=True)
                         for label, kind in TYPES.items()}
        self.list_subjects = {label: syn.resources(TYPES[label], fragment, size.get(label, 1 << 16), subject=True)
                              for label, (fragment, _) in LISTS.items()}
        self.objects, self.list_objects = self.subjects, self.list_subjects
        if not syn.subjects_are_objects:
            self.objects = {label: syn.resources(kind, size=size.get(label, 1 << 16)) for label, kind in TYPES.items()}
            self.list_objects = {label: syn.resources(TYPES[label], fragment, size.get(label, 1 << 16))
                                 for label, (fragment, _) in LISTS.items()}
        self.classes = {label: syn.predicate(RDF.type) + syn.iri(cls) for label, cls in CLASSES.items()}
        self.list_links = {label: syn.predicate(predicate) for label, (_, predicate) in LISTS.items()}
        self.seq = syn.predicate(RDF.type) + syn.iri(RDF.Seq)
        self.members = Cache(lambda position: syn.predicate(RDF[f"_{int(position) + 1}"]))
        self.predicates = {rel: syn.predicate(rel.predicate) for rel in RELATIONSHIPS.values()}

    def row(self, label: str, row: Sequence[Any]) -> list[str]:
        """The N-Triples lines of one export row."""
        lines = self.syntax.lines
        return [line for subject, pairs in self.statements(label, row) for line in lines(subject, pairs)]

    def statements(self, label: str, row: Sequence[Any]) -> list[Statement]:
        """The statements of one export row."""
        return self.describe(label, row, dict(zip(OWNED.get(label, ()), row[len(PROPERTIES[label]):])))

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
        """Every triple of a node as N-Triples lines (see `describe`)."""
        lines = self.syntax.lines
        return [line for subject, pairs in self.describe(label, values, edges) for line in lines(subject, pairs)]

    def describe(self, label: str, values: Sequence[Any], edges: Mapping[str, Links]) -> list[Statement]:
        """Every triple of a node: its own (type, properties, links), then its list's, then its list
        memberships in other nodes' lists."""
        node_id = values[0]
        pairs = [self.classes[label]]
        out: list[Statement] = [(self.subjects[label][node_id], pairs)]
        for index, predicate, convert in self.fields[label]:
            value = values[index]
            if value is None:
                continue
            if isinstance(value, list):
                for item in value:
                    if (obj := convert(item)) is not None:
                        pairs.append(predicate + obj)
            elif (obj := convert(value)) is not None:
                pairs.append(predicate + obj)
        own: list[Term] = []  # the pairs of the node's own list
        if label in ("Page", "Snapshot") or (label == "Paper" and edges.get("AUTHORED")):
            pairs.append(self.list_links[label] + self.list_objects[label][node_id])
            own.append(self.seq)
            out.append((self.list_subjects[label][node_id], own))
        for rel, links in edges.items():
            self.links(label, node_id, RELATIONSHIPS[rel], links, out, own)
        return out

    def links(self, label: str, node_id: str, rel: Relationship, links: Links, out: list[Statement],
              own: list[Term]) -> None:
        """Add the links of one relationship type to the node's pairs (out[0]) or as statements of
        their own, and their list memberships to the node's list (`own`) or to another's."""
        outward = rel.start == label
        other_label = rel.end if outward else rel.start
        others, pairs, predicate = self.objects[other_label], out[0][1], self.predicates[rel]
        # Whether the link's subject is this node (else the other end).
        mine = outward != rel.inverse
        if not rel.listing:  # one triple per link
            if mine:
                pairs += [predicate + others[other_id] for other_id in links]
            else:
                node, subjects = self.objects[label][node_id], self.subjects[other_label]
                out += [(subjects[other_id], [predicate + node]) for other_id in links]
            return
        node, members = self.objects[label][node_id], self.members
        for other_id, position in links:
            if mine:
                pairs.append(predicate + others[other_id])
            else:
                out.append((self.subjects[other_label][other_id], [predicate + node]))
            if position is None:
                continue
            start = node if outward else others[other_id]
            if outward:  # a member of the other end's list
                out.append((self.list_subjects[rel.end][other_id], [members[position] + start]))
            else:
                own.append(members[position] + start)
