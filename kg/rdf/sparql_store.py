"""The SPARQL store: the export's triples in an embedded Oxigraph on disk (<kg_home>/sparql), kept current.

Each node's export row (kg/rdf/triples.py: its properties and the relationships it carries) is one named
graph, named by the node's IRI: refreshing a node clears its graph and loads its row again, and queries
read the union of the graphs, which is exactly the export.

RocksDB lets one process write a store and no other read it meanwhile, so readers never open the
store a writer writes: the writer (one at a time, under `lock`) changes `master/`, then publishes a
checkpoint of it (`g<N>/`, hard links: cheap) and names it in `CURRENT`. Readers open the current
generation read-only and reopen when `CURRENT` names another; `state.json` in a generation records the
graph it reflects (the Neo4j database's id, the base IRI, the node and relationship counts), so `sparql_current()` can
tell a stale store, and a `loading-<pid>` file marks a load whose changes are not all published yet.

A load that journals its writes (kg/rdf/journal.py) says so in its mark: when it is stopped, the next load
(or `kg serve`) refreshes what its journal holds (`follow_up`) instead of building the store anew.
"""
from __future__ import annotations

import fcntl
import io
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import neo4j
import orjson
from pyoxigraph import NamedNode, RdfFormat, Store

from kg.console import stage
from kg.errors import KgError
from kg.graph.model import LABELS, RELATIONSHIPS
from kg.rdf.graph_digests import GraphDigests, digest
from kg.rdf.journal import BLOCK, Journal
from kg.rdf.source import EXPORT_BATCH, rows, rows_of
from kg.rdf.triples import Describer
from kg.rdf.vocab import LABELS as KINDS
from kg.rdf.vocab import SCHEMA, Iris, base_iri
from kg.server.home import find_kg_home

STATE = "state.json"
KEEP = 2  # generations kept besides the current one when no reader holds them
# Counts read from Neo4j's count store (constant time): a load that adds anything changes them. (As a UNION of
# `RETURN '<label>' AS k, count(n)` they were counted by scanning: 3.4 s at 1M.)
FINGERPRINT = "RETURN " + ", ".join([f"COUNT {{ (:{label}) }} AS {label}" for label in LABELS]
                                    + [f"COUNT {{ ()-[:{rel}]->() }} AS {rel}" for rel in RELATIONSHIPS])
# The database's id (SHOW DATABASE's databaseID), by the database's own procedure first: SHOW DATABASE goes through
# the system database, whose first query on a server just started took 1.7 to 7.5 s where db.info() took 0.1 s.
DATABASE_ID = ("CALL db.info() YIELD id RETURN id", "SHOW DATABASE $name YIELD databaseID AS id")
# What stops a refresh but not the load: the store reads as stale until `kg sparql sync`.
FAILURES = (OSError, KgError, neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError)
# The ids a load gathers before it refreshes them, a bound on its memory (some 100 bytes an id): below it a load
# refreshes once, at its end, so a node that several of its transactions wrote (a paper its batches and then the
# assignment of its mentions wrote) is read and described once. At 10,000 this refreshed each paper of a 10% grow
# about 3 times.
REFRESH_IDS = 250_000
# A stopped load's journal is refreshed when it holds at most this share of the graph's nodes, else the store is
# built anew: on a 20,000-paper corpus a refresh took 1.7 ms an id, a build 0.7 ms a node (the report of issue 31).
FOLLOW_SHARE = 0.3
JOURNALED = "journal\n"  # a load mark's content when every write of the load was journaled before its commit
BUILD, REFRESH = "build\n", "refresh\n"  # the dirty marker's content: what the writer that left it was doing
# Around name blocks a stopped resolution may have rewritten: their authors now, with their papers and profiles.
AROUND_BLOCKS = """
UNWIND $blocks AS block
MATCH (a:Author {block: block})
RETURN a.id AS id, COLLECT { MATCH (a)-[:AUTHORED]->(p:Paper) RETURN p.id } AS papers,
  COLLECT { MATCH (g:Page)-[:PROFILE_OF]->(a) RETURN g.id } AS pages
"""


def store_root(kg_home: Path | None = None) -> Path:
    """Where the SPARQL store lives: `<kg_home>/sparql`."""
    return (kg_home or find_kg_home()) / "sparql"


