"""Entity resolution: the same paper, author or institution from several pages becomes one."""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Protocol

from kg.ids import author_id
from kg.model import Author, Graph, Institution, Paper, Record, Repo, Topic


class AuthorMatcher(Protocol):
    """Decides which author a name on a page is: the place for a smarter matcher."""

    def author_id(self, name: str) -> str:
        """The id of the author this name refers to."""
        ...


class NameKeyMatcher:
    """Names that agree after Unicode, accent, case and punctuation folding are one author."""

    def author_id(self, name: str) -> str:
        """The id of the author named `name`."""
        return author_id(name)


@lru_cache(maxsize=1)
def author_matcher() -> AuthorMatcher:
    """The matcher every stage uses."""
    return NameKeyMatcher()


def union(first: list[str], second: Iterable[str]) -> list[str]:
    """`first` followed by what `second` adds, order kept, no repeats."""
    seen = set(first)
    out = list(first)
    for item in second:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def better_date(a: str | None, b: str | None) -> str | None:
    """A full date beats a date without a year; otherwise the first one seen."""
    if a is None or (a.startswith("--") and b is not None and not b.startswith("--")):
        return b
    return a


def merge_papers(a: Paper, b: Paper) -> Paper:
    """One paper from two sightings of it: the union of what the pages say."""
    longer, shorter = (a, b) if len(a.authors) >= len(b.authors) else (b, a)
    names = union(longer.authors, shorter.authors)
    ids = union(longer.author_ids, shorter.author_ids)
    counts = [c for c in (a.author_count, b.author_count) if c is not None]
    upvotes = [u for u in (a.upvotes, b.upvotes) if u is not None]
    return a.model_copy(update={
        "abstract": a.abstract if len(a.abstract) >= len(b.abstract) else b.abstract,
        "authors": names,
        "author_ids": ids,
        "author_count": max(counts) if counts else None,
        "institutions": union(a.institutions, b.institutions),
        "repos": union(a.repos, b.repos),
        "links": union(a.links, b.links),
        "arxiv_id": a.arxiv_id or b.arxiv_id,
        "topics": union(a.topics, b.topics),
        "date": better_date(a.date, b.date),
        "year": a.year if a.year is not None else b.year,
        "score": a.score if a.score is not None else b.score,
        "category": a.category or b.category,
        "upvotes": max(upvotes) if upvotes else None,
        "has_code": True if (a.has_code or b.has_code) else (a.has_code if a.has_code is not None else b.has_code),
        "organization": a.organization or b.organization,
        "sources": a.sources + [s for s in b.sources if s not in a.sources],
    })


def add_institutions(table: dict[str, Institution], found: Iterable[Institution]) -> None:
    """Merge each institution into `table`, keyed by id."""
    for inst in found:
        known = table.get(inst.id)
        table[inst.id] = merge_institutions(known, inst) if known else inst


def merge_institutions(a: Institution, b: Institution) -> Institution:
    """One institution under all its names; the fuller display name wins."""
    name = a.name if len(a.name) >= len(b.name) else b.name
    return Institution(id=a.id, name=name, aliases=sorted(set(a.aliases) | set(b.aliases)))


class Resolver:
    """Folds records from any number of pages into one resolved Graph."""

    def __init__(self) -> None:
        self.papers: dict[str, Paper] = {}
        self.authors: dict[str, Author] = {}
        self.institutions: dict[str, Institution] = {}
        self.repos: dict[str, Repo] = {}
        self.topics: dict[str, Topic] = {}

    def add(self, record: Record) -> None:
        """Merge one record in."""
        paper = record.paper
        known = self.papers.get(paper.id)
        self.papers[paper.id] = merge_papers(known, paper) if known else paper
        for author in record.authors:
            self.authors.setdefault(author.id, author)
        add_institutions(self.institutions, record.institutions)
        for repo in record.repos:
            self.repos.setdefault(repo.id, repo)
        for topic in record.topics:
            self.topics.setdefault(topic.id, topic)

    def graph(self) -> Graph:
        """The resolved entities, each list sorted by id so output is stable."""
        def ordered(table: dict) -> list:
            return [table[k] for k in sorted(table)]
        return Graph(papers=ordered(self.papers), authors=ordered(self.authors),
                     institutions=ordered(self.institutions), repos=ordered(self.repos),
                     topics=ordered(self.topics))
