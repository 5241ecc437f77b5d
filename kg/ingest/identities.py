"""Resolved papers to author mentions per name block, and those blocks to people: the in-memory path
`kg bench --authors` measures and tests use; kg/store/authors.py builds the same mentions from Neo4j."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from kg.graph.ids import text_key
from kg.graph.identity import Identity, Mention, Weights, resolve_block
from kg.graph.names import block_key
from kg.graph.records import Author, Graph, Paper

def complete_profiles(papers: Iterable[Paper], authors: Iterable[Author]) -> set[str]:
    """The owners (text keys) whose profile pages list as many papers as their header says they have."""
    listed: dict[str, set[str]] = {}
    for paper in papers:
        for source in paper.sources:
            if source.format == "profile" and source.page:
                listed.setdefault(text_key(source.page), set()).add(paper.id)
    return {text_key(a.name) for a in authors
            if a.paper_count is not None and len(listed.get(text_key(a.name), ())) == a.paper_count}


def paper_mentions(paper: Paper, complete: set[str] | frozenset[str] = frozenset()) -> list[Mention]:
    """Each name on `paper`, with its co-authors' blocks, topics, institutions, year, and the profile page
    it anchors when the name is that page's owner (all their pages when the profile is `complete`)."""
    owners: dict[str, str] = {}
    for source in paper.sources:
        if source.format == "profile" and source.page:
            key = text_key(source.page)
            anchor = f"owner:{key}" if key in complete else source.file
            owners[key] = min(owners.get(key, anchor), anchor)
    blocks = [block_key(name) for name in paper.authors]
    out = []
    for name, block in zip(paper.authors, blocks):
        out.append(Mention(paper.id, name, coauthors=frozenset(b for b in blocks if b != block),
                           topics=frozenset(paper.topics), institutions=frozenset(paper.institutions),
                           year=paper.year, anchor=owners.get(text_key(name)),
                           closed=text_key(name) in complete and text_key(name) in owners))
    return out


def by_block(papers: list[Paper], authors: list[Author]) -> dict[str, list[Mention]]:
    """Every paper's mentions, grouped by name block, each with its co-authors' circles."""
    complete = complete_profiles(papers, authors)
    mentions = [m for paper in papers for m in paper_mentions(paper, complete)]
    circles: dict[str, set[str]] = {}
    for m in mentions:
        circles.setdefault(block_key(m.name), set()).update(m.coauthors)
    out: dict[str, list[Mention]] = {}
    for m in mentions:
        near = frozenset(b for c in m.coauthors for b in circles.get(c, ())) - m.coauthors
        out.setdefault(block_key(m.name), []).append(replace(m, community=near))
    return out


def resolve(graph: Graph, weights: Weights = Weights()) -> list[Identity]:
    """The people behind every paper's names, block by block."""
    blocks = by_block(graph.papers, graph.authors)
    return [i for block, mentions in sorted(blocks.items()) for i in resolve_block(block, mentions, weights)]
