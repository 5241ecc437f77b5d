"""`kg ingest --bulk`: a first load into an empty local database through `neo4j-admin database import`.

Three stages, memory bounded by a bucket rather than the corpus:
1. map: parse workers turn each page into its node rows and one spool line per paper sighting;
   the main process writes first sightings of authors, repos, topics and pages to CSV, and each
   sighting to the bucket its paper id hashes to, in page order;
2. reduce: each bucket is read back, title keyphrases extracted once per paper (not per sighting),
   the sightings of a paper merged exactly as the incremental loader merges them, and the papers
   and their relationships written as CSV shards (in parallel);
3. neo4j-admin imports the CSVs; the schema is applied after.
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from kg import server
from kg.console import err
from kg.errors import KgError, PageError
from kg.graph.merge import add_institutions, merge_papers
from kg.graph.records import Institution, Paper, Topic
from kg.ingest import topics
from kg.ingest.pages import Page, pages
from kg.store.connection import driver, local_settings
from kg.store.load import Summary, page_id
from kg.store.schema import apply_schema

ARRAY_DELIMITER = "|"
BUCKETS = 128  # a million papers make buckets of ~20 MB each

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
MAPPED = ("authors", "repos", "topics", "pages", "profile_of")  # written in stage 1
REDUCED = ("papers", "authored", "has_code", "has_topic", "affiliated_with", "listed_on")  # stage 2 shards


# Per node file: the attribute behind each column, and the label (the ID space's name).
_FIELDS = {stem: [h.split(":")[0] for h in header[:-1]] for stem, header in NODE_FILES.items()}
_LABELS = {stem: header[0].partition("(")[2].rstrip(")") for stem, header in NODE_FILES.items()}


def node_row(stem: str, node: object) -> list[Any]:
    """The CSV row of one node (a model, or anything with its attributes), in its file's column order."""
    return [_cell(getattr(node, name)) for name in _FIELDS[stem]] + [_LABELS[stem]]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ARRAY_DELIMITER.join(str(v).replace(ARRAY_DELIMITER, "/") for v in value)
    return value


@dataclass
class Prepared:
    """One page made ready for the import inside a parse worker: node rows and spool lines."""

    page: list[str]
    owner: str | None  # the profile owner's author id
    nodes: dict[str, list[list[str]]]  # authors, repos, topics: rows in order of sighting
    institutions: list[Institution]
    sightings: list[tuple[str, bytes]]  # (paper id, spool line), in page order


def prepare(page: Page) -> Prepared:
    """The import rows of one parsed page (runs in the parse workers)."""
    gid = page_id(page.path)
    first = page.records[0].paper.sources[0]
    owner = None
    if page.format == "profile" and first.page:
        owner = next((a.id for a in page.records[0].authors if a.name == first.page), None)
    nodes: dict[str, list[list[str]]] = {"authors": [], "repos": [], "topics": []}
    institutions = []
    sightings = []
    for record in page.records:
        nodes["authors"] += [node_row("authors", a) for a in record.authors]
        nodes["repos"] += [node_row("repos", r) for r in record.repos]
        nodes["topics"] += [node_row("topics", t) for t in record.topics]
        institutions += record.institutions
        paper = record.paper
        sightings.append((paper.id, f"{gid} {paper.model_dump_json()}\n".encode()))
    row = node_row("pages", SimpleNamespace(id=gid, file=str(page.path), name=page.path.name,
                                            format=page.format, title=first.page))
    return Prepared(row, owner, nodes, institutions, sightings)


def prepared(paths: Iterable[str | Path], workers: int = 1) -> Iterator[Prepared | PageError]:
    """The pages named by `paths`, parsed and prepared in `workers` processes."""
    return pages(paths, workers, then=prepare, keyphrases=False)


