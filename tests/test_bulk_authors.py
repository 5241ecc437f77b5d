"""`kg ingest --bulk` resolves authors before the import, by the rule the incremental load applies in Neo4j
(kg/store/authors.py): the same people, links, positions and profile owners, for drawn pages with namesakes,
variant spellings, owners of complete and incomplete profiles, and for a `kg synth --identities` corpus."""
from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import neo4j
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.graph.model import LABELS, RELATIONSHIPS
from kg.ingest.pages import pages
from kg.store.bulk import bulk_ingest, import_files, prepared
from kg.store.bulk_files import cells
from kg.store.digest import diff, save
from kg.store.load import Loader, Summary
from kg.store.schema import wipe_graph
from tests.pages import write
from tests.test_authors import ABSTRACT, profile

# "Yang-Liu" shares its id with "Yang Liu" but not its name block; "Yáng Liu" shares both.
NAMES = ["Yang Liu", "Y. Liu", "Yang-Liu", "Yáng Liu", "Wei Zhang", "W. Zhang", "Anna Smith", "Bob Jones",
         "Ivan Ivanov"]
OWNERS = ["Yang Liu", "Wei Zhang", "Anna Smith"]
TITLES = ["Sharper Edges for Stereo Depth", "Optical Flow Without Labels", "Gene Regulatory Maps at Scale",
          "Single Cell Atlases of the Gut", "Sparse Attention for Long Inputs", "Robust Speech in Noisy Rooms"]
HEADERS = ["10.0CVMar 3, 2015", "9.0CVJun 9, 2016", "8.0GNMar 3, 2024", "7.0GNFeb 2, 2025", "6.0CLJan 5, 2023"]

paper = st.tuples(st.sampled_from(HEADERS), st.sampled_from(TITLES),
                  st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True),
                  st.sampled_from(["cmu", "oxford", "mit"]))
page = st.tuples(st.sampled_from(OWNERS), st.lists(paper, min_size=1, max_size=4, unique_by=lambda p: p[1]),
                 st.integers(0, 1))


def page_text(owner: str, papers: list[tuple[str, str, list[str], str]], extra: int) -> str:
    """A profile of `owner` (listing all their papers when `extra` is 0, else saying it has more)."""
    text = profile(owner, [(h, t, f"{', '.join(names)} · {inst}", ABSTRACT.format(t.lower()))
                           for h, t, names, inst in papers])
    return text.replace(f"\n{len(papers)}papers\n", f"\n{len(papers) + extra}papers\n", 1)


AUTHORS = "authors", "MATCH (a:Author) RETURN a {.*} AS row"
AUTHORED = "authored", "MATCH (a:Author)-[r:AUTHORED]->(p:Paper) RETURN r {.*, from: a.id, to: p.id} AS row"
PROFILE_OF = "profile_of", "MATCH (g:Page)-[r:PROFILE_OF]->(a:Author) RETURN {from: g.id, to: a.id} AS row"


def from_csv(folder: Path, stem: str) -> list[list[str]]:
    """Every row of one CSV group (header file, then its shards), as strings without the label or type."""
    rows = []
    for part in sorted(folder.glob(f"{stem}-*.csv")):
        with part.open(newline="") as fh:
            rows += [[str(v) for v in r[:-1]] for r in csv.reader(fh)]
    return sorted(rows)


def from_graph(driver: neo4j.Driver, stem: str, query: str) -> list[list[str]]:
    """The same rows, read from the graph: the CSV cells its values give."""
    label = next((x for x in LABELS.values() if x.plural == stem), None)
    names = ([p.name for p in label.props] if label else
             ["from", "to", *(p.name for p in next(r for r in RELATIONSHIPS.values() if r.key == stem).props)])
    records, _, _ = driver.execute_query(query)
    return sorted([str(v) for v in cells([r["row"].get(n) for n in names], "")[:-1]] for r in records)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(drawn=st.lists(page, min_size=1, max_size=4))
def test_bulk_resolves_authors_as_the_incremental_load(clean_db: neo4j.Driver, drawn: list) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = [write(folder, f"{i}.txt", page_text(*p)) for i, p in enumerate(drawn)]
        summary = Summary()
        assert import_files(prepared(files), folder / "import", 1, summary) is not None
        assert summary.rejected == []
        wipe_graph(clean_db)
        assert Loader(clean_db, batch_papers=1).load(pages(files)).rejected == []
        for stem, query in (AUTHORS, AUTHORED, PROFILE_OF):
            assert from_csv(folder / "import", stem) == from_graph(clean_db, stem, query), stem


def test_bulk_equals_incremental_on_planted_identities(clean_db: neo4j.Driver, test_home, tmp_path: Path) -> None:
    from kg.synth.corpus import synthesize

    manifest = synthesize(tmp_path / "corpus", papers=300, seed=3, workers=1, identities=True)
    assert manifest["identities"]["variant_people"] > 0 and manifest["identities"]["homonym_people"] > 0
    files = sorted((tmp_path / "corpus" / "pages").rglob("*.txt"))
    assert bulk_ingest(prepared(files, workers=2), home=test_home, workers=2).rejected == []
    digest = save(clean_db, None, tmp_path / "bulk.txt")
    wipe_graph(clean_db)
    Loader(clean_db).load(pages(files))
    assert save(clean_db, None, tmp_path / "incremental.txt") == digest, diff(tmp_path / "bulk.txt",
                                                                              tmp_path / "incremental.txt")
