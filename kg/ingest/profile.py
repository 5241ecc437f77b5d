"""A researcher's profile page: the owner's name, then per paper a header, title, authors, abstract."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kg.graph.ids import text_key
from kg.ingest.text import DATE, Entry, clean, is_boilerplate, iso_date
from kg.ingest.topics import arxiv_category

# `26.7LGOct 1, 2023Code`: score, arXiv category, date, code flag, glued together.
HEADER = re.compile(
    rf"^(?P<score>\d{{1,4}}(?:\.\d+)?)?(?P<cat>[A-Za-z][A-Za-z.-]{{0,15}}?)?\s*{DATE}\s*(?P<code>Code)?\s*$"
)
# The owner's figures in a profile header, one per line or joined by " · ": "h-index35", "72papers",
# "9,368citations", "Novelty56%", "AI Score62".
FIGURES = {
    "h_index": re.compile(r"\bh-?index\s*:?\s*(\d[\d,]*)", re.IGNORECASE),
    "paper_count": re.compile(r"(\d[\d,]*)\s*papers\b", re.IGNORECASE),
    "citations": re.compile(r"(\d[\d,]*)\s*citations\b", re.IGNORECASE),
    "novelty": re.compile(r"\bnovelty\s*:?\s*(\d+)\s*%", re.IGNORECASE),
    "ai_score": re.compile(r"\bai\s*score\s*:?\s*(\d+)", re.IGNORECASE),
}
_CATEGORY = re.compile(r"^[A-Za-z][A-Za-z.-]{1,15}$")
_NAME = re.compile(r"[\w'’.-]+(?: [\w'’.-]+){0,5}")
_NAME_SEPARATOR = re.compile(r",\s*|\s+and\s+")
_ET_AL = re.compile(r",?\s*(?:et\s+al\.?|…|\.\.\.)\s*$", re.IGNORECASE)


def header(line: str) -> re.Match[str] | None:
    """The parts of a paper header line, or None; a bare date is not a header."""
    match = HEADER.match(line)
    if match and (match["score"] or match["cat"]):
        return match
    return None


def split_authors(line: str) -> tuple[list[str], bool, str | None] | None:
    """(names, cut off?, institution slug) when `line` is an author line, else None."""
    names_part, _, affiliation = line.rpartition(" · ") if " · " in line else (line, "", "")
    cut = bool(_ET_AL.search(names_part))
    names_part = _ET_AL.sub("", names_part)
    names = [n for n in map(clean, _NAME_SEPARATOR.split(names_part)) if n]
    if not names or not all(_is_name(n) for n in names):
        return None
    return names, cut, clean(affiliation) or None


def _is_name(text: str) -> bool:
    """One to six name words (`text` is clean: one space between words), at most 60 characters."""
    if len(text) > 60 or (text.endswith(".") and not text.endswith((" Jr.", " Sr."))):
        return False
    return bool(_NAME.fullmatch(text))


def owner_figures(line: str, figures: dict[str, int | str]) -> None:
    """Add to `figures` what one line of a profile header says about its owner."""
    for key, pattern in FIGURES.items():
        if key not in figures and (found := pattern.search(line)):
            figures[key] = int(found[1].replace(",", ""))
    if "main_category" not in figures and _CATEGORY.match(line) and "." in (code := arxiv_category(line)):
        figures["main_category"] = code


def parse(lines: Iterable[str]) -> Iterator[tuple[str, Entry]]:
    """Yield (owner, entry) for each paper of a page's clean, non-blank lines; the owner is added to every
    author list, and every entry carries the figures of the page's header."""
    owner: str | None = None
    entry: Entry | None = None
    figures: dict[str, int | str] = {}
    for line in lines:
        match = header(line)
        if match:
            if entry is not None:
                yield owner or "", _with_owner(entry, owner)
            entry = _start(match)
            entry.owner_figures = figures
        elif entry is None:
            if owner is None and not is_boilerplate(line):
                owner = line
            elif owner is not None:
                owner_figures(line, figures)
        elif not entry.title:
            entry.title = line
        elif not entry.authors and not entry.abstract and (parts := split_authors(line)):
            entry.authors, entry.authors_cut, entry.organization = parts
        else:
            entry.abstract = f"{entry.abstract}\n{line}" if entry.abstract else line
    if entry is not None:
        yield owner or "", _with_owner(entry, owner)


def _start(match: re.Match[str]) -> Entry:
    date, year = iso_date(match["month"], match["day"], match["year"])
    return Entry(title="", date=date, year=year,
                 score=float(match["score"]) if match["score"] else None,
                 category=match["cat"] or None, has_code=bool(match["code"]))


def _with_owner(entry: Entry, owner: str | None) -> Entry:
    """The owner wrote every paper on the page, even where the author line cuts them off."""
    if entry.authors and not entry.authors_cut:
        entry.author_count = len(entry.authors)
    if owner and text_key(owner) not in {text_key(a) for a in entry.authors}:
        entry.authors.append(owner)
        if entry.author_count is not None:
            entry.author_count = None  # the listed names were not all of them after all
    return entry
