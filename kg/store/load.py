"""Load parsed pages into Neo4j: batched `UNWIND $rows` MERGEs in managed transactions.

Idempotent (MERGE on ids, field unions that reach a fixed point) and atomic per page: pages are
written in batches, and a batch that fails is retried page by page so only the bad page is rejected.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import Neo4jError

from kg.console import Report, progress_of, stage
from kg.errors import PageError
from kg.graph.merge import current_listing
from kg.graph.model import BY_PLURAL
from kg.ingest.identities import weights
from kg.ingest.pages import Page, ProfileSave, coauthors, match_saves
from kg.store import abbrev, assign, authors
from kg.store.rows import Rows, authored_rows
from kg.store.schema import apply_schema
from kg.store.statements import (
    AUTHOR_LISTS,
    DROP_EMPTY_PAGES,
    LINK_QUERIES,
    MOVE_SAVES,
    NODE_QUERIES,
    PAGE_SAVES,
    PROFILE_SAVES,
    TAKE_TURN,
    UNLIST,
)

BATCH_PAPERS = 2000  # papers per transaction; see BENCHMARKS.md for the measurement


class Ahead(Protocol):
    """Told what a load will write before each commit (kg/rdf/sparql_store.py's Sync journals it)."""

    def expect(self, touched: dict[str, list[str]]) -> None:
        """The ids, by label, of the nodes whose triples the transaction may change (as on_commit takes them)."""

    def resolving(self, blocks: list[str]) -> None:
        """The name blocks author resolution is about to rewrite."""


@dataclass
class Summary:
    """What a load did: nodes created and updated per kind, pages loaded and rejected."""

    created: dict[str, int] = field(default_factory=lambda: {k: 0 for k in NODE_QUERIES})
    updated: dict[str, int] = field(default_factory=lambda: {k: 0 for k in NODE_QUERIES})
    relationships: int = 0
    pages: int = 0
    papers: int = 0
    rejected: list[str] = field(default_factory=list)


def write_rows(tx: ManagedTransaction, rows: Rows, others: set[str] | None = None) -> dict[str, int]:
    """Run every MERGE of one batch in one transaction; nodes created per label, relationships, and the write
    lock's turn it took.
    `others` gets the papers whose links change besides those of `rows`: that joined or left a page's current
    listing, or gained or lost the topic of an abbreviation's long form (kg/store/abbrev.py).

    A paper's author positions come last: from every page's list of its authors, those of earlier
    loads included, so they stay 0..n-1 whatever order the pages come in.
    """
    turn = tx.run(TAKE_TURN).single(strict=True)["turn"]
    match_pages(tx, rows)
    pages = sorted(rows.nodes("pages").keys() | rows.moved["pages"])
    created: dict[str, int] = {}
    for plural, query in NODE_QUERIES.items():
        if params := rows.node_rows(plural):
            created[plural] = tx.run(query, rows=params).consume().counters.nodes_created
    rels = 0
    topics_before = abbrev.held(tx, rows.nodes("papers"))
    for key, query in LINK_QUERIES.items():
        if key == "authored":
            lists = tx.run(AUTHOR_LISTS, ids=list(rows.nodes("papers"))).values()
            params = [r for paper_id, paper_lists in lists for r in authored_rows(paper_id, paper_lists)]
        elif key == "listed_on":
            gone, params = current_rows(tx, pages, others)
            if gone:
                tx.run(UNLIST, rows=gone).consume()
        else:
            params = rows.link_rows(key)
        if params:
            rels += tx.run(query, rows=params).consume().counters.relationships_created
    retopiced = abbrev.update(tx, rows.nodes("papers"), topics_before)
    if others is not None:
        others.update(retopiced)
    authors.latest_figures(tx, pages)
    created["relationships"] = rels
    created["turn"] = turn
    return created


def match_pages(tx: ManagedTransaction, rows: Rows) -> None:
    """Match each profile save of `rows` to its page, with every save the graph holds of its owner's name
    (kg/ingest/pages.py `match_saves`), and move the held saves whose page that changes: into `rows.moved`
    go the pages that gained or lost a save and those saves; a page left without a save is deleted."""
    batch = [save for page in rows.pages if (save := page.profile_save()) is not None]
    owners = {**rows.rematch, **{page.base: page.subject[0] for page in rows.pages if page.format == "profile"}}
    if not owners:
        return
    held: dict[str, str] = {}  # snapshot -> its page now
    saves = list(batch)
    for r in tx.run(PROFILE_SAVES, bases=sorted(owners)):
        held[r["snapshot"]] = r["page"]
        saves.append(ProfileSave(r["snapshot"], r["saved_at"], r["base"], frozenset(r["papers"]),
                                 coauthors(owners[r["base"]], r["names"])))
    found = match_saves(saves)
    for page in rows.pages:
        page.matched = found.get(page.snapshot, "")
    rows.place_again()
    moves = [{"snapshot": snap, "page": found[snap]} for snap, page in sorted(held.items()) if found[snap] != page]
    if moves:
        tx.run(MOVE_SAVES, rows=moves).consume()
        tx.run(DROP_EMPTY_PAGES, ids=sorted({held[m["snapshot"]] for m in moves})).consume()
        rows.moved["pages"].update(p for m in moves for p in (held[m["snapshot"]], m["page"]))
        rows.moved["snapshots"].update(m["snapshot"] for m in moves)


def current_rows(tx: ManagedTransaction, page_ids: list[str], relisted: set[str] | None = None
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """For each page, its current listing (of its newest day's saves), from every save the graph holds:
    so the order pages and saves are loaded in does not matter. The LISTED_ON links to delete and those to
    write (new or moved), as rows; `relisted` gets the papers joining or leaving."""
    gone: list[dict[str, Any]] = []
    placed: list[dict[str, Any]] = []
    for page, _, sightings, listed in tx.run(PAGE_SAVES, ids=page_ids).values():
        papers = current_listing(map(tuple, sightings))
        was = dict(map(tuple, listed))
        now = {paper: i for i, paper in enumerate(papers)}
        gone += [{"from": paper, "to": page} for paper in was if paper not in now]
        placed += [{"from": paper, "to": page, "position": i} for paper, i in now.items() if was.get(paper) != i]
        if relisted is not None:
            relisted.update(now.keys() ^ was.keys())
    return gone, placed


def touched(rows: Rows, others: set[str]) -> dict[str, list[str]]:
    """The ids, by label, of the nodes whose triples a batch's transaction may change (`others`: see write_rows)."""
    ids = {kind: sorted(rows.nodes(kind).keys() | rows.moved.get(kind, set())) for kind in NODE_QUERIES}
    ids["papers"] = sorted(set(ids["papers"]) | others)
    return {BY_PLURAL[kind].name: node_ids for kind, node_ids in ids.items()}


class Loader:
    """Writes pages to Neo4j in batches, parsing the next batch while the last one is written."""

    def __init__(self, driver: Driver, database: str | None = None, batch_papers: int = BATCH_PAPERS,
                 on_commit: authors.OnCommit | None = None, stages: bool = False, ahead: Ahead | None = None,
                 report: Report | None = None) -> None:
        self.driver = driver
        self.database = database
        self.batch_papers = batch_papers
        self.on_commit = on_commit
        self.ahead = ahead
        self.stages = stages  # report each stage's time on stderr
        self.report = report  # how to show author resolution's progress (not at all without)
        self.summary = Summary()
        self.blocks: set[str] = set()  # name blocks of the authors written
        self.assigned = assign.Assigned()
        self.turns = assign.Turns()  # another load writing between two of ours: its blocks are clustered in full

    def load(self, pages: Iterable[Page | PageError]) -> Summary:
        """Load every page, then resolve the authors of the name blocks it touched (kg/store/authors.py);
        rejected pages (parse or write failures) are listed in the summary."""
        apply_schema(self.driver, self.database)
        with self._stage("loaded the pages"), ThreadPoolExecutor(max_workers=1) as writer:
            pending: Future[None] | None = None
            for rows in self._batches(pages):
                if pending is not None:
                    pending.result()
                pending = writer.submit(self._write, rows)
            if pending is not None:
                pending.result()
        # Even a load that names no author (a feed page gives none) may link the authors other saves of its papers
        # name, so whatever is pending is decided.
        self.assigned = self.assign()
        return self.summary

    def assign(self) -> assign.Assigned:
        """Give the load's new mentions to people (kg/store/assign.py); then cluster in full the blocks marked
        for it when they hold no more mentions than the load added, so the load's cost still follows its size."""
        if self.ahead is not None:
            self.ahead.resolving(sorted(self.blocks))  # the blocks whose people the assignment may change
        with self._stage("assigned the new mentions"):
            done = assign.assign_pending(self.driver, self.database, weights(), self.report, self.on_commit,
                                         self.turns)
        again = assign.marked(self.driver, self.database)
        if self.turns.shared:  # another load wrote between ours: decisions taken before its pages may differ
            again = sorted(set(again) | set(authors.affected(self.driver, self.database, self.blocks)))
        elif again and sum(n for _, n in authors.sizes(self.driver, self.database, again)) > max(done.mentions, 1):
            again = []  # more than the load added: left for `kg authors recluster --dirty`
        if again:
            if self.ahead is not None:
                self.ahead.resolving(again)
            with self._stage(f"clustered {len(again):,} name blocks in full"), progress_of(
                    self.report, "clustering name blocks", len(again)) as tick:
                authors.resolve_authors(self.driver, self.database, again, weights(), tick, self.on_commit)
        return done

    def _stage(self, label: str) -> AbstractContextManager[None]:
        return stage(label, "ingest") if self.stages else nullcontext()

    def _batches(self, pages: Iterable[Page | PageError]) -> Iterator[Rows]:
        rows = Rows()
        for page in pages:
            if isinstance(page, PageError):
                self.summary.rejected.append(str(page))
                continue
            rows.add_page(page)
            if rows.papers >= self.batch_papers:
                rows.prepare()  # here, while the batch before is written
                yield rows
                rows = Rows()
        if rows.pages:
            rows.prepare()
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
        others: set[str] = set()  # papers of other batches whose links change (see write_rows)

        def write(tx: ManagedTransaction) -> dict[str, int]:
            others.clear()  # a retried transaction starts again
            created = write_rows(tx, rows, others)
            if self.ahead is not None:  # before the commit: a load stopped after it leaves the ids journaled
                self.ahead.expect(touched(rows, others))
            return created

        with self.driver.session(database=self.database) as session:
            created = session.execute_write(write)
        self.turns.took(created.pop("turn"))
        if self.on_commit is not None:
            self.on_commit(touched(rows, others))
        summary = self.summary
        for kind in summary.created:
            table = rows.nodes(kind)
            made = created.get(kind, 0)
            summary.created[kind] += made
            summary.updated[kind] += len(table) - made
        summary.relationships += created["relationships"]
        self.blocks.update(a.block for a in rows.nodes("authors").values() if a.block)  # type: ignore[attr-defined]
        summary.pages += len(rows.pages)
        summary.papers += rows.papers