def fingerprint(driver: neo4j.Driver, database: str | None) -> dict[str, int]:
    """Nodes per label and relationships per type in Neo4j now."""
    records, _, _ = driver.execute_query(FINGERPRINT, database_=database, routing_=neo4j.RoutingControl.READ)
    return dict(records[0])


def graph_state(driver: neo4j.Driver, database: str | None, iris: Iris) -> dict[str, Any]:
    """What a generation records of the graph it reflects: the database, the base IRI, the counts."""
    return {"database": database_id(driver, database), "base": iris.base, "counts": fingerprint(driver, database)}


def database_id(driver: neo4j.Driver, database: str | None) -> str:
    """Neo4j's id of the database (its server's address and name where neither query is allowed)."""
    name = database or "neo4j"
    for query in DATABASE_ID:
        try:
            records, _, _ = driver.execute_query(query, name=name, database_=name, routing_=neo4j.RoutingControl.READ)
            if records:
                return str(records[0]["id"])
        except neo4j.exceptions.ClientError:
            continue
    host, port = driver.get_server_info().address[:2]
    return f"{host}:{port}/{name}"


def same_graph(state: Mapping[str, Any], now: Mapping[str, Any]) -> bool:
    """Does a recorded state describe the graph `now` describes?"""
    return all(state.get(key) == now[key] for key in ("database", "base", "counts"))


@dataclass(frozen=True)
class Layout:
    """The files of one SPARQL store folder."""

    root: Path

    @property
    def master(self) -> Path:
        return self.root / "master"

    @property
    def dirty(self) -> Path:
        """Present while master holds changes not yet published: a crash in a build means a rebuild, in a
        refresh one of the journal's ids again (BUILD, REFRESH)."""
        return self.root / "master.dirty"

    @property
    def journal(self) -> Path:
        """What loads left to refresh (kg/rdf/journal.py)."""
        return self.root / "journal.sqlite"

    @property
    def digests(self) -> Path:
        """Master's graph digests (kg/rdf/graph_digests.py)."""
        return self.root / "master.digests"

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def generation(self, name: str) -> Path:
        return self.root / name

    def current(self) -> str | None:
        """The name of the published generation, or None when there is none."""
        try:
            return self.pointer.read_text().strip() or None
        except FileNotFoundError:
            return None

    def state(self, name: str | None = None) -> dict[str, Any] | None:
        """The recorded state of a generation (the current one by default)."""
        name = name or self.current()
        if name is None:
            return None
        try:
            state: dict[str, Any] = orjson.loads((self.generation(name) / STATE).read_bytes())
            return state
        except FileNotFoundError:
            return None

    def loading(self) -> list[Path]:
        """The marks of loads whose changes are not all published."""
        return sorted(self.root.glob("loading-*"))


@contextmanager
def _locked(path: Path, mode: int) -> Iterator[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, mode)
        yield fh


@dataclass(frozen=True)
class Graph:
    """One node's named graph: its N-Quads, and the digest of its lines."""

    quads: str
    digest: bytes


