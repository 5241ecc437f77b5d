"""Each page format, detected from content, with every field the page gives."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from kg.errors import PageError
from kg.ingest.pages import detect, parse_file
from tests.corpora import Corpus
from tests.pages import FEED, PROFILE, SEARCH, write


def test_a_corpus_gives_its_listings_in_three_formats(corpus: Corpus) -> None:
    counts = dict.fromkeys(("profile", "feed", "search"), 0)
    for path in corpus.files():
        page = parse_file(path)
        counts[page.format] += len(page.records)
    assert counts == corpus.listings


def test_profile_fields_and_owner(tmp_path: Path) -> None:
    page = parse_file(write(tmp_path, "anything.txt", PROFILE))
    assert page.format == "profile"
    first, second, third = (r.paper for r in page.records)
    assert first.title == "Graph Networks That Transfer"
    assert first.authors == ["Charles Babbage", "Mary Somerville", "Ada Lovelace"]
    assert first.author_count is None  # "et al." hides how many there are
    assert (first.score, first.category, first.date, first.year, first.has_code) == (
        12.5, "cs.LG", "2024-03-03", 2024, True)
    assert first.institutions == ["meta-ai"] and first.repos == ["ada/graph-transfer"]
    assert "arxiv:cs.LG" in first.topics
    assert second.date == "--02-26" and second.year is None  # no year on the page: none invented
    assert second.authors == ["Charles Babbage", "Ada Lovelace"] and second.author_count == 2
    assert second.repos == ["hf:datasets/ada/engines"]
    assert third.authors == ["Luigi Menabrea", "Ada Lovelace"]
    assert third.institutions == ["cmu"]
    assert all(r.paper.sources[0].page == "Ada Lovelace" for r in page.records)


def test_feed_fields(tmp_path: Path) -> None:
    page = parse_file(write(tmp_path, "f", FEED))
    assert page.format == "feed"
    first, second = (r.paper for r in page.records)
    assert first.title == "Graph networks that transfer!"
    assert (first.author_count, first.date, first.upvotes) == (4, "2024-03-03", 12)
    assert first.repos == ["ada/graph-transfer"] and first.links == ["https://ada.github.io/gt"]
    assert second.organization == "facebook AI at Meta" and second.institutions == ["meta-ai"]
    assert second.upvotes is None and second.author_count is None
    assert page.records[0].paper.sources[0].page == "Mar 4"


def test_search_unglues_first_title(tmp_path: Path) -> None:
    page = parse_file(write(tmp_path, "s", SEARCH))
    assert page.format == "search"
    titles = [r.paper.title for r in page.records]
    assert titles == ["Notes on the Analytical Engine", "A Loom for Numbers"]
    assert page.records[0].paper.repos == ["menabrea/notes"]


def test_search_title_without_abstract_is_kept(tmp_path: Path) -> None:
    text = SEARCH.replace("A Loom for Numbers\n", "A Loom for Numbers\nAn Orphan Title\n")
    page = parse_file(write(tmp_path, "s", text))
    assert [r.paper.title for r in page.records][-2:] == ["A Loom for Numbers", "An Orphan Title"]
    assert page.records[1].paper.abstract == ""


def test_format_is_detected_from_content_not_name() -> None:
    assert detect(PROFILE.splitlines()) == "profile"
    assert detect(FEED.splitlines()) == "feed"
    assert detect(SEARCH.splitlines()) == "search"
    assert detect(["just one line of text"]) is None
    assert detect(["name,age", "ada,36", "charles,41"]) is None


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"\x00\x01\x02binary\xff", "binary file"),
    (b"caf\xe9 au lait\nmore text here\n", "not UTF-8"),
    (b"# A README\n\nSome prose that is not a listing page at all.\n", "not a page in a known format"),
])
def test_bad_input_is_one_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(PageError, match=message) as info:
        parse_file(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PageError, match="no such file"):
        parse_file(tmp_path / "nope.txt")


def test_decomposed_accents_in_author_lines(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "José García, Zoë Brown")
    page = parse_file(write(tmp_path, "p.txt", PROFILE.replace("Charles Babbage, Ada Lovelace", nfd)))
    assert page.records[1].paper.authors == ["José García", "Zoë Brown", "Ada Lovelace"]


def test_lower_case_first_search_title(tmp_path: Path) -> None:
    page = parse_file(write(tmp_path, "s.txt", SEARCH.replace("SubscribeNotes on", "SubscribemPLUG notes on")))
    assert page.records[0].paper.title == "mPLUG notes on the Analytical Engine"
