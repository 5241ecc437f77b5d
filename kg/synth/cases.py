"""The identity cases `kg synth --identities` plants besides variant spellings and homonyms (issue 31): one
paper spelling an author two ways at one place on two profile pages, namesakes who each own a profile page,
and near-namesakes (given names a letter or two apart). Each is a function of the seed.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kg.graph.names import block_key, compatible
from kg.synth.primitives import PROFILE_PAGE, ascii_fold, mix64


class World(Protocol):
    """What planting reads of kg.synth.corpus.World (a protocol, so this module need not import it)."""

    seed: int
    papers: int
    n_authors: int
    starts: Any
    community_cat: Any
    community_inst: Any

    @property
    def n_communities(self) -> int: ...
    @property
    def owners(self) -> bytearray: ...
    def community_of(self, k: int) -> int: ...
    def names(self, k: int) -> str: ...
    def meta(self, i: int) -> Any: ...
    def paper(self, i: int) -> Any: ...


SALT = 0x1D3E7
SAME_PLACE = 0.1  # share of papers on two or more profile pages that spell one co-author two ways at one place
NAMESAKE_OWNERS = 0.06  # share of profile owners who share their name with another owner
NEAR_NAMESAKES = 0.02  # share of the people pages name who have a near-namesake in their community
VOWELS, CONSONANTS = "aeiou", "bcdfghklmnprstvz"


def mix(*parts: int) -> int:
    """A stable hash of some integers."""
    x = 0
    for part in parts:
        x = mix64(x + part)
    return x


def latin(name: str) -> bool:
    """Whether `name` is a Latin given name and family name, and nothing else (no initial, no hyphen)."""
    folded = ascii_fold(name)
    return " " in name and folded.replace(" ", "").isalpha() and folded.isascii()


def initial(name: str) -> str:
    """`name` with its given names cut to the first initial: "Jun-Yan Zhu" -> "J. Zhu"."""
    *given, family = name.split(" ")
    return f"{given[0][0]}. {family}"


@dataclass
class Scan:
    """One pass over every paper's metadata: what choosing the cases needs."""

    circles: dict[int, set[int]]  # everyone each person of interest wrote with
    papers: dict[int, list[int]]  # the papers of each drawn profile owner
    shown: bytearray  # 1 for each person a profile page names
    two_pages: list[int]  # papers on two or more profile pages, drawn for a spelling at one place


def scan(world: World, people: set[int], owners: set[int]) -> Scan:
    """Walk the papers once, for the circles of `people` and `owners` and the papers of `owners`."""
    flags = world.owners
    found = Scan({k: set() for k in people | owners}, {k: [] for k in owners}, bytearray(world.n_authors), [])
    for i in range(world.papers):
        authors = world.meta(i).authors
        pages = [k for k in authors if flags[k]]
        if pages:
            for k in (*authors[:3], *pages):
                found.shown[k] = 1
            if len(pages) >= 2 and mix(world.seed, SALT, 1, i) % 1000 < SAME_PLACE * 1000:
                found.two_pages.append(i)
        for k in authors:
            if k in found.circles:
                found.circles[k].update(a for a in authors if a != k)
                if k in found.papers:
                    found.papers[k].append(i)
    return found


def drawn_owners(world: World) -> tuple[list[int], int]:
    """Profile owners to pair as namesakes (a sample, in a random order), and how many pairs to plant."""
    owners = [k for k, flag in enumerate(world.owners) if flag]
    pairs = max(1, round(NAMESAKE_OWNERS * len(owners) / 2)) if len(owners) >= 4 else 0
    rng = random.Random(mix(world.seed, SALT, 2))
    return rng.sample(owners, min(len(owners), 24 * pairs + 32)), pairs


def _near_given(given: str, rng: random.Random) -> str:
    """`given` with one or two letters after the first changed, each a vowel for a vowel or a consonant for a
    consonant: "Xinlei" -> "Xinlai"."""
    letters = list(given.lower())
    for pos in rng.sample(range(1, len(letters)), 1 + (rng.random() < 0.5 and len(letters) > 4)):
        pool = VOWELS if letters[pos] in VOWELS else CONSONANTS
        letters[pos] = rng.choice([c for c in pool if c != letters[pos]])
    return "".join(letters).capitalize()


