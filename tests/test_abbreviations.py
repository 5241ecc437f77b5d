"""A paper that writes only an abbreviation gets the topic of its long form wherever the corpus defines it
(issue 32, item 7): in `kg parse`, in `kg ingest` of the pages in any order and batches, with `--bulk`,
after `kg pages forget` of the page that defined it, and in the SPARQL store a load refreshes."""
from __future__ import annotations

import io
import itertools
import random
import re
import string
import tempfile
from pathlib import Path

import neo4j
import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import server
from kg.graph import abbrev
from kg.graph.model import ABBREVIATION
from kg.graph.records import Graph
from kg.ingest import phrases
from kg.ingest.pages import pages
from kg.ingest.topics import abbreviation_share, written
from kg.rdf.export import FORMATS, triple_batches, write
from kg.rdf.sparql_store import Layout, Sync, is_current, rebuild
from kg.rdf.vocab import Iris
from kg.settings import Settings as EnvSettings
from kg.store import abbrev as store_abbrev
from kg.store.bulk import bulk_ingest, prepared
from kg.store.connection import Settings, driver
from kg.store.digest import diff, graph_digest, save
from kg.store.load import Loader
from kg.store.pages import forget
from kg.store.schema import wipe_graph
from kg.synth import words
from tests.graphs import Db, graph_nodes, parsed_nodes, resolve, synth
from tests.pages import write as write_page

IRIS = Iris(EnvSettings.model_fields["base_iri"].default)


def search(query: str, *papers: tuple[str, str]) -> str:
    """A search page for `query` listing `papers` (title, abstract, made long enough to read as one), in the
    format of tests/pages.py SEARCH."""
    lines = [f'Search results for "{query}"', "Get trending papers in your email inbox once a day!",
             "Get trending papers in your email inbox!"]
    for i, (title, abstract) in enumerate(papers):
        lines += [("Subscribe" if i == 0 else "") + title, abstract + " Results on twelve public tasks are reported in full."]
    return "\n".join(lines) + "\n"


# Two papers define RL as reinforcement learning, one as representation learning, one LLM; two write only one.
DEFINING = search("Defining", (
    "Scaling Laws Revisited", "We revisit scaling laws for large language models (LLMs) on twelve tasks."), (
    "Rewards for Robots", "Robots trained by reinforcement learning (RL) grasp objects they never saw."), (
    "Policies Without Rewards", "Offline reinforcement learning (RL) recovers policies from logged data."))
OTHER = search("Elsewhere", (
    "Graphs That Embed", "Unsupervised representation learning (RL) embeds molecular graphs for retrieval."),)
USING = search("Using", (
    "Serving Models Quickly", "We serve LLMs on one GPU with speculative decoding across many prompts."), (
    "Robots That Adapt", "Our RL agents adapt their grasping to objects of unseen shapes within minutes."))
LLM, REINFORCEMENT, REPRESENTATION = "kp:large-language-model", "kp:reinforcement-learning", "kp:representation-learning"


@pytest.fixture
def db(clean_db: neo4j.Driver, neo4j_settings: Settings) -> Db:
    """The tests' database, emptied."""
    return Db(clean_db, neo4j_settings.database)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """The three pages, written."""
    return {name: write_page(tmp_path, f"{name.lower()}.txt", text)
            for name, text in (("Defining", DEFINING), ("Elsewhere", OTHER), ("Using", USING))}


def topics_of(graph: Graph) -> dict[str, dict[str, list[str]]]:
    """Each paper's topics by title, with where each was found."""
    return {p.title: p.found_in for p in graph.papers}


def load(db: Db, chosen: list[Path], batch: int = 2000, fresh: bool = True) -> str:
    """`kg ingest` of `chosen` (into an emptied database if `fresh`); the graph's digest."""
    if fresh:
        wipe_graph(db.driver, db.database)
    summary = Loader(db.driver, db.database, batch).load(pages(chosen))
    assert summary.rejected == []
    return graph_digest(db.driver, db.database)


# -- the rule -------------------------------------------------------------------------------------------

def test_the_long_form_most_papers_name_wins_and_ties_go_to_the_smallest() -> None:
    assert abbrev.choose({"representation learning": 1, "reinforcement learning": 2}) == "reinforcement learning"
    assert abbrev.choose({"b model": 1, "a model": 1}) == "a model"
    assert abbrev.choose({"a model": 0}) is None and abbrev.choose({}) is None


def test_parse_links_a_paper_that_writes_only_the_abbreviation(files: dict[str, Path]) -> None:
    graph = resolve(pages(list(files.values())))
    found = topics_of(graph)
    assert found["Serving Models Quickly"][LLM] == [ABBREVIATION]
    assert found["Robots That Adapt"][REINFORCEMENT] == [ABBREVIATION]
    assert REPRESENTATION not in found["Robots That Adapt"]
    # a paper that defines it its own way keeps its own reading
    assert REINFORCEMENT not in found["Graphs That Embed"]
    rl = next(t for t in graph.topics if t.id == "kp:rl")
    assert rl.aliases == ["reinforcement learning", "representation learning"]
    assert rl.stands_for == "reinforcement learning"
    assert abbreviation_share(graph)[""] == (2, 2)
    # without the two papers that read RL as reinforcement learning, the corpus's one long form is the other
    alone = topics_of(resolve(pages([files["Elsewhere"], files["Using"]])))
    assert alone["Robots That Adapt"][REPRESENTATION] == [ABBREVIATION]
    assert LLM not in alone["Serving Models Quickly"]  # nothing defines LLM


