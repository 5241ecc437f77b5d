"""`kg ingest --bulk`: a first load into an empty local database through `neo4j-admin database import`.

Four stages, memory bounded by a bucket rather than the corpus:
1. map: parse workers turn each page into spool lines (one per paper sighting, author and repository);
   the main process keeps the pages and their saves (spooling each save's content and listing), and
   writes each line to the bucket its id hashes to;
2. reduce: each bucket is read back and resolved exactly as the incremental loader resolves a batch
   (kg/ingest/resolve.py, kg/store/rows.py: the same merge rules, the same topics, the same author
   order), and the nodes and relationships written as CSV shards, in parallel;
3. authors: each name block resolved from what the reduce spooled by block (kg/store/bulk_authors.py), the
   people and their links written to the CSVs;
4. neo4j-admin imports the CSVs; the schema is applied after.
Institutions and topics are few: the main process merges those in memory. It also writes, after the map,
the pages, their saves, and each page's current listing (of its newest day's saves, read back from the
spool) and passes each profile owner's newest header figures to the reduce: as kg/store/load.py does.
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from kg import server
from kg.console import Report, err, progress_of, stage
from kg.errors import KgError, PageError
from kg.graph import abbrev
from kg.graph.merge import LATEST_FIGURES, current_listing, merge_values, newest, newest_day
from kg.graph.model import ABBREVIATION, FOUND_IN, LABELS, RELATIONSHIPS
from kg.graph.names import block_key
from kg.graph.records import Paper, Record
from kg.ingest.identities import weights
from kg.ingest.pages import Page, ProfileSave, match_saves, pages
from kg.ingest.resolve import Resolver
from kg.settings import settings as env_settings
from kg.store.bulk_authors import BLOCKS, PASSES, RESOLVED, author_line, paper_line, profile_line, resolve_all
from kg.store.bulk_files import ARRAY_DELIMITER, BUCKETS, bucket_of, cells, node_cells, rel_cells, spools
from kg.store.bulk_files import data_file as _data_file
from kg.store.connection import driver, local_settings
from kg.store.load import Summary
from kg.store.rows import NODES, PAPER_LINKS, row, sighting_rows, topic_rows
from kg.store.schema import apply_schema
from kg.store.summaries import SUMMARY

__all__ = ["ARRAY_DELIMITER", "cells", "node_cells", "rel_cells", "bulk_ingest", "prepared"]

# file stem -> header, from the model; ids live in one ID space per label.
NODE_FILES = {label.plural: [f"id:ID({label.name})", *(f"{p.name}:{p.type}" for p in label.props[1:]), ":LABEL"]
              for label in (*LABELS.values(), SUMMARY)}
REL_FILES = {rel.key: [f":START_ID({rel.start})", f":END_ID({rel.end})", *(f"{p.name}:{p.type}" for p in rel.props),
                       ":TYPE"] for rel in RELATIONSHIPS.values()}
IN_MEMORY = ("institutions", "topics")  # merged by the main process
MAPPED = ("pages", "snapshots", "snapshot_of", "listed_on")  # written by the main process
REDUCED = ("papers", "repos", *(rel.key for rel in RELATIONSHIPS.values() if rel.key not in (*MAPPED, *RESOLVED)))
SHARDED = (*REDUCED, *RESOLVED)  # a shard per worker process


@dataclass
class Prepared:
    """One page made ready for the import inside a parse worker: rows, and spool lines by bucket."""

    page: dict[str, Any]
    snapshot: dict[str, Any]  # its stored values
    owner: str | None  # the profile owner's author id
    owner_block: str | None  # and their name's block
    small: dict[str, list[dict[str, Any]]]  # institutions and topics: stored values
    lines: list[tuple[int, bytes]] = field(default_factory=list)  # (bucket, spool line)
    authors: list[tuple[int, bytes]] = field(default_factory=list)  # (bucket, spool line) of its Author rows
    listing: list[tuple[str, int]] = field(default_factory=list)  # (paper id, position) of this save
    save: ProfileSave | None = None  # a profile's: what matches it to its page (`Mapper.match`)


def prepare(page: Page) -> Prepared:
    """The import rows of one parsed page (runs in the parse workers)."""
    node = page.node()
    owner = page.owner()
    prepared = Prepared(row(NODES["pages"], node), row(NODES["snapshots"], page.snapshot_node()),
                        owner.id if owner else None, owner.block if owner else None, {k: [] for k in IN_MEMORY},
                        save=page.profile_save())
    prepared.listing = list({r.paper.id: r.paper.sources[0].position for r in page.records}.items())
    for record in page.records:
        for kind in IN_MEMORY:
            prepared.small[kind] += [row(NODES[kind], n) for n in getattr(record, kind)]
        prepared.authors += [(bucket_of(n.id), orjson.dumps(row(NODES["authors"], n)) + b"\n")
                             for n in record.authors]
        prepared.lines += [(bucket_of(n.id), b"repos %s\n" % orjson.dumps(row(NODES["repos"], n)))
                           for n in record.repos]
        paper = record.paper
        prepared.lines.append((bucket_of(paper.id), b"papers %s\n" % paper.model_dump_json().encode()))
    return prepared


def prepared(paths: Iterable[str | Path], workers: int = 1, saved_at: str | None = None
             ) -> Iterator[Prepared | PageError]:
    """The pages named by `paths`, parsed and prepared in `workers` processes (`saved_at`: see parse_file)."""
    return pages(paths, workers, then=prepare, saved_at=saved_at)


class Merged(dict[str, dict[str, Any]]):
    """Stored values of one label's nodes by id, each new sighting merged in by the label's rules."""

    def __init__(self, stem: str) -> None:
        super().__init__()
        self.label = NODES[stem]

    def add(self, values: dict[str, Any]) -> None:
        """Merge one node's values in."""
        known = self.get(values["id"])
        self[values["id"]] = values if known is None else merge_values(self.label, known, values)