class Mapper:
    """Stage 1: first sightings of nodes to CSV, paper sightings to their buckets, in page order."""

    def __init__(self, folder: Path, stack: ExitStack) -> None:
        self.out = {stem: csv.writer(stack.enter_context(_data_file(folder, stem).open("w", newline="")))
                    for stem in MAPPED}
        self.buckets = [stack.enter_context(bucket_file(folder, k).open("wb")) for k in range(BUCKETS)]
        self.seen: dict[str, set[str]] = {k: set() for k in ("authors", "repos", "topics")}
        self.institutions: dict[str, Institution] = {}
        self.pages = 0
        self.sightings = 0

    def add(self, page: Prepared) -> None:
        """Write one prepared page."""
        for kind, rows in page.nodes.items():
            self.write_new(self.out[kind], kind, rows)
        add_institutions(self.institutions, page.institutions)
        self.out["pages"].writerow(page.page)
        if page.owner:
            self.out["profile_of"].writerow([page.page[0], page.owner, "PROFILE_OF"])
        for paper_id, line in page.sightings:
            self.buckets[int(paper_id[-4:], 16) % BUCKETS].write(line)
        self.pages += 1
        self.sightings += len(page.sightings)

    def write_new(self, out: Any, kind: str, rows: Iterable[list[str]]) -> None:
        """Write the rows whose id (first cell) no earlier row of `kind` had."""
        seen = self.seen[kind]
        for row in rows:
            if row[0] not in seen:
                seen.add(row[0])
                out.writerow(row)

    def institution_rows(self) -> Iterator[list[Any]]:
        """The institutions, merged over every page."""
        for inst in self.institutions.values():
            yield node_row("institutions", inst)


def bucket_file(folder: Path, k: int) -> Path:
    """The spool of bucket `k`."""
    return folder / f"bucket-{k:03d}.spool"


def _data_file(folder: Path, stem: str, shard: int | None = None) -> Path:
    return folder / (f"{stem}.csv" if shard is None else f"{stem}-{shard}.csv")


def reduce_bucket(folder: Path, k: int) -> tuple[int, list[list[str]]]:
    """Stage 2 for bucket `k`: merge each paper's sightings, write its CSV shards.

    Returns the papers written and the rows of the keyphrase topics they name.
    """
    papers: dict[str, Paper] = {}
    found: dict[str, Topic] = {}
    positions: dict[str, dict[str, int]] = {}  # paper -> author -> position where first listed
    listings: dict[str, dict[str, int]] = {}  # paper -> page -> position (the last sighting's)
    with bucket_file(folder, k).open("rb") as fh:
        for line in fh:
            gid, _, data = line.partition(b" ")
            paper = Paper.model_validate_json(data)
            paper_topics = topics.paper_topics(paper.category, paper.title)  # what `kg ingest` gives it
            paper.topics = [t.id for t in paper_topics]
            found.update((t.id, t) for t in paper_topics)
            known = papers.get(paper.id)
            papers[paper.id] = merge_papers(known, paper) if known else paper
            placed = positions.setdefault(paper.id, {})
            for position, author in enumerate(paper.author_ids):
                placed.setdefault(author, position)
            listings.setdefault(paper.id, {})[gid.decode()] = paper.sources[0].position
    if not papers:
        return 0, []
    with ExitStack() as stack:  # one shard per worker process: neo4j-admin pays for every file it reads
        out = {stem: csv.writer(stack.enter_context(_data_file(folder, stem, os.getpid()).open("a", newline="")))
               for stem in REDUCED}
        for paper in papers.values():
            out["papers"].writerow(node_row("papers", paper))
            out["authored"].writerows([a, paper.id, pos, "AUTHORED"] for a, pos in positions[paper.id].items())
            out["has_code"].writerows([paper.id, r, "HAS_CODE"] for r in paper.repos)
            out["has_topic"].writerows([paper.id, t, "HAS_TOPIC"] for t in paper.topics)
            out["affiliated_with"].writerows([paper.id, i, "AFFILIATED_WITH"] for i in paper.institutions)
            out["listed_on"].writerows([paper.id, g, pos, "LISTED_ON"] for g, pos in listings[paper.id].items())
    bucket_file(folder, k).unlink()
    return len(papers), [node_row("topics", t) for t in found.values()]


def reduce_all(folder: Path, workers: int) -> Iterator[tuple[int, list[list[str]]]]:
    """Stage 2 over every bucket, in `workers` processes: what `reduce_bucket` returns, bucket by bucket."""
    if workers <= 1:
        yield from (reduce_bucket(folder, k) for k in range(BUCKETS))
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(reduce_bucket, [folder] * BUCKETS, range(BUCKETS))


