"""The parameter rows of one load transaction, derived from the model; nodes merged by id as they come."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from kg.graph.merge import add_nodes, author_order, listings, normal
from kg.graph.model import BY_PLURAL, FOUND_IN, LABELS, RELATIONSHIPS, Label, Prop
from kg.graph.records import Paper
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


def sighting_rows(paper: Paper) -> list[dict[str, Any]]:
    """A paper's SEEN_IN rows, one per save that lists it."""
    props = RELATIONSHIPS["SEEN_IN"].props
    return [{"from": paper.id, "to": snap, **{p.name: stored(p, getattr(s, p.name)) for p in props}}
            for snap, s in listings(paper.sources).items()]


def topic_rows(paper: Paper) -> list[dict[str, Any]]:
    """A paper's HAS_TOPIC rows, each saying where the topic was found."""
    return [{"from": paper.id, "to": t, FOUND_IN: stored(_FOUND_IN, paper.found_in.get(t))} for t in paper.topics]


def authored_rows(paper_id: str, lists: list[list[str]]) -> list[dict[str, Any]]:
    """A paper's AUTHORED rows, positioned by `author_order` of every page's author list."""
    return [{"from": a, "to": paper_id, "position": i, "names": [a]} for i, a in enumerate(author_order(lists))]


@dataclass
class Rows:
    """One transaction's rows: its pages' records resolved into nodes, and the pages and saves themselves."""

    resolver: Resolver = field(default_factory=Resolver)
    page_nodes: dict[str, BaseModel] = field(default_factory=dict)
    snapshot_nodes: dict[str, BaseModel] = field(default_factory=dict)
    links: dict[str, dict[tuple[str, str], dict[str, str]]] = field(
        default_factory=lambda: {"profile_of": {}, "snapshot_of": {}})
    pages: list[Page] = field(default_factory=list)
    # Beside the pages of `pages`: the pages that gained or lost a held save, and those saves (kg/store/load.py
    # `match_pages`), whose listings, figures and triples change too.
    moved: dict[str, set[str]] = field(default_factory=lambda: {"pages": set(), "snapshots": set()})
    # Owners' names (page base -> owner's author id) whose held saves are matched again though no page of
    # `pages` names them: those of a forgotten page (kg/store/pages.py).
    rematch: dict[str, str] = field(default_factory=dict)
    # The rows of the papers' labels and links, computed once the batch is whole (`prepare`), before its
    # transaction: the write waits on Python no longer than it must.
    ready: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def papers(self) -> int:
        """Paper listings added."""
        return self.resolver.records

    def add_page(self, page: Page) -> None:
        """Add every row one page contributes."""
        self.pages.append(page)
        self._place(page)
        add_nodes(self.snapshot_nodes, LABELS["Snapshot"], [page.snapshot_node()])
        for record in page.records:
            self.resolver.add(record)

    def _place(self, page: Page) -> None:
        """The rows of a page's node, of its save's SNAPSHOT_OF and its PROFILE_OF: they follow its id."""
        node = page.node()
        add_nodes(self.page_nodes, LABELS["Page"], [node])
        self.links["snapshot_of"][page.snapshot, node.id] = {"from": page.snapshot, "to": node.id}
        if owner := page.owner():
            self.links["profile_of"][node.id, owner.id] = {"from": node.id, "to": owner.id}

    def prepare(self) -> None:
        """Compute the rows no match of profile saves changes (all but the pages' own), for the transaction."""
        for plural in NODES:
            if plural not in ("pages", "snapshots"):
                self.ready[plural] = self.node_rows(plural)
        for key in ("seen_in", "has_topic", *PAPER_LINKS):
            self.ready[key] = self.link_rows(key)

    def place_again(self) -> None:
        """The page rows anew, once profile saves are matched to their pages (their ids changed)."""
        self.page_nodes.clear()
        for key in ("snapshot_of", "profile_of"):
            self.links[key].clear()
        for page in self.pages:
            self._place(page)

    def nodes(self, plural: str) -> dict[str, BaseModel]:
        """One label's nodes by id."""
        own = {"pages": self.page_nodes, "snapshots": self.snapshot_nodes}
        return own[plural] if plural in own else self.resolver.tables[plural]

    def node_rows(self, plural: str) -> list[dict[str, Any]]:
        """The rows of one label's nodes."""
        if plural in self.ready:
            return self.ready[plural]
        return [row(NODES[plural], node) for node in self.nodes(plural).values()]

    def link_rows(self, key: str) -> list[dict[str, Any]]:
        """The rows of one relationship type but AUTHORED and LISTED_ON (computed from what the graph holds)."""
        if key in self.ready:
            return self.ready[key]
        if key in self.links:
            return list(self.links[key].values())
        papers = self.resolver.papers()
        if key == "seen_in":
            return [r for p in papers for r in sighting_rows(p)]
        if key == "has_topic":
            return [r for p in papers for r in topic_rows(p)]
        return [{"from": p.id, "to": other} for p in papers for other in getattr(p, PAPER_LINKS[key])]