@dataclass
class Save:
    """What the main process keeps of one save: its page, date, owner and header figures."""

    page: str
    saved_at: str
    owner: str | None
    figures: dict[str, Any]


class Mapper:
    """Stage 1: pages, saves and profiles kept, institutions and topics merged, the rest to their buckets."""

    def __init__(self, folder: Path, stack: ExitStack) -> None:
        self.folder = folder
        self.buckets = [stack.enter_context(bucket_file(folder, k).open("wb")) for k in range(BUCKETS)]
        self.author_buckets = [stack.enter_context(bucket_file(folder, k, "authors").open("wb"))
                               for k in range(BUCKETS)]
        self.snapshots = stack.enter_context((folder / "snapshots.spool").open("wb"))
        self.listings = stack.enter_context((folder / "listings.spool").open("wb"))
        self.small = {kind: Merged(kind) for kind in IN_MEMORY}
        self.page_rows = Merged("pages")
        self.saves: dict[str, Save] = {}
        self.profiles: set[tuple[str, str, str | None]] = set()  # (page, owner, the owner's name block)
        # A profile's saves, its page row and owner kept apart until `match` gives each save its page.
        self.profile_saves: dict[str, tuple[ProfileSave, dict[str, Any], str, str | None]] = {}
        self.pages = 0
        self.sightings = 0

    def add(self, page: Prepared) -> None:
        """Keep one prepared page, spool its sightings."""
        for kind, rows in page.small.items():
            for values in rows:
                self.small[kind].add(values)
        page_id, snap = page.page["id"], page.snapshot
        if page.save is not None and page.owner:
            held = self.profile_saves.get(snap["id"])
            if held is None or page.save.saved_at < held[0].saved_at:
                self.profile_saves[snap["id"]] = (page.save, page.page, page.owner, page.owner_block)
        else:
            self.page_rows.add(page.page)
        known = self.saves.get(snap["id"])
        if known is None:
            self.saves[snap["id"]] = Save(page_id, snap["saved_at"], page.owner, {k: snap[k] for k in LATEST_FIGURES})
            self.snapshots.write(orjson.dumps(snap) + b"\n")
            self.listings.write(orjson.dumps([snap["id"], page.listing]) + b"\n")
        else:  # the same content again: one save, of the earliest date
            known.saved_at = min(known.saved_at, snap["saved_at"])
        for k, line in page.lines:
            self.buckets[k].write(line)
        for k, line in page.authors:
            self.author_buckets[k].write(line)
        self.pages += 1
        self.sightings += sum(1 for _, line in page.lines if line.startswith(b"papers "))

    def match(self) -> None:
        """Each profile save to its page (kg/ingest/pages.py `match_saves`), as the incremental load matches
        them: the page rows and profiles written, each save's page set."""
        found = match_saves(save for save, _, _, _ in self.profile_saves.values())
        for snap, (_, values, owner, block) in self.profile_saves.items():
            page = found[snap]
            self.page_rows.add({**values, "id": page})
            self.profiles.add((page, owner, block))
            self.saves[snap].page = page

    def latest(self) -> dict[str, dict[str, Any]]:
        """Each profile owner's header figures, from the newest save of any of their pages."""
        by_owner: dict[str, list[tuple[str, str]]] = {}
        for snap, save in self.saves.items():
            if save.owner is not None:
                by_owner.setdefault(save.owner, []).append((snap, save.saved_at))
        return {owner: self.saves[newest(saves) or ""].figures for owner, saves in by_owner.items()}

    def write(self, blocks: Mapping[str, str]) -> None:
        """The pages, saves and profiles, each page's current listing, the institutions and topics; each
        profile page spooled to its owner's name block (`blocks`: see `reduce_authors`)."""
        folder = self.folder
        self.snapshots.close()
        self.listings.close()
        with _data_file(folder, "pages").open("w", newline="") as fh:
            csv.writer(fh).writerows(node_cells("pages", values) for values in self.page_rows.values())
        with _data_file(folder, "snapshots").open("w", newline="") as fh, \
                (folder / "snapshots.spool").open("rb") as spool:
            out = csv.writer(fh)
            for line in spool:
                values = orjson.loads(line)
                out.writerow(node_cells("snapshots", {**values, "saved_at": self.saves[values["id"]].saved_at}))
        with _data_file(folder, "snapshot_of").open("w", newline="") as fh:
            csv.writer(fh).writerows(rel_cells("snapshot_of", {"from": snap, "to": save.page})
                                     for snap, save in self.saves.items())
        self.write_listings(blocks)
        for kind, table in self.small.items():
            with _data_file(folder, kind).open("w", newline="") as fh:
                csv.writer(fh).writerows(node_cells(kind, values) for values in table.values())

    def write_listings(self, blocks: Mapping[str, str]) -> None:
        """LISTED_ON: each page's newest day's saves, read back from the spool; a page with one such save
        (the usual case) is written as it is read, the others once all their saves are in. A profile page
        goes with its listing and saves to the bucket of its owner's name block (`blocks`: see `reduce_authors`)."""
        by_page: dict[str, list[tuple[str, str]]] = {}
        for snap, save in self.saves.items():
            by_page.setdefault(save.page, []).append((snap, save.saved_at))
        owners: dict[str, list[tuple[str, str]]] = {}
        for page, owner, block in sorted(self.profiles, key=lambda p: (p[0], p[1], p[2] or "")):
            if (block := blocks.get(owner, block)) is not None:
                owners.setdefault(page, []).append((owner, block))
        current = {page: newest_day(saves) for page, saves in by_page.items()}
        waiting: dict[str, list[tuple[str, str, int]]] = {}
        with _data_file(self.folder, "listed_on").open("w", newline="") as fh, \
                (self.folder / "listings.spool").open("rb") as spool, spools(self.folder, BLOCKS) as by_block:
            out = csv.writer(fh)

            def emit(page: str, sightings: list[tuple[str, str, int]]) -> None:
                listing = current_listing(sightings)
                for owner, block in owners.get(page, []):
                    saves = sorted((s, day, self.saves[s].figures) for s, day in by_page[page])
                    by_block[bucket_of(block)].write(profile_line(page, self.page_rows[page].get("title"), owner,
                                                                  listing, saves))
                out.writerows(rel_cells("listed_on", {"from": paper, "to": page, "position": i})
                              for i, paper in enumerate(listing))

            for line in spool:
                snap, listing = orjson.loads(line)
                page = self.saves[snap].page
                if snap not in current[page]:
                    continue
                sightings = [(snap, paper, position) for paper, position in listing]
                if len(current[page]) == 1:
                    emit(page, sightings)
                else:
                    waiting.setdefault(page, []).extend(sightings)
            for page, sightings in waiting.items():
                emit(page, sightings)
        for name in ("snapshots.spool", "listings.spool"):
            (self.folder / name).unlink()


