"""Planted identity cases for `kg synth --identities`: people whose name pages spell several ways,
distinct people who share a name in separate communities, and the cases of kg/synth/cases.py (two
spellings at one place of a paper, namesakes owning profiles, near-namesakes); and the truth, for `kg
bench --authors`, with the manifest's record of those cases.

Spellings come from a hash of (seed, person, paper) and the owner of the page, never from a page's random
stream, so planting changes only the names it plants and the truth can be computed apart from the pages.
"""
from __future__ import annotations

import random
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.graph.ids import author_id, paper_id
from kg.graph.names import block_key
from kg.synth.cases import (
    SALT,
    SamePlace,
    World,
    drawn_owners,
    initial,
    mix,
    near_namesakes,
    profile_namesakes,
    same_place,
    scan,
    valid_near,
)
from kg.synth.primitives import ascii_fold

LEADER_TWINS = 0.5  # share of communities whose leader shares a name with another community's leader
MEMBER_TWINS = 0.1  # share of everyone else who shares a name with someone in another community
VARIANTS = 0.9  # share of the rest whose name pages spell several ways
SYLLABLES = ("Yan", "Min", "Lin", "Hui", "Wei", "Jie", "Li", "Na")
TRUTH_FILE = "identities.tsv"


@dataclass
class Planted:
    """Which people share a name (twin -> the person whose name they take), whose names vary, and the cases
    of kg/synth/cases.py: near-namesakes, namesakes owning profiles, two spellings at one place of a paper."""

    world: World
    twins: dict[int, int]
    variants: dict[int, str]  # person -> their canonical name, when it differs from the generated one
    near: dict[int, tuple[int, str]] = field(default_factory=dict)  # person -> (whose name theirs is near, theirs)
    near_pairs: list[int] = field(default_factory=list)  # the near-namesakes whose name fits no one else's
    profile_pairs: list[tuple[int, int]] = field(default_factory=list)  # (k, o): owners, o taking k's name
    place: SamePlace = field(default_factory=SamePlace)

    @classmethod
    def of(cls, world: World) -> Planted:
        """The planted cases of `world`, a function of its seed."""
        rng = random.Random(mix(world.seed, SALT))
        leaders = [world.starts[c] for c in range(world.n_communities)]
        rng.shuffle(leaders)
        candidates = [k for k in leaders if rng.random() < LEADER_TWINS]
        candidates += [k for k in range(world.n_authors) if k not in leaders and rng.random() < MEMBER_TWINS]
        partners = [int(rng.random() * world.n_authors) for _ in range(4 * len(candidates))]
        drawn, pairs = drawn_owners(world)
        found = scan(world, {*candidates, *partners}, set(drawn))
        circle = found.circles
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
        near = near_namesakes(world, found, taken)
        profile_pairs = profile_namesakes(world, found, drawn, pairs, taken,
                                          lambda c: near[c][1] if c in near else world.names(twins.get(c, c)))
        twins.update((o, k) for k, o in profile_pairs)
        near_blocks = {block_key(new) for _, new in near.values()}
        families = {new.rsplit(" ", 1)[-1] for _, new in near.values()}
        in_blocks: dict[str, list[tuple[int, str]]] = {}
        variants: dict[int, str] = {}
        for k in range(world.n_authors):
            name = world.names(k)
            latin = ascii_fold(name).replace(" ", "").isalpha() and ascii_fold(name).isascii()
            if not (k in taken or " " not in name or not latin or rng.random() >= VARIANTS):
                *given, family = name.split(" ")
                if rng.random() < 0.5 and len(given) == 1:
                    given = [f"{given[0]}-{rng.choice(SYLLABLES)}"]
                variants[k] = " ".join([*given, family])
            final = near[k][1] if k in near else variants.get(k) or world.names(twins.get(k, k))
            if final.rsplit(" ", 1)[-1] in families and block_key(final) in near_blocks:
                in_blocks.setdefault(block_key(final), []).append((k, final))
        planted = cls(world, twins, variants, near, valid_near(near, in_blocks), profile_pairs)
        planted.place = same_place(world, found, taken, planted.name)
        return planted

    def name(self, k: int) -> str:
        """Person k's name: a near-namesake's is near another's; a twin takes the other's."""
        if k in self.near:
            return self.near[k][1]
        k = self.twins.get(k, k)
        return self.variants.get(k) or self.world.names(k)

    def shown(self, k: int, paper: int, owner: int) -> str:
        """How a page spells person k on one paper."""
        name = self.name(k)
        full = self.place.full.get((paper, k))
        if full is not None:
            return name if owner == full else initial(name)
        if k not in self.variants:
            return name
        *given, family = name.split(" ")
        r = mix(self.world.seed, SALT, k, paper) % 8
        first = given[0]
        if r in (2, 3, 4, 5):
            return initial(name)
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
                "homonym_people": len(people & (set(self.twins) | set(self.twins.values()))),
                **self.cases(owner_papers)}

    def cases(self, owner_papers: dict[int, array[int]]) -> dict[str, Any]:
        """The manifest's record of the cases of kg/synth/cases.py, by the ids pages give and truth's people."""
        world = self.world

        def pid(i: int) -> str:
            return paper_id(world.paper(i).title)

        def profile(k: int) -> dict[str, Any]:
            return {"person": f"person-{k}", "papers": sorted(pid(i) for i in owner_papers[k])}

        same = [{"paper": pid(i), "person": f"person-{k}", "authors": self.place.authors[i],
                 "names": [author_id(self.name(k)), author_id(initial(self.name(k)))]}
                for i, k in sorted(self.place.full)]
        namesakes = [{"name": self.name(k), "id": author_id(self.name(k)), "people": [profile(k), profile(o)]}
                     for k, o in self.profile_pairs]
        near = [{"people": [f"person-{k}", f"person-{o}"], "names": [self.name(k), self.name(o)]}
                for o in self.near_pairs for k in [self.near[o][0]]]
        return {"same_place": same, "namesake_profiles": namesakes, "near_namesakes": near}


def read_truth(path: Path) -> dict[tuple[str, str], str]:
    """A truth file: (paper id, name id) -> person."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        p, n, k = line.split("\t")
        out[(p, n)] = k
    return out
