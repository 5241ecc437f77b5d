"""Entity resolution: records from any number of pages folded into one node per id, by the merge rules."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from kg.graph.abbrev import with_long_forms
from kg.graph.merge import add_nodes, merge_papers, newest
from kg.graph.model import BY_PLURAL, LABELS
from kg.graph.records import Graph, Paper, Record
from kg.ingest.identities import FIGURES, resolve_graph, weights
from kg.ingest.pages import Page, ProfileSave, match_saves

# The Graph's lists, each of one label's nodes (pages and their saves are the loader's, not the parser's).
KINDS = {plural: label.name for plural, label in BY_PLURAL.items() if plural not in ("pages", "snapshots")}


class Resolver:
    """Folds records from any number of pages into one node per id, each merged by its label's rules."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, BaseModel]] = {kind: {} for kind in KINDS}
        self.records = 0
        self.saves: list[ProfileSave] = []  # of the pages added whole: what matches profile saves to pages
        self.shown: dict[str, dict[str, Any]] = {}  # each of those saves' header figures, by snapshot id

    def add_page(self, page: Page) -> None:
        """Merge every record of one page in, and keep what matching its save to its page reads."""
        if (save := page.profile_save()) is not None:
            self.saves.append(save)
            self.shown[save.snapshot] = page.snapshot_node().model_dump(include=set(FIGURES))
        for record in page.records:
            self.add(record)

    def add(self, record: Record) -> None:
        """Merge one record in."""
        papers = self.tables["papers"]
        paper = record.paper
        known = papers.get(paper.id)
        papers[paper.id] = paper if known is None else merge_papers(known, paper)  # type: ignore[arg-type]
        for kind, label in KINDS.items():
            if kind != "papers":
                add_nodes(self.tables[kind], LABELS[label], getattr(record, kind))
        self.records += 1

    def papers(self) -> list[Paper]:
        """The merged papers."""
        return list(self.tables["papers"].values())  # type: ignore[arg-type]

    def graph(self) -> Graph:
        """The resolved entities, authors resolved into people (kg/ingest/identities.py) from the topics the
        papers name, then papers that write only an abbreviation linked to its long form (kg/graph/abbrev.py);
        each list sorted by id so output is stable."""
        graph = Graph(**{kind: [table[k] for k in sorted(table)] for kind, table in self.tables.items()})
        page_of = match_saves(self.saves)
        saves: dict[str, list[tuple[str, str]]] = {}
        for save in self.saves:
            saves.setdefault(page_of[save.snapshot], []).append((save.snapshot, save.saved_at))
        shown = {page: self.shown[newest(found) or ""] for page, found in saves.items()}
        return with_long_forms(resolve_graph(graph, weights(), page_of, shown))