def bucket_file(folder: Path, k: int, kind: str = "bucket") -> Path:
    """The spool of bucket `k`: papers and repositories, or (`kind` "authors") Author rows."""
    return folder / f"{kind}-{k:03d}.spool"


def reduce_authors(folder: Path, k: int, latest: Mapping[str, Mapping[str, Any]]) -> tuple[int, dict[str, str]]:
    """Stage 2a for bucket `k`: its Author rows merged, each owner's header figures set (`latest`), each
    spooled to its name block's bucket. Returns the spellings and the ids whose block is not the one
    their name gives (of spellings in two blocks, the smallest: kg/graph/model.py)."""
    table = Merged("authors")
    with bucket_file(folder, k, "authors").open("rb") as fh:
        for line in fh:
            table.add(orjson.loads(line))
    bucket_file(folder, k, "authors").unlink()
    odd: dict[str, str] = {}
    with spools(folder, BLOCKS) as out:
        for values in table.values():
            values.update({name: latest.get(values["id"], {}).get(name) for name in LATEST_FIGURES})
            if values["block"] is None:  # never: a page's every name has a block (kg/ingest/records.py)
                continue
            if any(block_key(name) != values["block"] for name in values["aliases"] or [values["name"]]):
                odd[values["id"]] = values["block"]
            out[bucket_of(values["block"])].write(author_line(values))
    return len(table), odd


