"""Load parsed pages into Neo4j: batched `UNWIND $rows` MERGEs in managed transactions.

Idempotent (MERGE on ids, field unions that reach a fixed point) and atomic per page: pages are
written in batches, and a batch that fails is retried page by page so only the bad page is rejected.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import Neo4jError
from pydantic import BaseModel

from kg.errors import PageError
from kg.graph.ids import digest
from kg.graph.merge import add_institutions, merge_papers
from kg.graph.records import Paper, Record
from kg.ingest.pages import Page
from kg.store.schema import apply_schema

BATCH_PAPERS = 2000  # papers per transaction; see BENCHMARKS.md for the measurement

MERGE_PAPERS = """
UNWIND $rows AS row
MERGE (p:Paper {id: row.id})
ON CREATE SET p.title = row.title
SET p.abstract = CASE WHEN p.abstract IS NULL OR size(row.abstract) > size(p.abstract)
                      THEN row.abstract ELSE p.abstract END,
    p.date = CASE WHEN p.date IS NULL OR (p.date STARTS WITH '--' AND row.date IS NOT NULL
                      AND NOT row.date STARTS WITH '--') THEN row.date ELSE p.date END,
    p.year = coalesce(p.year, row.year),
    p.score = coalesce(p.score, row.score),
    p.category = coalesce(p.category, row.category),
    p.arxiv_id = coalesce(p.arxiv_id, row.arxiv_id),
    p.organization = coalesce(p.organization, row.organization),
    p.upvotes = CASE WHEN p.upvotes IS NULL OR row.upvotes > p.upvotes THEN row.upvotes ELSE p.upvotes END,
    p.author_count = CASE WHEN p.author_count IS NULL OR row.author_count > p.author_count
                          THEN row.author_count ELSE p.author_count END,
    p.has_code = CASE WHEN row.has_code OR p.has_code THEN true ELSE coalesce(p.has_code, row.has_code) END,
    p.links = CASE WHEN p.links IS NULL AND size(row.links) = 0 THEN null  // no empty lists, as with --bulk
                   ELSE coalesce(p.links, []) + [l IN row.links WHERE NOT l IN coalesce(p.links, [])] END
"""
MERGE_AUTHORS = "UNWIND $rows AS row MERGE (a:Author {id: row.id}) ON CREATE SET a.name = row.name"
MERGE_INSTITUTIONS = """
UNWIND $rows AS row
MERGE (i:Institution {id: row.id})
ON CREATE SET i.name = row.name, i.aliases = row.aliases
ON MATCH SET i.name = CASE WHEN size(row.name) > size(i.name) THEN row.name ELSE i.name END,
             i.aliases = i.aliases + [a IN row.aliases WHERE NOT a IN i.aliases]
"""
MERGE_REPOS = """
UNWIND $rows AS row
MERGE (r:Repo {id: row.id})
ON CREATE SET r.host = row.host, r.kind = row.kind, r.owner = row.owner, r.name = row.name, r.url = row.url
"""
MERGE_TOPICS = """
UNWIND $rows AS row MERGE (t:Topic {id: row.id}) ON CREATE SET t.name = row.name, t.scheme = row.scheme
"""
MERGE_PAGES = """
UNWIND $rows AS row
MERGE (g:Page {id: row.id})
SET g.file = row.file, g.name = row.name, g.format = row.format, g.title = row.title
"""
LINK_AUTHORED = """
UNWIND $rows AS row
MATCH (a:Author {id: row.from}) MATCH (p:Paper {id: row.to})
MERGE (a)-[r:AUTHORED]->(p) ON CREATE SET r.position = row.position
"""
LINK_TEMPLATE = """
UNWIND $rows AS row
MATCH (p:Paper {{id: row.from}}) MATCH (x:{label} {{id: row.to}})
MERGE (p)-[:{rel}]->(x)
"""
LINK_LISTED_ON = """
UNWIND $rows AS row
MATCH (p:Paper {id: row.from}) MATCH (g:Page {id: row.to})
MERGE (p)-[r:LISTED_ON]->(g) SET r.position = row.position
"""
LINK_PROFILE_OF = """
UNWIND $rows AS row
MATCH (g:Page {id: row.from}) MATCH (a:Author {id: row.to})
MERGE (g)-[:PROFILE_OF]->(a)
"""
NODE_QUERIES = {
    "papers": MERGE_PAPERS, "authors": MERGE_AUTHORS, "institutions": MERGE_INSTITUTIONS,
    "repos": MERGE_REPOS, "topics": MERGE_TOPICS, "pages": MERGE_PAGES,
}
LINK_QUERIES = {
    "authored": LINK_AUTHORED,
    "has_code": LINK_TEMPLATE.format(label="Repo", rel="HAS_CODE"),
    "has_topic": LINK_TEMPLATE.format(label="Topic", rel="HAS_TOPIC"),
    "affiliated_with": LINK_TEMPLATE.format(label="Institution", rel="AFFILIATED_WITH"),
    "listed_on": LINK_LISTED_ON,
    "profile_of": LINK_PROFILE_OF,
}


def page_id(path: Path) -> str:
    """A page's id: a digest of its absolute path, so a re-ingest of the same file finds it."""
    return "page-" + digest(str(path.resolve()))


