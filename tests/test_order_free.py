"""Whatever order the pages come in, `kg parse`, `kg ingest` and `kg ingest --bulk` give the same graph,
and each paper's author positions are 0..n-1, each used once, in the merged order (issue 11)."""
from __future__ import annotations

import random
from pathlib import Path

import neo4j
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import server
from kg.graph.records import Graph
from kg.ingest.pages import pages, parse_file
from kg.store.bulk import bulk_ingest, prepared
from kg.store.connection import Settings, driver
from kg.store.digest import diff, graph_digest, save
from kg.store.load import Loader
from kg.store.schema import wipe_graph
from tests.corpora import Corpus
from tests.graphs import (
    Db,
    author_positions,
    export_nt,
    graph_nodes,
    parsed_nodes,
    position_problems,
    resolve,
    seq_problems,
    seqs,
    synth,
)
from tests.pages import PROFILE, write


@pytest.fixture
def db(clean_db: neo4j.Driver, neo4j_settings: Settings) -> Db:
    """The tests' database, emptied."""
    return Db(clean_db, neo4j_settings.database)


def load(db: Db, files: list[Path], batch_papers: int = 2000) -> None:
    """`kg ingest` of `files` into the emptied database."""
    wipe_graph(db.driver, db.database)
    summary = Loader(db.driver, db.database, batch_papers).load(pages(files))
    assert summary.rejected == []


def same_graph(db: Db, want: str, saved: Path, path: Path) -> None:
    """The graph's digest is `want`, else the diff from the graph saved in `saved`."""
    got = save(db.driver, db.database, path)
    assert got == want, diff(saved, path)


def check_graph(db: Db, graph: Graph) -> None:
    """Author positions 0..n-1 in `kg parse`'s order; nodes as `kg parse` gives them; every rdf:Seq whole."""
    positions = author_positions(db)
    assert position_problems(positions) == []
    assert {paper: [a for _, a in pairs] for paper, pairs in positions.items()} == {
        p.id: p.author_ids for p in graph.papers}
    assert graph_nodes(db) == parsed_nodes(graph)
    assert seq_problems(export_nt(db)) == []


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(papers=st.integers(20, 60), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_any_page_order_gives_the_same_graph(db: Db, tmp_path: Path, papers: int, seed: int,
                                             data: st.DataObject) -> None:
    files = synth(tmp_path / "corpus", papers, seed)
    shuffled = data.draw(st.permutations(files), label="page order")
    batch = data.draw(st.integers(1, papers), label="papers per transaction")
    graph = resolve(pages(files))
    assert resolve(pages(shuffled)).model_dump_json() == graph.model_dump_json()  # kg parse

    load(db, files)
    want = save(db.driver, db.database, tmp_path / "in-order.txt")
    check_graph(db, graph)
    load(db, shuffled, batch)
    same_graph(db, want, tmp_path / "in-order.txt", tmp_path / "shuffled.txt")
    again = data.draw(st.lists(st.sampled_from(files), max_size=3), label="pages loaded again")
    Loader(db.driver, db.database, batch).load(pages(again))
    assert graph_digest(db.driver, db.database) == want


DONE_PAPERS, DONE_SEED = 2000, 11


def test_synth_2000_incremental_shuffled_and_bulk(db: Db, neo4j_settings: Settings, test_home: server.Neo4jHome,
                                                  tmp_path: Path) -> None:
    """Issue 11's done-when: `kg synth --papers 2000 --seed 11` loaded incrementally, in shuffled page order
    and in bulk gives one graph, with unique, contiguous author positions in `kg parse`'s order."""
    files = synth(tmp_path / "corpus", DONE_PAPERS, DONE_SEED, workers=2)
    shuffled = files[:]
    random.Random(DONE_SEED).shuffle(shuffled)
    graph = resolve(pages(files))
    assert len(graph.papers) == DONE_PAPERS
    assert resolve(pages(shuffled)).model_dump_json() == graph.model_dump_json()

    load(db, files)
    want = save(db.driver, db.database, tmp_path / "incremental.txt")
    load(db, shuffled, batch_papers=150)
    same_graph(db, want, tmp_path / "incremental.txt", tmp_path / "shuffled.txt")

    wipe_graph(db.driver, db.database)
    summary = bulk_ingest(prepared(files, workers=2), home=test_home)
    assert summary.rejected == []
    with driver(neo4j_settings, liveness_check_timeout=0) as fresh:  # the import replaced the database
        bulk = Db(fresh, db.database)
        same_graph(bulk, want, tmp_path / "incremental.txt", tmp_path / "bulk.txt")
        check_graph(bulk, graph)
        counts = seqs(export_nt(bulk))
        listed = bulk.query("MATCH (g:Page) RETURN count(g) AS n")[0]["n"]  # a namesake's profile is a page of its own
    assert counts == {"paper": sum(1 for p in graph.papers if p.author_ids), "page": listed, "snapshot": len(files)}
    assert listed >= len({parse_file(f).id for f in files})


def test_a_page_that_repeats_a_paper_and_an_author(db: Db, tmp_path: Path) -> None:
    """A paper listed twice keeps one place, so the page's places stay 0..n-1; an author listed twice on
    a paper is one author, in `kg parse` (so in bulk) as in the incremental graph."""
    last, second = PROFILE.index("7.1CLJan 5, 2023"), PROFILE.index("3.0CVFeb 26")
    text = PROFILE[:last] + PROFILE[second:last] + PROFILE[last:]  # its second paper again, before the third
    text = text.replace("Charles Babbage, Ada Lovelace", "Charles Babbage, Ada Lovelace, Charles Babbage")
    page = parse_file(write(tmp_path, "repeats.txt", text))
    assert [r.paper.sources[0].position for r in page.records] == [0, 1, 1, 2]
    assert [r.paper.author_ids for r in page.records][1] == ["a-charles-babbage", "a-ada-lovelace"]
    load(db, [page.path])
    check_graph(db, resolve([page]))


def test_seed_pages_rdf_seqs(corpus: Corpus, seeded: neo4j.Driver, neo4j_settings: Settings) -> None:
    """Each test corpus's export: every author list and page listing is rdf:_1..rdf:_n."""
    nt = export_nt(Db(seeded, neo4j_settings.database))
    assert seq_problems(nt) == []
    assert (seqs(nt)["page"], seqs(nt)["snapshot"]) == (corpus.page_count, corpus.save_count)