@dataclass
class Abbreviations:
    """What the papers of a bucket say of the abbreviations the corpus defines (kg/graph/abbrev.py)."""

    named: Counter[tuple[str, str]] = field(default_factory=Counter)  # (abbreviation, long form) -> papers
    only: list[tuple[str, str]] = field(default_factory=list)  # (paper, abbreviation) it writes only

    def add(self, other: Abbreviations) -> None:
        """Another bucket's in."""
        self.named.update(other.named)
        self.only += other.only

    def rows(self, aliases: Mapping[str, list[str]]) -> tuple[dict[str, str], list[dict[str, Any]]]:
        """Each abbreviation's `stands_for`, and the HAS_TOPIC rows of the papers writing only one."""
        counts: dict[str, dict[str, int]] = {}
        for (a, form), n in self.named.items():
            counts.setdefault(a, {})[form] = n
        chosen = {a: long for a, c in counts.items() if (long := abbrev.choose(c)) is not None}
        links = sorted({(paper, abbrev.long_form_id(chosen[a])) for paper, a in self.only if a in chosen})
        return chosen, [{"from": paper, "to": t, FOUND_IN: [ABBREVIATION]} for paper, t in links]


def reduce_bucket(folder: Path, k: int, blocks: Mapping[str, str], aliases: Mapping[str, list[str]]
                  ) -> tuple[dict[str, int], list[dict[str, Any]], Abbreviations]:
    """Stage 2b for bucket `k`: resolve its sightings, write its CSV shards, spool each paper's context to
    its authors' name blocks' buckets (`blocks`: see `reduce_authors`).

    Returns the nodes written per label, the stored values of the keyphrase topics they name, and what the
    papers say of the abbreviations of `aliases` (abbreviation id -> long forms: see kg/graph/abbrev.py).
    """
    said = Abbreviations()
    resolver = Resolver()
    nodes = {"repos": Merged("repos")}
    with bucket_file(folder, k).open("rb") as fh:
        for line in fh:
            kind, _, data = line.partition(b" ")
            if kind == b"papers":
                resolver.add(Record(paper=Paper.model_validate_json(data)))
            else:
                nodes[kind.decode()].add(orjson.loads(data))
    bucket_file(folder, k).unlink()
    papers = resolver.papers()
    with ExitStack() as stack:  # one shard per worker process: neo4j-admin pays for every file it reads
        out = {stem: csv.writer(stack.enter_context(_data_file(folder, stem, os.getpid()).open("a", newline="")))
               for stem in REDUCED}
        contexts = stack.enter_context(spools(folder, BLOCKS))
        for stem, table in nodes.items():
            out[stem].writerows(node_cells(stem, values) for values in table.values())
        for paper in papers:
            out["papers"].writerow(node_cells("papers", row(NODES["papers"], paper)))
            names = [(a, blocks.get(a) or block_key(n)) for a, n in zip(paper.author_ids, paper.authors)]
            seen_in = sighting_rows(paper)
            line = paper_line(paper.id, paper.year, paper.topics, paper.institutions, names,
                              sorted({s.snapshot for s in paper.sources if s.format == "profile" and s.snapshot}),
                              [r["authors"] for r in seen_in if r["authors"] is not None])
            for block in sorted({b for _, b in names}):
                contexts[bucket_of(block)].write(line)
            for key, attr in PAPER_LINKS.items():
                out[key].writerows(rel_cells(key, {"from": paper.id, "to": other}) for other in getattr(paper, attr))
            out["seen_in"].writerows(rel_cells("seen_in", r) for r in seen_in)
            out["has_topic"].writerows(rel_cells("has_topic", r) for r in topic_rows(paper))
            said.named.update(abbrev.named_beside(paper.found_in, aliases))
            said.only += [(paper.id, a) for a in paper.found_in if a in aliases
                          and abbrev.writes_only(paper.found_in, a, map(abbrev.long_form_id, aliases[a]))]
    found = [row(NODES["topics"], t) for t in resolver.tables["topics"].values()]
    return {"papers": len(papers), **{kind: len(table) for kind, table in nodes.items()}}, found, said


