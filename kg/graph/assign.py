"""New mentions of a name block given to the people it already holds: what a load decides, in time that
follows what it adds.

A person is known by a summary (kg/graph/model.py `__Summary`): their spellings, the blocks of their
co-authors, institutions, arXiv categories, years and profile pages. A load's new mentions start as in
full clustering (kg/graph/identity.py `_seed`), then each cluster of them joins the best-scoring person or
other new cluster whose names fit, by the same score and thresholds, while one reaches the threshold; known
people never merge with each other (that is full clustering's work: `kg authors recluster`). A cluster
that two people fit within MARGIN of each other leaves its block marked for full clustering.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.graph.identity import (
    KEPT_APART,
    Cluster,
    Identity,
    Mention,
    Weights,
    agglomerate,
    bits,
    compatible,
    display,
    evidence_of,
    name_bits,
    seed,
    signals,
    threshold,
    tie,
)
from kg.graph.ids import author_id
from kg.graph.names import parse

MARGIN = 0.5  # a cluster two people fit closer than this is left to full clustering


@dataclass(frozen=True)
class Summary:
    """What a person is weighed by, kept beside them: co-author blocks, institutions, arXiv categories with
    their papers, years, and how many mentions they hold."""

    coauthors: frozenset[str] = frozenset()
    institutions: frozenset[str] = frozenset()
    categories: tuple[tuple[str, int], ...] = ()
    years: tuple[int, ...] = ()
    mentions: int = 0
    closed: bool = False

    def add(self, mentions: Iterable[Mention]) -> Summary:
        """This summary with `mentions` taken in too."""
        found = list(mentions)
        counts = dict(self.categories)
        for m in found:
            for t in m.topics:
                if t.startswith("arxiv:"):
                    counts[t] = counts.get(t, 0) + 1
        return Summary(self.coauthors.union(*(m.coauthors for m in found)),
                       self.institutions.union(*(m.institutions for m in found)),
                       tuple(sorted(counts.items())),
                       tuple(sorted(set(self.years) | {m.year for m in found if m.year is not None})),
                       self.mentions + len(found), self.closed or any(m.closed for m in found))


def summarize(identity: Identity) -> Summary:
    """A person's summary, from the mentions taken for them."""
    return Summary().add(identity.mentions)


@dataclass(frozen=True)
class Person:
    """A person the graph holds, as a load weighs new mentions against them."""

    id: str
    spellings: tuple[str, ...]
    summary: Summary
    anchors: frozenset[str] = frozenset()  # their profile pages
    papers: frozenset[str] = frozenset()  # those of the new mentions' papers they are already on


class Known(Cluster):
    """A person as a cluster: features from their summary, the new mentions they take as `mentions`."""

    def __init__(self, person: Person) -> None:
        super().__init__([])
        self.person = person
        self.steps = {name: "" for name in person.spellings}  # known spellings keep their evidence
        self._take(person.summary, person.papers, frozenset(person.spellings))

    def _take(self, summary: Summary, papers: frozenset[str], names: frozenset[str]) -> None:
        known = self.__dict__
        anchors = self.person.anchors | known.get("anchors", frozenset())
        known.update(key=("", self.person.id), names=names, parsed=frozenset(parse(n) for n in names), pin=None,
                     papers=papers, closed=summary.closed, anchors=anchors, categories=dict(summary.categories),
                     years=list(summary.years),
                     _unions={"coauthors": summary.coauthors, "institutions": summary.institutions})

    def absorb(self, other: Cluster) -> None:
        """Take `other`'s mentions in; the summary grows by them."""
        known = self.__dict__
        names, papers, bits, fits = known["names"] | other.names, known["papers"] | other.papers, self.bits, self.fits
        anchors = known["anchors"] | other.anchors
        grown = self._summary().add(other.mentions)
        self.mentions = sorted(self.mentions + other.mentions, key=lambda m: m.key)
        known["anchors"] = anchors
        self._take(grown, papers, names)
        self.bits, self.fits = bits | other.bits, fits & other.fits
        self.plain |= other.plain
        self.ties |= other.ties
        self.community |= other.community

    def _summary(self) -> Summary:
        known = self.__dict__
        return Summary(known["_unions"]["coauthors"], known["_unions"]["institutions"],
                       tuple(sorted(known["categories"].items())), tuple(known["years"]),
                       self.person.summary.mentions + len(self.mentions), known["closed"])