@dataclass
class Rows:
    """The parameter rows of one transaction, nodes deduplicated by id."""

    nodes: dict[str, dict[str, BaseModel | dict]] = field(default_factory=lambda: {k: {} for k in NODE_QUERIES})
    links: dict[str, list[dict]] = field(default_factory=lambda: {k: [] for k in LINK_QUERIES})
    pages: list[Page] = field(default_factory=list)
    papers: int = 0

    def add_page(self, page: Page) -> None:
        """Add every row one page contributes."""
        self.pages.append(page)
        gid = page_id(page.path)
        owner = page.records[0].paper.sources[0].page if page.format == "profile" else None
        self.nodes["pages"][gid] = {"id": gid, "file": str(page.path), "name": page.path.name,
                                    "format": page.format, "title": page.records[0].paper.sources[0].page}
        for record in page.records:
            self._add_record(record, gid)
        if owner:
            owner_id = next((a.id for a in page.records[0].authors if a.name == owner), None)
            if owner_id:
                self.links["profile_of"].append({"from": gid, "to": owner_id})

    def _add_record(self, record: Record, gid: str) -> None:
        paper = record.paper
        known = self.nodes["papers"].get(paper.id)
        self.nodes["papers"][paper.id] = merge_papers(known, paper) if known else paper
        self.papers += 1
        add_institutions(self.nodes["institutions"], record.institutions)
        for kind, items in (("authors", record.authors), ("repos", record.repos), ("topics", record.topics)):
            table = self.nodes[kind]
            for item in items:
                table.setdefault(item.id, item)
        links = self.links
        links["authored"] += [{"from": a, "to": paper.id, "position": i} for i, a in enumerate(paper.author_ids)]
        links["has_code"] += [{"from": paper.id, "to": r} for r in paper.repos]
        links["has_topic"] += [{"from": paper.id, "to": t} for t in paper.topics]
        links["affiliated_with"] += [{"from": paper.id, "to": i} for i in paper.institutions]
        links["listed_on"].append({"from": paper.id, "to": gid, "position": paper.sources[0].position})


@dataclass
class Summary:
    """What a load did: nodes created and updated per kind, pages loaded and rejected."""

    created: dict[str, int] = field(default_factory=lambda: {k: 0 for k in NODE_QUERIES})
    updated: dict[str, int] = field(default_factory=lambda: {k: 0 for k in NODE_QUERIES})
    relationships: int = 0
    pages: int = 0
    papers: int = 0
    rejected: list[str] = field(default_factory=list)


_PAPER_LINKS = {"authors", "author_ids", "institutions", "repos", "topics", "sources"}


def row_of(node: BaseModel | dict) -> dict:
    """The parameter row of one node; a paper's lists of neighbours go to relationship rows instead."""
    if isinstance(node, dict):
        return node
    return node.model_dump(exclude=_PAPER_LINKS if isinstance(node, Paper) else None)


def write_rows(tx: ManagedTransaction, rows: Rows) -> dict[str, int]:
    """Run every MERGE of one batch in one transaction; nodes created per kind, and relationships."""
    created: dict[str, int] = {}
    for kind, query in NODE_QUERIES.items():
        params = [row_of(node) for node in rows.nodes[kind].values()]
        if params:
            created[kind] = tx.run(query, rows=params).consume().counters.nodes_created
    rels = 0
    for kind, query in LINK_QUERIES.items():
        if rows.links[kind]:
            rels += tx.run(query, rows=rows.links[kind]).consume().counters.relationships_created
    created["relationships"] = rels
    return created


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
            pending: Future | None = None
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
        for kind, table in rows.nodes.items():
            made = created.get(kind, 0)
            summary.created[kind] += made
            summary.updated[kind] += len(table) - made
        summary.relationships += created["relationships"]
        summary.pages += len(rows.pages)
        summary.papers += rows.papers
