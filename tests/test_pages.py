"""Pages over time (issue 17): a page is what it shows, each save a dated snapshot, the newest save its
current listing, and `kg pages forget` leaves the graph as if the page had never been loaded."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import neo4j
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from kg import server
from kg.errors import KgError
from kg.ingest.identities import weights
from kg.ingest.pages import ProfileSave, match_saves, pages, parse_file
from kg.ingest.text import clean
from kg.store.authors import every_block, resolve_authors
from kg.store.bulk import bulk_ingest, prepared
from kg.store.connection import Settings, driver
from kg.store.digest import diff, graph_digest, save
from kg.store.load import Loader
from kg.store.pages import forget, list_pages
from kg.store.schema import wipe_graph
from kg.synth.corpus import synthesize
from tests.graphs import Db, export_nt, resolve, seq_problems
from tests.pages import FEED, PROFILE, SEARCH, write

FIGURES = ("h_index", "citations", "paper_count", "novelty", "ai_score", "main_category")


@pytest.fixture
def db(clean_db: neo4j.Driver, neo4j_settings: Settings) -> Db:
    """The tests' database, emptied."""
    return Db(clean_db, neo4j_settings.database)


def load(db: Db, files: list[Path], fresh: bool = True, saved_at: str | None = None) -> str:
    """`kg ingest` of `files` (into an emptied database if `fresh`); the graph's digest."""
    if fresh:
        wipe_graph(db.driver, db.database)
    summary = Loader(db.driver, db.database).load(pages(files, saved_at=saved_at))
    assert summary.rejected == []
    return graph_digest(db.driver, db.database)