def write_headers(folder: Path) -> None:
    """One header file per CSV group, so shards are plain data."""
    for stem, header in {**NODE_FILES, **REL_FILES}.items():
        with (folder / f"{stem}.header.csv").open("w", newline="") as fh:
            csv.writer(fh).writerow(header)


def import_args(folder: Path) -> list[str]:
    """The `neo4j-admin database import full` arguments for the CSVs in `folder`."""
    def group(stem: str) -> str:
        data = sorted(folder.glob(f"{stem}-*.csv")) if stem in REDUCED else [_data_file(folder, stem)]
        return ",".join(str(p) for p in [folder / f"{stem}.header.csv", *data])

    # Only abstracts span lines; the importer reads every other file the fast, line-splitting way.
    args = ["database", "import", "full", "neo4j", "--overwrite-destination", "--multiline-fields-format=v2",
            f"--multiline-fields={group('papers')}", f"--array-delimiter={ARRAY_DELIMITER}",
            "--skip-bad-relationships=false", "--threads=2", "--verbose"]
    args += [f"--nodes={group(stem)}" for stem in NODE_FILES]
    args += [f"--relationships={group(stem)}" for stem in REL_FILES]
    return args


def import_error(done: subprocess.CompletedProcess[str]) -> str:
    """The one line of neo4j-admin's output that says what went wrong."""
    lines = (done.stdout + done.stderr).splitlines()
    cause = [line for line in lines if "InputException:" in line or "Exception:" in line]
    return (cause[-1].rsplit("Exception: ", 1)[-1] if cause else (lines or ["no output"])[-1]).strip()


def discard_store(home: server.Neo4jHome, database: str = "neo4j") -> None:
    """Remove a database's store and transaction logs; the server creates it anew, empty."""
    data = home.root / "data"
    for folder in (data / "databases" / database, data / "transactions" / database):
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def stage(label: str) -> Iterator[None]:
    """Report on stderr how long one stage of the import took."""
    start = time.perf_counter()
    yield
    err.print(f"bulk: {label} in {time.perf_counter() - start:,.1f} s", highlight=False)


def bulk_ingest(items: Iterable[Prepared | PageError], home: server.Neo4jHome | None = None,
                workers: int = 1) -> Summary:
    """Import prepared pages (see `prepared`) into the empty local database."""
    home = home or server.neo4j_home()
    server.start(home)
    ports = server.read_ports(home)  # restart where it ran, whatever the environment says
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
    with stage("read and spooled the pages"), ExitStack() as stack:
        mapper = Mapper(folder, stack)
        for item in items:
            if isinstance(item, PageError):
                summary.rejected.append(str(item))
            else:
                mapper.add(item)
        with _data_file(folder, "institutions").open("w", newline="") as fh:
            csv.writer(fh).writerows(mapper.institution_rows())
    if mapper.pages == 0:
        return summary
    papers = 0
    with stage("merged the papers"), _data_file(folder, "topics").open("a", newline="") as fh:
        out = csv.writer(fh)
        for count, topic_rows in reduce_all(folder, workers):
            papers += count
            mapper.write_new(out, "topics", topic_rows)
        write_headers(folder)
    with stage("stopped Neo4j"):
        server.stop(home)
    try:
        with stage("neo4j-admin import"):
            done = server.run_admin(import_args(folder), home=home)
        if done.returncode != 0:
            discard_store(home)  # the database was empty before; leave it empty, not broken
    finally:
        with stage("started Neo4j"):
            server.start(home, ports=ports)
    if done.returncode != 0:
        raise KgError(f"neo4j-admin import failed, the database is still empty: {import_error(done)}")
    with stage("built constraints and indexes"), driver(settings) as db:
        apply_schema(db, settings.database)
        counted, _, _ = db.execute_query("MATCH ()-[r]->() RETURN count(r)", database_=settings.database)
    shutil.rmtree(folder, ignore_errors=True)
    summary.pages = mapper.pages
    summary.papers = mapper.sightings
    imported = {k: len(v) for k, v in mapper.seen.items()}
    imported |= {"papers": papers, "institutions": len(mapper.institutions), "pages": mapper.pages}
    summary.created = {k: imported[k] for k in summary.created}
    summary.updated = {k: 0 for k in summary.created}
    summary.relationships = counted[0][0]
    return summary
