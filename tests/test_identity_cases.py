"""The identity cases `kg synth --identities` plants (issue 31; kg/synth/cases.py) hold after `kg parse` and
`kg ingest`: a paper whose profiles spell one co-author two ways at one place keeps one author for both and
no author too many; namesakes who each own a profile are two pages and two people, each with the papers
planted as theirs; near-namesakes (Xinlei and Xinyun Chen) stay apart."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import neo4j
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from kg.graph.ids import author_id
from kg.graph.merge import listings
from kg.graph.names import compatible
from kg.graph.records import Graph
from kg.ingest.identities import resolve, weights
from kg.ingest.pages import Page, match_saves, pages
from kg.ingest.resolve import Resolver
from kg.store.load import Loader
from kg.store.schema import wipe_graph
from kg.synth.corpus import synthesize
from kg.synth.identities import TRUTH_FILE, read_truth

Who = dict[tuple[str, str], str]  # (paper id, spelling id) -> the person kg gives that mention


def parse(folder: Path) -> tuple[list[Page], Resolver]:
    """The pages of a corpus, and a Resolver holding them whole (as `kg parse` does)."""
    found = [p for p in pages([folder / "pages"]) if isinstance(p, Page)]
    resolver = Resolver()
    for page in found:
        resolver.add_page(page)
    return found, resolver


def people_of(resolver: Resolver) -> Who:
    """Who each mention is, by kg's in-memory clustering (what `kg parse` prints)."""
    raw = Graph(**{kind: list(table.values()) for kind, table in resolver.tables.items()})
    return {(m.paper, author_id(n)): person.id
            for person in resolve(raw, weights(), match_saves(resolver.saves)) for m in person.mentions
            for n in (m.name, *m.also)}


def by_name(who: Who, name_id: str) -> dict[str, set[str]]:
    """Person -> the papers on which pages name them `name_id`."""
    out: dict[str, set[str]] = {}
    for (paper, spelled), person in who.items():
        if spelled == name_id:
            out.setdefault(person, set()).add(paper)
    return out


def check_cases(cases: dict[str, Any], who: Who, authors: dict[str, int], pages_of: dict[str, dict[str, str]]) -> None:
    """Every planted case holds in a graph: `who` its mentions' people, `authors` each paper's author count,
    `pages_of` the profile pages of each owner's name (by its id: a page's title may drop an accent), and
    their owners."""
    for case in cases["same_place"]:
        paper, (full, short) = case["paper"], case["names"]
        assert authors[paper] == case["authors"], case
        assert who[(paper, full)] == who[(paper, short)], case
    for pair in cases["namesake_profiles"]:
        want = sorted(sorted(person["papers"]) for person in pair["people"])
        theirs = by_name(who, pair["id"])
        assert sorted(sorted(papers) for papers in theirs.values()) == want, pair["name"]
        owners = pages_of[pair["id"]]
        assert len(owners) == 2 and set(owners.values()) == theirs.keys(), pair["name"]
    for near in cases["near_namesakes"]:
        one, other = (by_name(who, author_id(name)) for name in near["names"])
        assert one and other and not one.keys() & other.keys(), near


def planted(folder: Path, papers: int, seed: int) -> dict[str, Any]:
    """Write a `kg synth --identities` corpus; its manifest's record of the planted cases."""
    manifest = synthesize(folder, papers, seed, workers=1, force=True, identities=True)
    return manifest["identities"]  # type: ignore[no-any-return]


def check_pages(found: list[Page], cases: dict[str, Any], truth: dict[tuple[str, str], str]) -> None:
    """The pages show each case as planted, and the truth says who is who in it."""
    profiles = [p for p in found if p.format == "profile"]
    for case in cases["same_place"]:
        paper, (full, short) = case["paper"], case["names"]
        assert truth[(paper, full)] == truth[(paper, short)] == case["person"]
        lists = [s.authors for p in profiles for r in p.records if r.paper.id == paper
                 for s in listings(r.paper.sources).values()]
        places = {name: {ids.index(name) for ids in lists if name in ids} for name in (full, short)}
        assert len(places[full]) == 1 and places[full] == places[short], case
    for pair in cases["namesake_profiles"]:
        theirs = [p for p in profiles if p.subject[0] == pair["id"]]
        saves = {p.snapshot: p.profile_save() for p in theirs}
        assert len(theirs) == 2 and len(set(match_saves(s for s in saves.values() if s).values())) == 2
        one, other = ([r.paper for r in p.records] for p in theirs)
        assert not {r.id for r in one} & {r.id for r in other}
        assert not {i for r in one for i in r.institutions} & {i for r in other for i in r.institutions}
        first, second = (saves[p.snapshot] for p in theirs)
        assert first and second and not first.coauthors & second.coauthors
        assert len({p.snapshot_node().main_category for p in theirs}) == 2
        assert {truth[(r.paper.id, pair["id"])] for p in theirs for r in p.records} == {
            person["person"] for person in pair["people"]}
    for near in cases["near_namesakes"]:
        one, other = near["names"]
        assert one.split()[-1] == other.split()[-1] and one != other and not compatible(one, other)