def three_pages(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [write(folder, "a.txt", PROFILE), write(folder, "b.txt", FEED), write(folder, "c.txt", SEARCH)]


def test_the_same_pages_from_two_folders_give_one_graph(db: Db, tmp_path: Path) -> None:
    first = three_pages(tmp_path / "one")
    want = load(db, first)
    copied = shutil.copytree(tmp_path / "one", tmp_path / "two" / "elsewhere")
    later = [Path(copied) / f.name for f in first]
    for f in later:  # a plain copy: a newer modification date, which the earlier load's date outlives
        os.utime(f, (f.stat().st_atime, f.stat().st_mtime + 86400 * 40))
    assert load(db, later, fresh=False) == want
    assert load(db, first, fresh=False) == want  # the same content twice: a no-op
    counts = db.query("MATCH (g:Page) RETURN count(g) AS pages, COUNT { ()-[:LISTED_ON]->() } AS listed")[0]
    assert (counts["pages"], counts["listed"]) == (3, 7)
    # moved: the page says nothing of the folder it was in
    moved = tmp_path / "moved"
    shutil.move(tmp_path / "one", moved)
    assert load(db, sorted(moved.iterdir())) == want


def test_a_page_is_named_by_its_subject(tmp_path: Path) -> None:
    profile, feed, search = (parse_file(f) for f in three_pages(tmp_path))
    assert (profile.format, profile.subject) == ("profile", ("a-ada-lovelace", "Ada Lovelace"))
    assert (feed.format, feed.subject) == ("feed", ("--03-04", "--03-04"))
    assert search.subject == ("title:notes on the analytical engine", "Notes on the Analytical Engine")
    query = parse_file(write(tmp_path, "q.txt", 'Search results for "analytical engines"\n' + SEARCH))
    assert query.subject == ("query:analytical engines", "analytical engines") and len(query.records) == 2
    # a re-save with papers reordered and a new header is another snapshot of the same page
    resaved = parse_file(write(tmp_path, "r.txt", PROFILE.replace("h-index12", "Saved on 2024-05-06\nh-index13")))
    assert resaved.id == profile.id and resaved.snapshot != profile.snapshot
    assert resaved.saved_at == "2024-05-06" and resaved.snapshot_node().h_index == 13
    assert parse_file(tmp_path / "a.txt", saved_at="2020-01-02").saved_at == "2020-01-02"


@settings(max_examples=40, deadline=None)
@given(day=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
       spelled=st.sampled_from(["Saved on {iso}", "saved: {iso}", "Retrieved: {month}", "Accessed on {month}."]),
       query=st.text(st.characters(categories=("L", "N")), min_size=1, max_size=30).filter(str.strip))
def test_save_dates_and_queries_the_pages_show(tmp_path_factory: pytest.TempPathFactory, day: date, spelled: str,
                                               query: str) -> None:
    folder = tmp_path_factory.mktemp("shown")
    line = spelled.format(iso=day.isoformat(), month=f"{day:%b} {day.day}, {day.year}")
    profile = parse_file(write(folder, "p.txt", PROFILE.replace("LG\n", f"{line}\nLG\n", 1)))
    assert (profile.saved_at, profile.subject[0], len(profile.records)) == (day.isoformat(), "a-ada-lovelace", 3)
    assert profile.id == parse_file(write(folder, "q.txt", PROFILE)).id
    search = parse_file(write(folder, "s.txt", f"Search results for {query}\n{line}\n{SEARCH}"))
    assert search.saved_at == day.isoformat() and search.format == "search" and len(search.records) == 2
    assert search.subject[1] == clean(query)  # pages are read in NFC


def resave_corpus(out: Path, count: int = 3) -> tuple[list[Path], dict]:
    manifest = synthesize(out, 40, 5, workers=1, force=True, resaves=count)
    files = sorted((out / "pages").rglob("*.txt"))
    return files, manifest["facts"]["resaves"]


def current(db: Db, owner: str) -> tuple[list[str], dict]:
    """The papers the owner's profile page lists now, and the owner's header figures."""
    listed = db.query("MATCH (:Author {id: $a})<-[:PROFILE_OF]-(g:Page)<-[l:LISTED_ON]-(p:Paper) "
                      "RETURN p.id AS id ORDER BY l.position", a=owner)
    author = db.query("MATCH (a:Author {id: $a}) RETURN a {.*} AS a", a=owner)[0]["a"]
    return [r["id"] for r in listed], {k: author.get(k) for k in FIGURES}


def test_resaves_give_the_newest_listing_and_a_header_history(db: Db, tmp_path: Path,
                                                                neo4j_settings: Settings) -> None:
    files, facts = resave_corpus(tmp_path / "corpus")
    owner = facts["owner"]["id"]
    base = next(f for f in files if f.name.startswith("profile-") and "saved" not in f.name
                and parse_file(f).subject[0] == owner)
    newest = parse_file(base)
    want = load(db, files)
    listed, figures = current(db, owner)
    assert sorted(listed) == facts["current_papers"] == sorted(r.paper.id for r in newest.records)
    assert listed == [r.paper.id for r in newest.records]
    assert figures == {k: getattr(newest.snapshot_node(), k) for k in FIGURES}
    # the paper that left is no longer listed on the page, but its dated sightings stay
    left = db.query("MATCH (p:Paper {id: $p})-[:SEEN_IN]->(s)-[:SNAPSHOT_OF]->(g)-[:PROFILE_OF]->(:Author {id: $a}) "
                    "RETURN s.saved_at AS day, EXISTS { (p)-[:LISTED_ON]->(g) } AS listed ORDER BY day",
                    p=facts["left"], a=owner)
    assert [(r["day"], r["listed"]) for r in left] == [(s["saved_at"], False) for s in facts["earlier"]]
    history = db.query("MATCH (:Author {id: $a})<-[:PROFILE_OF]-()<-[:SNAPSHOT_OF]-(s) "
                       "RETURN s.saved_at AS day, s.h_index AS h ORDER BY day", a=owner)
    assert [(r["day"], r["h"]) for r in history] == [
        *((s["saved_at"], s["h_index"]) for s in facts["earlier"]), (facts["current_saved_at"], figures["h_index"])]
    assert seq_problems(export_nt(db)) == []

    # GraphQL shows the history
    with TestClient(create_app(neo4j_settings)) as client:
        answer = client.post("/graphql", json={"query": "query($id: ID!) { author(id: $id) { hIndex profileHistory "
                                                        "{ savedAt hIndex listed papers { id } } profile { snapshots "
                                                        "{ savedAt } } } }", "variables": {"id": owner}}).json()
    author = answer["data"]["author"]
    assert [s["savedAt"] for s in author["profileHistory"]] == [s["saved_at"] for s in facts["earlier"]] + [
        facts["current_saved_at"]] == [s["savedAt"] for s in author["profile"]["snapshots"]]
    assert author["profileHistory"][-1]["hIndex"] == author["hIndex"] == figures["h_index"]
    assert [p["id"] for p in author["profileHistory"][0]["papers"]] == facts["earlier"][0]["papers"]

    # RDF: each save a schema:CreativeWork with its date and figures
    nt = export_nt(db).decode()
    assert nt.count("<https://schema.org/CreativeWork>") == len(list(list_snapshots(db)))
    assert f'"{facts["earlier"][0]["saved_at"]}"^^<http://www.w3.org/2001/XMLSchema#date>' in nt

    # nothing is lost by order: the older saves last, or one by one newest first, give the same graph
    older = [f for f in files if "saved" in f.name]
    assert load(db, [f for f in files if f not in older] + older) == want
    wipe_graph(db.driver, db.database)
    for f in sorted(files, reverse=True):
        load(db, [f], fresh=False)
    # each load after the first gives its new mentions to the people before it; clustering every block in full
    # gives the graph of one load (docs/authors.md)
    resolve_authors(db.driver, db.database, every_block(db.driver, db.database), weights())
    assert graph_digest(db.driver, db.database) == want


def list_snapshots(db: Db) -> list[str]:
    return [r["id"] for r in db.query("MATCH (s:Snapshot) RETURN s.id AS id")]


def test_bulk_follows_the_same_rules(db: Db, tmp_path: Path, test_home: server.Neo4jHome,
                                    neo4j_settings: Settings) -> None:
    """Re-saves, namesakes' profiles, a copied folder and --saved-at give the same graph through `kg ingest --bulk`."""
    files, _ = resave_corpus(tmp_path / "corpus", 2)
    files += namesakes(tmp_path / "corpus" / "pages" / "namesakes")
    copy = [Path(shutil.copytree(tmp_path / "corpus" / "pages", tmp_path / "copy")) / "profile"]
    want = load(db, [*files, *copy], saved_at="2026-02-01")
    save(db.driver, db.database, tmp_path / "incremental.txt")
    drivers = contextlib.ExitStack()
    for chosen, saved_at, expected in (([*files, *copy], "2026-02-01", want), (files, None, None)):
        wipe_graph(db.driver, db.database)
        summary = bulk_ingest(prepared(chosen, saved_at=saved_at), home=test_home)
        assert summary.rejected == []
        # a driver that lived through the import would wait for the replaced database's bookmarks
        db = Db(drivers.enter_context(driver(neo4j_settings, liveness_check_timeout=0)), db.database)
        got = save(db.driver, db.database, tmp_path / "bulk.txt")
        if expected is not None:
            assert got == expected, diff(tmp_path / "incremental.txt", tmp_path / "bulk.txt")
        else:
            assert graph_digest(db.driver, db.database) == load(db, chosen)
    drivers.close()


# -- forgetting ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Pages to draw from: a small synthetic corpus with re-saves, and the three hand-written pages."""
    out = tmp_path_factory.mktemp("pool")
    files, _ = resave_corpus(out / "corpus", 2)
    return files + three_pages(out / "hand")


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_forgetting_pages_equals_never_loading_them(db: Db, pool: list[Path], data: st.DataObject) -> None:
    chosen = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=12, unique=True), label="loaded")
    page_of = {f: parse_file(f).id for f in chosen}
    page_ids = sorted(set(page_of.values()))
    gone = data.draw(st.lists(st.sampled_from(page_ids), min_size=1, max_size=3, unique=True), label="forgotten")
    rest = [f for f in chosen if page_of[f] not in gone]
    want = load(db, rest)
    load(db, chosen)
    for page in gone:
        forget(db.driver, page, db.database)
    assert graph_digest(db.driver, db.database) == want


