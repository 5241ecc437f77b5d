"""Pages to records: detect the format from the content, parse it, build one Record per paper."""
from __future__ import annotations

import base64
import gc
import hashlib
import itertools
import os
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from kg.errors import PageError
from kg.graph.chunks import bounded
from kg.graph.ids import digest, paper_id, text_key
from kg.graph.merge import listings
from kg.graph.names import block_key
from kg.graph.records import Author, PageFormat, PageNode, Record, SnapshotNode, Source
from kg.ingest import feed, profile, search
from kg.ingest.records import build_record
from kg.ingest.text import SAVED_LINE, clean_lines, date_line, is_boilerplate, looks_like_abstract, strip_subscribe

_PARSERS = {"profile": profile.parse, "feed": feed.parse, "search": search.parse}
_HEAD_LINES = 400
# A saved listing page is a few MB at most; beyond these, a file is refused before it is held in memory.
MAX_PAGE_BYTES = 32 << 20
MAX_LINE_CHARS = 1 << 20


def detect(head: list[str]) -> PageFormat | None:
    """The page format the first lines of a page show, or None."""
    return _detect(list(filter(None, clean_lines("\n".join(head)))))


def _detect(lines: list[str]) -> PageFormat | None:
    """The page format of the first lines of a page, clean and without blank ones."""
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


def decode(data: bytes, name: str | Path) -> str:
    """A page's text; PageError for binary or non-UTF-8 content."""
    if b"\x00" in data:
        raise PageError(f"{name}: binary file, not a text page")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PageError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def page_id(fmt: PageFormat, subject: str) -> str:
    """A page's id: a digest of what it is (its format and its subject's key), wherever its file lies."""
    return "page-" + digest(f"{fmt}\n{subject}")


def snapshot_id(data: bytes) -> str:
    """A save's id: a digest of its content."""
    return "snap-" + hashlib.blake2b(data, digest_size=8).hexdigest()


@dataclass
class Page:
    """One parsed save of a page: its file, format, subject, save date and one record per paper on it."""

    path: Path
    format: PageFormat
    records: list[Record]
    saved_at: str = ""  # YYYY-MM-DD
    snapshot: str = ""  # the snapshot id: a digest of the content
    content: str = ""  # the content, compressed (see SnapshotNode.content)
    subject: tuple[str, str] = ("", "")  # (key, title): the page id's key and how the page names it
    matched: str = ""  # a profile save's page id once matched to its page (`match_saves`)

    @property
    def base(self) -> str:
        """The id of the page its format and subject name: a profile's before it is matched."""
        return page_id(self.format, self.subject[0])

    @property
    def id(self) -> str:
        """The Page node's id."""
        return self.matched or self.base

    def node(self) -> PageNode:
        """The Page node."""
        return PageNode(id=self.id, format=self.format, title=self.subject[1] or None)

    def owner(self) -> Author | None:
        """The author whose profile this page is, when it is one."""
        name = self.records[0].paper.sources[0].page
        if self.format != "profile" or not name:
            return None
        key = text_key(name)  # the parser lists the owner once by this key (kg/ingest/profile.py)
        return next((a for a in self.records[0].authors if text_key(a.name) == key), None)

    def profile_save(self) -> ProfileSave | None:
        """This save as `match_saves` reads it, when it is a profile's."""
        owner = self.owner()
        if owner is None:
            return None
        by_paper: dict[str, list[Source]] = {}
        for record in self.records:
            by_paper.setdefault(record.paper.id, []).append(record.paper.sources[0])
        names = {a for sources in by_paper.values() for s in listings(sources).values() for a in s.authors}
        return ProfileSave(self.snapshot, self.saved_at, self.base, frozenset(by_paper), coauthors(owner.id, names))

    def snapshot_node(self) -> SnapshotNode:
        """The Snapshot node of this save, with the owner's header figures on a profile."""
        owner = self.owner()
        figures = {k: getattr(owner, k) for k in FIGURES} if owner else {}
        return SnapshotNode(id=self.snapshot, saved_at=self.saved_at, listed=len({r.paper.id for r in self.records}),
                            content=self.content, **figures)


FIGURES = ("h_index", "citations", "paper_count", "novelty", "ai_score", "main_category")


