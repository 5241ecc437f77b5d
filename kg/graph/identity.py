"""Who is who in one name block: mentions of a name on papers clustered into people, with the evidence.

Deterministic and order-free: the clusters are a function of the set of mentions, whatever order they
come in. Mentions that share a spelling and a co-author start together; a profile page's owner anchors
their mentions; then the best-scoring pair of clusters whose names are compatible merges while its score
(shared co-authors, institutions, topics, years) reaches the threshold, ties broken by content.
"""
from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from kg.graph.ids import author_id
from kg.graph.names import PersonName, compatible_names, natural, parse


@dataclass(frozen=True)
class Weights:
    """The score's weights and the thresholds a merge must reach (kg/settings.py holds the user's)."""

    coauthor: float = 1.0  # per shared co-author (by block key), at most three count
    community: float = 1.0  # times that share of their co-authors who wrote with the other's co-authors which
    # chance does not explain (`Signals.chance`)
    unconnected: float = 0.0  # against, when both have co-authors and none of them ever wrote together
    institution: float = 0.6  # a shared institution; half of it against when both name others
    topic: float = 0.5  # times (the cosine similarity of their arXiv categories - 0.5)
    year: float = 0.1  # papers within three years of each other
    same_name: float = -0.6  # threshold when the clusters share a spelling: merged unless evidence says no
    variant: float = 0.5  # threshold when their spellings only are compatible


@dataclass(frozen=True)
class Mention:
    """One name on one paper, with what the paper says around it."""

    paper: str
    name: str
    coauthors: frozenset[str] = frozenset()  # block keys of the paper's other authors
    community: int = 0  # those co-authors' own co-authors, as bits of the block's `reach` (only blocks a
    # mention of its block wrote with count), the mention's own co-authors left out
    topics: frozenset[str] = frozenset()
    institutions: frozenset[str] = frozenset()
    year: int | None = None
    anchor: str | None = None  # the profile page whose owner this mention is
    closed: bool = False  # that profile lists every paper of its owner: no other paper is theirs
    pin: str | None = None  # a user's override ("<why>#<group>"): mentions with one pin are one person
    also: tuple[str, ...] = ()  # other spellings another page gives at this name's place on the paper

    @property
    def key(self) -> tuple[str, str]:
        """(paper id, the name's id): how the graph and a truth file name a mention."""
        return self.paper, author_id(self.name)


@dataclass
class Cluster:
    """Mentions taken for one person, the union of their features, and how they came together."""

    mentions: list[Mention]
    steps: dict[str, str] = field(default_factory=dict)  # spelling -> why it joined
    # Its parsed names as bits of the block's name table (resolve_block), and the names compatible with all of them;
    # `plain`: those of its names that name one person only (no two names they fit are each other's misfits).
    bits: int = 0
    fits: int = -1
    plain: int = 0
    # Its mentions' co-authors and communities as bits of the block's `reach`, and how many blocks that numbers.
    ties: int = 0
    community: int = 0
    span: int = 0

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        if name == "mentions":  # what is derived from them is taken again
            for derived in ("key", "names", "parsed", "pin", "papers", "closed", "anchors", "categories", "years"):
                self.__dict__.pop(derived, None)
            self.__dict__["_unions"] = {}

    @cached_property
    def key(self) -> tuple[str, str]:
        return min(m.key for m in self.mentions)

    @cached_property
    def names(self) -> frozenset[str]:
        return frozenset(m.name for m in self.mentions)

    @cached_property
    def parsed(self) -> frozenset[PersonName]:
        return frozenset(parse(m.name) for m in self.mentions)

    @cached_property
    def pin(self) -> str | None:
        return next((m.pin for m in self.mentions if m.pin), None)

    @cached_property
    def papers(self) -> frozenset[str]:
        return frozenset(m.paper for m in self.mentions)

    @cached_property
    def closed(self) -> bool:
        return any(m.closed for m in self.mentions)

    @cached_property
    def anchors(self) -> frozenset[str]:
        return frozenset(m.anchor for m in self.mentions if m.anchor)

    @cached_property
    def categories(self) -> dict[str, int]:
        return _categories(self)

    @cached_property
    def years(self) -> list[int]:
        return sorted({m.year for m in self.mentions if m.year is not None})

    def union(self, attr: str) -> frozenset[str]:
        unions: dict[str, frozenset[str]] = self.__dict__["_unions"]
        if attr not in unions:
            unions[attr] = frozenset().union(*(getattr(m, attr) for m in self.mentions))
        return unions[attr]

    def absorb(self, other: Cluster) -> None:
        """Take `other`'s mentions in; what is derived from both is combined, not taken again."""
        known = self.__dict__
        theirs = other.__dict__["_unions"]
        unions = {attr: v | theirs[attr] for attr, v in known["_unions"].items() if attr in theirs}
        derived: dict[str, frozenset[object]] = {name: getattr(self, name) | getattr(other, name)
                                                 for name in ("names", "parsed", "papers", "anchors")}  # each merge needs them
        self.mentions = sorted(self.mentions + other.mentions, key=lambda m: m.key)
        known.update(derived, _unions=unions)
        self.bits |= other.bits
        self.fits &= other.fits
        self.plain |= other.plain
        self.ties |= other.ties
        self.community |= other.community


