"""An Entry from a page to a Record: ids, links from the abstract, institutions and topics."""
from __future__ import annotations

from collections.abc import Iterable

from kg.graph.ids import paper_id, text_key
from kg.graph.merge import AUTHOR, merge_nodes
from kg.graph.names import block_key
from kg.graph.records import Author, PageFormat, Paper, Record, Source
from kg.ingest import institutions, topics
from kg.ingest.links import extract_links
from kg.ingest.names import author_matcher
from kg.ingest.text import Entry


def build_record(entry: Entry, *, file: str, fmt: PageFormat, position: int, page: str | None) -> Record:
    """The Record of one paper as one page shows it; its topic is its category (resolution adds keyphrases)."""
    links = extract_links(entry.abstract)
    match = author_matcher()
    figures = entry.owner_figures if fmt == "profile" else {}
    authors = unique_authors(Author(id=match.author_id(name), name=name, aliases=[name], block=block_key(name),
                                    **(figures if page and text_key(name) == text_key(page) else {}))
                             for name in entry.authors)
    insts = []
    if entry.organization:
        resolve = institutions.from_slug if fmt == "profile" else institutions.from_organization
        insts.append(resolve(entry.organization))
    paper_topics = [topics.category_topic(entry.category)] if entry.category else []
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
        topics=[t.id for t in paper_topics],
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


def unique_authors(authors: Iterable[Author]) -> list[Author]:
    """Each author once, at their first place, as the merge rules join their sightings (two names of one
    id, or a name listed twice); a paper resolved from this one page then lists them as from several."""
    out: dict[str, Author] = {}
    for author in authors:
        known = out.get(author.id)
        out[author.id] = author if known is None else merge_nodes(AUTHOR, known, author)
    return list(out.values())