def test_the_cases_are_planted_in_realistic_numbers_and_recorded(tmp_path: Path) -> None:
    cases = planted(tmp_path / "a", 1000, 1)
    assert [len(cases[k]) for k in ("same_place", "namesake_profiles", "near_namesakes")] == [18, 3, 7]
    found, _ = parse(tmp_path / "a")
    check_pages(found, cases, read_truth(tmp_path / "a" / TRUTH_FILE))
    # the same seed plants the same cases and writes the same bytes, for any number of workers
    synthesize(tmp_path / "b", 1000, 1, workers=2, identities=True)
    assert digest_tree(tmp_path / "a") == digest_tree(tmp_path / "b")


def digest_tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32))
@example(seed=966)  # no paper on two profiles: the example is set aside, not failed
def test_kg_parse_finds_every_planted_case(tmp_path: Path, seed: int) -> None:
    cases = planted(tmp_path, 400, seed)
    # papers on two profiles are common but not certain (seed 966 has none); the namesakes may be too few to pair
    assume(cases["same_place"])
    found, resolver = parse(tmp_path)
    check_pages(found, cases, read_truth(tmp_path / TRUTH_FILE))
    who, page_of = people_of(resolver), match_saves(resolver.saves)
    profiles: dict[str, dict[str, str]] = {}
    for page in found:
        if page.format == "profile":
            owner = who[(page.records[0].paper.id, page.subject[0])]
            profiles.setdefault(page.subject[0], {})[page_of[page.snapshot]] = owner
    check_cases(cases, who, {p.id: len(p.author_ids) for p in resolver.graph().papers}, profiles)


MENTIONS = """
MATCH (a:Author)-[r:AUTHORED]->(p:Paper)
UNWIND coalesce(r.names, [a.id]) AS name
RETURN p.id AS paper, name, a.id AS author
"""
AUTHORS = "MATCH (p:Paper) RETURN p.id AS paper, COUNT { (p)<-[:AUTHORED]-() } AS authors"
PROFILES = """
MATCH (g:Page {format: 'profile'})-[:PROFILE_OF]->(a:Author)
RETURN g.title AS name, g.id AS page, a.id AS owner
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A `kg synth --identities` corpus of 500 papers, with every case planted more than once."""
    out = tmp_path_factory.mktemp("cases")
    cases = planted(out, 500, 6)
    assert [len(cases[k]) for k in ("same_place", "namesake_profiles", "near_namesakes")] == [13, 2, 5]
    return out, cases


@pytest.mark.parametrize("loads", [1, 4])
def test_kg_ingest_keeps_every_planted_case(clean_db: neo4j.Driver, corpus: tuple[Path, dict[str, Any]],
                                           loads: int) -> None:
    """In one load (full clustering), and as 70% of the pages then the rest in three loads (each assigning
    its new mentions to the people before it)."""
    folder, cases = corpus
    files = sorted((folder / "pages").rglob("*.txt"))
    first = len(files) if loads == 1 else len(files) * 7 // 10
    wipe_graph(clean_db)
    for part in [files[:first], *(files[first:][k::loads - 1] for k in range(loads - 1))]:
        assert Loader(clean_db).load(pages(part)).rejected == []
    who = {(r["paper"], r["name"]): r["author"] for r in clean_db.execute_query(MENTIONS)[0]}
    authors = {r["paper"]: r["authors"] for r in clean_db.execute_query(AUTHORS)[0]}
    profiles: dict[str, dict[str, str]] = {}
    for r in clean_db.execute_query(PROFILES)[0]:
        profiles.setdefault(author_id(r["name"]), {})[r["page"]] = r["owner"]
    check_cases(cases, who, authors, profiles)