def reach(block: str, coauthors: Iterable[frozenset[str]]) -> dict[str, int]:
    """The co-author blocks of a block's mentions (each one's `coauthors`) numbered in sorted order: bit i of
    a mention's community is the i-th."""
    return {b: i for i, b in enumerate(sorted(frozenset().union(*coauthors) - {block}))}


def bits(numbers: Mapping[str, int], blocks: Iterable[str]) -> int:
    """The bits of those of `blocks` that `numbers` numbers (the others are left out)."""
    out = bytearray(len(numbers) // 8 + 1)
    for b in blocks:
        n = numbers.get(b)
        if n is not None:
            out[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(out, "little")


def tie(clusters: Iterable[Cluster], numbers: Mapping[str, int]) -> None:
    """Give each cluster its mentions' co-authors and communities as bits (`numbers`: the block's reach)."""
    for c in clusters:
        ties = community = 0
        for m in c.mentions:
            ties |= bits(numbers, m.coauthors)
            community |= m.community
        c.ties, c.community, c.span = ties, community, len(numbers)


KEPT_APART = "kept apart from "  # an evidence line of a namesake: "\tkept apart from <id>: <why>"


@dataclass(frozen=True)
class Evidence:
    """One stored evidence line: a spelling and why it is this person's, or (name empty) a namesake kept
    apart, whose id `namesake` holds."""

    name: str
    why: str
    namesake: str = ""


def read_evidence(lines: Iterable[str]) -> list[Evidence]:
    """The graph's evidence lines ("<spelling>\t<why>", as kg/ingest/identities.py writes them), read."""
    out = []
    for line in lines:
        name, _, why = line.partition("\t")
        other = why[len(KEPT_APART):].partition(": ")[0] if not name and why.startswith(KEPT_APART) else ""
        out.append(Evidence(name, why, other))
    return out


@dataclass(frozen=True)
class Identity:
    """One person: an id, a display name, every spelling, their mentions, and why (spelling -> evidence)."""

    id: str
    name: str
    aliases: tuple[str, ...]
    mentions: tuple[Mention, ...]
    evidence: tuple[tuple[str, str], ...]
    anchored: bool


def _categories(c: Cluster) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in c.mentions:
        for t in m.topics:
            if t.startswith("arxiv:"):
                counts[t] = counts.get(t, 0) + 1
    return counts


def _cosine(a: dict[str, int], b: dict[str, int]) -> float:
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


@dataclass(frozen=True)
class Signals:
    """The score of two clusters being one person, and what it is made of (put in words only when asked)."""

    score: float
    co: frozenset[str]  # shared co-author blocks
    near: float  # the share of their co-authors who wrote with the other's
    chance: float  # the share expected of two strangers: their communities' shares of the block's reach
    inst: list[str]  # shared institutions
    both_placed: bool  # both name institutions
    topics: float | None
    close: bool
    far: bool
    unconnected: bool

    def words(self) -> list[str]:
        """The score's parts in words, as evidence lines show them."""
        co, inst, topics = sorted(self.co), self.inst, self.topics
        words = [f"{len(co)} shared co-author{'s' * (len(co) != 1)}" + (f" ({', '.join(co[:3])})" if co else ""),
                 f"{self.near:.0%} of their co-authors wrote with the other's"
                 + (f" ({self.chance:.0%} by chance)" if self.chance else ""),
                 f"shared institution {inst[0]}" if inst else ("different institutions" if self.both_placed else
                                                              "no institution to compare"),
                 f"topic similarity {topics:.2f}" if topics is not None else "no topics to compare",
                 "years close" if self.close else ("years apart" if self.far else "no years to compare")]
        if self.unconnected:
            words.insert(2, "unconnected co-author communities")
        return words


def signals(a: Cluster, b: Cluster, block: str, weights: Weights) -> Signals:
    """The score of `a` and `b` being one person, and its parts."""
    ua, ub = a.union("coauthors"), b.union("coauthors")
    co = ua & ub
    if block in co:
        co = co - {block}
    ia, ib = a.union("institutions"), b.union("institutions")
    inst = sorted(ia & ib)
    ca, cb = a.categories, b.categories
    topics = _cosine(ca, cb) if ca and cb else None
    ya, yb = a.years, b.years
    close = bool(ya and yb and min(abs(x - y) for x in ya for y in yb) <= 3)
    linked = (a.community & b.ties).bit_count() + (b.community & a.ties).bit_count()
    near = linked / (a.ties.bit_count() + b.ties.bit_count()) if a.ties or b.ties else 0.0
    expected = _chance(a, b)
    unconnected = bool(a.ties and b.ties and not co and not linked)
    far = bool(ya and yb and not close)
    lift = (near - expected) / (1 - expected) if near > expected else 0.0
    score = (weights.coauthor * min(len(co), 3) + weights.community * lift + weights.year * (close - far)
             - weights.unconnected * unconnected)
    if inst:
        score += weights.institution
    elif ia and ib:
        score -= weights.institution / 2
    if topics is not None:
        score += weights.topic * (topics - 0.5)
    return Signals(round(score, 4), co, near, round(expected, 4), inst, bool(ia and ib), topics, close, far,
                   unconnected)


def _chance(a: Cluster, b: Cluster) -> float:
    """The share of two clusters' co-authors that would meet the other's community by chance: a co-author
    block is counted by blocks, and in a large corpus a block holds many people, so communities grow with
    the corpus and meet strangers' co-authors ever more often."""
    span = max(a.span, b.span)
    ta, tb = a.ties.bit_count(), b.ties.bit_count()
    if not span or not (ta or tb):
        return 0.0
    return (tb * min(a.community.bit_count(), span) + ta * min(b.community.bit_count(), span)) / (span * (ta + tb))


def compatible(a: Cluster, b: Cluster) -> bool:
    if a.pin and b.pin and a.pin != b.pin:
        return False  # a user kept them apart
    if a.closed or b.closed:
        return False  # a complete profile already holds every paper of its owner
    if a.anchors and b.anchors and a.anchors.isdisjoint(b.anchors) and a.bits & b.bits:
        return False  # two profile pages of one name are two people's (kg/ingest/pages.py match_saves)
    if not a.papers.isdisjoint(b.papers):
        return False  # one person is named once per paper
    return not (a.bits & ~b.fits or b.bits & ~a.fits)  # every name of one compatible with every name of the other


def name_bits(clusters: list[Cluster]) -> None:
    """Number the block's parsed names; give each cluster its names' bits, the bits of the names compatible
    with all of them (so a pair's names are compared by two ANDs) and of its plain names (`ambiguous`)."""
    names = sorted({n for c in clusters for n in c.parsed}, key=lambda n: (n.family, n.given))
    index = {n: i for i, n in enumerate(names)}
    by_first: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        by_first.setdefault(n.given[0] if n.given else "", []).append(i)
    fits = [0] * len(names)
    for t, mine in by_first.items():  # compatible names' first given names are equal, an initial, or one's start
        near = [j for u, theirs in by_first.items() if len(t) <= 1 or len(u) <= 1 or t.startswith(u)
                or u.startswith(t) for j in theirs]
        for i in mine:
            for j in near:  # `near` and compatibility are symmetric: each pair is tried once, from its lower end
                if j >= i and compatible_names(names[i], names[j]):
                    fits[i] |= 1 << j
                    fits[j] |= 1 << i
    unsure = ambiguous(fits)
    for c in clusters:
        c.bits, c.fits = 0, -1
        for n in c.parsed:
            c.bits |= 1 << index[n]
            c.fits &= fits[index[n]]
        c.plain = c.bits & ~unsure


def ambiguous(fits: list[int]) -> int:
    """The names (as bits) that two names incompatible with each other both fit: "A. Costa" beside "Amara
    Costa" and "Antoine Costa". Sharing such a spelling says nothing of being one person. fits: each name's
    compatible names, itself included."""
    out = 0
    for i, mine in enumerate(fits):
        if any(mine & ~fits[j] for j in _numbers(mine)):
            out |= 1 << i
    return out


def seed(mentions: list[Mention]) -> list[Cluster]:
    """Starting clusters: one per mention, joined when they share a spelling and a co-author, or a profile
    page's owner (and a compatible name beside the owner on one of their papers)."""
    parent = list(range(len(mentions)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    first: dict[object, int] = {}
    for i, m in enumerate(mentions):
        keys: list[object] = [("co", parse(m.name), c) for c in m.coauthors]
        if m.anchor is not None:
            keys.append(("anchor", m.anchor))
        if m.pin is not None:
            keys = [("pin", m.pin)]  # a user's decision replaces the evidence
        for key in keys:
            if key in first:
                join(first[key], i)
            else:
                first[key] = i
    by_paper: dict[str, list[int]] = {}
    for i, m in enumerate(mentions):
        by_paper.setdefault(m.paper, []).append(i)
    for ids in by_paper.values():
        owners = [i for i in ids if mentions[i].anchor is not None and mentions[i].pin is None]
        for o in owners:
            for i in ids:
                if (i != o and mentions[i].pin is None
                        and compatible_names(parse(mentions[i].name), parse(mentions[o].name))):
                    join(o, i)
    groups: dict[int, list[Mention]] = {}
    for i, m in enumerate(mentions):
        groups.setdefault(find(i), []).append(m)
    clusters = []
    for group in groups.values():
        cluster = Cluster(sorted(group, key=lambda m: m.key))
        names = sorted(cluster.names)
        pin = cluster.pin
        for name in names:
            cluster.steps[name] = ("the profile page's owner" if any(m.anchor for m in group if m.name == name)
                                   else "one spelling")
        if pin:
            for name in names:
                cluster.steps[name] = f"set by the user: {pin.rpartition('#')[0]}"
        elif len(names) > 1:
            owner = min(m.name for m in group if m.anchor) if any(m.anchor for m in group) else names[0]
            for name in names:
                if name != owner and cluster.steps[name] == "one spelling":
                    cluster.steps[name] = f"beside the profile page's owner {owner!r} on one paper"
        clusters.append(cluster)
    return clusters


def resolve_block(block: str, mentions: Iterable[Mention], weights: Weights = Weights()) -> list[Identity]:
    """The people behind one block's mentions (their communities numbered by the `reach` of these very
    mentions), sorted by id."""
    distinct = sorted(set(mentions), key=lambda m: (m.key, m.anchor or ""))
    clusters = seed(distinct)
    name_bits(clusters)
    tie(clusters, reach(block, (m.coauthors for m in distinct)))
    scores: Scores = {}
    clusters = agglomerate(block, clusters, weights, scores=scores)
    apart: list[tuple[Cluster, Cluster, float, list[str]]] = []
    for i, a in enumerate(clusters):
        for b in clusters[i + 1:]:
            if a.bits & b.bits:
                k = (a.key, b.key) if a.key < b.key else (b.key, a.key)
                found = scores.get(k) or scores.setdefault(k, signals(a, b, block, weights))
                apart.append((a, b, found.score, [_apart(a, b, found.score, found.words(), weights)]))
    return _identities(clusters, apart, weights)


def threshold(a: Cluster, b: Cluster, weights: Weights) -> float:
    """The score two clusters must reach to merge: lower when they share a spelling that names one person only
    in the block (not "A. Costa" beside "Amara Costa" and "Antoine Costa": an initial says who it is not)."""
    return weights.same_name if a.plain & b.plain else weights.variant


def _never(a: Cluster, b: Cluster) -> bool:
    return False


Scores = dict[tuple[tuple[str, str], tuple[str, str]], "Signals"]  # by the pair's cluster keys, lower first


def agglomerate(block: str, clusters: list[Cluster], weights: Weights,
                apart: Callable[[Cluster, Cluster], bool] = _never, scores: Scores | None = None) -> list[Cluster]:
    """Merge the best-scoring pair of compatible clusters (not kept `apart`) while its score reaches the
    threshold; the clusters left, in their order. Each cluster's names and ties must be set (`name_bits`, `tie`);
    scores: where the pairs' scores are kept (by the clusters' keys when first weighed)."""
    clusters = list(clusters)
    scores = {} if scores is None else scores

    def score(a: Cluster, b: Cluster) -> Signals:
        k = (a.key, b.key) if a.key < b.key else (b.key, a.key)
        if k not in scores:
            scores[k] = signals(a, b, block, weights)
        return scores[k]

    # The best pair merges first (score, then content); only pairs of the cluster that grew change, so
    # the candidates live in a heap and a merge re-weighs that cluster's pairs alone: O(n^2), not O(n^3).
    alive = {id(c): c for c in clusters}
    version = dict.fromkeys(alive, 0)
    heap: list[tuple[float, tuple[tuple[str, str], tuple[str, str]], int, int, int, int]] = []

    def offer(a: Cluster, b: Cluster) -> None:
        if compatible(a, b) and not apart(a, b):
            s = score(a, b).score
            if s >= threshold(a, b, weights):
                lo, hi = (a, b) if a.key < b.key else (b, a)
                heapq.heappush(heap, (-s, (lo.key, hi.key), id(lo), id(hi), version[id(lo)], version[id(hi)]))

    # Names rule out most pairs: a cluster is offered only those holding a name that fits all of its own.
    place = {id(c): i for i, c in enumerate(clusters)}  # list order: each pair is offered as the first pass took it
    holding: dict[int, dict[int, Cluster]] = {}  # name number -> the alive clusters with that name
    for c in clusters:
        for n in _numbers(c.bits):
            holding.setdefault(n, {})[id(c)] = c

    def fitting(a: Cluster) -> list[Cluster]:
        found = {k: c for n in _numbers(a.fits) for k, c in holding.get(n, {}).items() if k != id(a)}
        return sorted(found.values(), key=lambda c: place[id(c)])

    for a in clusters:
        for b in fitting(a):
            if place[id(a)] < place[id(b)]:
                offer(a, b)
    while heap:
        _, pair, lo, hi, v_lo, v_hi = heapq.heappop(heap)
        if lo not in alive or hi not in alive or (version[lo], version[hi]) != (v_lo, v_hi):
            continue  # a pair of clusters that have merged since
        keep, join = alive[lo], alive[hi]
        found = scores[pair]
        why = f"score {found.score:.2f} >= {threshold(keep, join, weights):.2f}: {'; '.join(found.words())}"
        for name, step in join.steps.items():
            if name not in keep.steps:
                keep.steps[name] = f"joined {sorted(keep.names)[0]!r}: {why}" if step == "one spelling" else step
        keep.absorb(join)
        del clusters[next(i for i, c in enumerate(clusters) if c is join)]  # not remove(): no field-by-field ==
        del alive[hi]
        version[lo] += 1
        for n in _numbers(join.bits):
            del holding[n][hi]
            holding[n][lo] = keep
        for other in fitting(keep):
            offer(*((other, keep) if place[id(other)] < place[lo] else (keep, other)))
    return clusters


def _numbers(bits: int) -> Iterator[int]:
    """The numbers of the set bits of `bits` (a non-negative int), lowest first."""
    while bits:
        low = bits & -bits
        yield low.bit_length() - 1
        bits ^= low


def _apart(a: Cluster, b: Cluster, s: float, words: list[str], weights: Weights) -> str:
    """Why two clusters sharing a spelling stayed two people."""
    if a.pin and b.pin and a.pin != b.pin:
        return "the user split them"
    if any(m.closed for m in (*a.mentions, *b.mentions)):
        return "a complete profile page lists every paper of one of them, and not the other's"
    if a.anchors and b.anchors and a.anchors.isdisjoint(b.anchors):
        return "each is the owner of a profile page of their own"
    if {m.paper for m in a.mentions} & {m.paper for m in b.mentions}:
        return "they share a paper"
    if s < threshold(a, b, weights):
        return f"score {s:.2f} < {threshold(a, b, weights):.2f}: {'; '.join(words)}"
    return "their other spellings do not agree"


def display(c: Cluster) -> str:
    """A cluster's display name: its fullest spelling."""
    return fullest(c.names)


def fullest(names: Iterable[str]) -> str:
    """The fullest of a person's spellings, in given-then-family order: their display name."""
    return min((natural(n) for n in names), key=lambda v: (-len(v), v.encode("utf-16-be")))


def evidence_of(c: Cluster) -> list[tuple[str, str]]:
    """Why each of a cluster's spellings is theirs, by spelling."""
    placed = {a: m.name for m in c.mentions for a in m.also if a not in c.names}
    return sorted([(name, c.steps[name]) for name in c.names] + [(a, at_place(name)) for a, name in placed.items()])


def at_place(name: str) -> str:
    """The evidence of a spelling another page gives at `name`'s place on a paper."""
    return f"another page's spelling at the place of {name!r} on a paper"


def _identities(clusters: list[Cluster], apart: list[tuple[Cluster, Cluster, float, list[str]]],
                weights: Weights) -> list[Identity]:
    """Each cluster as an Identity with a stable id; clusters sharing a name's id number on from -2."""
    def rank(c: Cluster) -> tuple[bool, int, tuple[str, str]]:
        return not any(m.anchor for m in c.mentions), -len(c.mentions), c.key

    by_id: dict[str, list[Cluster]] = {}
    for c in clusters:
        by_id.setdefault(author_id(display(c)), []).append(c)
    ids: dict[int, str] = {}
    for base, group in by_id.items():
        for n, c in enumerate(sorted(group, key=rank)):
            ids[id(c)] = base if n == 0 else f"{base}-{n + 1}"
    notes: dict[int, list[str]] = {}
    for a, b, _, (why,) in apart:
        for x, y in ((a, b), (b, a)):
            notes.setdefault(id(x), []).append(f"{KEPT_APART}{ids[id(y)]}: {why}")
    out = []
    for c in clusters:
        evidence = evidence_of(c) + [("", note) for note in sorted(notes.get(id(c), []))]
        out.append(Identity(ids[id(c)], display(c), tuple(sorted(c.names)), tuple(c.mentions), tuple(evidence),
                            any(m.anchor for m in c.mentions)))
    return sorted(out, key=lambda i: i.id)
