"""A daily feed: title, abstract, then `• N authors` or an organisation, `·`, date and upvotes."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kg.ingest.text import DATE, Entry, date_line, is_boilerplate

AUTHOR_COUNT = re.compile(r"^[•·*-]?\s*(?P<n>\d[\d,]*)\s+authors?$", re.IGNORECASE)
_INLINE = re.compile(rf"^(?P<meta>.+?)\s+·\s+(?P<date>{DATE}(?:\s+\d[\d,]*)?)$", re.IGNORECASE)


def is_marker(line: str) -> bool:
    """Lines only a feed has: the lone `·` separator or an author count."""
    return line == "·" or bool(AUTHOR_COUNT.match(line))


def parse(lines: Iterable[str]) -> Iterator[tuple[str, Entry]]:
    """Yield (feed date, entry) for each paper of a page's clean, non-blank lines."""
    page_date: str | None = None
    pending: list[str] = []
    meta: str | None = None
    first = True
    for line in lines:
        inline = _INLINE.match(line) if "·" in line else None
        if line == "·":
            if meta is None and pending:
                meta = pending.pop()
            continue
        if inline and (meta is None):
            meta, line = inline["meta"], inline["date"]
        dated = date_line(line)
        if dated and meta is not None:
            if first:
                page_date, pending = _drop_header(pending, page_date)
                first = False
            entry = _entry(pending, meta, dated)
            if entry is not None:
                yield page_date or "", entry
            pending, meta = [], None
        elif AUTHOR_COUNT.match(line):
            meta = line
        else:
            pending.append(line)
    if pending:
        if first:
            page_date, pending = _drop_header(pending, page_date)
        entry = _entry(pending, meta, None)
        if entry is not None:
            yield page_date or "", entry


def _drop_header(pending: list[str], page_date: str | None) -> tuple[str | None, list[str]]:
    """Cut the page header (banners and the feed's own date) off the first paper's lines."""
    for i in range(len(pending) - 1, -1, -1):
        dated = date_line(pending[i])
        if dated:
            return pending[i], pending[i + 1:]
    return page_date, [line for line in pending if not is_boilerplate(line)]


def _entry(lines: list[str], meta: str | None, dated: tuple[str | None, int | None, int | None] | None) -> Entry | None:
    if not lines:
        return None
    entry = Entry(title=lines[0], abstract="\n".join(lines[1:]))
    if meta is not None:
        count = AUTHOR_COUNT.match(meta)
        if count:
            entry.author_count = int(count["n"].replace(",", ""))
        else:
            entry.organization = meta
    if dated:
        entry.date, entry.year, entry.upvotes = dated
    return entry
