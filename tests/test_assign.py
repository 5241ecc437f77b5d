"""A load gives its new mentions to the people the graph holds (kg/store/assign.py): nothing is left pending,
every person keeps a summary, the result is close to full clustering, `recluster --all` gives the graph of
one load of every page, and a load stopped half way and run again ends where the load run once ends."""
from __future__ import annotations

from pathlib import Path

import neo4j
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.bench.authors import b_cubed
from kg.ingest.identities import weights
from kg.ingest.pages import pages
from kg.ingest.resolve import Resolver
from kg.store.assign import marked
from kg.store.authors import every_block, resolve_authors
from kg.store.digest import diff, graph_digest, save
from kg.store.load import Loader
from kg.store.schema import wipe_graph
from kg.synth.corpus import synthesize
from kg.synth.identities import TRUTH_FILE, read_truth
from tests.pages import write
from tests.test_authors import ABSTRACT, profile

MENTIONS = """
MATCH (a:Author)-[r:AUTHORED]->(p:Paper)
UNWIND coalesce(r.names, [a.id]) AS name
RETURN p.id AS paper, name, a.id AS author
"""
STATE = """
RETURN COUNT { ()-[:AUTHORED {pending: true}]->() } AS pending,
       COUNT { ()-[:PROFILE_OF {pending: true}]->() } AS owned_pending,
       COUNT { MATCH (a:Author) WHERE NOT EXISTS { MATCH (s:__Summary {id: a.id}) } } AS unsummarized,
       COUNT { MATCH (s:__Summary) WHERE NOT EXISTS { MATCH (a:Author {id: s.id}) } } AS orphans,
       COUNT { MATCH (p:Paper) WITH p, [(p)<-[r:AUTHORED]-() | r.position] AS at
               WHERE size(at) > 0 AND COLLECT { UNWIND at AS x RETURN x ORDER BY x } <> range(0, size(at) - 1)
               RETURN p } AS misnumbered
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small `kg synth --identities` corpus: variant spellings, namesakes, profiles."""
    out = tmp_path_factory.mktemp("identities")
    synthesize(out, papers=400, seed=3, workers=1, identities=True)
    return out


def files_of(corpus: Path) -> list[Path]:
    return sorted((corpus / "pages").rglob("*.txt"))


def mentions(db: neo4j.Driver) -> dict[tuple[str, str], str]:
    records, _, _ = db.execute_query(MENTIONS)
    return {(r["paper"], r["name"]): r["author"] for r in records}


def state(db: neo4j.Driver) -> dict[str, int]:
    records, _, _ = db.execute_query(STATE)
    return dict(records[0])


def load(db: neo4j.Driver, files: list[Path]) -> Loader:
    loader = Loader(db)
    summary = loader.load(pages(files))
    assert summary.rejected == []
    return loader


CLEAN = {"pending": 0, "owned_pending": 0, "unsummarized": 0, "orphans": 0, "misnumbered": 0}


def test_later_loads_assign_their_mentions_close_to_full_clustering(clean_db: neo4j.Driver, corpus: Path) -> None:
    files = files_of(corpus)
    truth = read_truth(corpus / TRUTH_FILE)
    load(clean_db, files)
    full = mentions(clean_db)
    assert state(clean_db) == CLEAN
    wipe_graph(clean_db)
    first = len(files) * 8 // 10
    load(clean_db, files[:first])
    rest = files[first:]
    done = [load(clean_db, rest[k::3]).assigned for k in range(3)]
    assert sum(d.joined for d in done) > 0  # later loads gave mentions to people the graph held
    grown = mentions(clean_db)
    assert state(clean_db) == CLEAN
    assert grown.keys() == full.keys()
    assert b_cubed(grown, full).f1 >= 0.97
    assert b_cubed(grown, truth).f1 >= b_cubed(full, truth).f1 - 0.02


def test_recluster_all_gives_the_graph_of_one_load(clean_db: neo4j.Driver, corpus: Path, tmp_path: Path) -> None:
    files = files_of(corpus)
    load(clean_db, files)
    want = save(clean_db, None, tmp_path / "one.txt")
    wipe_graph(clean_db)
    for part in (files[1::2], files[0::4], files[2::4]):
        load(clean_db, part)
    resolve_authors(clean_db, None, every_block(clean_db, None), weights())
    assert marked(clean_db, None) == []
    assert save(clean_db, None, tmp_path / "after.txt") == want, diff(tmp_path / "one.txt", tmp_path / "after.txt")


class Stop(Exception):
    """Raised from the SPARQL hook to stop a load after some of its transactions committed."""