def reduce_all(folder: Path, workers: int, latest: Mapping[str, Mapping[str, Any]], blocks: dict[str, str],
               aliases: Mapping[str, list[str]]) -> Iterator[tuple[dict[str, int], list[dict[str, Any]], Abbreviations]]:
    """Stage 2 over every bucket, in `workers` processes: the Author rows first (the spellings merged;
    `blocks` gets the ids whose block their name does not give), then what `reduce_bucket` returns."""
    if workers <= 1:
        for spellings, odd in (reduce_authors(folder, k, latest) for k in range(BUCKETS)):
            blocks.update(odd)
            yield {"authors": spellings}, [], Abbreviations()
        yield from (reduce_bucket(folder, k, blocks, aliases) for k in range(BUCKETS))
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for spellings, odd in pool.map(reduce_authors, [folder] * BUCKETS, range(BUCKETS), [latest] * BUCKETS):
            blocks.update(odd)
            yield {"authors": spellings}, [], Abbreviations()
        yield from pool.map(reduce_bucket, [folder] * BUCKETS, range(BUCKETS), [blocks] * BUCKETS,
                            [aliases] * BUCKETS)


def write_headers(folder: Path) -> None:
    """One header file per CSV group, so shards are plain data."""
    for stem, header in {**NODE_FILES, **REL_FILES}.items():
        with (folder / f"{stem}.header.csv").open("w", newline="") as fh:
            csv.writer(fh).writerow(header)


def import_args(folder: Path) -> list[str]:
    """The `neo4j-admin database import full` arguments for the CSVs in `folder`."""
    def group(stem: str) -> str:
        data = sorted(folder.glob(f"{stem}-*.csv")) if stem in SHARDED else [_data_file(folder, stem)]
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


def pending_marker(home: server.Neo4jHome) -> Path:
    """Present from the moment an import starts replacing the (empty) store until the load is complete."""
    return home.root / "bulk-import.pending"


def recover(home: server.Neo4jHome) -> None:
    """After an import that was killed half-way, the store it left is discarded: it was empty before."""
    if not pending_marker(home).exists():
        return
    err.print("bulk: an earlier import was interrupted; discarding the partial database it left", highlight=False)
    ports = server.read_ports(home)
    server.stop(home)
    discard_store(home)
    pending_marker(home).unlink()
    server.start(home, ports=ports)


def staging_folder(home: server.Neo4jHome) -> Path:
    """Where the CSVs are written: KG_IMPORT_DIR, else the server's import folder."""
    return env_settings().import_dir or home.root / "import"


def bulk_ingest(items: Iterable[Prepared | PageError], home: server.Neo4jHome | None = None,
                workers: int = 1, then: Callable[[], None] | None = None, report: Report | None = None) -> Summary:
    """Import prepared pages (see `prepared`) into the empty local database; a full disk while the CSVs are
    written is one KgError, the database untouched. `then` finishes the load (the SPARQL store): until it
    has run, a re-run after a crash discards the import and starts again. report: how to show the progress
    of merging and resolving (not at all without)."""
    home = home or server.neo4j_home()
    server.start(home)
    recover(home)
    folder = staging_folder(home)
    try:
        return _bulk_ingest(items, home, folder, workers, then, report)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise KgError(f"--bulk cannot write its import files in {folder} ({exc.strerror or exc}); "
                      "the database is unchanged") from None