def test_forget_names_a_page_by_id_or_title_and_refuses_unknown_ones(db: Db, tmp_path: Path) -> None:
    files = three_pages(tmp_path)
    want = load(db, files[1:])
    load(db, files)
    listed = {r["title"]: r for r in list_pages(db.driver, db.database)}
    assert listed["Ada Lovelace"] == {"id": parse_file(files[0]).id, "format": "profile", "title": "Ada Lovelace",
                                      "saves": 1, "newest": parse_file(files[0]).saved_at, "listed": 3}
    forget(db.driver, "Ada Lovelace", db.database)
    assert graph_digest(db.driver, db.database) == want
    with pytest.raises(KgError, match="no page 'Ada Lovelace'"):
        forget(db.driver, "Ada Lovelace", db.database)


def test_cli_pages_list_and_forget(db: Db, neo4j_settings: Settings, tmp_path: Path) -> None:
    files = three_pages(tmp_path)
    load(db, files, saved_at="2025-01-02")
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
           "NEO4J_PASSWORD": neo4j_settings.password, "PATH": "/usr/bin:/bin", "KG_HOME": str(tmp_path / "home")}

    def kg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env)

    shown = kg("pages", "list").stdout.splitlines()
    assert shown[0].split() == ["page", "format", "title", "saves", "newest", "listed"]
    assert [line.split()[1:2] + line.split()[-3:] for line in shown[1:]] == [
        ["feed", "1", "2025-01-02", "2"], ["profile", "1", "2025-01-02", "3"], ["search", "1", "2025-01-02", "2"]]
    feed = parse_file(files[1]).id
    done = kg("pages", "forget", feed)
    assert done.returncode == 0 and done.stdout.startswith(f"forgot {feed}: "), done.stderr
    missing = kg("pages", "forget", feed)
    assert missing.returncode == 1 and missing.stderr.strip() == (
        f"error: no page '{feed}': `kg pages list` shows the pages")
    bad = kg("ingest", "--saved-at", "yesterday", str(files[0]))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == "error: --saved-at 'yesterday': not a date, give YYYY-MM-DD"


