"""Name variants: parsing, block keys and compatibility (kg/graph/names.py), and clustering one block
(kg/graph/identity.py) whatever order its mentions come in."""
from __future__ import annotations

import unicodedata
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.graph.identity import Cluster, Mention, Weights, bits, reach, resolve_block, signals, tie
from kg.graph.names import SUFFIXES, block_key, compatible, natural, parse

LETTERS = "abcdefghijklmnopqrstuvwxyzéüçøñ"
# Not a suffix word ("Iv", "Jr"): parse drops those wherever they stand, so they are no name's part here.
word = st.text(LETTERS, min_size=2, max_size=9).map(str.capitalize).filter(lambda w: w.lower() not in SUFFIXES)


@st.composite
def person(draw: st.DrawFn) -> tuple[list[str], str]:
    """Given names (one to three) and a family name."""
    return draw(st.lists(word, min_size=1, max_size=3)), draw(word)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@given(person())
def test_every_variant_of_a_name_is_compatible_with_it_and_in_its_block(p: tuple[list[str], str]) -> None:
    given_names, family = p
    full = " ".join([*given_names, family])
    variants = [
        f"{given_names[0][0]}. {family}",  # an initial
        " ".join([given_names[0], family]),  # middle names missing
        " ".join([*given_names, "Q.", family]) if len(given_names) == 1 else full,  # an extra middle initial
        f"{family}, {' '.join(given_names)}",  # "Last, First"
        strip_accents(full),  # without diacritics
        full.upper(),
    ]
    if len(given_names) >= 2:
        joined = "-".join(given_names[:2])
        variants += [" ".join([joined, *given_names[2:], family]),  # "Jun-Yan"
                     " ".join([joined.replace("-", "").capitalize(), *given_names[2:], family])]  # "Junyan"
    for variant in variants:
        assert block_key(variant) == block_key(full), variant
        assert compatible(variant, full) and compatible(full, variant), variant


@given(person(), person())
def test_different_family_names_or_first_initials_never_match(a: tuple[list[str], str],
                                                               b: tuple[list[str], str]) -> None:
    x, y = " ".join([*a[0], a[1]]), " ".join([*b[0], b[1]])
    if parse(x).family != parse(y).family or parse(x).given[0][0] != parse(y).given[0][0]:
        assert not compatible(x, y)
    assert compatible(x, y) == compatible(y, x)


@given(st.text(max_size=40))
def test_any_text_parses_to_a_block_without_error(text: str) -> None:
    parsed = parse(text)
    assert block_key(text) == parsed.block
    assert isinstance(natural(text), str)
    assert compatible(text, text) or not parsed.family or not parsed.given or True


def test_examples() -> None:
    assert natural("Tian, Yuandong") == "Yuandong Tian"
    assert compatible("Y. Tian", "Tian, Yuandong")
    assert compatible("Jun-Yan Zhu", "Junyan Zhu") and compatible("Jun Yan Zhu", "Junyan Zhu")
    assert compatible("José García", "Jose Garcia")
    assert not compatible("A. B. Smith", "A. C. Smith")
    assert not compatible("Yang Liu", "Yan Liu")
    assert block_key("Tian, Yuandong") == block_key("Yuandong Tian") == "tian y"


def mention(paper: str, name: str, coauthors: set[str], topic: str, year: int, institution: str) -> Mention:
    return Mention(paper, name, coauthors=frozenset(coauthors), topics=frozenset({topic}), year=year,
                   institutions=frozenset({institution}))


# Two Yang Lius in unconnected communities (different co-authors, topics, years) and one Yang Liu whose
# papers share co-authors, one of them spelled "Y. Liu".
MENTIONS = [
    mention("p1", "Yang Liu", {"smith a", "jones b"}, "arxiv:cs.CV", 2015, "mit"),
    mention("p2", "Yang Liu", {"smith a", "brown c"}, "arxiv:cs.CV", 2016, "mit"),
    mention("p3", "Y. Liu", {"jones b", "brown c"}, "arxiv:cs.CV", 2016, "mit"),
    mention("p4", "Yang Liu", {"garcia d", "ivanova e"}, "arxiv:q-bio.GN", 2024, "ucl"),
    mention("p5", "Yang Liu", {"garcia d", "okafor f"}, "arxiv:q-bio.GN", 2025, "ucl"),
]


@settings(max_examples=30)
@given(st.permutations(MENTIONS))
def test_a_block_resolves_to_the_same_people_in_any_order(order: list[Mention]) -> None:
    people = resolve_block("liu y", order, Weights())
    assert [sorted(m.paper for m in p.mentions) for p in people] == [["p1", "p2", "p3"], ["p4", "p5"]]
    assert [p.id for p in people] == ["a-yang-liu", "a-yang-liu-2"]
    assert people == resolve_block("liu y", MENTIONS, Weights())
    first = dict(people[0].evidence)
    assert "joined" in first["Y. Liu"] and "shared co-author" in first["Y. Liu"]
    assert any("kept apart from a-yang-liu-2" in why for name, why in people[0].evidence if not name)


BLOCKS = [f"b{i} x" for i in range(8)]  # co-author blocks; the c-blocks below are no mention's co-author
DRAWN = st.tuples(  # a mention's paper, name, co-authors, community (as sets) and year
    st.integers(0, 12), st.sampled_from(["Yang Liu", "Y. Liu", "Yan Liu", "Yang Q. Liu"]),
    st.sets(st.sampled_from(BLOCKS + ["liu y"]), max_size=3),
    st.sets(st.sampled_from(BLOCKS + ["liu y"] + [f"c{i} x" for i in range(6)]), max_size=8),
    st.one_of(st.none(), st.integers(2015, 2025)))


def shares(drawn: list[tuple]) -> tuple[list[float], list[float]]:
    """Each pair's community share as `signals` counts it on bits of the block's reach, and as sets count it
    (a share of the co-authors, the block itself left out, that wrote with the other's co-authors)."""
    numbers = reach("liu y", (frozenset(co) for _, _, co, _, _ in drawn))
    mentions = [Mention(f"p{paper}", name, coauthors=frozenset(co), community=bits(numbers, near - co), year=year)
                for paper, name, co, near, year in drawn]
    clusters = [Cluster([m]) for m in mentions]
    tie(clusters, numbers)
    from_bits, from_sets = [], []
    for i, j in combinations(range(len(drawn)), 2):
        from_bits.append(signals(clusters[i], clusters[j], "liu y", Weights()).near)
        (_, _, co_a, near_a, _), (_, _, co_b, near_b, _) = drawn[i], drawn[j]
        wa, wb = co_a - {"liu y"}, co_b - {"liu y"}
        linked = len((near_a - co_a) & wb) + len((near_b - co_b) & wa)
        from_sets.append(linked / (len(wa) + len(wb)) if wa or wb else 0.0)
    return from_bits, from_sets


@settings(max_examples=150)
@given(st.lists(DRAWN, max_size=10))
def test_communities_count_as_bits_as_they_would_as_sets(drawn: list[tuple]) -> None:
    """A mention's community is kept as bits of its block's co-author blocks (kg/store/authors.py and
    kg/ingest/identities.py build them): the blocks no mention of the block wrote with drop out, and
    every pair's share is what the sets give."""
    from_bits, from_sets = shares(drawn)
    assert from_bits == from_sets
