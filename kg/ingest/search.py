"""Search results: a short header, then title and abstract lines in turn."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kg.ingest.text import Entry, is_boilerplate, looks_like_abstract, strip_subscribe

# A header line naming what was searched for: `Search results for "graph networks"`, `Query: diffusion`.
QUERY = re.compile(r"^(?:search\s+results\s+for\b|results\s+for\b|search\s*:|query\s*:)\s*"
                   r"[\"“'‘]?(?P<query>.+?)[\"”'’]?$", re.IGNORECASE)


def parse(lines: Iterable[str]) -> Iterator[tuple[str, Entry]]:
    """Yield (query, entry) for each result of a page's clean, non-blank lines, the query being what the
    header says was searched for ("" if it says nothing); a title with no abstract after it is kept alone."""
    entry: Entry | None = None
    started = False
    query = ""
    for line in lines:
        if not started:
            line = strip_subscribe(line)
            if is_boilerplate(line) or line.lower().startswith("get trending papers"):
                continue
            if not query and (found := QUERY.match(line)):
                query = found["query"].strip()
                continue
            started = True
        if entry is not None and not entry.abstract and looks_like_abstract(line):
            entry.abstract = line
        elif entry is not None and entry.abstract and looks_like_abstract(line) and not _title_like(line):
            entry.abstract += "\n" + line  # a second paragraph
        else:
            if entry is not None:
                yield query, entry
            entry = Entry(title=line)
    if entry is not None:
        yield query, entry


def _title_like(line: str) -> bool:
    return len(line.split()) <= 25 and not line.endswith(".")