class Writer:
    """The one writer of a store folder (others wait for the lock): changes master, then publishes.

    `fresh`: master starts empty (asked, or master may be damaged, is missing or has another base).
    `force`: rewrite every graph `replace` is given, whatever its digest (a refresh stopped before it published
    may have rewritten any of them), as when master has no digests beside it."""

    def __init__(self, layout: Layout, describer: Describer, fresh: bool, force: bool = False) -> None:
        self.layout = layout
        self.describer = describer
        self.fresh = fresh
        self.force = (force or not layout.digests.exists()) and not fresh
        layout.dirty.write_text(BUILD if fresh else REFRESH)
        if fresh:
            shutil.rmtree(layout.master, ignore_errors=True)
            layout.digests.unlink(missing_ok=True)
        self.store = Store(str(layout.master))
        self.digests = GraphDigests(layout.digests)

    def load_all(self, pages: Iterable[tuple[str, list[list[Any]]]]) -> None:
        """Bulk-load the export rows (label, page) into an empty master (fast, not transactional: master is
        private)."""
        def batches() -> Iterator[bytes]:
            for label, page in pages:
                graphs = self.graphs(label, page)
                self.digests.set((name, graph.digest) for name, graph in graphs.items())
                yield "".join(graph.quads for graph in graphs.values()).encode()

        self.store.bulk_load(io.BufferedReader(_Reader(batches()), 1 << 16), RdfFormat.N_QUADS, lenient=True)

    def replace(self, label: str, ids: list[str], page: list[list[Any]]) -> int:
        """The graphs of these nodes made those their rows give now (a node gone has none), rewriting only
        those that differ; how many were rewritten."""
        subjects = self.describer.subjects[label]
        names = [subjects[node] for node in ids]
        graphs = self.graphs(label, page)
        known = {} if self.force else self.digests.known(names)
        changed = [name for name in names if name not in graphs or known.get(name) != graphs[name].digest]
        # One graph at a time, by its name: a SPARQL DELETE over VALUES of the graphs, on the 1M store
        # (46M triples), once held 16 GB and had not returned after 10 minutes. A graph with no digest is not in
        # master (a node new since it was built): removing it would still cost a transaction, some 0.5 ms.
        for name in changed if self.force else [name for name in changed if name in known]:
            self.store.remove_graph(NamedNode(name[1:-1]))
        loaded = [name for name in changed if name in graphs]
        if loaded:  # in bulk, as load_all: master is private, and a refresh stopped midway is done again (`force`)
            self.store.bulk_load("".join(graphs[name].quads for name in loaded).encode(), RdfFormat.N_QUADS,
                                 lenient=True)
        self.digests.set((name, graphs[name].digest) for name in loaded)
        self.digests.drop(name for name in changed if name not in graphs)
        return len(changed)

    def graphs(self, label: str, page: list[list[Any]]) -> dict[str, Graph]:
        """The named graph of each export row of one label, by its name (the node's IRI, in brackets)."""
        subjects = self.describer.subjects[label]
        out = {}
        for row in page:
            name = subjects[row[0]]
            lines = self.describer.row(label, row)
            out[name] = Graph("".join(line[:-3] + f" {name} .\n" for line in lines), digest(lines))
        return out

    def publish(self, state: dict[str, Any]) -> str:
        """Checkpoint master as the next generation, record `state` in it, and make it current."""
        self.digests.commit()
        self.store.flush()
        layout = self.layout
        previous = layout.current()
        name = f"g{int(previous[1:]) + 1 if previous else 1:06d}"
        target = layout.generation(name)
        shutil.rmtree(target, ignore_errors=True)  # left by a writer that died before naming it
        self.store.backup(str(target))
        (target / STATE).write_bytes(orjson.dumps({**state, "published": time.time()}))
        part = layout.pointer.with_suffix(".part")
        part.write_text(name + "\n")
        part.replace(layout.pointer)
        layout.dirty.unlink(missing_ok=True)
        _collect(layout, name)
        return name

    def close(self) -> None:
        self.digests.close()
        del self.store


def _collect(layout: Layout, current: str) -> None:
    """Remove old generations that no reader holds, but the newest KEEP."""
    names = sorted(p.name for p in layout.root.glob("g[0-9]*") if p.is_dir() and p.name != current)
    for name in names[:-KEEP] if KEEP else names:
        folder = layout.generation(name)
        with (folder / "readers.lock").open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a reader has it open
            (folder / STATE).unlink(missing_ok=True)  # readers check it after taking their lock
            shutil.rmtree(folder, ignore_errors=True)


class _Reader(io.RawIOBase):
    """A binary file over an iterator of byte chunks, for pyoxigraph's bulk loader."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.rest:
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.rest = chunk
        size = min(len(buffer), len(self.rest))
        buffer[:size] = self.rest[:size]
        self.rest = self.rest[size:]
        return size


@contextmanager
def writing(layout: Layout, iris: Iris, fresh: bool = False, resume: bool = False) -> Iterator[Writer]:
    """The store folder's writer, under its lock. `resume`: a refresh that was stopped before it published
    left master as the journal's ids may have it, which `follow_up` refreshes again."""
    layout.root.mkdir(parents=True, exist_ok=True)
    with _locked(layout.root / "lock", fcntl.LOCK_EX):
        state = layout.state()
        left = _read(layout.dirty)
        fresh = (fresh or (left is not None and not (resume and left == REFRESH)) or not layout.master.is_dir()
                 or state is None or state.get("base") != iris.base)
        writer = Writer(layout, Describer(iris), fresh, force=left is not None)
        try:
            yield writer
        finally:
            writer.close()