@dataclass
class Assignment:
    """What a load decided in one block: the new mentions each known person takes, the new people, and
    whether the block needs full clustering."""

    taken: dict[str, list[Mention]] = field(default_factory=dict)  # person id -> new mentions
    steps: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # person id -> (spelling, why) added
    summaries: dict[str, Summary] = field(default_factory=dict)  # person id -> summary after
    new: list[Identity] = field(default_factory=list)
    unsure: bool = False  # a cluster fitted two people closer than MARGIN


def assign_block(block: str, persons: list[Person], mentions: Iterable[Mention], weights: Weights,
                 community: dict[str, int] | None = None, numbers: dict[str, int] | None = None,
                 taken: Iterable[str] = ()) -> Assignment:
    """Give `block`'s new `mentions` to its known `persons` (those the mentions' names make candidates) or
    to new people, whose ids none of `taken` (every person id of the block) holds. numbers: the block's
    `reach` (bits of the mentions' communities); community: each person's community as bits of it, those a
    new cluster's co-authors can meet (see kg/store/assign.py)."""
    distinct = sorted(set(mentions), key=lambda m: (m.key, m.anchor or ""))
    news = seed(distinct)
    known = [Known(p) for p in sorted(persons, key=lambda p: p.id)]
    by_anchor = {a: k for k in known for a in sorted(k.person.anchors)}
    for c in list(news):  # a profile page's owner is its owner, whatever the score
        owner = next((by_anchor[m.anchor] for m in c.mentions if m.anchor in by_anchor), None)
        if owner is not None:
            _join(owner, c, "the profile page's owner")
            news.remove(c)
    clusters: list[Cluster] = [*known, *news]
    name_bits(clusters)
    numbers = numbers if numbers is not None else {}
    tie(news, numbers)
    for k in known:
        k.ties |= bits(numbers, k.union("coauthors"))
        k.community |= (community or {}).get(k.person.id, 0)
        k.span = len(numbers)
    out = Assignment()
    out.unsure = any(_torn(c, known, block, weights) for c in news)
    left = agglomerate(block, clusters, weights, apart=lambda a, b: isinstance(a, Known) and isinstance(b, Known))
    for k in known:
        if k.mentions:
            out.taken[k.person.id] = list(k.mentions)
            out.steps[k.person.id] = [(n, why) for n, why in sorted(k.steps.items()) if why]
            out.summaries[k.person.id] = k._summary()
    fresh = [c for c in left if not isinstance(c, Known)]
    out.new = _new_people(fresh, known, {*taken, *(k.person.id for k in known)})
    return out


def _join(owner: Known, cluster: Cluster, why: str) -> None:
    for name in cluster.names:
        if name not in owner.steps:
            owner.steps[name] = why
    owner.absorb(cluster)


def _torn(cluster: Cluster, known: list[Known], block: str, weights: Weights) -> bool:
    """Whether two people fit `cluster` closer than MARGIN, both above their thresholds."""
    found = sorted((s for k in known if compatible(cluster, k)
                    and (s := signals(cluster, k, block, weights).score) >= threshold(cluster, k, weights)),
                   reverse=True)
    return len(found) > 1 and found[0] - found[1] < MARGIN


def _new_people(fresh: list[Cluster], known: list[Known], taken: set[str]) -> list[Identity]:
    """The clusters no known person took, as people with ids not `taken`."""
    out = []
    for c in sorted(fresh, key=lambda c: c.key):
        base = author_id(display(c))
        ident, n = base, 1
        while ident in taken:
            n += 1
            ident = f"{base}-{n}"
        taken.add(ident)
        notes = [f"{KEPT_APART}{k.person.id}: they fit neither well enough to be one person"
                 for k in known if k.bits & c.bits]
        evidence = evidence_of(c) + [("", note) for note in sorted(notes)]
        out.append(Identity(ident, display(c), tuple(sorted(c.names)), tuple(c.mentions), tuple(evidence),
                            any(m.anchor for m in c.mentions)))
    return out
