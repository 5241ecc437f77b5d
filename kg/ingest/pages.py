"""Pages to records: detect the format from the content, parse it, build one Record per paper."""
from __future__ import annotations

import codecs
import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from kg.errors import PageError
from kg.graph.ids import digest, paper_id, text_key
from kg.graph.records import Author, PageFormat, PageNode, Record
from kg.ingest import feed, profile, search
from kg.ingest.records import build_record
from kg.ingest.text import clean, is_boilerplate, looks_like_abstract, strip_subscribe

_PARSERS = {"profile": profile.parse, "feed": feed.parse, "search": search.parse}
_HEAD_LINES = 400
_CHUNK = 1 << 16
# A saved listing page is a few MB at most; beyond these, a file is refused before it is held in memory.
MAX_PAGE_BYTES = 32 << 20
MAX_LINE_CHARS = 1 << 20


def detect(head: list[str]) -> PageFormat | None:
    """The page format the first lines of a page show, or None."""
    lines = [clean(line) for line in head if line.strip()]
    if not lines:
        return None
    headers = sum(1 for line in lines if profile.header(line))
    markers = sum(1 for line in lines if feed.is_marker(line))
    if headers and headers >= markers:
        return "profile"
    if markers >= 2 or (markers and len(lines) < 12):
        return "feed"
    if _alternates(lines):
        return "search"
    return None


def _alternates(lines: list[str]) -> bool:
    """Search results: after banners, short titles and long abstracts in turn."""
    body = [strip_subscribe(line) for line in lines]
    body = [line for line in body if not is_boilerplate(line) and not line.lower().startswith("get trending")]
    kinds = [looks_like_abstract(line) for line in body]
    pairs = sum(1 for a, b in itertools.pairwise(kinds) if not a and b)
    return pairs >= 1 and pairs * 2 >= 0.6 * len(body)


def read_lines(path: Path) -> Iterator[str]:
    """Decoded lines of a text file; PageError for binary or non-UTF-8 content."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    rest = ""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if b"\x00" in chunk:
                raise PageError(f"{path}: binary file, not a text page")
            try:
                text = rest + decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise PageError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
            *lines, rest = text.split("\n")
            if len(rest) > MAX_LINE_CHARS:
                raise PageError(f"{path}: a line longer than {MAX_LINE_CHARS:,} characters; not a listing page")
            yield from lines
    if rest:
        yield rest


def page_id(path: Path) -> str:
    """A page's id: a digest of its absolute path, so a re-ingest of the same file finds it."""
    return "page-" + digest(str(path.resolve()))


@dataclass
class Page:
    """One parsed page: its file, its format and one record per paper on it."""

    path: Path
    format: PageFormat
    records: list[Record]

    @property
    def id(self) -> str:
        """The Page node's id."""
        return page_id(self.path)

    def node(self) -> PageNode:
        """The Page node."""
        return PageNode(id=self.id, file=str(self.path), name=self.path.name, format=self.format,
                        title=self.records[0].paper.sources[0].page)

    def owner(self) -> Author | None:
        """The author whose profile this page is, when it is one."""
        name = self.records[0].paper.sources[0].page
        if self.format != "profile" or not name:
            return None
        key = text_key(name)  # the parser lists the owner once by this key (kg/ingest/profile.py)
        return next((a for a in self.records[0].authors if text_key(a.name) == key), None)


def pages(paths: Iterable[str | Path], workers: int = 1, then: Callable[[Page], Any] | None = None) -> Iterator[Any]:
    """Each file named by `paths` parsed, in order; a bad one yields its PageError and the rest go on.

    With `workers` > 1, files are parsed in that many processes, at most 2 per worker in flight.
    `then` (a module-level function) turns each Page into what is yielded, in the worker.
    """
    files = expand(paths)
    task = partial(_parse_or_error, then=then)
    if workers <= 1:
        yield from map(task, files)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        window: deque[Future[Any]] = deque()
        for path in files:
            window.append(pool.submit(task, path))
            if len(window) >= 2 * workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def _parse_or_error(path: Path, then: Callable[[Page], Any] | None = None) -> Any:
    try:
        page = parse_file(path)
    except PageError as exc:
        return exc
    return then(page) if then else page


def parse_file(path: str | Path) -> Page:
    """All records of one page, or PageError: a page is parsed whole or not at all.

    """
    path = Path(path)
    if not path.exists():
        raise PageError(f"{path}: {'a broken or looping symbolic link' if path.is_symlink() else 'no such file'}")
    if not path.is_file():
        raise PageError(f"{path}: not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise PageError(f"{path}: empty file")
    if size > MAX_PAGE_BYTES:
        raise PageError(f"{path}: {size / (1 << 20):,.0f} MB, above the {MAX_PAGE_BYTES >> 20} MB a page may be")
    try:
        lines = read_lines(path)
        head = list(itertools.islice(lines, _HEAD_LINES))
        fmt = detect(head)
        if fmt is None:
            raise PageError(f"{path}: not a page in a known format (profile, feed or search results)")
        records = list(_records(itertools.chain(head, lines), fmt, str(path)))
    except OSError as exc:
        raise PageError(f"{path}: {exc.strerror or exc}") from None
    if not records:
        raise PageError(f"{path}: a {fmt} page with no papers on it")
    return Page(path, fmt, records)


def _records(lines: Iterable[str], fmt: PageFormat, file: str) -> Iterator[Record]:
    """One record per titled entry; a paper's position is its place among the page's distinct papers,
    so a page's positions are 0..n-1 whatever entries it repeats or lacks a title for."""
    places: dict[str, int] = {}
    for page, entry in _PARSERS[fmt](lines):
        if entry.title:
            position = places.setdefault(paper_id(entry.title), len(places))
            yield build_record(entry, file=file, fmt=fmt, position=position, page=page or None)


def expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named by `paths`, a directory meaning its files (recursively, sorted, no hidden ones)."""
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield Path(root) / name