def rebuild(driver: neo4j.Driver, database: str | None, iris: Iris | None = None,
            root: Path | None = None, batch: int = EXPORT_BATCH) -> str:
    """Build the store anew from the whole graph and publish it; the new generation's name."""
    iris = iris or Iris(base_iri())
    layout = Layout(root or store_root())
    with writing(layout, iris, fresh=True) as writer:
        state = graph_state(driver, database, iris)  # before the rows: a write meanwhile reads as stale
        writer.load_all(rows(driver, database, batch=batch))
        name = writer.publish(state)
    _forget(layout, [mark for mark in layout.loading() if not _alive(mark)])  # it covers every load that ended
    return name


def refresh(driver: neo4j.Driver, database: str | None, touched: Mapping[str, list[str]],
            iris: Iris | None = None, root: Path | None = None, batch: int = EXPORT_BATCH) -> str:
    """Refresh the nodes with these ids (by label) from Neo4j, and publish; the whole graph when the
    writer starts fresh. The new generation's name."""
    iris = iris or Iris(base_iri())
    layout = Layout(root or store_root())
    with writing(layout, iris) as writer:
        state = graph_state(driver, database, iris)
        _replace(writer, driver, database, touched, batch)
        return writer.publish(state)


def _replace(writer: Writer, driver: neo4j.Driver, database: str | None, touched: Mapping[str, list[str]],
             batch: int) -> None:
    """Refresh these ids from Neo4j into master; the whole graph when it starts fresh."""
    if writer.fresh:
        writer.load_all(rows(driver, database, batch=batch))
        return
    for label, ids in touched.items():
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            writer.replace(label, chunk, rows_of(driver, database, label, chunk))


def follow_up(driver: neo4j.Driver, database: str | None, root: Path | None = None,
              batch: int = EXPORT_BATCH) -> int | None:
    """Refresh what stopped loads left in the journal, and publish: how many ids (0 when no load left any);
    None when they cannot be followed up (a load still running, one that journaled nothing, a store of
    another graph or none, more than FOLLOW_SHARE of the nodes to refresh), which leaves a rebuild to the caller."""
    iris = Iris(base_iri())
    layout = Layout(root or store_root())
    if not layout.loading():
        return 0
    state = layout.state()
    if (state is None or state.get("base") != iris.base or state.get("database") != database_id(driver, database)
            or _read(layout.dirty) == BUILD or not layout.master.is_dir() or journaled(layout) is None):
        return None
    with writing(layout, iris, resume=True) as writer:
        marks = layout.loading()
        left = journaled(layout, marks)
        if left is None or not marks:
            return None if marks else 0
        touched = _around(driver, database, writer, iris, left)
        now = graph_state(driver, database, iris)
        if sum(map(len, touched.values())) > FOLLOW_SHARE * sum(now["counts"][label] for label in LABELS):
            return None
        _replace(writer, driver, database, touched, batch)
        writer.publish(now)
        _forget(layout, marks)
    return sum(map(len, touched.values()))


def journaled(layout: Layout, marks: list[Path] | None = None) -> dict[str, set[str]] | None:
    """What the loads of these marks (all by default) left in the journal, by label (name blocks under BLOCK);
    None when one of them is still running or did not journal its writes."""
    marks = layout.loading() if marks is None else marks
    if any(_alive(mark) or _read(mark) != JOURNALED for mark in marks):
        return None
    if not marks or not layout.journal.exists():
        return {}
    journal = Journal(layout.journal)
    try:
        return journal.pending(_pid(mark) for mark in marks)
    finally:
        journal.close()


def _around(driver: neo4j.Driver, database: str | None, writer: Writer, iris: Iris,
            pending: dict[str, set[str]]) -> dict[str, list[str]]:
    """The journal's ids by label, with those around its name blocks: their authors, papers and profile pages
    in Neo4j now, and the authors master still links those papers to (and their profiles), merged away since."""
    blocks = sorted(pending.pop(BLOCK, ()))
    if blocks:
        records, _, _ = driver.execute_query(AROUND_BLOCKS, blocks=blocks, database_=database,
                                             routing_=neo4j.RoutingControl.READ)
        papers = {p for r in records for p in r["papers"]}
        gone = {a for p in papers for a in _authors(writer.store, iris, p)}
        gone -= {r["id"] for r in records}
        pending.setdefault("Author", set()).update({r["id"] for r in records} | gone)
        pending.setdefault("Paper", set()).update(papers)
        pending.setdefault("Page", set()).update({g for r in records for g in r["pages"]}
                                                 | {g for a in gone for g in _profiles(writer.store, iris, a)})
    return {label: sorted(ids) for label, ids in pending.items() if ids}