@dataclass(frozen=True)
class ProfileSave:
    """One save of a profile page as matching reads it: what the graph keeps of it too (SEEN_IN)."""

    snapshot: str
    saved_at: str
    base: str  # the page id its owner's name gives (Page.base)
    papers: frozenset[str]
    coauthors: frozenset[str]  # author ids, never the owner's (see `coauthors`)


def coauthors(owner: str, ids: Iterable[str]) -> frozenset[str]:
    """The author ids of a profile save but its owner's: any id in the owner's name block may be the owner
    spelled otherwise ("Y. Liu" on Yang Liu's profile), which namesakes' pages share."""
    mine = _id_block(owner)
    return frozenset(a for a in ids if _id_block(a) != mine)


def _id_block(author: str) -> str:
    return block_key(author.removeprefix("a-").replace("-", " "))


def match_saves(saves: Iterable[ProfileSave]) -> dict[str, str]:
    """Each profile save's page id, by snapshot id (see docs/pages.md, "What names a page").

    The saves of one base that share a paper or a co-author, directly or through other saves, are one
    page. Of one base's pages, the one whose earliest save (by saved_at, then snapshot id) is the earliest
    takes the base id, each other the base and its earliest save's digest: so a newer save never renumbers
    a page. One snapshot given twice counts once, at its earliest date.
    """
    merged: dict[str, ProfileSave] = {}
    for save in saves:
        known = merged.get(save.snapshot)
        if known is None or save.saved_at < known.saved_at:
            merged[save.snapshot] = save
    by_base: dict[str, list[ProfileSave]] = {}
    for save in sorted(merged.values(), key=_first):
        by_base.setdefault(save.base, []).append(save)
    out: dict[str, str] = {}
    for base, found in by_base.items():
        for n, group in enumerate(sorted(_overlapping(found), key=lambda g: _first(g[0]))):
            name = base if n == 0 else f"{base}-{group[0].snapshot.removeprefix('snap-')[:8]}"
            out.update((save.snapshot, name) for save in group)
    return out


def _first(save: ProfileSave) -> tuple[str, str]:
    return save.saved_at, save.snapshot