def test_a_synth_corpus_links_nine_in_ten_papers_that_write_only_an_abbreviation(tmp_path: Path) -> None:
    """Synth plants abstracts that use an abbreviation without defining it (words.UNDEFINED_SENTENCES), and
    defines each in others, RL and LM now and then as a second long form (words.OTHER_LONG_FORMS)."""
    graph = resolve(pages(synth(tmp_path / "corpus", 400, 7)))
    long_of = {abbr.rstrip("s"): abbrev.long_form_id(phrases.fold(long)) for long, abbr in words.ABBREVIATIONS.items()}
    undefined = [re.escape(s).replace(re.escape("{abbr}"), r"(\w+)") for s in words.UNDEFINED_SENTENCES]
    planted = linked = 0
    for paper in graph.papers:
        for pattern in undefined:
            for abbr in re.findall(pattern, paper.abstract):
                acronyms, named = written(paper.title, paper.abstract)
                short = abbr.rstrip("s")
                if any(abbrev.long_form_id(f) in named for t in graph.topics if t.name == short for f in t.aliases):
                    continue  # it names a long form itself
                planted += 1
                linked += long_of[short] in paper.found_in
    assert planted >= 30 and linked >= 0.9 * planted, (planted, linked)
    share = abbreviation_share(graph)
    assert share[""][1] >= 0.9 * share[""][0]
    assert next(t for t in graph.topics if t.name == "RL").stands_for == "reinforcement learning"


# Text around them: words, numbers and the punctuation of prose, parentheses too (on one line: a page's abstract).
FILLER = string.ascii_letters + string.digits + " .,;:()-'"
WORDS = st.sampled_from(["graph", "neural", "network", "vision", "robot", "policy", "sparse", "kernel", "memory"])


@settings(max_examples=40, deadline=None)
@given(defs=st.lists(st.tuples(st.lists(WORDS, min_size=2, max_size=3, unique=True), st.booleans()),
                     min_size=1, max_size=6), filler=st.text(FILLER, max_size=40), order=st.randoms(use_true_random=False))
def test_any_order_of_papers_gives_the_same_long_forms(defs: list[tuple[list[str], bool]], filler: str,
                                                        order: random.Random) -> None:
    """User text: abstracts that define an abbreviation (its initials) or only use it, amid any text."""
    papers = []
    for i, (long_words, defines) in enumerate(defs):
        short = "".join(w[0] for w in long_words).upper()
        body = f"{' '.join(long_words)} ({short}) work." if defines else f"Our {short} runs fast."
        papers.append((f"Paper number {i} on {long_words[0]}s", f"{filler} {body}"))
    text = search("Hypothesis", *papers)
    shuffled = list(papers)
    order.shuffle(shuffled)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        one = resolve(pages([write_page(folder, "a.txt", text)]))
        two = resolve(pages([write_page(folder, "b.txt", search("Hypothesis", *shuffled))]))
    assert topics_of(one) == topics_of(two)
    defined = {t.id: t for t in one.topics if t.stands_for}
    for paper in one.papers:
        for a, topic in defined.items():
            if abbrev.writes_only(paper.found_in, a, map(abbrev.long_form_id, topic.aliases)):
                assert paper.found_in[abbrev.long_form_id(topic.stands_for or "")] == [ABBREVIATION]


# -- the graph ------------------------------------------------------------------------------------------

@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_load_order_gives_the_graph_parse_gives(db: Db, files: dict[str, Path], tmp_path: Path,
                                                    data: st.DataObject) -> None:
    everything = list(files.values())
    graph = resolve(pages(everything))
    want = load(db, everything)
    save(db.driver, db.database, tmp_path / "want.txt")
    assert graph_nodes(db) == parsed_nodes(graph)
    order = data.draw(st.permutations(everything), label="order")
    separately = data.draw(st.booleans(), label="one load per page")
    wipe_graph(db.driver, db.database)
    for page in order if separately else [None]:
        load(db, [page] if page else order, batch=data.draw(st.integers(1, 3), label="batch"), fresh=False)
    got = save(db.driver, db.database, tmp_path / "got.txt")
    assert got == want, diff(tmp_path / "want.txt", tmp_path / "got.txt")
    assert kept_counts(db) == counted_again(db)  # each load added its own papers' change to the counts


def kept_counts(db: Db) -> dict[str, list[int]]:
    """The papers per long form each abbreviation's kept counts say (kg/store/abbrev.py)."""
    return {r["id"]: r["papers"] for r in db.query(f"MATCH (c:{store_abbrev.COUNTED}) RETURN c.id AS id, c.papers AS papers")}