def _authors(store: Store, iris: Iris, paper: str) -> list[str]:
    """The ids of the authors a paper's graph in `store` names."""
    node = iris.resource("paper", paper)
    return [parsed[1] for quad in store.quads_for_pattern(node, SCHEMA.author, None, node)
            if isinstance(quad.object, NamedNode) and (parsed := iris.parse(quad.object.value)) is not None]


def _profiles(store: Store, iris: Iris, author: str) -> list[str]:
    """The ids of the profile pages whose graph in `store` names this author as their main entity."""
    return [parsed[1] for quad in store.quads_for_pattern(None, SCHEMA.mainEntity, iris.resource("author", author))
            if isinstance(quad.subject, NamedNode) and (parsed := iris.parse(quad.subject.value)) is not None
            and KINDS[parsed[0]] == "Page"]


def _forget(layout: Layout, marks: list[Path]) -> None:
    """Remove the marks of loads the store now covers, and what their journal held."""
    if not marks:
        return
    if layout.journal.exists():
        journal = Journal(layout.journal)
        try:
            journal.drop(_pid(mark) for mark in marks)
        finally:
            journal.close()
    for mark in marks:
        mark.unlink(missing_ok=True)


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


def _pid(mark: Path) -> int:
    return int(mark.name.rsplit("-", 1)[1])


def _alive(mark: Path) -> bool:
    try:
        os.kill(_pid(mark), 0)
        return True
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True


class Sync:
    """The SPARQL store kept current during one `kg ingest`: the nodes of its committed transactions (Loader's
    on_commit) gathered, and refreshed and published at its end (a load writing more: REFRESH_IDS at a time
    too, by a thread of its own while the load goes on); or the whole store built after the load when there is
    none yet. The load's mark keeps the store reading as stale until then.

    A load that tells it what each transaction will write before its commit (`expect`, `resolving`) has it
    journaled (kg/rdf/journal.py): stopped, it leaves those ids for the next load to refresh (`follow_up`),
    where one that did not leaves the store to be built anew.

    A refresh that fails stops the refreshing and leaves the load marked, so the store reads as stale
    until the next load or `kg sparql sync`; `error` says why."""

    def __init__(self, driver: neo4j.Driver, database: str | None, root: Path | None = None,
                 stages: bool = False) -> None:
        self.driver = driver
        self.stages = stages  # report the refresh at the load's end as a stage of `kg ingest --stages`
        self.database = database
        self.iris = Iris(base_iri())
        self.layout = Layout(root or store_root())
        self.pid = os.getpid()
        self.mark = self.layout.root / f"loading-{self.pid}"
        self.full = False
        self.error: str | None = None
        self.followed: int | None = None  # the ids a stopped load left, refreshed first (None: none followed up)
        self.pending: dict[str, set[str]] = {}  # ids by label, not handed to a refresh yet
        self.told = False  # whether any write was reported
        self.journal: Journal | None = None  # while every write is journaled before its commit
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparql-refresh")
        self.running: Future[str] | None = None  # at most one refresh at a time: memory stays bounded
        self.upto = 0  # the journal's rows the running refresh covers

    def __enter__(self) -> Sync:
        # Refreshing the nodes a load writes keeps a current store current (loads never delete); a store
        # that is not current already (none yet, nodes deleted since, a load not synced) is built anew.
        try:
            self.followed = follow_up(self.driver, self.database, self.layout.root) or None
        except FAILURES as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        self.full = not is_current(self.driver, self.database, self.layout.root)
        self.layout.root.mkdir(parents=True, exist_ok=True)
        self.mark.touch()
        return self

    def expect(self, touched: Mapping[str, Iterable[str]]) -> None:
        """Journal the ids a transaction will write, before its commit."""
        journal = self._journal()
        if journal is not None:
            journal.add(self.pid, touched)

    def resolving(self, blocks: Iterable[str]) -> None:
        """Journal the name blocks author resolution is about to rewrite, before its first commit."""
        self.expect({BLOCK: blocks})

    def _journal(self) -> Journal | None:
        """The journal, opened (and the mark saying so) at the first write told before its commit; None when
        the store is built anew after the load, or a write was reported that was not told first."""
        if self.journal is None and not self.full and not self.told:
            self.journal = Journal(self.layout.journal)
            self.mark.write_text(JOURNALED)
        return self.journal

    def __call__(self, touched: dict[str, list[str]]) -> None:
        self.told = True
        if self.full or self.error is not None:
            return
        for label, ids in touched.items():
            self.pending.setdefault(label, set()).update(ids)
        if sum(map(len, self.pending.values())) >= REFRESH_IDS:
            self._refresh()

    def _refresh(self) -> None:
        """Hand the gathered ids to the refresh thread, once the refresh before them is done."""
        self._wait()
        if self.error is not None:
            return
        touched = {label: sorted(ids) for label, ids in self.pending.items() if ids}
        self.pending = {}
        # Every journaled transaction so far has committed: the refresh reads what they wrote.
        self.upto = self.journal.last(self.pid) if self.journal is not None else 0
        self.running = self.thread.submit(refresh, self.driver, self.database, touched, self.iris, self.layout.root)

    def _wait(self) -> None:
        if self.running is None:
            return
        try:
            self.running.result()
            if self.journal is not None:
                self.journal.refreshed(self.pid, self.upto)
        except FAILURES as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.running = None

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        try:
            if exc_type is None:
                self._finish()
            elif not self.told and self.journal is None:  # it stopped before writing (a bad argument): the store is as it was
                self._done()
            # else the load stopped part way: its mark (and journal) stay, the store reads as stale
        finally:
            self._wait()  # a refresh still running holds the store's lock
            self.thread.shutdown()
            if self.journal is not None:
                self.journal.close()

    def _finish(self) -> None:
        label = "built the SPARQL store" if self.full else "refreshed the SPARQL store"
        with stage(label, "ingest") if self.stages else nullcontext():
            self._publish()

    def _publish(self) -> None:
        if self.full and self.error is None:
            try:
                rebuild(self.driver, self.database, self.iris, self.layout.root)
            except FAILURES as err:
                self.error = f"{type(err).__name__}: {err}"
        elif self.error is None and any(self.pending.values()):
            self._refresh()
        self._wait()
        if self.error is None:
            self._done()

    def _done(self) -> None:
        """Everything the load wrote is published: its journal rows and its mark go."""
        if self.journal is not None:
            self.journal.drop([self.pid])
        self.mark.unlink(missing_ok=True)


