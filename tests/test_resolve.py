"""Resolution across pages: one paper per title, one institution per organisation, stable ids."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kg.graph.ids import paper_id
from kg.ingest.pages import parse_file
from kg.ingest.resolve import Resolver
from tests.corpora import Corpus
from tests.pages import FEED, PROFILE, SEARCH, write


def resolve(*paths: Path):
    resolver = Resolver()
    for path in paths:
        for record in parse_file(path).records:
            resolver.add(record)
    return resolver.graph()


def test_titles_match_after_unicode_case_and_punctuation_folding() -> None:
    assert paper_id("Graph Networks That Transfer") == paper_id("graph  networks that transfer!")
    assert paper_id("Café: Ünïcode Tïtle") == paper_id("CAFE - Unicode Title")
    assert paper_id("Graph Networks That Transfer") != paper_id("Graph Networks That Transfer 2")


def test_papers_on_several_pages_are_one_with_all_sources(tmp_path: Path) -> None:
    graph = resolve(write(tmp_path, "a.txt", PROFILE), write(tmp_path, "b.txt", FEED),
                    write(tmp_path, "c.txt", SEARCH))
    by_title = {p.title: p for p in graph.papers}
    assert len(graph.papers) == 4  # 7 listings of 4 papers
    assert {t: {s.format for s in p.sources} for t, p in by_title.items()} == {
        "Graph Networks That Transfer": {"profile", "feed"},
        "Seeing Engines": {"profile"},
        "Notes on the Analytical Engine": {"profile", "search"},
        "A Loom for Numbers": {"feed", "search"},
    }
    paper = by_title["Graph Networks That Transfer"]
    # the union of fields: score and category from the profile, upvotes and count from the feed
    assert (paper.score, paper.category, paper.upvotes, paper.author_count) == (12.5, "cs.LG", 12, 4)
    assert paper.links == ["https://ada.github.io/gt"]
    assert paper.repos == ["ada/graph-transfer"]  # three URL forms, one repo
    assert [r.id for r in graph.repos].count("ada/graph-transfer") == 1


def test_partial_date_gives_way_to_full_date(tmp_path: Path) -> None:
    later = FEED.replace("Graph networks that transfer!", "Seeing Engines").replace("Mar 3, 2024 12", "Feb 26, 2024")
    graph = resolve(write(tmp_path, "a.txt", PROFILE), write(tmp_path, "b.txt", later))
    paper = next(p for p in graph.papers if p.title == "Seeing Engines")
    assert (paper.date, paper.year) == ("2024-02-26", 2024)


def test_slug_and_organisation_name_are_one_institution(tmp_path: Path) -> None:
    graph = resolve(write(tmp_path, "a.txt", PROFILE), write(tmp_path, "b.txt", FEED))
    meta = [i for i in graph.institutions if i.id == "meta-ai"]
    assert len(meta) == 1 and "facebook AI at Meta" in meta[0].aliases and "meta-ai" in meta[0].aliases
    assert {p.title for p in graph.papers if "meta-ai" in p.institutions} == {
        "Graph Networks That Transfer", "A Loom for Numbers"}


def test_unknown_organisation_uses_its_handle(tmp_path: Path) -> None:
    text = FEED.replace("facebook AI at Meta", "Harvard Harvard University")
    graph = resolve(write(tmp_path, "b.txt", text))
    assert [(i.id, i.name) for i in graph.institutions] == [("harvard", "Harvard University")]


def test_every_paper_has_a_topic_and_shared_topics_are_one_node(corpus: Corpus) -> None:
    graph = resolve(*corpus.files())
    assert all(p.topics for p in graph.papers)
    ids = [t.id for t in graph.topics]
    assert len(ids) == len(set(ids))
    assert len([p for p in graph.papers if corpus.topic.id in p.topics]) == corpus.topic.papers


def run_parse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", "parse", *args], capture_output=True, text=True)


def test_cli_json_shape_and_stable_ids(corpus: Corpus) -> None:
    first, second = run_parse(str(corpus.pages)), run_parse(*map(str, corpus.files()))
    assert first.returncode == 0 and first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert set(data) == {"papers", "authors", "institutions", "repos", "topics"}
    assert len(data["papers"]) == corpus.papers
    paper = data["papers"][0]
    for key in ("id", "title", "abstract", "authors", "author_count", "institutions", "repos",
                "topics", "date", "sources"):
        assert key in paper
    for owner, count in corpus.profiles.items():
        profile = [p for p in data["papers"] if any(s["format"] == "profile" and s["page"] == owner
                                                    for s in p["sources"])]
        assert len(profile) == count and all(owner in p["authors"] for p in profile), owner


def test_cli_reports_bad_files_and_keeps_good_ones(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\xff" * 100)
    good = write(tmp_path, "good.txt", FEED)
    result = run_parse(str(good), str(junk), str(tmp_path / "missing.txt"))
    assert result.returncode == 1
    assert len(json.loads(result.stdout)["papers"]) == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: {junk}: binary file, not a text page",
                     f"error: {tmp_path / 'missing.txt'}: no such file",
                     "error: rejected 2 of 3 files"]
    assert "Traceback" not in result.stderr
