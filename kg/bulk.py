"""`kg ingest --bulk`: a first load into an empty local database through `neo4j-admin database import`.

Pages stream into CSV files (first sighting of each entity only; memory holds ids, not rows).
A paper seen again on a later page is spooled and merged afterwards by the incremental loader,
so the result is the same graph `kg ingest` builds, field unions included.
"""
from __future__ import annotations

import csv
import shutil
import subprocess
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import orjson

from kg import neo4j_server
from kg.connection import driver, local_settings
from kg.errors import KgError, PageError
from kg.load import Loader, Summary, page_id, row_of
from kg.model import Institution, Record
from kg.parse import Page
from kg.resolve import merge_institutions
from kg.schema import apply_schema

ARRAY_DELIMITER = "|"

# file stem -> header; ids live in one ID space per label.
NODE_FILES = {
    "papers": ["id:ID(Paper)", "title", "abstract", "date", "year:int", "arxiv_id", "score:float", "category",
               "upvotes:int", "author_count:int", "has_code:boolean", "organization", "links:string[]", ":LABEL"],
    "authors": ["id:ID(Author)", "name", ":LABEL"],
    "institutions": ["id:ID(Institution)", "name", "aliases:string[]", ":LABEL"],
    "repos": ["id:ID(Repo)", "host", "kind", "owner", "name", "url", ":LABEL"],
    "topics": ["id:ID(Topic)", "name", "scheme", ":LABEL"],
    "pages": ["id:ID(Page)", "file", "name", "format", "title", ":LABEL"],
}
REL_FILES = {
    "authored": [":START_ID(Author)", ":END_ID(Paper)", "position:int", ":TYPE"],
    "has_code": [":START_ID(Paper)", ":END_ID(Repo)", ":TYPE"],
    "has_topic": [":START_ID(Paper)", ":END_ID(Topic)", ":TYPE"],
    "affiliated_with": [":START_ID(Paper)", ":END_ID(Institution)", ":TYPE"],
    "listed_on": [":START_ID(Paper)", ":END_ID(Page)", "position:int", ":TYPE"],
    "profile_of": [":START_ID(Page)", ":END_ID(Author)", ":TYPE"],
}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ARRAY_DELIMITER.join(str(v).replace(ARRAY_DELIMITER, "/") for v in value)
    return value


class CsvWriter:
    """Writes the import CSVs, each entity once; repeated papers go to a spool for the second pass."""

    def __init__(self, folder: Path, stack: ExitStack) -> None:
        self.folder = folder
        self.out = {}
        for stem, header in {**NODE_FILES, **REL_FILES}.items():
            fh = stack.enter_context((folder / f"{stem}.csv").open("w", newline="", encoding="utf-8"))
            self.out[stem] = csv.writer(fh)
            self.out[stem].writerow(header)
        self.spool = stack.enter_context((folder / "repeats.jsonl").open("wb"))
        self.seen: dict[str, set[str]] = {k: set() for k in ("papers", "authors", "repos", "topics")}
        self.institutions: dict[str, Institution] = {}
        self.pages = 0
        self.papers = 0
        self.repeats = 0

    def add_page(self, page: Page) -> None:
        """Write one page's first sightings; spool the papers an earlier page already gave."""
        gid = page_id(page.path)
        first = page.records[0].paper.sources[0]
        self.out["pages"].writerow([gid, str(page.path), page.path.name, page.format, first.page or "", "Page"])
        repeats = []
        for record in page.records:
            if record.paper.id in self.seen["papers"]:
                repeats.append(record)
            else:
                self._add_record(record, gid)
        if page.format == "profile" and first.page:
            owner = next((a.id for a in page.records[0].authors if a.name == first.page), None)
            # An owner none of the first sightings named comes with the spooled page instead.
            if owner in self.seen["authors"]:
                self.out["profile_of"].writerow([gid, owner, "PROFILE_OF"])
        if repeats:
            line = {"path": str(page.path), "format": page.format, "records": [r.model_dump() for r in repeats]}
            self.spool.write(orjson.dumps(line) + b"\n")
            self.repeats += len(repeats)
        self.pages += 1

    def _add_record(self, record: Record, gid: str) -> None:
        paper = record.paper
        self.seen["papers"].add(paper.id)
        self.papers += 1
        row = row_of(paper)
        self.out["papers"].writerow([_cell(row[h.split(":")[0]]) for h in NODE_FILES["papers"][:-1]] + ["Paper"])
        for author in record.authors:
            self._node("authors", author.id, [author.id, author.name, "Author"])
        for repo in record.repos:
            self._node("repos", repo.id, [repo.id, repo.host, repo.kind, repo.owner, repo.name, repo.url, "Repo"])
        for topic in record.topics:
            self._node("topics", topic.id, [topic.id, topic.name, topic.scheme, "Topic"])
        for inst in record.institutions:
            known = self.institutions.get(inst.id)
            self.institutions[inst.id] = merge_institutions(known, inst) if known else inst
        out = self.out
        for position, author in enumerate(paper.author_ids):
            out["authored"].writerow([author, paper.id, position, "AUTHORED"])
        for repo_id in paper.repos:
            out["has_code"].writerow([paper.id, repo_id, "HAS_CODE"])
        for topic_id in paper.topics:
            out["has_topic"].writerow([paper.id, topic_id, "HAS_TOPIC"])
        for inst_id in paper.institutions:
            out["affiliated_with"].writerow([paper.id, inst_id, "AFFILIATED_WITH"])
        out["listed_on"].writerow([paper.id, gid, paper.sources[0].position, "LISTED_ON"])

    def _node(self, kind: str, ident: str, row: list[Any]) -> None:
        seen = self.seen[kind]
        if ident not in seen:
            seen.add(ident)
            self.out[kind].writerow(row)

    def finish(self) -> None:
        """Write the institutions, merged over every page."""
        for inst in self.institutions.values():
            self.out["institutions"].writerow([inst.id, inst.name, _cell(inst.aliases), "Institution"])