def test_synth_resaves_in_the_manifest(tmp_path: Path) -> None:
    files, facts = resave_corpus(tmp_path / "c", 3)
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert manifest["pages"]["total"] == len(files)
    assert [s["saved_at"] for s in facts["earlier"]] == ["2025-12-01", "2025-12-31", "2026-01-30"]
    assert all(facts["left"] in s["papers"] and facts["left"] not in facts["current_papers"]
               for s in facts["earlier"])
    for earlier in facts["earlier"]:
        page = parse_file(tmp_path / "c" / earlier["file"])
        assert page.saved_at == earlier["saved_at"] and page.subject[0] == facts["owner"]["id"]
        assert [r.paper.id for r in page.records] == earlier["papers"]


# -- namesakes: a profile page is its owner, not its owner's name -------------------------------------

LEARNING = """Lena Ortiz

Saved on 2024-04-01

LG
h-index9
14papers
310citations

4.2LGMar 3, 2024Code
Sparse Attention for Very Long Legal Documents

Tomas Berg, Lena Ortiz, Priya Nair · cmu

We prune attention heads in long-document transformers and keep accuracy on contracts and statutes while halving memory.

3.1LGJan 5, 2024
Token Pruning Without Any Retraining

L. Ortiz, Priya Nair · cmu

Tokens that never matter are dropped at inference time by a learned gate, and no weights are retrained at all.
"""
# The same profile a month later: one paper more, a higher h-index.
RESAVED = LEARNING.replace("2024-04-01", "2024-05-06").replace("h-index9", "h-index10").replace("4.2LGMar", """5.0LGApr 20, 2024
Distilling Retrieval Into Small Language Models

Priya Nair, Lena Ortiz · cmu

Retrieval-augmented answers are distilled into a small model that needs no index at test time.

4.2LGMar""")
# Another Lena Ortiz: another field, institution and co-authors, no paper in common (she too signs "L. Ortiz").
GALAXIES = """Lena Ortiz

Saved on 2024-04-15

GA
h-index21
80papers
2,900citations

8.8GAFeb 2, 2015
Dust Lanes in Barred Spiral Galaxies at Redshift Two

Kofi Mensah, L. Ortiz · eso

Deep infrared imaging of forty barred spirals shows dust lanes that trace gas inflow toward their nuclei.

6.0GAJun 9, 2014
Stellar Streams Around the Andromeda Halo

Lena Ortiz, Ines Duarte · eso

A census of faint stellar streams in the Andromeda halo constrains the accretion history of its satellites.
"""


def namesakes(folder: Path) -> list[Path]:
    """Two saves of one Lena Ortiz's profile and one of another's."""
    folder.mkdir(parents=True, exist_ok=True)
    return [write(folder, "learning.txt", LEARNING), write(folder, "resaved.txt", RESAVED),
            write(folder, "galaxies.txt", GALAXIES)]


def test_namesakes_profiles_are_two_pages_and_a_resave_is_one(tmp_path: Path) -> None:
    learning, resaved, galaxies = (parse_file(f) for f in namesakes(tmp_path))
    assert learning.base == resaved.base == galaxies.base == learning.id
    found = match_saves(p.profile_save() for p in (galaxies, resaved, learning))
    base = learning.base
    assert found == {learning.snapshot: base, resaved.snapshot: base,
                     galaxies.snapshot: f"{base}-{galaxies.snapshot.removeprefix('snap-')[:8]}"}
    # the owner under another spelling ("L. Ortiz") is no co-author the two pages share
    assert galaxies.profile_save().coauthors == {"a-kofi-mensah", "a-ines-duarte"}  # type: ignore[union-attr]
    # kg parse: two people, each with the figures of their own page's newest save
    people = {a.id: a for a in resolve([learning, resaved, galaxies]).authors if a.block == "ortiz l"}
    assert {a: p.h_index for a, p in people.items()} == {"a-lena-ortiz": 10, "a-lena-ortiz-2": 21}


