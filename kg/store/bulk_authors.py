"""`kg ingest --bulk`'s authors, resolved before the import: each name block's mentions built from spooled
tables by the rule the incremental load uses (kg/store/authors.py), the people written straight to the CSVs.

The reduce (kg/store/bulk.py) spools to the bucket of each name block its Author rows ("a"), the context
of every paper naming one of its authors ("p"), and its owners' profile pages ("g"). Then, bucket by bucket:
A. circles: each block's co-author blocks, held by the main process in a compact table (they are global);
B. resolve: a bucket's blocks, a chunk at a time, to Author and PROFILE_OF rows; each AUTHORED link, with
   its rank on its paper, spooled to the paper's bucket;
C. number: each paper's links numbered 0..n-1 by rank, written as AUTHORED rows.
"""
from __future__ import annotations

import csv
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson

from kg.graph.identity import Weights, resolve_block
from kg.graph.merge import AUTHOR, LATEST_FIGURES, newest
from kg.store.authors import (
    Blocks,
    CircleTable,
    Context,
    Profile,
    Spelling,
    block_data,
    chunked,
    order_of,
    people,
    places,
    rank,
)
from kg.store.bulk_files import BUCKETS, bucket_of, cells, data_file, node_cells, rel_cells, spooled, spools
from kg.store.summaries import SUMMARY

T = TypeVar("T")
BLOCKS = "blocks"  # the spools by name block
LINKS = "links"  # the spools of ranked links by paper
RESOLVED = ("authors", "authored", "profile_of", SUMMARY.plural)  # the CSVs written here, a shard per process


def author_line(values: Mapping[str, Any]) -> bytes:
    """The spool line of one merged Author row (before resolution: one per spelling id)."""
    return b"a " + orjson.dumps(values) + b"\n"


def paper_line(paper: str, year: int | None, topics: list[str], institutions: list[str],
               authors: list[tuple[str, str]], snapshots: list[str], lists: list[list[str]]) -> bytes:
    """The spool line of what a paper says around its names: `authors` (spelling id, its block) in order,
    the profile saves that list it, every save's list of its spelling ids."""
    return b"p " + orjson.dumps([paper, year, topics, institutions, authors, snapshots, lists]) + b"\n"


def profile_line(page: str, title: str | None, owner: str, papers: list[str],
                 saves: list[tuple[str, str, dict[str, Any]]]) -> bytes:
    """The spool line of a profile page: its owner's spelling id, its listing now, its saves (id, date, figures)."""
    return b"g " + orjson.dumps([page, title, owner, papers, saves]) + b"\n"


def circles_of(folder: Path, k: int) -> dict[str, list[str]]:
    """Pass A: the co-author blocks of each block of bucket `k`, from its papers."""
    out: dict[str, set[str]] = {}
    for line in spooled(folder, BLOCKS, k, remove=False):
        if line.startswith(b"p "):
            blocks = {b for _, b in orjson.loads(line[2:])[4]}
            for b in blocks:
                if bucket_of(b) == k:
                    out.setdefault(b, set()).update(blocks - {b})
    return {b: sorted(c) for b, c in out.items()}


_circles: CircleTable | None = None  # pass B's workers inherit it: their pool forks after it is set


def _use(circles: CircleTable | None) -> None:
    global _circles
    _circles = circles


class Bucket:
    """What one bucket's spool holds, read back and indexed by name block."""

    def __init__(self, lines: Iterable[bytes], k: int) -> None:
        self.nodes: dict[str, list[dict[str, Any]]] = {}
        self.found: dict[str, list[tuple[str, str, str]]] = {}
        self.papers: dict[str, list[Any]] = {}
        self.profiles: dict[str, Profile] = {}
        self.owned: dict[str, list[str]] = {}  # spelling id -> its profile pages
        self.saves: dict[str, list[tuple[str, str]]] = {}  # profile page -> its saves (id, date)
        self.figures: dict[str, dict[str, Any]] = {}  # save -> its header figures
        self.page_of: dict[str, str] = {}  # save -> its profile page
        for line in lines:
            kind, data = line[:1], orjson.loads(line[2:])
            if kind == b"a":
                self.nodes.setdefault(data["block"], []).append(data)
            elif kind == b"p":
                self.papers[data[0]] = data
                for name, block in dict.fromkeys(map(tuple, data[4])):
                    if bucket_of(block) == k:
                        self.found.setdefault(block, []).append((block, name, data[0]))
            else:
                page, title, owner, papers, saves = data
                self.profiles[page] = Profile(title, papers)
                self.owned.setdefault(owner, []).append(page)
                self.saves[page] = [(snap, day) for snap, day, _ in saves]
                for snap, _, figures in saves:
                    self.figures[snap] = figures
                    self.page_of[snap] = page

    def chunks(self) -> Iterator[list[str]]:
        """The bucket's blocks in chunks (kg/store/authors.chunked)."""
        return chunked((block, len(self.found.get(block, ()))) for block in sorted(self.nodes))

    def context(self, paper: str) -> Context:
        """What `paper` says around its names; of its profile saves, those of this bucket's pages."""
        _, year, topics, institutions, authors, snapshots, lists = self.papers[paper]
        pages = sorted({self.page_of[s] for s in snapshots if s in self.page_of})
        return Context(year, topics, institutions, sorted({b for _, b in authors}), pages, lists)

    def blocks(self, chunk: list[str], circles: CircleTable) -> Blocks:
        """The plain data kg/store/authors.block_data builds the mentions of `chunk` from."""
        nodes = [Spelling(v["id"], v["aliases"] or [v["name"]], {f: v.get(f) for f in LATEST_FIGURES},
                          sorted(self.owned.get(v["id"], [])))
                 for b in chunk for v in self.nodes.get(b, [])]
        found = [f for b in chunk for f in self.found.get(b, [])]
        context = {p: self.context(p) for p in sorted({p for _, _, p in found})}
        profiles = {g: self.profiles[g] for n in nodes for g in n.pages}
        return Blocks(nodes, found, context, circles, profiles)


