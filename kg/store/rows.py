"""The parameter rows of one load transaction, derived from the model; nodes merged by id as they come."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from kg.graph.merge import author_order, listings, normal
from kg.graph.model import BY_PLURAL, FOUND_IN, RELATIONSHIPS, Label, Prop
from kg.graph.records import PageNode, Paper
from kg.ingest.pages import Page
from kg.ingest.resolve import Resolver

NODES = BY_PLURAL
PAPER_LINKS = {"has_code": "repos", "affiliated_with": "institutions"}  # HAS_TOPIC: see topic_rows
_FOUND_IN = next(p for p in RELATIONSHIPS["HAS_TOPIC"].props if p.name == FOUND_IN)


def stored(prop: Prop, value: Any) -> Any:
    """A value as the graph stores it: unions sorted and distinct, and no empty lists."""
    value = normal(prop.merge, value)
    return None if value == [] else value


def row(label: Label, node: BaseModel) -> dict[str, Any]:
    """The parameter row of one node: its properties of `label`, as stored."""
    return {p.name: stored(p, getattr(node, p.name)) for p in label.props}


def listing_rows(paper: Paper, page_ids: dict[str, str]) -> list[dict[str, Any]]:
    """A paper's LISTED_ON rows, one per page (`page_ids`: file -> page id)."""
    props = RELATIONSHIPS["LISTED_ON"].props
    return [{"from": paper.id, "to": page_ids[file], **{p.name: stored(p, getattr(s, p.name)) for p in props}}
            for file, s in listings(paper.sources).items()]


def topic_rows(paper: Paper) -> list[dict[str, Any]]:
    """A paper's HAS_TOPIC rows, each saying where the topic was found."""
    return [{"from": paper.id, "to": t, FOUND_IN: stored(_FOUND_IN, paper.found_in.get(t))} for t in paper.topics]


def authored_rows(paper_id: str, lists: list[list[str]]) -> list[dict[str, Any]]:
    """A paper's AUTHORED rows, positioned by `author_order` of every page's author list."""
    return [{"from": a, "to": paper_id, "position": i, "names": [a]} for i, a in enumerate(author_order(lists))]


@dataclass
class Rows:
    """One transaction's rows: its pages' records resolved into nodes, and the pages themselves."""

    resolver: Resolver = field(default_factory=Resolver)
    page_nodes: dict[str, PageNode] = field(default_factory=dict)
    profiles: list[dict[str, str]] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    page_ids: dict[str, str] = field(default_factory=dict)  # file -> page id

    @property
    def papers(self) -> int:
        """Paper listings added."""
        return self.resolver.records

    def add_page(self, page: Page) -> None:
        """Add every row one page contributes."""
        self.pages.append(page)
        node = page.node()
        self.page_nodes[node.id] = node
        self.page_ids[node.file] = node.id
        for record in page.records:
            self.resolver.add(record)
        if owner := page.owner():
            self.profiles.append({"from": node.id, "to": owner.id})

    def nodes(self, plural: str) -> dict[str, BaseModel]:
        """One label's nodes by id."""
        return dict(self.page_nodes) if plural == "pages" else self.resolver.tables[plural]

    def node_rows(self, plural: str) -> list[dict[str, Any]]:
        """The rows of one label's nodes."""
        return [row(NODES[plural], node) for node in self.nodes(plural).values()]

    def link_rows(self, key: str) -> list[dict[str, Any]]:
        """The rows of one relationship type but AUTHORED (whose positions need every page's lists)."""
        papers = self.resolver.papers()
        if key == "profile_of":
            return self.profiles
        if key == "listed_on":
            return [r for p in papers for r in listing_rows(p, self.page_ids)]
        if key == "has_topic":
            return [r for p in papers for r in topic_rows(p)]
        return [{"from": p.id, "to": other} for p in papers for other in getattr(p, PAPER_LINKS[key])]