def counted_again(db: Db) -> dict[str, list[int]]:
    """The same, counted over the graph."""
    kept = db.query(f"MATCH (c:{store_abbrev.COUNTED}) RETURN c.id AS id, c.forms AS forms")
    assert kept, "no abbreviation's counts were kept"
    rows = [{"id": r["id"], "forms": [abbrev.long_form_id(f) for f in r["forms"]]} for r in kept]
    return {r["id"]: r["papers"] for r in db.query(store_abbrev.RECOUNT, rows=rows)}


def test_a_later_definition_links_the_papers_loaded_before_it(db: Db, files: dict[str, Path]) -> None:
    load(db, [files["Using"]])
    query = ("MATCH (p:Paper)-[r:HAS_TOPIC]->(t:Topic {id: $id}) WHERE r.found_in = [$mark] "
             "RETURN p.title AS title ORDER BY title")
    assert db.query(query, id=LLM, mark=ABBREVIATION) == []
    load(db, [files["Elsewhere"]], fresh=False)
    assert [r["title"] for r in db.query(query, id=REPRESENTATION, mark=ABBREVIATION)] == ["Robots That Adapt"]
    load(db, [files["Defining"]], fresh=False)  # RL now stands for reinforcement learning: the link moves
    assert [r["title"] for r in db.query(query, id=LLM, mark=ABBREVIATION)] == ["Serving Models Quickly"]
    assert [r["title"] for r in db.query(query, id=REINFORCEMENT, mark=ABBREVIATION)] == ["Robots That Adapt"]
    assert db.query(query, id=REPRESENTATION, mark=ABBREVIATION) == []


def test_papers_loaded_again_are_counted_once(db: Db, files: dict[str, Path]) -> None:
    # The kept counts take what a load's papers changed: a paper seen again changes nothing.
    load(db, [files["Defining"], files["Elsewhere"]])
    first = kept_counts(db)
    load(db, [files["Elsewhere"], files["Defining"]], fresh=False)
    assert kept_counts(db) == first == counted_again(db)
    assert any(n > 0 for papers in first.values() for n in papers)


def test_forgetting_the_defining_page_undoes_it(db: Db, files: dict[str, Path]) -> None:
    want = load(db, [files["Elsewhere"], files["Using"]])
    load(db, list(files.values()))
    forget(db.driver, "Defining", db.database)
    assert graph_digest(db.driver, db.database) == want
    want = load(db, [files["Using"]])
    load(db, list(files.values()))
    forget(db.driver, "Defining", db.database)
    forget(db.driver, "Elsewhere", db.database)
    assert graph_digest(db.driver, db.database) == want


def test_bulk_gives_the_same_graph(db: Db, files: dict[str, Path], tmp_path: Path, test_home: server.Neo4jHome,
                                   neo4j_settings: Settings) -> None:
    corpus = [*synth(tmp_path / "corpus", 60, 11), *files.values()]
    want = load(db, corpus, batch=25)
    save(db.driver, db.database, tmp_path / "incremental.txt")
    wipe_graph(db.driver, db.database)
    assert bulk_ingest(prepared(corpus), home=test_home).rejected == []
    with driver(neo4j_settings, liveness_check_timeout=0) as fresh:  # not one that lived through the import
        got = save(fresh, neo4j_settings.database, tmp_path / "bulk.txt")
    assert got == want, diff(tmp_path / "incremental.txt", tmp_path / "bulk.txt")


def test_the_sparql_store_follows_papers_that_gain_a_long_form(db: Db, files: dict[str, Path], tmp_path: Path,
                                                               neo4j_settings: Settings) -> None:
    root = tmp_path / "sparql"
    load(db, [files["Using"], files["Elsewhere"]])
    rebuild(db.driver, db.database, IRIS, root)
    seen: list[dict[str, list[str]]] = []
    with Sync(db.driver, db.database, root) as sync:
        def on_commit(touched: dict[str, list[str]]) -> None:
            seen.append(touched)
            sync(touched)

        Loader(db.driver, db.database, on_commit=on_commit).load(pages([files["Defining"]]))
    assert sync.error is None and is_current(db.driver, db.database, root)
    gained = {r["id"] for r in db.query("MATCH (p:Paper {title: 'Serving Models Quickly'}) RETURN p.id AS id")}
    assert gained <= set(itertools.chain.from_iterable(t.get("Paper", []) for t in seen))
    layout = Layout(root)
    published = pyoxigraph.Store.read_only(str(layout.generation(layout.current())))  # type: ignore[arg-type]
    ours = {(q.subject, q.predicate, q.object) for q in published.quads_for_pattern(None, None, None, None)}
    buffer = io.BytesIO()
    write(triple_batches(db.driver, db.database, IRIS), buffer, FORMATS["nt"], IRIS)
    theirs = pyoxigraph.Store()
    theirs.load(buffer.getvalue(), pyoxigraph.RdfFormat.N_TRIPLES)
    assert ours == {(q.subject, q.predicate, q.object) for q in theirs}