def ortiz(db: Db) -> list[tuple[str, str, list[str], int | None]]:
    """Each Lena Ortiz page: its id, its owner, its saves' dates, the owner's h-index."""
    rows = db.query("MATCH (g:Page {format: 'profile'})-[:PROFILE_OF]->(a:Author) WHERE a.block = 'ortiz l' "
                    "RETURN g.id AS page, a.id AS owner, COLLECT { MATCH (g)<-[:SNAPSHOT_OF]-(s) "
                    "RETURN s.saved_at ORDER BY s.saved_at } AS saves, a.h_index AS h ORDER BY page")
    return [(r["page"], r["owner"], r["saves"], r["h"]) for r in rows]


def test_namesakes_in_the_graph_in_any_order(db: Db, tmp_path: Path) -> None:
    files = namesakes(tmp_path)
    learning, galaxies = parse_file(files[0]), parse_file(files[2])
    want = load(db, files)
    suffix = galaxies.snapshot.removeprefix("snap-")[:8]
    assert ortiz(db) == [(learning.base, "a-lena-ortiz", ["2024-04-01", "2024-05-06"], 10),
                         (f"{learning.base}-{suffix}", "a-lena-ortiz-2", ["2024-04-15"], 21)]
    assert seq_problems(export_nt(db)) == []
    # one by one, the earliest last: the other Lena Ortiz's page holds the base id until then, and gives it up
    wipe_graph(db.driver, db.database)
    for f in (files[2], files[1], files[0]):
        load(db, [f], fresh=False)
    # loads after the first assign their new mentions to the people before them; clustering every block in
    # full gives the graph of one load (docs/authors.md)
    resolve_authors(db.driver, db.database, every_block(db.driver, db.database), weights())
    assert graph_digest(db.driver, db.database) == want
    # with other pages, in batches of two papers, reversed, loaded again: one graph
    more = three_pages(tmp_path / "more")
    both = load(db, [*more, *files])
    wipe_graph(db.driver, db.database)
    assert Loader(db.driver, db.database, batch_papers=2).load(pages([*files[::-1], *more])).rejected == []
    assert graph_digest(db.driver, db.database) == both
    assert load(db, [files[1], *more, files[0]], fresh=False) == both


def test_forgetting_a_namesakes_page_gives_the_other_its_place(db: Db, tmp_path: Path) -> None:
    files = namesakes(tmp_path)
    want = load(db, files[2:])
    load(db, files)
    forget(db.driver, parse_file(files[0]).base, db.database)
    assert graph_digest(db.driver, db.database) == want


@st.composite
def profile_saves(draw: st.DrawFn) -> list[ProfileSave]:
    """Saves of two owners' names, each of a few papers and co-authors drawn from small pools."""
    count = draw(st.integers(1, 8))
    return [ProfileSave(f"snap-{i:016x}", draw(st.sampled_from(["2024-01-01", "2024-02-01", "2024-03-01"])),
                        draw(st.sampled_from(["page-a", "page-b"])),
                        frozenset(draw(st.lists(st.sampled_from("pqrstuvw"), min_size=1, max_size=3))),
                        frozenset(draw(st.lists(st.sampled_from("abcdefgh"), max_size=2))))
            for i in range(count)]


@settings(max_examples=200, deadline=None)
@given(saves=profile_saves(), data=st.data())
def test_matching_is_order_free_and_a_newer_save_renumbers_no_page(saves: list[ProfileSave],
                                                                  data: st.DataObject) -> None:
    found = match_saves(saves)
    assert match_saves(data.draw(st.permutations(saves), label="shuffled")) == found
    for a in saves:  # a shared paper or co-author is one page; a page of one base holds only its saves
        for b in saves:
            if a.base == b.base and (a.papers & b.papers or a.coauthors & b.coauthors):
                assert found[a.snapshot] == found[b.snapshot]
            assert found[a.snapshot].startswith(a.base)
    # a save newer than every other keeps every page's id, but where it joins two pages into one
    newer = data.draw(profile_saves(), label="newer")[0]
    newer = ProfileSave("snap-ffffffffffffffff", "2024-12-01", newer.base, newer.papers, newer.coauthors)
    after = match_saves([*saves, newer])
    joined = {found[s.snapshot] for s in saves if s.base == newer.base
              and (s.papers & newer.papers or s.coauthors & newer.coauthors)}
    for kept in saves:
        if len(joined) < 2 or found[kept.snapshot] not in joined:
            assert after[kept.snapshot] == found[kept.snapshot]
