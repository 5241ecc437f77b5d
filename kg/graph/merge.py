"""The merge rules: how two sightings of a paper or an institution combine into one."""
from __future__ import annotations

from collections.abc import Iterable

from kg.graph.records import Institution, Paper


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