def is_current(driver: neo4j.Driver, database: str | None, root: Path | None = None) -> bool:
    """Does the published store reflect the graph in Neo4j now (the same database, base IRI and counts,
    and no load still marked)?"""
    layout = Layout(root or store_root())
    state = layout.state()
    if state is None or layout.loading():
        return False
    return same_graph(state, graph_state(driver, database, Iris(base_iri())))


def sparql_current() -> bool:
    """Is the SPARQL store current with the graph of kg's settings (False when Neo4j cannot be reached)?"""
    from kg.store.connection import driver, settings

    try:
        conf = settings()
        with driver(conf) as db:
            return is_current(db, conf.database)
    except (KgError, neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError):
        return False


class Reader:
    """The current generation, opened read-only and held against removal; reopened when another is current."""

    def __init__(self, root: Path | None = None) -> None:
        self.layout = Layout(root or store_root())
        self.name: str | None = None
        self.store: Store | None = None
        self.lock: IO[str] | None = None

    def current(self, attempts: int = 5) -> Store | None:
        """The current generation's store (None when there is none)."""
        for _ in range(attempts):
            name = self.layout.current()
            if name is None or name == self.name:
                return self.store if name is not None else None
            folder = self.layout.generation(name)
            try:
                lock = (folder / "readers.lock").open("a")
            except FileNotFoundError:
                continue  # removed since CURRENT was read
            fcntl.flock(lock, fcntl.LOCK_SH)
            if not (folder / STATE).exists():
                lock.close()
                continue
            store = Store.read_only(str(folder))
            self.close()
            self.name, self.store, self.lock = name, store, lock
            return store
        raise KgError(f"{self.layout.root}: no readable generation of the SPARQL store")

    def close(self) -> None:
        """Let go of the generation."""
        self.store = None
        if self.lock is not None:
            self.lock.close()
        self.name = self.lock = None