def near_namesakes(world: World, found: Scan, taken: set[int]) -> dict[int, tuple[int, str]]:
    """Person -> (the person in their community whose name theirs is near, their new name); both join `taken`."""
    rng = random.Random(mix(world.seed, SALT, 3))
    out: dict[int, tuple[int, str]] = {}
    for k in range(world.n_authors):
        if not found.shown[k] or k in taken or rng.random() >= NEAR_NAMESAKES:
            continue
        name = world.names(k)
        given, _, family = name.partition(" ")
        if not latin(name) or " " in family or len(given) < 4 or not given.isascii():
            continue
        c = world.community_of(k)
        start, size = world.starts[c], world.starts[c + 1] - world.starts[c]
        for _ in range(8):
            o = start + int(rng.random() * size)
            if o != k and found.shown[o] and o not in taken:
                out[o] = (k, f"{_near_given(given, rng)} {family}")
                taken |= {k, o}
                break
    return out


@dataclass
class Owner:
    """What pairing reads of one drawn profile owner."""

    papers: list[int]
    category: int
    institutions: set[int]
    blocks: set[str]  # of the co-authors pages name on their papers (the first three, and the owners of pages)


def profile_namesakes(world: World, found: Scan, drawn: list[int], pairs: int, taken: set[int],
                      name: Callable[[int], str]) -> list[tuple[int, int]]:
    """Up to `pairs` pairs (k, o) of profile owners whose profiles are one file each, in different fields,
    with no paper, co-author, co-author's name block (by `name`) or institution in common: o is to take k's
    name. Both join `taken`."""
    def owner(k: int) -> Owner | None:
        papers = found.papers[k]
        if not 1 <= len(papers) <= PROFILE_PAGE:
            return None
        metas = [world.meta(i) for i in papers]
        named = {c for m in metas for c in m.authors if c != k and (c in m.authors[:3] or world.owners[c])}
        return Owner(papers, world.community_cat[world.community_of(k)],
                     {world.community_inst[m.community] for m in metas}, {block_key(name(c)) for c in named})

    seen = {k: owner(k) for k in drawn if k not in taken}
    out: list[tuple[int, int]] = []
    renamed: set[int] = set()  # each pair's o: their co-authors' blocks are as `name` gives them
    frozen: set[int] = set()  # co-authors of the pairs so far: renaming one would change their blocks
    for k in drawn:
        a = seen.get(k)
        if len(out) == pairs or a is None or k in taken or found.circles[k] & renamed:
            continue
        mine = block_key(name(k))
        for o in drawn:
            b = seen.get(o)
            if (b is None or o in taken or o in frozen or o == k or a.category == b.category
                    or found.circles[o] & renamed or k in found.circles[o] or found.circles[k] & found.circles[o]
                    or a.institutions & b.institutions or a.blocks & b.blocks or mine in a.blocks | b.blocks):
                continue
            out.append((k, o))
            taken |= {k, o}
            renamed.add(o)
            frozen |= found.circles[k] | found.circles[o]
            break
    return out


@dataclass
class SamePlace:
    """Papers on two or more profile pages where one page writes a co-author's given name and the others its initial."""

    full: dict[tuple[int, int], int] = field(default_factory=dict)  # (paper, person) -> the owner writing it in full
    authors: dict[int, int] = field(default_factory=dict)  # paper -> the people the pages name on it


def same_place(world: World, found: Scan, taken: set[int], name: Callable[[int], str]) -> SamePlace:
    """One co-author of each drawn paper (not an owner, with a Latin name and a block no one else on the paper
    has): the profile of the paper's first owner writes their name, the other profiles its initial."""
    out = SamePlace()
    flags = world.owners
    for i in found.two_pages:
        authors = world.meta(i).authors
        pages = sorted(k for k in authors if flags[k])
        people = list(dict.fromkeys([*authors[:3], *pages]))
        blocks = [block_key(name(k)) for k in people]
        choices = [k for k in authors[:3] if not flags[k] and k not in taken and latin(world.names(k))]
        if not choices or len(set(blocks)) < len(blocks):
            continue
        k = choices[mix(world.seed, SALT, 4, i) % len(choices)]
        out.full[(i, k)] = pages[0]
        out.authors[i] = len(people)
    return out


def valid_near(near: dict[int, tuple[int, str]], names: dict[str, list[tuple[int, str]]]) -> list[int]:
    """The near-namesakes whose new name fits no one else's in its block (`names`: block -> (person, name))."""
    return [o for o, (_, new) in sorted(near.items())
            if not any(p != o and compatible(new, other) for p, other in names.get(block_key(new), ()))]