def resolve_bucket(folder: Path, k: int, weights: Weights) -> int:
    """Pass B for bucket `k`: its people as Author and PROFILE_OF rows, their links spooled by paper;
    the people written."""
    assert _circles is not None, "resolve_all sets the circles before pass B's pool forks"
    bucket = Bucket(spooled(folder, BLOCKS, k), k)
    written = 0
    shard = os.getpid()
    with data_file(folder, "authors", shard).open("a", newline="") as authors_fh, \
            data_file(folder, "profile_of", shard).open("a", newline="") as profiles_fh, \
            data_file(folder, SUMMARY.plural, shard).open("a", newline="") as summaries_fh, \
            spools(folder, LINKS) as links:
        authors_csv, profiles_csv = csv.writer(authors_fh), csv.writer(profiles_fh)
        summaries_csv = csv.writer(summaries_fh)
        for chunk in bucket.chunks():
            data = block_data(chunk, bucket.blocks(chunk, _circles))
            rows = people(data, [i for b in chunk for i in resolve_block(b, data.mentions.get(b, []), weights)])
            pages: dict[str, list[str]] = {}
            for r in rows.profiles:
                pages.setdefault(r["to"], []).append(r["from"])
            for node in rows.nodes:  # an owner's header figures: those of the newest save of any page of theirs
                if node["id"] in pages:
                    snap = newest(s for g in pages[node["id"]] for s in bucket.saves[g]) or ""
                    node.update(bucket.figures[snap])
                authors_csv.writerow(node_cells("authors", {p.name: node.get(p.name) for p in AUTHOR.props}))
            profiles_csv.writerows(rel_cells("profile_of", r) for r in rows.profiles)
            summaries_csv.writerows(cells(r.values(), SUMMARY.name) for r in rows.summaries)
            orders: dict[str, dict[str, int]] = {}
            for link in rows.links:
                paper = link["to"]
                order = orders.get(paper) or orders.setdefault(paper, order_of(data.lists[paper]))
                links[bucket_of(paper)].write(orjson.dumps([paper, rank(order, link["names"]), link["from"],
                                                            link["names"]]) + b"\n")
            written += len(rows.nodes)
    return written


def number_bucket(folder: Path, k: int) -> int:
    """Pass C for bucket `k`: each paper's AUTHORED rows numbered by rank; the links written."""
    by_paper: dict[str, list[tuple[int, str]]] = {}
    names: dict[tuple[str, str], list[str]] = {}
    for line in spooled(folder, LINKS, k):
        paper, at, author, ids = orjson.loads(line)
        by_paper.setdefault(paper, []).append((at, author))
        names[paper, author] = ids
    with data_file(folder, "authored", os.getpid()).open("a", newline="") as fh:
        out = csv.writer(fh)
        for paper, ranked in by_paper.items():
            out.writerows(rel_cells("authored", {"from": a, "to": paper, "position": i, "names": names[paper, a]})
                          for a, i in places(ranked))
    return len(names)


PASSES = 3  # over every bucket: A, B and C of `resolve_all`


def resolve_all(folder: Path, workers: int, weights: Weights, tick: Callable[[int], None] | None = None) -> int:
    """Passes A, B and C over every bucket, in `workers` processes; the people written. tick: called with the
    buckets done over the PASSES passes."""
    done = _Counted(tick)
    circles = CircleTable()
    with _pool(workers) as pool:
        for found in done(pool.map(circles_of, [folder] * BUCKETS, range(BUCKETS))):
            for block, circle in found.items():
                circles.add(block, circle)
    _use(circles)
    with _pool(workers, forked=True) as pool:
        people_written = sum(done(pool.map(resolve_bucket, [folder] * BUCKETS, range(BUCKETS), [weights] * BUCKETS)))
    _use(None)
    with _pool(workers) as pool:
        sum(done(pool.map(number_bucket, [folder] * BUCKETS, range(BUCKETS))))
    return people_written


class _Counted:
    """Passes items through, calling `tick` with how many went by so far."""

    def __init__(self, tick: Callable[[int], None] | None) -> None:
        self.tick, self.count = tick, 0

    def __call__(self, items: Iterable[T]) -> Iterator[T]:
        for item in items:
            yield item
            self.count += 1
            if self.tick is not None:
                self.tick(self.count)


class _Inline:
    """A pool of one: the calls run here, in order."""

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def map(self, fn: Any, *args: Iterable[Any]) -> Iterator[Any]:
        return map(fn, *args)


def _pool(workers: int, forked: bool = False) -> ProcessPoolExecutor | _Inline:
    """`workers` processes; `forked`: they share this process's memory (the circles, ~2 GB at 1M) copy on
    write, where a pickled copy each would double it."""
    if workers <= 1:
        return _Inline()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork") if forked else None)
