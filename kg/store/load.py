"""Load parsed pages into Neo4j: batched `UNWIND $rows` MERGEs in managed transactions.

Idempotent (MERGE on ids, field unions that reach a fixed point) and atomic per page: pages are
written in batches, and a batch that fails is retried page by page so only the bad page is rejected.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import Neo4jError

from kg.errors import PageError
from kg.graph.merge import current_listing, newest
from kg.ingest.pages import Page
from kg.store.rows import Rows, authored_rows
from kg.store.schema import apply_schema
from kg.store.statements import AUTHOR_LISTS, LATEST_QUERY, LINK_QUERIES, NODE_QUERIES, PAGE_SAVES

BATCH_PAPERS = 2000  # papers per transaction; see BENCHMARKS.md for the measurement


@dataclass
class Summary:
    """What a load did: nodes created and updated per kind, pages loaded and rejected."""

    created: dict[str, int] = field(default_factory=lambda: {k: 0 for k in NODE_QUERIES})
    updated: dict[str, int] = field(default_factory=lambda: {k: 0 for k in NODE_QUERIES})
    relationships: int = 0
    pages: int = 0
    papers: int = 0
    rejected: list[str] = field(default_factory=list)


def write_rows(tx: ManagedTransaction, rows: Rows) -> dict[str, int]:
    """Run every MERGE of one batch in one transaction; nodes created per label, and relationships.

    A paper's author positions come last: from every page's list of its authors, those of earlier
    loads included, so they stay 0..n-1 whatever order the pages come in.
    """
    created: dict[str, int] = {}
    for plural, query in NODE_QUERIES.items():
        if params := rows.node_rows(plural):
            created[plural] = tx.run(query, rows=params).consume().counters.nodes_created
    rels = 0
    latest: list[dict[str, str]] = []
    for key, query in LINK_QUERIES.items():
        if key == "authored":
            lists = tx.run(AUTHOR_LISTS, ids=list(rows.nodes("papers"))).values()
            params = [r for paper_id, paper_lists in lists for r in authored_rows(paper_id, paper_lists)]
        elif key == "listed_on":
            params, latest = current_rows(tx, list(rows.nodes("pages")))
        else:
            params = rows.link_rows(key)
        if params:
            rels += tx.run(query, rows=params).consume().counters.relationships_created
    if latest:
        tx.run(LATEST_QUERY, rows=latest).consume()
    created["relationships"] = rels
    return created


def current_rows(tx: ManagedTransaction, page_ids: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """For each page, its current listing (of its newest day's saves) and its newest save, from every
    save the graph holds: so the order pages and saves are loaded in does not matter."""
    listings: list[dict[str, Any]] = []
    newest_saves: list[dict[str, str]] = []
    for page, saves, sightings in tx.run(PAGE_SAVES, ids=page_ids).values():
        listings.append({"page": page, "papers": current_listing(map(tuple, sightings))})
        if (snapshot := newest(map(tuple, saves))) is not None:
            newest_saves.append({"page": page, "snapshot": snapshot})
    return listings, newest_saves


class Loader:
    """Writes pages to Neo4j in batches, parsing the next batch while the last one is written."""

    def __init__(self, driver: Driver, database: str | None = None, batch_papers: int = BATCH_PAPERS) -> None:
        self.driver = driver
        self.database = database
        self.batch_papers = batch_papers
        self.summary = Summary()

    def load(self, pages: Iterable[Page | PageError]) -> Summary:
        """Load every page; rejected ones (parse or write failures) are listed in the summary."""
        apply_schema(self.driver, self.database)
        with ThreadPoolExecutor(max_workers=1) as writer:
            pending: Future[None] | None = None
            for rows in self._batches(pages):
                if pending is not None:
                    pending.result()
                pending = writer.submit(self._write, rows)
            if pending is not None:
                pending.result()
        return self.summary

    def _batches(self, pages: Iterable[Page | PageError]) -> Iterator[Rows]:
        rows = Rows()
        for page in pages:
            if isinstance(page, PageError):
                self.summary.rejected.append(str(page))
                continue
            rows.add_page(page)
            if rows.papers >= self.batch_papers:
                yield rows
                rows = Rows()
        if rows.pages:
            yield rows

    def _write(self, rows: Rows) -> None:
        try:
            self._commit(rows)
            return
        except Neo4jError as exc:
            if len(rows.pages) == 1:
                self._reject(rows.pages[0], exc)
                return
        for page in rows.pages:  # find the page that cannot be written; keep the rest
            single = Rows()
            single.add_page(page)
            try:
                self._commit(single)
            except Neo4jError as exc:
                self._reject(page, exc)

    def _reject(self, page: Page, exc: Neo4jError) -> None:
        self.summary.rejected.append(f"{page.path}: not loaded ({exc.message or exc})")

    def _commit(self, rows: Rows) -> None:
        with self.driver.session(database=self.database) as session:
            created = session.execute_write(write_rows, rows)
        summary = self.summary
        for kind in summary.created:
            table = rows.nodes(kind)
            made = created.get(kind, 0)
            summary.created[kind] += made
            summary.updated[kind] += len(table) - made
        summary.relationships += created["relationships"]
        summary.pages += len(rows.pages)
        summary.papers += rows.papers
