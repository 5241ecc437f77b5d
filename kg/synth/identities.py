"""Planted identity cases for `kg synth --identities`: people whose name pages spell several ways, and
distinct people who share a name in separate communities; and the truth, for `kg bench --authors`.

Spellings come from a hash of (seed, person, paper), never from a page's random stream, so planting
changes only the names it plants and the truth can be computed apart from the pages.
"""
from __future__ import annotations

import random
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kg.graph.ids import author_id, paper_id
from kg.synth.primitives import ascii_fold, mix64


class World(Protocol):
    """What planting reads of kg.synth.corpus.World (a protocol, so this module need not import it)."""

    seed: int
    papers: int
    n_authors: int
    starts: Any
    community_cat: Any

    @property
    def n_communities(self) -> int: ...
    def community_of(self, k: int) -> int: ...
    def names(self, k: int) -> str: ...
    def meta(self, i: int) -> Any: ...
    def paper(self, i: int) -> Any: ...

_SALT = 0x1D3E7
LEADER_TWINS = 0.5  # share of communities whose leader shares a name with another community's leader
MEMBER_TWINS = 0.1  # share of everyone else who shares a name with someone in another community
VARIANTS = 0.9  # share of the rest whose name pages spell several ways
SYLLABLES = ("Yan", "Min", "Lin", "Hui", "Wei", "Jie", "Li", "Na")
TRUTH_FILE = "identities.tsv"


def _mix(*parts: int) -> int:
    x = 0
    for part in parts:
        x = mix64(x + part)
    return x


def _coauthors(world: World, people: set[int]) -> dict[int, set[int]]:
    """Everyone each of `people` wrote with (one pass over the papers' metadata)."""
    out: dict[int, set[int]] = {k: set() for k in people}
    for i in range(world.papers):
        authors = world.meta(i).authors
        for k in authors:
            if k in out:
                out[k].update(a for a in authors if a != k)
    return out


@dataclass
class Planted:
    """Which people share a name (twin -> the person whose name they take) and whose names vary."""

    world: World
    twins: dict[int, int]
    variants: dict[int, str]  # person -> their canonical name, when it differs from the generated one

    @classmethod
    def of(cls, world: World) -> Planted:
        """The planted cases of `world`, a function of its seed."""
        rng = random.Random(_mix(world.seed, _SALT))
        leaders = [world.starts[c] for c in range(world.n_communities)]
        rng.shuffle(leaders)
        candidates = [k for k in leaders if rng.random() < LEADER_TWINS]
        candidates += [k for k in range(world.n_authors) if k not in leaders and rng.random() < MEMBER_TWINS]
        partners = [int(rng.random() * world.n_authors) for _ in range(4 * len(candidates))]
        circle = _coauthors(world, {*candidates, *partners})
        twins: dict[int, int] = {}
        taken: set[int] = set()
        for k in candidates:
            if k in taken:
                continue
            cat = world.community_cat[world.community_of(k)]
            for o in partners:
                if (o not in taken and o != k and world.community_cat[world.community_of(o)] != cat
                        and not circle[k] & circle[o] and k not in circle[o]):
                    twins[o] = k
                    taken |= {o, k}
                    break
        variants: dict[int, str] = {}
        for k in range(world.n_authors):
            name = world.names(k)
            latin = ascii_fold(name).replace(" ", "").isalpha() and ascii_fold(name).isascii()
            if k in taken or " " not in name or not latin or rng.random() >= VARIANTS:
                continue
            *given, family = name.split(" ")
            if rng.random() < 0.5 and len(given) == 1:
                given = [f"{given[0]}-{rng.choice(SYLLABLES)}"]
            variants[k] = " ".join([*given, family])
        return cls(world, twins, variants)

    def name(self, k: int) -> str:
        """Person k's name: a twin takes the other's."""
        k = self.twins.get(k, k)
        return self.variants.get(k) or self.world.names(k)

    def shown(self, k: int, paper: int, owner: int) -> str:
        """How a page spells person k on one paper."""
        name = self.name(k)
        if k not in self.variants:
            return name
        *given, family = name.split(" ")
        r = _mix(self.world.seed, _SALT, k, paper) % 8
        first = given[0]
        if r in (2, 3, 4, 5):
            return f"{first[0]}. {family}"
        if r == 6:
            if "-" in first:
                return " ".join([first.replace("-", "").capitalize(), *given[1:], family])
            middle = [g for g in given[1:] if not g.endswith(".")]
            return " ".join([first, *middle, family]) if len(given) > 1 else f"{first} {chr(65 + r)}. {family}"
        if r == 7 and "-" in first:
            return " ".join([first.replace("-", " "), *given[1:], family])
        return name

    def truth(self, owner_papers: dict[int, array[int]]) -> list[tuple[str, str, int]]:
        """(paper id, the shown name's id, person) of every name the profile pages show, and each owner."""
        world = self.world
        out: dict[tuple[str, str], int] = {}
        for owner in sorted(owner_papers):
            for i in owner_papers[owner]:
                meta = world.meta(i)
                pid = paper_id(world.paper(i).title)
                for k in meta.authors[:3]:
                    out.setdefault((pid, author_id(self.shown(k, i, owner))), k)
                out.setdefault((pid, author_id(self.name(owner))), owner)
        return sorted((p, n, k) for (p, n), k in out.items())

    def write_truth(self, out: Path, owner_papers: dict[int, array[int]]) -> dict[str, Any]:
        """Write who is who beside the manifest; the manifest's summary of it."""
        rows = self.truth(owner_papers)
        (out / TRUTH_FILE).write_text("".join(f"{p}\t{n}\tperson-{k}\n" for p, n, k in rows), encoding="utf-8")
        people = {k for _, _, k in rows}
        return {"truth": TRUTH_FILE, "mentions": len(rows), "people": len(people),
                "variant_people": len(people & set(self.variants)),
                "homonym_people": len(people & (set(self.twins) | set(self.twins.values())))}


def read_truth(path: Path) -> dict[tuple[str, str], str]:
    """A truth file: (paper id, name id) -> person."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        p, n, k = line.split("\t")
        out[(p, n)] = k
    return out
