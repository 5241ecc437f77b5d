"""Resolved papers to author mentions per name block, and those blocks to people: the in-memory path
`kg bench --authors` measures and tests use; kg/store/authors.py builds the same mentions from Neo4j."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from kg.graph.identity import Identity, Mention, Weights, bits, reach, resolve_block
from kg.graph.ids import author_id, text_key
from kg.graph.merge import AUTHOR, combine, listings, order_key, same_place
from kg.graph.names import block_key
from kg.graph.records import Author, Graph, Paper
from kg.ingest.pages import page_id
from kg.settings import settings


def weights() -> Weights:
    """The identity thresholds the settings give (KG_AUTHORS_SAME_NAME, KG_AUTHORS_VARIANT)."""
    config = settings()
    given = {"same_name": config.authors_same_name, "variant": config.authors_variant}
    return Weights(**{k: v for k, v in given.items() if v is not None})


FIGURES = tuple(p.name for p in AUTHOR.props if p.name not in ("id", "name", "aliases", "block", "evidence"))


def complete_profiles(papers: Iterable[Paper], authors: Iterable[Author]) -> set[str]:
    """The owners (text keys) whose profile pages list as many papers as their header says they have."""
    listed: dict[str, set[str]] = {}
    for paper in papers:
        for source in paper.sources:
            if source.format == "profile" and source.page:
                listed.setdefault(text_key(source.page), set()).add(paper.id)
    return {text_key(a.name) for a in authors
            if a.paper_count is not None and len(listed.get(text_key(a.name), ())) == a.paper_count}


def paper_mentions(paper: Paper, complete: set[str] | frozenset[str] = frozenset(),
                   spelled: dict[str, str] | None = None, pages: Mapping[str, str] | None = None) -> list[Mention]:
    """Each name on `paper`, with its co-authors' blocks, topics, institutions, year, and the profile page
    it anchors when the name is that page's owner (all their pages when the profile is `complete`); `pages`
    gives a profile save's page by snapshot id (kg/ingest/pages.py `match_saves`), else its owner's name does."""
    owners: dict[str, str] = {}
    for source in paper.sources:
        if source.format == "profile" and source.page:
            key = text_key(source.page)
            page = (pages or {}).get(source.snapshot or "") or page_id("profile", author_id(source.page))
            anchor = f"owner:{key}" if key in complete else page
            owners[key] = min(owners.get(key, anchor), anchor)
    names = [spelled.get(i, n) if spelled else n for i, n in zip(paper.author_ids, paper.authors)]
    blocks = [block_key(name) for name in names]
    moved = same_place((s.authors for s in listings(paper.sources).values()), dict(zip(paper.author_ids, names)))
    also: dict[str, list[str]] = {}
    for name_id, kept in sorted(moved.items()):
        also.setdefault(kept, []).append(spelled.get(name_id, name_id) if spelled else names[paper.author_ids.index(name_id)])
    out = []
    for name_id, name, block in zip(paper.author_ids, names, blocks):
        if name_id in moved:
            continue  # another page's spelling of a name kept at its place
        out.append(Mention(paper.id, name, coauthors=frozenset(b for b in blocks if b != block),
                           topics=frozenset(paper.topics), institutions=frozenset(paper.institutions),
                           year=paper.year, anchor=owners.get(text_key(name)),
                           closed=text_key(name) in complete and text_key(name) in owners,
                           also=tuple(also.get(name_id, ()))))
    return out


def by_block(papers: list[Paper], authors: list[Author], pages: Mapping[str, str] | None = None
             ) -> dict[str, list[Mention]]:
    """Every paper's mentions, grouped by name block, each with its co-authors' circles (`pages`: see
    `paper_mentions`)."""
    complete = complete_profiles(papers, authors)
    spelled = {a.id: a.name for a in authors}
    mentions = [m for paper in papers for m in paper_mentions(paper, complete, spelled, pages)]
    circles: dict[str, set[str]] = {}
    for m in mentions:
        circles.setdefault(block_key(m.name), set()).update(m.coauthors)
    grouped: dict[str, list[Mention]] = {}
    for m in mentions:
        grouped.setdefault(block_key(m.name), []).append(m)
    out: dict[str, list[Mention]] = {}
    for block, found in grouped.items():
        numbers = reach(block, (m.coauthors for m in found))
        out[block] = [replace(m, community=bits(numbers, {b for c in m.coauthors for b in circles.get(c, ())}
                                                - m.coauthors)) for m in found]
    return out


def resolve(graph: Graph, weights: Weights = Weights(), pages: Mapping[str, str] | None = None) -> list[Identity]:
    """The people behind every paper's names, block by block (`pages`: see `paper_mentions`)."""
    blocks = by_block(graph.papers, graph.authors, pages)
    return [i for block, mentions in sorted(blocks.items()) for i in resolve_block(block, mentions, weights)]


def evidence_lines(identity: Identity) -> list[str]:
    """An identity's evidence as the graph stores it: "<spelling>\t<why>"."""
    return sorted(f"{name}\t{why}" for name, why in identity.evidence)


def figures(identity: Identity, by_anchor: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A person's profile figures: those of each profile page their mentions anchor, merged by the rules."""
    out: dict[str, Any] = {}
    for anchor in sorted({m.anchor for m in identity.mentions if m.anchor}):
        found = by_anchor.get(anchor, {})
        out = {f: combine(AUTHOR.prop(f).merge, out.get(f), found.get(f)) for f in FIGURES}
    return {f: out.get(f) for f in FIGURES}


def resolve_graph(graph: Graph, weights: Weights = Weights(), pages: Mapping[str, str] | None = None,
                  shown: Mapping[str, dict[str, Any]] | None = None) -> Graph:
    """`graph` with its authors resolved into people: each paper's author ids mapped (a person named twice
    on a paper once, at their first place), each person with every spelling, their evidence and figures:
    those the newest save of their profile page shows (`shown`, by page id), else their spelling's
    (`pages`: see `paper_mentions`)."""
    authors = {a.id: a for a in graph.authors}
    identities = resolve(graph, weights, pages)
    owner_figures = {}
    for identity in identities:
        for m in identity.mentions:
            if m.anchor:
                owner_figures[m.anchor] = (shown or {}).get(m.anchor) or {
                    f: getattr(authors[author_id(m.name)], f) for f in FIGURES}
    people: list[Author] = []
    who: dict[tuple[str, str], Author] = {}
    for identity in identities:
        nids = sorted({author_id(n) for m in identity.mentions for n in (m.name, *m.also)})
        person = Author(id=identity.id, name=identity.name, block=block_key(identity.name),
                        aliases=sorted({s for n in nids for s in authors[n].aliases}, key=order_key),
                        evidence=evidence_lines(identity), **figures(identity, owner_figures))
        people.append(person)
        for m in identity.mentions:
            for n in (m.name, *m.also):
                who[(m.paper, author_id(n))] = person
    papers = []
    for paper in graph.papers:
        ids = list(dict.fromkeys(who[(paper.id, a)].id for a in paper.author_ids))
        names = {p.id: p.name for p in (who[(paper.id, a)] for a in paper.author_ids)}
        papers.append(paper.model_copy(update={"author_ids": ids, "authors": [names[i] for i in ids]}))
    return graph.model_copy(update={"papers": papers, "authors": sorted(people, key=lambda a: a.id)})