def spooled_pages(spool: Path) -> Iterable[Page]:
    """The spooled repeat sightings, page by page."""
    with spool.open("rb") as fh:
        for line in fh:
            item = orjson.loads(line)
            yield Page(Path(item["path"]), item["format"], [Record.model_validate(r) for r in item["records"]])


def import_args(folder: Path) -> list[str]:
    """The `neo4j-admin database import full` arguments for the CSVs in `folder`."""
    args = ["database", "import", "full", "neo4j", "--overwrite-destination", "--multiline-fields=true",
            f"--array-delimiter={ARRAY_DELIMITER}", "--skip-bad-relationships=false", "--threads=2", "--verbose"]
    args += [f"--nodes={folder / stem}.csv" for stem in NODE_FILES]
    args += [f"--relationships={folder / stem}.csv" for stem in REL_FILES]
    return args


def import_error(done: subprocess.CompletedProcess[str]) -> str:
    """The one line of neo4j-admin's output that says what went wrong."""
    lines = (done.stdout + done.stderr).splitlines()
    cause = [line for line in lines if "InputException:" in line or "Exception:" in line]
    return (cause[-1].rsplit("Exception: ", 1)[-1] if cause else (lines or ["no output"])[-1]).strip()


def discard_store(home: neo4j_server.Neo4jHome, database: str = "neo4j") -> None:
    """Remove a database's store and transaction logs; the server creates it anew, empty."""
    data = home.root / "data"
    for folder in (data / "databases" / database, data / "transactions" / database):
        shutil.rmtree(folder, ignore_errors=True)


def bulk_ingest(pages: Iterable[Page | PageError], home: neo4j_server.Neo4jHome | None = None) -> Summary:
    """Import `pages` into the empty local database, then merge repeated papers incrementally."""
    home = home or neo4j_server.neo4j_home()
    neo4j_server.start(home)
    ports = neo4j_server.read_ports(home)  # restart where it ran, whatever the environment says
    settings = local_settings(home)
    with driver(settings) as db:
        nodes, _, _ = db.execute_query("MATCH (n) RETURN count(n) > 0 AS any LIMIT 1", database_=settings.database)
    if nodes[0]["any"]:
        raise KgError("--bulk loads into an empty database only, and this one holds data: "
                      "use `kg ingest` without --bulk to add to it")
    folder = home.root / "import"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    summary = Summary()
    with ExitStack() as stack:
        writer = CsvWriter(folder, stack)
        for page in pages:
            if isinstance(page, PageError):
                summary.rejected.append(str(page))
            else:
                writer.add_page(page)
        writer.finish()
    if writer.pages == 0:
        return summary
    neo4j_server.stop(home)
    try:
        done = neo4j_server.run_admin(import_args(folder), home=home)
        if done.returncode != 0:
            discard_store(home)  # the database was empty before; leave it empty, not broken
    finally:
        neo4j_server.start(home, ports=ports)
    if done.returncode != 0:
        raise KgError(f"neo4j-admin import failed, the database is still empty: {import_error(done)}")
    with driver(settings) as db:
        apply_schema(db, settings.database)
        repeats = Loader(db, settings.database).load(spooled_pages(folder / "repeats.jsonl"))
        counted, _, _ = db.execute_query("MATCH ()-[r]->() RETURN count(r)", database_=settings.database)
        rels = counted[0][0]
    shutil.rmtree(folder, ignore_errors=True)
    summary.pages = writer.pages
    summary.papers = writer.papers + writer.repeats
    imported = {k: len(v) for k, v in writer.seen.items()} | {
        "institutions": len(writer.institutions), "pages": writer.pages}
    summary.created = {k: imported[k] + repeats.created.get(k, 0) for k in summary.created}
    summary.updated = dict(repeats.updated)
    summary.relationships = rels
    summary.rejected += repeats.rejected
    return summary