def test_a_load_stopped_while_assigning_runs_again_to_the_same_graph(clean_db: neo4j.Driver, corpus: Path,
                                                                      tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kg.store.assign.BLOCKS_PER_TRANSACTION", 10)  # many chunks, to stop between two
    files = files_of(corpus)
    first = len(files) * 7 // 10
    load(clean_db, files[:first])
    before = save(clean_db, None, tmp_path / "before.txt")
    load(clean_db, files[first:])
    want = save(clean_db, None, tmp_path / "once.txt")
    wipe_graph(clean_db)
    load(clean_db, files[:first])
    assert save(clean_db, None, tmp_path / "again.txt") == before
    assigned = 0

    def stop_while_assigning(ids: dict[str, list[str]]) -> None:
        nonlocal assigned
        if "Snapshot" not in ids:  # a transaction of the assignment, not of the pages
            assigned += 1
            if assigned == 2:
                raise Stop

    with pytest.raises(Stop):
        Loader(clean_db, on_commit=stop_while_assigning).load(pages(files[first:]))
    assert state(clean_db)["pending"] > 0
    load(clean_db, files[first:])
    assert save(clean_db, None, tmp_path / "rerun.txt") == want, diff(tmp_path / "once.txt", tmp_path / "rerun.txt")


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=0, max_value=3), min_size=12, max_size=12))
def test_any_sequence_of_loads_reclusters_to_one_load(clean_db: neo4j.Driver, tmp_path_factory: pytest.TempPathFactory,
                                                      parts: list[int]) -> None:
    out = tmp_path_factory.mktemp("small")
    synthesize(out, papers=60, seed=5, workers=1, identities=True)
    files = files_of(out)
    wipe_graph(clean_db)
    load(clean_db, files)
    want = graph_digest(clean_db)
    wipe_graph(clean_db)
    for k in sorted(set(parts)):
        chosen = [f for i, f in enumerate(files) if parts[i % len(parts)] == k]
        if chosen:
            load(clean_db, chosen)
    resolve_authors(clean_db, None, every_block(clean_db, None), weights())
    assert graph_digest(clean_db) == want


# One paper on two profiles: one page writes its second author's given name, the other only the initial.
FULL = profile("Anna Smith", [
    ("9.0CVJun 9, 2016", "Optical Flow Without Labels", "Anna Smith, Yuandong Tian, Bob Jones · cmu",
     ABSTRACT.format("flow")),
])
SHORT = profile("Bob Jones", [
    ("9.0CVJun 9, 2016", "Optical Flow Without Labels", "Anna Smith, Y. Tian, Bob Jones · cmu",
     ABSTRACT.format("flow")),
])
PAPER_AUTHORS = """
MATCH (p:Paper)<-[r:AUTHORED]-(a:Author)
RETURN a.id AS id, a.aliases AS aliases, r.position AS position, r.names AS names ORDER BY position
"""


def test_two_spellings_at_one_place_of_a_paper_are_one_author(clean_db: neo4j.Driver, tmp_path: Path) -> None:
    files = [write(tmp_path, "full.txt", FULL), write(tmp_path, "short.txt", SHORT)]
    want = [{"id": "a-anna-smith", "aliases": ["Anna Smith"], "position": 0, "names": ["a-anna-smith"]},
            {"id": "a-yuandong-tian", "aliases": ["Y. Tian", "Yuandong Tian"], "position": 1,
             "names": ["a-y-tian", "a-yuandong-tian"]},
            {"id": "a-bob-jones", "aliases": ["Bob Jones"], "position": 2, "names": ["a-bob-jones"]}]
    for order in ([files], [files[:1], files[1:]], [files[1:], files[:1]]):
        wipe_graph(clean_db)
        for part in order:
            load(clean_db, part)
        records, _, _ = clean_db.execute_query(PAPER_AUTHORS)
        assert [r.data() for r in records] == want, order
        assert state(clean_db) == CLEAN
    resolver = Resolver()
    for page in pages(files):
        for record in page.records:
            resolver.add(record)
    [paper] = resolver.graph().papers
    assert paper.author_ids == ["a-anna-smith", "a-yuandong-tian", "a-bob-jones"]


def test_a_page_naming_no_author_still_decides_the_links_its_papers_get(clean_db: neo4j.Driver, tmp_path: Path) -> None:
    # A feed page gives no authors, but writing its papers links the spellings other saves list: here one is
    # the id of a namesake other than the person who holds that mention, and the link it gets must go.
    synthesize(tmp_path, papers=41, seed=35, workers=1)
    files = files_of(tmp_path)
    load(clean_db, files)
    want = graph_digest(clean_db)
    for feed in [f for f in files if "/feed/" in str(f)]:
        Loader(clean_db, batch_papers=1).load(pages([feed]))
        assert state(clean_db) == CLEAN
    assert graph_digest(clean_db) == want
