"""An Entry from a page to a Record: ids, links from the abstract, institutions and topics."""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from kg.graph.ids import paper_id, text_key
from kg.graph.merge import AUTHOR, merge_nodes
from kg.graph.names import block_key
from kg.graph.records import Author, PageFormat, Paper, Record, Source
from kg.ingest import institutions, topics
from kg.ingest.links import Links, extract_links
from kg.ingest.names import author_matcher
from kg.ingest.text import Entry


def build_record(entry: Entry, *, file: str, fmt: PageFormat, position: int, page: str | None) -> Record:
    """The Record of one paper as one page shows it, its topics those of its category, title and abstract."""
    links = _links(entry.abstract)
    match = author_matcher()
    figures = entry.owner_figures if fmt == "profile" else {}
    authors = unique_authors(Author(id=match.author_id(name), name=name, aliases=[name], block=block_key(name),
                                    **(figures if page and text_key(name) == text_key(page) else {}))
                             for name in entry.authors)
    insts = []
    if entry.organization:
        resolve = institutions.from_slug if fmt == "profile" else institutions.from_organization
        insts.append(resolve(entry.organization))
    paper_topics, found_in = topics.paper_topics(entry.category, entry.title, entry.abstract)
    has_code = True if links.repos else entry.has_code
    paper = Paper(
        id=paper_id(entry.title),
        title=entry.title,
        abstract=entry.abstract,
        authors=[a.name for a in authors],
        author_ids=[a.id for a in authors],
        author_count=entry.author_count,
        institutions=[i.id for i in insts],
        repos=[r.id for r in links.repos],
        links=links.links,
        arxiv_id=links.arxiv_ids[0] if links.arxiv_ids else None,
        topics=sorted(found_in),
        found_in=found_in,
        date=entry.date,
        year=entry.year,
        score=entry.score,
        category=topics.arxiv_category(entry.category) if entry.category else None,
        upvotes=entry.upvotes,
        has_code=has_code,
        organization=entry.organization,
        sources=[Source(file=file, format=fmt, position=position, page=page, authors=[a.id for a in authors])],
    )
    return Record(paper=paper, authors=authors, institutions=insts, repos=links.repos, topics=paper_topics)


@lru_cache(maxsize=1 << 16)  # the same paper is listed on several pages; build_record only reads the result
def _links(abstract: str) -> Links:
    return extract_links(abstract)


def unique_authors(authors: Iterable[Author]) -> list[Author]:
    """Each author once, at their first place, as the merge rules join their sightings (two names of one
    id, or a name listed twice); a paper resolved from this one page then lists them as from several."""
    out: dict[str, Author] = {}
    for author in authors:
        known = out.get(author.id)
        out[author.id] = author if known is None else merge_nodes(AUTHOR, known, author)
    return list(out.values())