def import_files(items: Iterable[Prepared | PageError], folder: Path, workers: int, summary: Summary,
                 report: Report | None = None) -> tuple[Mapper, dict[str, int]] | None:
    """Stages 1 and 2: the CSVs neo4j-admin imports, written to `folder` (emptied first), authors resolved;
    rejected pages go to `summary`. Returns the mapper and the nodes written per label, None without pages."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    with stage("read and spooled the pages"), ExitStack() as stack:
        mapper = Mapper(folder, stack)
        for item in items:
            if isinstance(item, PageError):
                summary.rejected.append(str(item))
            else:
                mapper.add(item)
    if mapper.pages == 0:
        return None
    mapper.match()
    imported = {"pages": len(mapper.page_rows), "snapshots": len(mapper.saves)}
    blocks: dict[str, str] = {}
    topics = mapper.small["topics"]
    aliases = {t: v["aliases"] for t, v in topics.items() if abbrev.defines(v["name"], v["aliases"])}
    said = Abbreviations()
    # reduce_all yields twice a bucket: its Author rows, then the rest
    with stage("merged the papers"), progress_of(report, "merging the papers", 2 * BUCKETS) as tick:
        for counts, topic_rows, abbreviations in reduce_all(folder, workers, mapper.latest(), blocks, aliases):
            if tick is not None:
                tick.advance()
            for kind, count in counts.items():
                imported[kind] = imported.get(kind, 0) + count
            for values in topic_rows:
                topics.add(values)
            said.add(abbreviations)
        chosen, links = said.rows(aliases)
        for a, long in chosen.items():
            topics[a]["stands_for"] = long
        with (folder / "has_topic-abbreviations.csv").open("w", newline="") as fh:  # a shard of has_topic
            csv.writer(fh).writerows(rel_cells("has_topic", r) for r in links)
        mapper.write(blocks)
        write_headers(folder)
    with stage("resolved the authors"), progress_of(report, "resolving the authors", PASSES * BUCKETS) as tick:
        resolve_all(folder, workers, weights(), tick)
    return mapper, imported


def _bulk_ingest(items: Iterable[Prepared | PageError], home: server.Neo4jHome, folder: Path,
                 workers: int, then: Callable[[], None] | None, report: Report | None) -> Summary:
    ports = server.read_ports(home)  # restart where it ran, whatever the environment says
    settings = local_settings(home)
    with driver(settings) as db:
        nodes, _, _ = db.execute_query("MATCH (n) RETURN count(n) > 0 AS any LIMIT 1", database_=settings.database)
    if nodes[0]["any"]:
        raise KgError("--bulk loads into an empty database only, and this one holds data: "
                      "use `kg ingest` without --bulk to add to it")
    summary = Summary()
    written = import_files(items, folder, workers, summary, report)
    if written is None:
        return summary
    mapper, imported = written
    pending_marker(home).touch()
    with stage("stopped Neo4j"):
        server.stop(home)
    try:
        with stage("neo4j-admin import"):
            done = server.run_admin(import_args(folder), home=home)
        if done.returncode != 0:
            discard_store(home)  # the database was empty before; leave it empty, not broken
            pending_marker(home).unlink()
    finally:
        with stage("started Neo4j"):
            server.start(home, ports=ports)
    if done.returncode != 0:
        raise KgError(f"neo4j-admin import failed, the database is still empty: {import_error(done)}")
    with stage("built constraints and indexes"), driver(settings) as db:
        apply_schema(db, settings.database)
    with driver(settings) as db:
        counted, _, _ = db.execute_query("MATCH ()-[r]->() RETURN count(r)", database_=settings.database)
    if then is not None:
        then()
    pending_marker(home).unlink()
    shutil.rmtree(folder, ignore_errors=True)
    summary.pages = mapper.pages
    summary.papers = mapper.sightings
    imported |= {kind: len(table) for kind, table in mapper.small.items()}
    summary.created = {k: imported.get(k, 0) for k in summary.created}
    summary.updated = {k: 0 for k in summary.created}
    summary.relationships = counted[0][0]
    return summary