def _overlapping(saves: list[ProfileSave]) -> list[list[ProfileSave]]:
    """`saves` in groups that share a paper or a co-author, directly or through others; each in order."""
    parent = list(range(len(saves)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for i, save in enumerate(saves):
        for key in [*(("paper", p) for p in save.papers), *(("author", a) for a in save.coauthors)]:
            root, other = find(i), find(first.setdefault(key, i))
            parent[max(root, other)] = min(root, other)
    groups: dict[int, list[ProfileSave]] = {}
    for i, save in enumerate(saves):
        groups.setdefault(find(i), []).append(save)
    return list(groups.values())


def pages(paths: Iterable[str | Path], workers: int = 1, then: Callable[[Page], Any] | None = None,
          saved_at: str | None = None) -> Iterator[Any]:
    """Each file named by `paths` parsed, in order; a bad one yields its PageError and the rest go on.

    With `workers` > 1, files are parsed in that many processes, their names sent a chunk at a time (`_chunks`),
    at most 2 chunks per worker in flight. `then` (a module-level function) turns each Page into what is yielded, in the
    worker; `saved_at` dates every save (see parse_file).
    """
    files = expand(paths)
    if workers <= 1:
        yield from (_parse_or_error(path, then, saved_at) for path in files)
        return
    with _heap_frozen(), ProcessPoolExecutor(max_workers=workers) as pool:
        window: deque[Future[list[Any]]] = deque()
        for chunk in _chunks(files):
            window.append(pool.submit(_parse_chunk, chunk, then, saved_at))
            if len(window) >= 2 * workers:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()


# A parse worker's task: up to this many files or bytes of pages, so that it is one round trip (and one pickle)
# for many small pages, while a few large ones still spread over the workers.
CHUNK_FILES, CHUNK_BYTES = 16, 128 << 10


def _chunks(files: Iterable[Path]) -> Iterator[list[Path]]:
    """`files` in chunks of at most CHUNK_FILES names and CHUNK_BYTES of pages (or one larger page alone)."""
    return bounded(((path, _size(path)) for path in files), CHUNK_FILES, CHUNK_BYTES)


def _size(path: Path) -> int:
    with suppress(OSError):  # parse_file says what is wrong with the file
        return path.stat().st_size
    return 0


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """The objects there are now left out of the cyclic collector's way until the end (unless some already are):
    the workers' pages, unpickled here by the thousand, would otherwise set off full collections of this whole
    heap, which cost more than the unpickling."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _parse_chunk(paths: list[Path], then: Callable[[Page], Any] | None, saved_at: str | None) -> list[Any]:
    """In a parse worker: the chunk's pages. What outlives a chunk is the caches' (no garbage), so it is frozen
    out of the collector's way: its full collections otherwise rescan every cached topic (12 to 16% of a parse)."""
    done = [_parse_or_error(path, then, saved_at) for path in paths]
    gc.freeze()
    return done


def _parse_or_error(path: Path, then: Callable[[Page], Any] | None = None, saved_at: str | None = None) -> Any:
    try:
        with _collector_paused():
            page = parse_file(path, saved_at)
    except PageError as exc:
        return exc
    return then(page) if then else page


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic collector off while one page is parsed: parsing makes no reference cycles, but its thousands of
    short-lived lists and models set off collections that cost about a tenth of the parse."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parse_file(path: str | Path, saved_at: str | None = None) -> Page:
    """All records of one page, or PageError: a page is parsed whole or not at all.

    The save date is `saved_at` if given, else the one the page shows, else the file's modification date.
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
        data = path.read_bytes()
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).date().isoformat()
    except OSError as exc:
        raise PageError(f"{path}: {exc.strerror or exc}") from None
    return parse_bytes(data, path, saved_at, mtime)


def parse_bytes(data: bytes, path: Path, saved_at: str | None = None, fallback_date: str = "") -> Page:
    """One save of a page from its content (see parse_file); `fallback_date` when the page shows none."""
    if not data:
        raise PageError(f"{path}: empty file")
    text = decode(data, path)
    if len(text) > MAX_LINE_CHARS and max(map(len, text.split("\n"))) > MAX_LINE_CHARS:
        raise PageError(f"{path}: a line longer than {MAX_LINE_CHARS:,} characters; not a listing page")
    lines = clean_lines(text)
    head = list(filter(None, lines[:_HEAD_LINES]))
    fmt = _detect(head)
    if fmt is None:
        raise PageError(f"{path}: not a page in a known format (profile, feed or search results)")
    records = list(_records(list(filter(None, lines)), fmt, str(path)))
    if not records:
        raise PageError(f"{path}: a {fmt} page with no papers on it")
    snap = snapshot_id(data)
    saved = saved_at or saved_date(head) or fallback_date
    page = Page(path, fmt, records, saved, snap, base64.b64encode(zlib.compress(data, 6)).decode("ascii"))
    page.subject = subject(page)
    owner = page.owner()
    for record in records:
        record.paper.sources[0].snapshot = snap
        if owner is not None:
            for author in record.authors:
                if author.id == owner.id:
                    author.saved = f"{saved} {snap}"
    return page


def content_bytes(content: str) -> bytes:
    """A snapshot's stored content as the bytes that were saved."""
    return zlib.decompress(base64.b64decode(content))


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def saved_date(head: list[str]) -> str | None:
    """The date a page's first lines (clean ones) say it was saved on ("Saved on 2026-03-01", "Retrieved: Mar 1,
    2026"), or None."""
    for line in head:
        found = SAVED_LINE.match(line)
        if not found:
            continue
        text = found["date"]
        if iso := _ISO.match(text):
            try:
                return date(*map(int, iso.groups())).isoformat()
            except ValueError:
                return None
        dated = date_line(text)
        if dated and dated[1] is not None and dated[0]:
            return dated[0]
    return None


def subject(page: Page) -> tuple[str, str]:
    """What a page is of, as (key, title): a profile's owner, a feed's day, a search's query; a page that
    names none falls back to its first title."""
    named = page.records[0].paper.sources[0].page
    if page.format == "profile" and (owner := page.owner()) is not None:
        return owner.id, owner.name
    if page.format == "feed" and named and (dated := date_line(named)) and dated[0]:
        return dated[0], dated[0]
    if page.format == "search" and named:
        return "query:" + text_key(named), named
    title = page.records[0].paper.title
    return "title:" + text_key(title), title


def _records(lines: list[str], fmt: PageFormat, file: str) -> Iterator[Record]:
    """One record per titled entry of a page's clean, non-blank lines; a paper's position is its place among
    the page's distinct papers, so a page's positions are 0..n-1 whatever entries it repeats or lacks a title for."""
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
